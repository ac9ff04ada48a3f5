"""The optional safety sections: after the seed page's five, in a fixed order, held to the same
rules as the rest of the prose (no doses, no hints left in, editor HTML shown as text)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from clincalc_site import cli
from clincalc_site.content.models import SAFETY_SECTIONS

TODAY = dt.date(2026, 11, 26)
HEAD = """\
name: Testamol
drug_class: Test class
summary: A test drug.
mechanism: It works.
evidence: Some trials.
review:
  status: draft
  date: 2026-07-04
"""
ALL_SECTIONS = """\
contraindications: Known hypersensitivity.
cautions: Take care in **frail** patients.
interactions:
  - Another drug raises its levels.
  - A third drug <script>lowers</script> them.
renal_impairment: Use with care.
hepatic_impairment: Avoid in severe impairment.
pregnancy: Avoid.
breastfeeding: Present in milk.
adverse_effects: Headache and nausea.
"""


@pytest.fixture(autouse=True)
def project(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    midnight = dt.datetime.combine(TODAY, dt.time(), tzinfo=dt.UTC)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(midnight.timestamp())))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "monographs").mkdir()
    return tmp_path


def write(project: Path, text: str) -> None:
    (project / "monographs" / "testamol.yaml").write_text(text, encoding="utf-8")


def page(project: Path) -> str:
    return (project / "_site" / "drugs" / "testamol" / "index.html").read_text("utf-8")


def test_every_section_is_shown_after_the_seed_sections_in_order(project: Path) -> None:
    write(project, HEAD + ALL_SECTIONS)

    assert cli.main(["build", "--no-search"]) == 0

    html = page(project)
    headings = re.findall(r"<h3>(.*?)</h3>", html)
    assert headings == [
        "How it works",
        "Evidence &amp; guidelines",
        *(heading for _, heading in SAFETY_SECTIONS),
    ]
    assert "<p>Take care in <strong>frail</strong> patients.</p>" in html
    assert "<li>Another drug raises its levels.</li>" in html
    assert "<script>" not in html and "&lt;script&gt;lowers&lt;/script&gt;" in html


def test_absent_sections_render_nothing(project: Path) -> None:
    write(project, HEAD + "pregnancy: Avoid.\n")

    assert cli.main(["build", "--no-search"]) == 0

    headings = re.findall(r"<h3>(.*?)</h3>", page(project))
    assert headings == ["How it works", "Evidence &amp; guidelines", "Pregnancy"]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("renal_impairment: Reduce to 5 mg daily.\n", "renal_impairment"),
        ("interactions:\n  - With X, give 10 mg instead.\n", "interactions[0]"),
    ],
)
def test_a_dose_in_a_safety_section_is_refused(
    project: Path, text: str, where: str, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project, HEAD + text)

    assert cli.main(["check"]) == 1

    out = capsys.readouterr().out
    assert "is a dose written in the text" in out and f"[prose.dose at {where}]" in out


def test_a_hint_left_in_a_safety_section_is_a_warning(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project, HEAD + "cautions: 'TODO: what to watch for'\n")

    assert cli.main(["check", "--strict"]) == 1

    assert "[content.placeholder at cautions]" in capsys.readouterr().out
