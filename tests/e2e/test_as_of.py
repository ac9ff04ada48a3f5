"""``build --as-of DAY``: the formulary as it stood at the end of a day, for an auditor.

A real git repository: a monograph is added, its monitoring edited, its dose verified, then
its source revised (the dose held back), and a second monograph is added and withdrawn. The
site built as of a day between two commits shows that day's content (with this build's
templates), marks every page as not current, lists only the changes made by then, and leaves
the published site alone.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from dose_fixtures import SOURCES_YAML, VERIFIED_YAML, write_registry
from sitetools import git

from clincalc_site import cli

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
    "Monitor the full blood count.", "Monitor the full blood count weekly for the first 8 weeks."
)
REVIEWED = MONITORING.replace("status: draft", "status: clinician-reviewed") + VERIFIED_YAML
OTHER = ADDED.replace("Pomalidomide", "Otheramide")
REVISED_SOURCES = SOURCES_YAML.replace("2025-03-14", "2026-10-25")


def commit(root: Path, date: str, files: dict[str, str | None]) -> None:
    for name, text in files.items():
        path = root / name
        if text is None:
            git(root, "rm", "-q", name, date=date)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            git(root, "add", name, date=date)
    git(root, "commit", "-q", "-m", f"change of {date}", date=date)


@pytest.fixture
def project(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795000000")  # 2026-11-18
    git(tmp_path, "init", "-q", "-b", "main")
    write_registry(tmp_path)
    git(tmp_path, "add", "team.yaml", "sources.yaml")
    commit(tmp_path, "2026-10-01", {"monographs/pomalidomide.yaml": ADDED})
    commit(tmp_path, "2026-10-05", {"monographs/pomalidomide.yaml": MONITORING})
    commit(tmp_path, "2026-10-12", {"monographs/pomalidomide.yaml": REVIEWED,
                                    "monographs/otheramide.yaml": OTHER})  # fmt: skip
    commit(tmp_path, "2026-10-26", {"sources.yaml": REVISED_SOURCES})
    commit(tmp_path, "2026-10-30", {"monographs/otheramide.yaml": None})
    return tmp_path


def text_of(path: Path) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")).split())


@pytest.mark.parametrize(
    ("day", "monitoring", "dose_shown", "others"),
    [
        ("2026-10-03", "Monitor the full blood count.", False, False),
        ("2026-10-12", "weekly for the first 8 weeks", True, True),
        ("2026-10-27", "weekly for the first 8 weeks", False, True),  # source revised: held
        ("2026-11-01", "weekly for the first 8 weeks", False, False),  # withdrawn
    ],
)
def test_the_site_as_it_stood_at_the_end_of_a_day(
    project: Path, day: str, monitoring: str, dose_shown: bool, others: bool
) -> None:
    assert cli.main(["build", "--no-search"]) == 0
    published = (project / "_site" / "drugs" / "pomalidomide" / "index.html").read_bytes()

    assert cli.main(["build", "--no-search", "--as-of", day]) == 0

    site = project / f"_site-as-of-{day}"
    page = text_of(site / "drugs" / "pomalidomide" / "index.html")
    when = dt.date.fromisoformat(day)
    notice = "Not the current formulary. This copy shows the formulary as it stood at the end"
    assert f"{notice} of {when.day} {when:%B %Y}" in page
    assert monitoring in page
    assert ("Prepared by" in page) is dose_shown
    assert ("Dosing — being independently re-sourced" in page) is not dose_shown
    assert (site / "drugs" / "otheramide" / "index.html").exists() is others
    # Only the changes made by then, in words
    changes = page.partition("Changes")[2]
    assert ("Dose verified" in changes) is (day >= "2026-10-12")
    assert "change of" not in page  # never a commit subject
    assert (project / "_site" / "drugs" / "pomalidomide" / "index.html").read_bytes() == published


def test_a_day_before_the_first_commit_is_a_usage_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["build", "--no-search", "--as-of", "2026-09-30"]) == 2

    assert "no commit made by the end of 2026-09-30" in capsys.readouterr().err
    assert not (project / "_site-as-of-2026-09-30").exists()


def test_as_of_needs_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                         capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    (tmp_path / "monographs").mkdir()
    (tmp_path / "monographs" / "pomalidomide.yaml").write_text(ADDED, encoding="utf-8")

    assert cli.main(["build", "--as-of", "2026-10-03"]) == 2
    assert "not in a git repository" in capsys.readouterr().err
