"""A page's "Changes" list says what changed in the monograph, never what a commit said.

A real git repository in a temporary folder: a monograph is added, its monitoring edited, the
file re-formatted, its dose verified and its review completed, each commit with a subject a
developer might write. ``clincalc-site build`` must list the changes in a clinician's words,
newest first, skip the re-formatting, and put no commit subject in any file of the site.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path

import pytest
from dose_fixtures import VERIFIED_YAML
from sitetools import git, git_formulary

from clincalc_site import cli
from clincalc_site.content.history_store import CACHE_FILE

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
MONITORING = ADDED.replace(
    "monitoring: Monitor the full blood count.",
    "monitoring: Monitor the full blood count weekly for the first 8 weeks.",
)
REFORMATTED = MONITORING.replace(
    "monitoring: Monitor", "# checked against the SmPC\nmonitoring: >-\n  Monitor"
).replace(" weekly for", "\n  weekly for")
VERIFIED = REFORMATTED + VERIFIED_YAML
REVIEWED = VERIFIED.replace(
    "review:\n  status: draft\n  date: 2026-07-04",
    "review:\n  status: clinician-reviewed\n  date: 2026-10-20",
)
# (date, subject, file) for each commit, oldest first: subjects no reader should ever see.
COMMITS = (
    ("2026-10-01", "Foundation: package skeleton, YAML event loader with source map", ADDED),
    ("2026-10-05", "wip: zzqx tidy", MONITORING),
    ("2026-10-07", "style: zzqx reflow pomalidomide", REFORMATTED),
    ("2026-10-12", "feat(dose): zzqx verify <b>pomalidomide</b> (PR #42)", VERIFIED),
    ("2026-10-20", "Merge branch 'zzqx-review' into main", REVIEWED),
)
EXPECTED = [
    ("2026-10-20", "Status: draft → clinician-reviewed"),
    ("2026-10-12", "Dose verified"),
    ("2026-10-05", "Monitoring revised"),
    ("2026-10-01", "Monograph added"),
]


@pytest.fixture
def project(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    git_formulary(tmp_path, monkeypatch, TODAY, subject="chore: zzqx registry")
    target = tmp_path / "monographs" / "pomalidomide.yaml"
    for date, subject, text in COMMITS:
        target.write_text(text, encoding="utf-8")
        git(tmp_path, "add", "monographs")
        git(tmp_path, "commit", "-qm", subject, date=date)
    return tmp_path


def changes_of(site: Path) -> list[tuple[str, str]]:
    page = (site / "drugs" / "pomalidomide" / "index.html").read_text(encoding="utf-8")
    section = page.split('id="changes-heading"')[1].split("</section>")[0]
    return re.findall(r'<li><time datetime="([0-9-]+)">\1</time>: ([^<]*)</li>', section)


def every_file(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_changes_say_what_changed_newest_first_and_no_commit_subject_is_published(
    project: Path,
) -> None:
    assert cli.main(["build", "--no-search", "--strict"]) == 0

    site = project / "_site"
    assert changes_of(site) == EXPECTED
    dashboard = (site / "editorial" / "index.html").read_text(encoding="utf-8")
    assert "2026-10-20: Status: draft → clinician-reviewed" in dashboard
    files = every_file(site)
    assert len(files) > 5
    for subject in [subject for _, subject, _ in COMMITS] + ["chore: zzqx registry"]:
        for name, data in files.items():
            assert subject.encode() not in data, (subject, name)
            assert html.escape(subject).encode() not in data, (subject, name)
    for name, data in files.items():
        assert b"zzqx" not in data, name
        assert b"Dev Eloper" not in data, name  # nor who committed

    # What each pair of versions says is kept: a rebuild reads it back and says the same.
    cache = project / ".clincalc" / "cache" / CACHE_FILE
    assert b"zzqx" not in cache.read_bytes()
    kept = cache.read_bytes()
    assert cli.main(["build", "--no-search", "--strict"]) == 0
    assert every_file(site) == files
    assert cache.read_bytes() == kept


def test_a_corrupt_history_cache_is_ignored(project: Path) -> None:
    cache = project / ".clincalc" / "cache" / CACHE_FILE
    cache.parent.mkdir(parents=True)
    cache.write_text('{"format": [1, "', encoding="utf-8")
    assert cli.main(["build", "--no-search"]) == 0
    assert changes_of(project / "_site") == EXPECTED
    assert json.loads(cache.read_text(encoding="utf-8"))["body"]["pairs"]  # written anew
