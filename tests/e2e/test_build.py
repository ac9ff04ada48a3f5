"""The build as a publisher relies on it: atomic, clean, reproducible, with clear exit codes.

Builds run through ``cli.main`` (the command an editor or CI runs) or ``pipeline.build``
against a copy of ``tests/data/site``.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from sitetools import FIXTURE_TODAY, build, copy_fixture_site, snapshot

from clincalc_site import cli
from clincalc_site.build.config import DEFAULT_TEMPLATES, BuildConfig
from clincalc_site.build.pipeline import build as pipeline_build
from clincalc_site.publish.output_folder import OLD_MARK, TEMP_MARK, OutputError
from clincalc_site.publish.site_files import SiteFiles

FIXTURE_EPOCH = str(int(dt.datetime.combine(FIXTURE_TODAY, dt.time(12), dt.UTC).timestamp()))


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A private, editable copy of the fixture site's monographs folder."""
    return copy_fixture_site(tmp_path / "site")


@pytest.fixture
def run_build(monkeypatch: pytest.MonkeyPatch) -> Callable[..., int]:
    """Run ``clincalc-site build`` at the fixture's build date; returns the exit code."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", FIXTURE_EPOCH)

    def run(content_dir: Path, output_dir: Path, *extra: str) -> int:
        args = ["build", "--content", str(content_dir), "--out", str(output_dir), *extra]
        return cli.main([*args, "--no-search"])

    return run


def leftovers(output_dir: Path) -> list[str]:
    """Staging or swap folders a build left beside the output (``.clincalc/`` stays by design)."""
    marks = (f".{output_dir.name}{TEMP_MARK}", f".{output_dir.name}{OLD_MARK}")
    return sorted(p.name for p in output_dir.parent.iterdir() if p.name.startswith(marks))


# --- Atomic: a failed build leaves the previous site exactly as it was ------------------

BREAKAGES = [
    pytest.param("bisoprolol.yaml", "name: [unclosed\n", id="yaml-syntax"),
    pytest.param(
        "warfarin.yaml",
        "name: Warfarin\ndrug_class: Anticoagulant\nmechanism: x\n"
        "review: {status: clinician-reviewed, date: 2026-01-01}\n",
        id="missing-summary",
    ),
    pytest.param(
        "apixaban.yaml",
        (Path(__file__).parents[1] / "data/site/monographs/apixaban.yaml")
        .read_text(encoding="utf-8")
        .replace("related: [warfarin]", "related: [warfarine]"),
        id="unknown-related",
    ),
]


@pytest.mark.parametrize(("file_name", "broken_text"), BREAKAGES)
def test_failed_build_exits_1_and_leaves_previous_output_unchanged(
    tmp_path: Path, content: Path, run_build: Callable[..., int], file_name: str, broken_text: str
) -> None:
    output = tmp_path / "_site"
    assert run_build(content, output) == 0
    before = snapshot(output)
    (content / file_name).write_text(broken_text, encoding="utf-8")

    assert run_build(content, output) == 1

    assert snapshot(output) == before
    assert leftovers(output) == []


def test_failed_first_build_creates_no_output(
    tmp_path: Path, content: Path, run_build: Callable[..., int]
) -> None:
    (content / "warfarin.yaml").write_text("name: [unclosed\n", encoding="utf-8")
    assert run_build(content, tmp_path / "_site") == 1
    assert not (tmp_path / "_site").exists()
    assert leftovers(tmp_path / "_site") == []


def test_template_error_leaves_previous_output_unchanged(tmp_path: Path, content: Path) -> None:
    output = tmp_path / "_site"
    assert not build(content, output).failed
    before = snapshot(output)
    templates = tmp_path / "templates"
    shutil.copytree(DEFAULT_TEMPLATES, templates)
    (templates / "404.html").write_text(
        "{% extends 'base.html' %}{% block content %}{{ no_such_value }}{% endblock %}"
    )

    config = BuildConfig(
        content_dir=content, output_dir=output, templates_dir=templates, today=FIXTURE_TODAY
    )
    report = pipeline_build(config)

    assert report.failed
    assert [d.code for d in report.diagnostics if d.code.startswith("template")] == [
        "template.error"
    ]
    assert snapshot(output) == before
    assert leftovers(output) == []


def test_failure_after_staging_leaves_previous_output_unchanged(
    tmp_path: Path, content: Path
) -> None:
    """A post-processing step (the search index) failing on the staged site publishes nothing."""
    output = tmp_path / "_site"
    assert not build(content, output).failed
    before = snapshot(output)
    (content / "propranolol.yaml").unlink()  # the new site would differ

    def fail(staging: Path, files: SiteFiles) -> None:
        assert (staging / "index.html").is_file()
        raise OutputError("search indexer crashed")

    config = BuildConfig(content_dir=content, output_dir=output, today=FIXTURE_TODAY, finish=fail)
    with pytest.raises(OutputError):
        pipeline_build(config)

    assert snapshot(output) == before
    assert leftovers(output) == []


# --- Clean: a deleted monograph disappears with every link to it ------------------------


def test_deleted_monographs_pages_and_links_disappear(
    tmp_path: Path, content: Path, run_build: Callable[..., int]
) -> None:
    output = tmp_path / "_site"
    assert run_build(content, output) == 0
    assert (output / "drugs/propranolol/index.html").is_file()
    assert (output / "classes/immunomodulator-thalidomide-analogue/index.html").is_file()

    (content / "propranolol.yaml").unlink()  # linked only as a same-class fallback
    (content / "lenalidomide.yaml").unlink()  # the only member of its class
    assert run_build(content, output) == 0

    files = snapshot(output)
    gone = ("drugs/propranolol/", "drugs/lenalidomide/", "classes/immunomodulator-thalidomide")
    for path in files:
        assert not path.startswith(gone), f"{path} was not pruned"
    for path, data in files.items():
        for target in gone:
            assert target.encode() not in data, f"{path} still links to {target}"
    assert (output / "drugs/bisoprolol/index.html").is_file()


# --- Reproducible: the same content builds to the same bytes ----------------------------


def test_two_builds_into_different_folders_are_byte_identical(
    tmp_path: Path, content: Path, run_build: Callable[..., int]
) -> None:
    first_dir, second_dir = tmp_path / "one" / "_site", tmp_path / "two" / "_site"
    assert run_build(content, first_dir) == 0
    assert run_build(content, second_dir) == 0
    first, second = snapshot(first_dir), snapshot(second_dir)
    assert sorted(first) == sorted(second)
    for path, data in first.items():
        assert second[path] == data, f"{path} differs between two builds"


def test_rebuilding_in_place_changes_nothing(
    tmp_path: Path, content: Path, run_build: Callable[..., int]
) -> None:
    output = tmp_path / "_site"
    assert run_build(content, output) == 0
    before = snapshot(output)
    assert run_build(content, output) == 0
    assert snapshot(output) == before


# --- What a build leaves behind: the site, and one folder to git-ignore ----------------


def test_a_default_build_leaves_only_the_site_and_the_clincalc_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A project git-ignores ``_site/`` and ``.clincalc/`` (lock, spare copy, cache): a build
    and a rebuild write nothing else beside the content, and ``.clincalc/`` is safe to delete."""
    project = tmp_path / "project"
    copy_fixture_site(project)
    inputs = sorted(path.name for path in project.iterdir())
    monkeypatch.chdir(project)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", FIXTURE_EPOCH)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home"))  # the cache's key, outside

    for _ in range(2):  # a first build, then a rebuild that uses the cache and the spare
        assert cli.main(["build", "--no-search"]) == 0
        assert sorted(path.name for path in project.iterdir()) == sorted(
            [*inputs, "_site", ".clincalc"]
        )
    state = project / ".clincalc"
    assert sorted(path.name for path in state.iterdir()) == ["_site.lock", "_site.spare", "cache"]
    assert (state / "_site.lock").is_file()
    assert (state / "_site.spare" / "index.html").is_file()  # the copy the next build updates
    assert any((state / "cache").iterdir())

    site = snapshot(project / "_site")
    shutil.rmtree(state)
    assert cli.main(["build", "--no-search"]) == 0
    assert snapshot(project / "_site") == site


