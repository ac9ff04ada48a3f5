"""The live preview: real HTTP requests against `serve`, with files changed on disk."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import time
import urllib.request
from pathlib import Path

import pytest

from clincalc_site.build.config import BuildConfig
from clincalc_site.preview.server import Preview, running_preview

REPO = Path(__file__).resolve().parents[2]
GOOD = """\
name: Testamol
drug_class: Test class
summary: Testamol is a test drug.
mechanism: It is tested.
review:
  status: draft
  date: 2026-01-01
"""


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def wait_for_build(base: str, after: int, timeout: float = 20.0) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = json.loads(fetch(base + "__clincalc/status")[1])
        if state["build"] > after:
            return state  # type: ignore[no-any-return]
        time.sleep(0.05)
    raise AssertionError("no rebuild happened")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    content = tmp_path / "monographs"
    content.mkdir()
    (content / "testamol.yaml").write_text(GOOD, encoding="utf-8")
    shutil.copytree(REPO / "templates", tmp_path / "templates")
    shutil.copytree(REPO / "static", tmp_path / "static")
    return content


def preview_config(content: Path) -> BuildConfig:
    root = content.parent
    return BuildConfig(
        content_dir=content,
        templates_dir=root / "templates",
        static_dir=root / "static",
        today=dt.date(2026, 11, 26),
    )


def test_serve_rebuilds_on_save_and_keeps_last_good_site_on_error(project: Path) -> None:
    config = preview_config(project)
    with running_preview(config, port=0) as (preview, server):
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        status, page = fetch(base + "drugs/testamol/")
        assert status == 200
        assert "Testamol is a test drug." in page
        assert '<script src="/__clincalc/live.js" defer></script>' in page
        first = preview.state.number

        (project / "testamol.yaml").write_text(
            GOOD.replace("a test drug", "an edited drug"), encoding="utf-8"
        )
        state = wait_for_build(base, first)
        assert state["ok"] is True
        assert "Testamol is an edited drug." in fetch(base + "drugs/testamol/")[1]

        # A content error: the server stays up, reports file:line:col, keeps the last good page.
        (project / "testamol.yaml").write_text(GOOD + "moniter: typo\n", encoding="utf-8")
        state = wait_for_build(base, int(state["build"]))  # type: ignore[call-overload]
        assert state["ok"] is False
        problem = state["problems"][0]  # type: ignore[index]
        assert problem["location"].endswith("testamol.yaml:8:1")
        assert "moniter" in problem["message"]
        assert [8, "moniter: typo"] in problem["snippet"]
        assert "Testamol is an edited drug." in fetch(base + "drugs/testamol/")[1]

        # A new monograph appears; a missing page is a 404 with the site's page.
        (project / "testamol.yaml").write_text(GOOD, encoding="utf-8")
        (project / "second.yaml").write_text(GOOD.replace("Testamol", "Secondol"), encoding="utf-8")
        deadline = time.monotonic() + 20
        while fetch(base + "drugs/second/")[0] != 200:  # one or two rebuilds, either is fine
            assert time.monotonic() < deadline, "the new monograph never appeared"
            time.sleep(0.05)
        status, body = fetch(base + "drugs/nothing-here/")
        assert status == 404
        assert "Page not found" in body
        assert fetch(base + "__clincalc/live.js")[0] == 200


def test_a_save_made_while_the_first_build_runs_is_not_lost(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The watcher compares against the files as the first build saw them, not as they are
    when it starts: an editor saving during a long first build still gets a rebuild."""
    config = preview_config(project)
    first_build = Preview.rebuild
    saved = GOOD.replace("a test drug", "saved during the first build")

    def slow_first_build(preview: Preview) -> None:
        first_build(preview)
        if preview.state.number == 1:  # the editor saves just as the first build ends
            (project / "testamol.yaml").write_text(saved, encoding="utf-8")

    monkeypatch.setattr(Preview, "rebuild", slow_first_build)
    with running_preview(config, port=0) as (_preview, server):
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        state = wait_for_build(base, 1)
        assert state["ok"] is True
        assert "saved during the first build" in fetch(base + "drugs/testamol/")[1]


def test_serve_says_in_the_terminal_what_each_rebuild_did(project: Path) -> None:
    """One line per rebuild, and a broken save's located errors, where the editor typed."""
    lines: list[str] = []
    config = preview_config(project)
    with running_preview(config, port=0, log=lines.append) as (preview, server):
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        assert re.fullmatch(
            r"\d\d:\d\d:\d\d rebuilt in \d+\.\d\d s: 1 monograph page rendered", lines[0]
        )
        (project / "testamol.yaml").write_text(GOOD + "moniter: typo\n", encoding="utf-8")
        wait_for_build(base, preview.state.number)

    broken = lines.index(next(line for line in lines if "not rebuilt" in line))
    assert re.search(r"not rebuilt: 1 error \(the browser shows the last good site", lines[broken])
    assert re.match(r"  \S*testamol\.yaml:8:1: error: .*moniter", lines[broken + 1])


def test_serve_picks_up_a_teams_template_override_made_while_it_runs(tmp_path: Path) -> None:
    """A team's templates/ beside site.yaml, created after serve started, is watched too."""
    content = tmp_path / "monographs"
    content.mkdir()
    (content / "testamol.yaml").write_text(GOOD, encoding="utf-8")
    config = BuildConfig(content_dir=content, today=dt.date(2026, 11, 26))  # packaged templates
    with running_preview(config, port=0) as (preview, server):
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        assert fetch(base + "drugs/testamol/")[0] == 200
        first = preview.state.number

        footer = (REPO / "templates" / "base.html").read_text(encoding="utf-8")
        (tmp_path / "templates").mkdir()
        (tmp_path / "templates" / "base.html").write_text(
            footer.replace("</footer>", "<p>Ward 7 edition</p>\n</footer>"), encoding="utf-8"
        )

        state = wait_for_build(base, first)
        assert state["ok"] is True
        assert "<p>Ward 7 edition</p>" in fetch(base + "drugs/testamol/")[1]
