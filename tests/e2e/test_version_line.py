"""A page says which version of its monograph it shows: "Version 2, in force since 5 October
2026", worked out from git.

A real git repository in a temporary folder: a monograph is added, re-formatted (no new
version) and its monitoring edited (version 2); a second monograph is added. The build must
number the versions, a rebuild after a new commit must show the new one on that page only,
even when the file itself was built before it was committed, and a file not yet committed,
like a site built outside git, has no version line.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from dose_fixtures import write_registry
from sitetools import git, git_formulary

from clincalc_site import cli
from clincalc_site.build import pipeline
from clincalc_site.build.config import BuildConfig
from clincalc_site.build.pipeline import BuildOptions
from clincalc_site.build.report import BuildReport
from clincalc_site.content.history import MonographVersion, read_git_history

TODAY = dt.date(2026, 11, 26)
ADDED = """\
name: Pomalidomide
drug_class: Immunomodulator (thalidomide analogue)
summary: Oral immunomodulator used for relapsed and refractory multiple myeloma.
mechanism: Modulates the immune system through cereblon-mediated protein degradation.
monitoring: Monitor the full blood count.
review:
  status: draft
  date: 2026-07-04
"""
REFORMATTED = "# checked against the SmPC\n" + ADDED.replace(
    "mechanism: Modulates", "mechanism: >-\n  Modulates"
)
MONITORING = REFORMATTED.replace(
    "Monitor the full blood count.", "Monitor the full blood count weekly for 8 weeks."
)
SUMMARY = MONITORING.replace("multiple myeloma.", "multiple myeloma, with dexamethasone.")
OTHER = ADDED.replace("Pomalidomide", "Otheramide")
VERSION = re.compile(
    r'<p class="version"[^>]*>Version (\d+), in force since '
    r'<time datetime="([0-9-]+)">([^<]+)</time> · <a href="[^"]+/history/">every version</a>\.</p>'
)


def commit(root: Path, date: str, name: str, text: str | None = None) -> None:
    """Commit ``monographs/<name>.yaml`` (written first unless ``text`` is None)."""
    if text is not None:
        (root / "monographs" / f"{name}.yaml").write_text(text, encoding="utf-8")
    git(root, "add", "monographs", date=date)
    git(root, "commit", "-qm", f"edit {name}", date=date)


def write_settings(folder: Path) -> None:
    write_registry(folder)
    (folder / "site.yaml").write_text("base_url: https://formulary.northshire.nhs.uk/\n")


@pytest.fixture
def project(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    git_formulary(tmp_path, monkeypatch, TODAY)
    commit(tmp_path, "2026-10-01", "pomalidomide", ADDED)
    commit(tmp_path, "2026-10-03", "pomalidomide", REFORMATTED)
    commit(tmp_path, "2026-10-05", "pomalidomide", MONITORING)
    commit(tmp_path, "2026-10-06", "otheramide", OTHER)
    return tmp_path


def version_of(site: Path, slug: str) -> tuple[str, str, str] | None:
    page = (site / "drugs" / slug / "index.html").read_text(encoding="utf-8")
    found = VERSION.findall(page)
    assert len(found) <= 1
    return found[0] if found else None


def build(capsys: pytest.CaptureFixture[str]) -> str:
    """Build; what the build said about pages rendered and reused."""
    assert cli.main(["build", "--no-search", "--strict"]) == 0
    said = re.search(r"rendered \d+, reused \d+", capsys.readouterr().err)
    assert said is not None
    return said.group()


def test_pages_show_their_version_and_a_new_commit_updates_the_page(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = project / "_site"
    build(capsys)
    assert version_of(site, "pomalidomide") == ("2", "2026-10-05", "5 October 2026")
    assert version_of(site, "otheramide") == ("1", "2026-10-06", "6 October 2026")
    # Near the status line, inside the monograph
    page = (site / "drugs" / "pomalidomide" / "index.html").read_text(encoding="utf-8")
    status = page.index('class="review-status"')
    assert status < page.index('class="version"') < page.index("</article>")

    commit(project, "2026-11-02", "pomalidomide", SUMMARY)
    build(capsys)
    assert version_of(site, "pomalidomide") == ("3", "2026-11-02", "2 November 2026")
    assert version_of(site, "otheramide") == ("1", "2026-10-06", "6 October 2026")

    # A commit no reader sees makes no version.
    commit(project, "2026-11-21", "pomalidomide", "# re-read\n" + SUMMARY)
    build(capsys)
    assert version_of(site, "pomalidomide") == ("3", "2026-11-02", "2 November 2026")
    assert build(capsys) == "rendered 0, reused 2"  # nothing new: every page reused


def test_a_new_version_re_renders_that_page_only(project: Path) -> None:
    """Every page shows the content's commit, so the command line re-renders all of them
    after any commit; with that held still, what re-renders a page is what it reads."""
    site = project / "_site"

    def build_at() -> BuildReport:
        found = read_git_history(project / "monographs", project / "cache")
        config = BuildConfig(
            project / "monographs",
            site,
            today=TODAY,
            history=tuple(sorted(found.changes.items())),
            versions=tuple(sorted(found.versions.items())),
        )
        report = pipeline.build(config, "abc123", BuildOptions(jobs=1))
        assert not report.failed
        return report

    build_at()
    # Built before it is committed, then committed: the same file, a new version.
    edited = OTHER.replace("full blood count", "full blood count and liver function")
    (project / "monographs" / "otheramide.yaml").write_text(edited, encoding="utf-8")
    assert build_at().rendered == 1
    assert version_of(site, "otheramide") == ("1", "2026-10-06", "6 October 2026")
    commit(project, "2026-11-20", "otheramide")
    assert build_at().rendered == 1
    assert build_at().rendered == 0
    assert version_of(site, "otheramide") == ("2", "2026-11-20", "20 November 2026")

    # The version alone, the changes as they were: still that page, and only it.
    found = read_git_history(project / "monographs")
    moved = MonographVersion(7, "2026-11-22", "f" * 40)
    config = BuildConfig(
        project / "monographs",
        site,
        today=TODAY,
        history=tuple(sorted(found.changes.items())),
        versions=tuple(sorted({**found.versions, "otheramide": (moved,)}.items())),
    )
    assert pipeline.build(config, "abc123", BuildOptions(jobs=1)).rendered == 1
    assert version_of(site, "otheramide") == ("7", "2026-11-22", "22 November 2026")
    assert version_of(site, "pomalidomide") == ("2", "2026-10-05", "5 October 2026")


def test_a_file_not_yet_committed_has_no_version_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "monographs" / "newamide.yaml").write_text(
        ADDED.replace("Pomalidomide", "Newamide"), encoding="utf-8"
    )
    build(capsys)
    assert version_of(project / "_site", "newamide") is None
    assert version_of(project / "_site", "pomalidomide") is not None


def test_a_site_built_outside_git_has_no_version_line(
    project: Path, capsys: pytest.CaptureFixture[str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("outside")
    (elsewhere / "monographs").mkdir()
    write_settings(elsewhere)
    (elsewhere / "monographs" / "pomalidomide.yaml").write_text(MONITORING, encoding="utf-8")
    os.chdir(elsewhere)
    build(capsys)
    assert version_of(elsewhere / "_site", "pomalidomide") is None


def test_a_site_as_of_a_day_shows_the_version_of_that_day(project: Path) -> None:
    commit(project, "2026-11-02", "pomalidomide", SUMMARY)
    assert cli.main(["build", "--no-search", "--as-of", "2026-10-04"]) == 0
    site = project / "_site-as-of-2026-10-04"
    assert version_of(site, "pomalidomide") == ("1", "2026-10-01", "1 October 2026")