def test_the_state_folder_is_refused_as_the_output(
    tmp_path: Path, content: Path, run_build: Callable[..., int]
) -> None:
    assert run_build(content, tmp_path / ".clincalc") == 1
    assert not (tmp_path / ".clincalc").exists()


# --- Exit codes -------------------------------------------------------------------------


def test_successful_build_exits_0(
    tmp_path: Path, content: Path, run_build: Callable[..., int]
) -> None:
    assert run_build(content, tmp_path / "_site") == 0
    assert (tmp_path / "_site" / "index.html").is_file()


def test_base_url_option_sets_the_sitemap_addresses(
    tmp_path: Path, content: Path, run_build: Callable[..., int]
) -> None:
    output = tmp_path / "_site"
    assert run_build(content, output, "--base-url", "https://formulary.northshire.nhs.uk/f") == 0
    sitemap = (output / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://formulary.northshire.nhs.uk/f/drugs/bisoprolol/</loc>" in sitemap
    assert "formulary.example.test" not in sitemap  # site.yaml's base_url is overridden


@pytest.mark.parametrize(
    "base_url", ["ftp://files.example.org/", "not a url", "javascript:alert(1)", ""]
)
def test_bad_base_url_exits_2_and_writes_nothing(
    tmp_path: Path, content: Path, run_build: Callable[..., int], base_url: str
) -> None:
    assert run_build(content, tmp_path / "_site", "--base-url", base_url) == 2
    assert not (tmp_path / "_site").exists()


def test_unknown_option_exits_2(
    tmp_path: Path, content: Path, run_build: Callable[..., int]
) -> None:
    assert run_build(content, tmp_path / "_site", "--no-such-option") == 2


def test_missing_content_folder_exits_1(tmp_path: Path, run_build: Callable[..., int]) -> None:
    assert run_build(tmp_path / "nowhere", tmp_path / "_site") == 1
    assert not (tmp_path / "_site").exists()


def test_build_report_json_counts_the_site_and_lists_every_problem(
    tmp_path: Path, content: Path, run_build: Callable[..., int]
) -> None:
    """CI reads build-report.json: totals, and each diagnostic with its file and line."""
    warfarin = content / "warfarin.yaml"
    warfarin.write_text(
        warfarin.read_text(encoding="utf-8").replace("clinician-reviewed", "draft"),
        encoding="utf-8",
    )
    assert run_build(content, tmp_path / "_site") == 0
    raw = (tmp_path / "_site" / "build-report.json").read_text(encoding="utf-8")
    report = json.loads(raw)

    assert report["ok"] is True
    monographs = len(list(content.glob("*.yaml")))
    assert report["monographs"] + report["withheld_drafts"] == monographs
    assert report["doses_verified"] + report["doses_resourcing"] == report["monographs"]
    notes = [d for d in report["diagnostics"] if d["file"].endswith("warfarin.yaml")]
    assert notes and all(d["line"] >= 1 and d["severity"] for d in notes)
    # One diagnostic per line, so a diff of two reports reads line by line.
    listed = [line for line in raw.splitlines() if line.startswith('    {"code"')]
    assert len(listed) == len(report["diagnostics"])
