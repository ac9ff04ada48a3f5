"""Archive pages (/drugs/<slug>/v/<n>/) and history pages (/drugs/<slug>/history/), from git.

A real git repository: a monograph is added with a dose still being re-sourced (never
shown), its monitoring edited, its dose verified, its monitoring edited again; then its
source is revised in sources.yaml (the dose is held back: a version of its own, though the
file did not change) and it is edited once more. Every earlier version must have an archive
page under its notice, marked noindex, showing a dose only where that version published it
(decided with team.yaml and sources.yaml as they stood then: the versions from before the
revision show the dose, and say it is no longer current) and saying whether it is still the
current one; no held-back or unverified dose text may appear anywhere else. The history page
lists every version with what changed and a word-by-word comparison. A rebuild after one
more commit renders only the new archive page and the history page; a cold build writes the
same bytes.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from dose_fixtures import RE_SOURCING_YAML, REVIEWED_POMALIDOMIDE, SOURCES_YAML, VERIFIED_YAML
from sitetools import git, git_formulary

from clincalc_site import cli

TODAY = dt.date(2026, 11, 26)
BASE = REVIEWED_POMALIDOMIDE + "  reviewer: A. Smith\n"
RESOURCING = RE_SOURCING_YAML
V1 = BASE + RESOURCING
V2 = V1.replace("full blood count.", "full blood count weekly.")
V3 = V2.replace(RESOURCING, VERIFIED_YAML)
V4 = V3.replace("count weekly.", "count weekly for 8 weeks.")
V5 = V4.replace("multiple myeloma.", "multiple myeloma, with dexamethasone.")
V6 = V5.replace("protein degradation.", "protein degradation (IKZF1/3).")
DOSE = "4 mg"  # the verified dose; "3 mg" is the re-sourcing one, never shown


def commit(root: Path, date: str, name: str, text: str) -> None:
    (root / "monographs" / f"{name}.yaml").write_text(text, encoding="utf-8")
    git(root, "add", "monographs", date=date)
    git(root, "commit", "-qm", f"edit {name}", date=date)


def read(capsys: pytest.CaptureFixture[str]) -> str:
    return capsys.readouterr().err


@pytest.fixture
def project(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    git_formulary(tmp_path, monkeypatch, TODAY)
    for day, text in enumerate((V1, V2, V3, V4), start=1):
        commit(tmp_path, f"2026-10-0{day}", "pomalidomide", text)
    return tmp_path


def build(capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, int]:
    """Build; the archive and history pages rendered and reused."""
    assert cli.main(["build", "--no-search", *flags]) == 0
    said = re.search(r"archive and history pages rendered (\d+), reused (\d+)", read(capsys))
    assert said is not None
    return int(said.group(1)), int(said.group(2))


def page(site: Path, path: str) -> str:
    return (site / path / "index.html").read_text(encoding="utf-8")


def all_text(site: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()
    }


def test_archive_and_history_pages(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = project / "_site"
    assert build(capsys) == (4, 0)  # v1, v2, v3 and the history page
    current = page(site, "drugs/pomalidomide")
    assert DOSE in current and 'href="/drugs/pomalidomide/history/"' in current
    for number in (1, 2):
        archived = page(site, f"drugs/pomalidomide/v/{number}")
        assert '<meta name="robots" content="noindex">' in archived
        assert "Superseded on" in archived and "the current version" in archived
        assert "No dose is shown for this version." in archived
        assert DOSE not in archived and "3 mg" not in archived
        assert "data-pagefind-body" not in archived
        assert "content-version" not in archived  # nothing that changes with every commit
    third = page(site, "drugs/pomalidomide/v/3")
    assert DOSE in third and "still the current dose" in third
    assert not (site / "drugs/pomalidomide/v/4").exists()  # the current version
    history = page(site, "drugs/pomalidomide/history")
    for number in (1, 2, 3, 4):
        assert f'id="v{number}"' in history
    assert "Dose verified" in history and "New monograph" in history
    assert "Monitoring revised" in history
    assert '<ins><span class="visually-hidden">added: </span>for 8 weeks</ins>.' in history
    assert DOSE not in history and "3 mg" not in history
    assert "/v/" not in (site / "sitemap.xml").read_text(encoding="utf-8")
    offline = (site / "offline.json").read_text(encoding="utf-8")
    assert '"drugs/pomalidomide/"' in offline
    assert "/v/" not in offline and "history" not in offline
    assert "history" not in (site / "sitemap.xml").read_text(encoding="utf-8")

    # The source is revised: the verified dose is held back from then on (version 5, the
    # same file); versions 3 and 4 published it, and their archive pages still show it.
    (project / "sources.yaml").write_text(SOURCES_YAML.replace("2025-03-14", "2026-10-05"))
    git(project, "add", "sources.yaml", date="2026-10-05")
    git(project, "commit", "-qm", "new SmPC", date="2026-10-05")
    commit(project, "2026-10-06", "pomalidomide", V5)
    build(capsys)
    showing = {path for path, body in all_text(site).items() if DOSE.encode() in body}
    assert showing == {"drugs/pomalidomide/v/3/index.html", "drugs/pomalidomide/v/4/index.html"}
    for path, body in all_text(site).items():
        assert b"3 mg" not in body, path
    for number in (3, 4):
        shown = page(site, f"drugs/pomalidomide/v/{number}")
        assert "The dose shown on this page is no longer current." in shown
    fourth = page(site, "drugs/pomalidomide/v/4")
    assert 'Superseded on <time datetime="2026-10-05">' in fourth
    fifth = page(site, "drugs/pomalidomide/v/5")
    assert "No dose is shown for this version." in fifth
    assert 'Superseded on <time datetime="2026-10-06">' in fifth
    history = page(site, "drugs/pomalidomide/history")
    assert "Dose held back: source revised" in history and 'id="v6"' in history

    # One more commit: only its archive page and the history page are rendered.
    commit(project, "2026-10-07", "pomalidomide", V6)
    assert build(capsys) == (2, 5)
    assert (site / "drugs/pomalidomide/v/6/index.html").is_file()
    incremental = all_text(site)
    build(capsys, "--no-cache")
    assert all_text(site) == incremental


def test_a_withdrawn_monograph_keeps_its_archive(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    commit(project, "2026-10-05", "otheramide", V1.replace("Pomalidomide", "Otheramide"))
    git(project, "rm", "-q", "monographs/otheramide.yaml", date="2026-10-06")
    git(project, "commit", "-qm", "withdraw", date="2026-10-06")
    site = project / "_site"
    build(capsys)
    assert not (site / "drugs/otheramide/index.html").exists()
    last = page(site, "drugs/otheramide/v/1")
    assert 'Withdrawn on <time datetime="2026-10-06">6 October 2026</time>: this monograph' in last
    assert "No dose is shown for this version." in last
    history = page(site, "drugs/otheramide/history")
    assert "has been withdrawn" in history and 'href="/drugs/otheramide/v/1/"' in history
    assert "6 October 2026</time>, withdrawn</h2>" in history

    # Added again: the version before the withdrawal says so, and links to the current page.
    commit(project, "2026-10-08", "otheramide", V2.replace("Pomalidomide", "Otheramide"))
    build(capsys)
    first = page(site, "drugs/otheramide/v/1")
    assert "Withdrawn on" in first and "it was added again later" in first
    assert 'href="/drugs/otheramide/"' in first
    assert (site / "drugs/otheramide/index.html").is_file()


def test_a_version_that_no_longer_loads_has_no_archive_page(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Version 5 names a review status the schema does not know (as if it had been renamed
    since): no archive page, a note, and the history page says so; the build succeeds."""
    commit(project, "2026-10-05", "pomalidomide", V4.replace("clinician-reviewed", "signed-off"))
    commit(project, "2026-10-06", "pomalidomide", V5)
    assert cli.main(["build", "--no-search"]) == 0
    said = capsys.readouterr()
    assert "archive.unreadable_version" in said.out + said.err
    site = project / "_site"
    assert not (site / "drugs/pomalidomide/v/5").exists()
    assert (site / "drugs/pomalidomide/v/4/index.html").is_file()
    history = page(site, "drugs/pomalidomide/history")
    assert "This version cannot be shown" in history
    report = (site / "build-report.json").read_bytes()
    # An edit not yet committed changes no archive page: none is looked at again (the
    # whole archive's key is unchanged), and the note is still made.
    monograph = project / "monographs" / "pomalidomide.yaml"
    monograph.write_text(V6, encoding="utf-8")
    assert cli.main(["build", "--no-search"]) == 0
    said = capsys.readouterr()
    assert "archive.unreadable_version" in said.out + said.err
    assert "archive and history pages rendered 0, reused 5" in said.err
    assert b"archive.unreadable_version" in report
    assert b"archive.unreadable_version" in (site / "build-report.json").read_bytes()


def test_a_site_as_of_a_day_has_the_versions_up_to_that_day(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["build", "--no-search", "--as-of", "2026-10-02"]) == 0
    site = project / "_site-as-of-2026-10-02"
    assert (site / "drugs/pomalidomide/v/1/index.html").is_file()
    assert not (site / "drugs/pomalidomide/v/2").exists()  # in force that day: the page
    history = page(site, "drugs/pomalidomide/history")
    assert 'id="v2"' in history and 'id="v3"' not in history
    assert "Not the current formulary" in page(site, "drugs/pomalidomide/v/1")


def test_a_team_archive_template_must_keep_the_dosing_section(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A team's own archive.html is held to the dose rule as monograph.html is."""
    (project / "templates").mkdir()
    (project / "templates" / "archive.html").write_text(
        '{% extends "monograph.html" %}{% block content %}<p>{{ page.name }}</p>{% endblock %}',
        encoding="utf-8",
    )
    assert cli.main(["build", "--no-search"]) == 1
    said = capsys.readouterr()
    assert "template.dosing_removed" in said.out + said.err
    assert not (project / "_site").exists()
