"""Dose safety lint: error-prone notation is found, safe notation is left alone, and each
warning points at the place in the file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from dose_fixtures import REGISTRY

from clincalc_site.build import pipeline
from clincalc_site.build.config import BuildConfig
from clincalc_site.content.dose_lint import lint_text
from clincalc_site.content.loader import load_text
from clincalc_site.diagnostics import Diagnostic, Location, Severity, format_report

TODAY = dt.date(2026, 11, 26)
TRAILING, NAKED, ABBREVIATION = (
    "dose.trailing_zero",
    "dose.naked_decimal",
    "dose.unsafe_abbreviation",
)
LATIN = "dose.latin_abbreviation"


@pytest.mark.parametrize(
    ("text", "code", "found", "safe"),
    [
        pytest.param("5.0 mg", TRAILING, "5.0 mg", "5 mg", id="trailing-zero"),
        pytest.param("10.50 mg", TRAILING, "10.50 mg", "10.5 mg", id="trailing-zero-fraction"),
        pytest.param("1,000.0 mg", TRAILING, "1,000.0 mg", "1,000 mg", id="trailing-thousands"),
        pytest.param("qds", LATIN, "qds", "four times daily", id="qds"),
        pytest.param("q.d.s.", LATIN, "q.d.s.", "four times daily", id="q.d.s."),
        pytest.param("500 mg bd", LATIN, "bd", "twice daily", id="bd"),
        pytest.param("BD with food", LATIN, "BD", "twice daily", id="BD"),
        pytest.param("tds", LATIN, "tds", "three times daily", id="tds"),
        pytest.param("t.i.d.", LATIN, "t.i.d.", "three times daily", id="tid"),
        pytest.param("Give prn", LATIN, "prn", "when required", id="prn"),
        pytest.param("p.r.n. for pain", LATIN, "p.r.n.", "when required", id="p.r.n."),
        pytest.param("nocte", LATIN, "nocte", "at night", id="nocte"),
        pytest.param("Take mane", LATIN, "mane", "in the morning", id="mane"),
        pytest.param("2.0-5.0 mg", TRAILING, "2.0-5.0 mg", "2-5 mg", id="trailing-range"),
        pytest.param("Give 1.0 tablet", TRAILING, "1.0 tablet", "1 tablet", id="trailing-form"),
        pytest.param("5.0%", TRAILING, "5.0%", "5%", id="trailing-percent"),
        pytest.param(".5 mg", NAKED, ".5 mg", "0.5 mg", id="naked-decimal"),
        pytest.param("up to .25", NAKED, ".25", "0.25", id="naked-decimal-no-unit"),
        pytest.param("10 U", ABBREVIATION, "10 U", "10 units", id="U"),
        pytest.param("10U/kg", ABBREVIATION, "10U", "10 units", id="U-no-space"),
        pytest.param("100 U/mL insulin", ABBREVIATION, "100 U", "100 units", id="U-per-mL"),
        pytest.param("5,000 IU", ABBREVIATION, "5,000 IU", "5,000 units", id="IU"),
        pytest.param("dose in IU", ABBREVIATION, "IU", "units", id="IU-alone"),
        pytest.param("100 µg", ABBREVIATION, "µg", "micrograms", id="micro-sign"),
        pytest.param("100 μg", ABBREVIATION, "μg", "micrograms", id="greek-mu"),
        pytest.param("50 mcg/kg", ABBREVIATION, "mcg", "micrograms", id="mcg"),
        pytest.param("5 ng/mL", ABBREVIATION, "5 ng", "5 nanograms", id="ng"),
        pytest.param("2 mg qd", ABBREVIATION, "qd", "daily", id="qd"),
        pytest.param("QD", ABBREVIATION, "QD", "daily", id="QD"),
        pytest.param("q.d.", ABBREVIATION, "q.d.", "daily", id="q.d."),
        pytest.param("500 mg od", ABBREVIATION, "od", "once daily", id="od"),
        pytest.param("Take 1 OD.", ABBREVIATION, "OD", "once daily", id="OD"),
        pytest.param("qod", ABBREVIATION, "qod", "every other day", id="qod"),
        pytest.param("2 mg hs", ABBREVIATION, "hs", "at bedtime", id="hs"),
        pytest.param("1 tablet qhs", ABBREVIATION, "qhs", "nightly at bedtime", id="qhs"),
        pytest.param("5 cc", ABBREVIATION, "cc", "mL", id="cc"),
        pytest.param("10cc", ABBREVIATION, "cc", "mL", id="cc-no-space"),
        pytest.param("tiw", ABBREVIATION, "tiw", "three times a week", id="tiw"),
        pytest.param("give SQ", ABBREVIATION, "SQ", "subcutaneously", id="SQ"),
        pytest.param("D/C if rash", ABBREVIATION, "D/C", "discontinue (or discharge)", id="D/C"),
    ],
)
def test_unsafe_notation_is_found(text: str, code: str, found: str, safe: str) -> None:
    findings = lint_text(text)
    assert [(f.code, f.found, f.safe) for f in findings] == [(code, found, safe)]
    assert text[findings[0].start :].startswith(found)
    assert f"'{found}'" in findings[0].message
    assert f"write '{safe}'" in findings[0].message


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("5.05 mg", id="zero-inside-decimal"),
        pytest.param("10.5 mg", id="decimal"),
        pytest.param("0.5 mg", id="leading-zero"),
        pytest.param("12.5 mg", id="decimal-2"),
        pytest.param("100 mg", id="whole"),
        pytest.param("40 mg once daily", id="once-daily"),
        pytest.param("10 units", id="units"),
        pytest.param("10 micrograms", id="micrograms"),
        pytest.param("Check U&E before starting", id="U&E"),
        pytest.param("U&Es at baseline", id="U&Es"),
        pytest.param("Take with food", id="od-inside-word"),
        pytest.param("Odd days", id="od-prefix"),
        pytest.param("this", id="hs-inside-word"),
        pytest.param("accept", id="cc-inside-word"),
        pytest.param("Take at 08.00 and 20.00", id="clock-times"),
        pytest.param("version 2.0 of the protocol", id="decimal-without-unit"),
        pytest.param("Days 1 to 21 of a 28-day cycle", id="cycle"),
        pytest.param("eGFR 30-50 mL/min/1.73 m2", id="egfr"),
        pytest.param("CrCl < 30 mL/min", id="crcl"),
        pytest.param("Dose adjusted to INR 2.5", id="inr"),
        pytest.param("See section 4.2 of the SmPC.", id="sentence-end"),
    ],
)
def test_safe_notation_is_left_alone(text: str) -> None:
    assert lint_text(text) == []


def test_several_problems_in_one_string_are_all_reported_in_order() -> None:
    findings = lint_text("5.0 mg od, then .5 mg qd")
    assert [(f.code, f.found) for f in findings] == [
        (TRAILING, "5.0 mg"),
        (ABBREVIATION, "od"),
        (NAKED, ".5 mg"),
        (ABBREVIATION, "qd"),
    ]


def test_units_written_after_a_number_are_reported_once() -> None:
    assert [f.found for f in lint_text("10 IU")] == ["10 IU"]


MONOGRAPH = """\
name: Testdrug
drug_class: Test class
summary: A drug.
mechanism: It works.
dosing:
  status: {status}
  regimens:
    - indication: Pain
      population: Adults
      route: Oral
      dose: 5.0 mg
      frequency: "Take qd"
      max_dose: 20 mg daily
      notes: >-
        Check U&E first. Then
        give .5 mg at night.
    - {{indication: Fever, population: Adults, route: Oral, dose: 10 U}}
{verification}review:
  status: clinician-reviewed
  date: 2026-01-01
"""
VERIFIED = """\
  source: {document: imnovid-smpc, section: "4.2", revision: 2025-03-14}
  prepared_by: bjones
  prepared_on: 2025-12-20
  verified_by: asmith
  verified_on: 2026-01-01
"""


def dose_findings(status: str, text: str | None = None) -> list[Diagnostic]:
    verification = VERIFIED if status == "verified" else ""
    text = text or MONOGRAPH.format(status=status, verification=verification)
    _, diagnostics = load_text(text, "testdrug.yaml", "testdrug", TODAY, REGISTRY)
    return [d for d in diagnostics if d.code.startswith("dose.")]


@pytest.mark.parametrize(
    ("status", "severity"), [("verified", Severity.ERROR), ("re-sourcing", Severity.WARNING)]
)
def test_each_finding_is_located_at_the_notation(status: str, severity: Severity) -> None:
    """In a verified dose (which would be published) an error; in a re-sourcing one a warning."""
    found = dose_findings(status)
    assert [(d.location, d.code, d.field_path) for d in found] == [
        (Location("testdrug.yaml", 11, 13), TRAILING, "dosing.regimens[0].dose"),
        (Location("testdrug.yaml", 12, 24), ABBREVIATION, "dosing.regimens[0].frequency"),
        (Location("testdrug.yaml", 16, 14), NAKED, "dosing.regimens[0].notes"),
        (Location("testdrug.yaml", 17, 69), "dose.unsafe_unit", "dosing.regimens[1].dose"),
    ]
    assert all(d.severity is severity for d in found)
    assert "5 mg" in found[0].hint
    assert "write '.5 mg'" not in found[2].message and "0.5 mg" in found[2].message
    assert "units" in found[3].hint


def test_location_falls_back_to_the_value_when_the_text_differs() -> None:
    text = MONOGRAPH.format(status="re-sourcing", verification="").replace(
        'frequency: "Take qd"', 'frequency: "Take\\tqd"'
    )
    frequency = [d for d in dose_findings("re-sourcing", text) if "frequency" in d.field_path]
    assert [d.location for d in frequency] == [Location("testdrug.yaml", 12, 18)]


def test_monograph_without_dosing_has_nothing_to_lint() -> None:
    text = MONOGRAPH.format(status="re-sourcing", verification="")
    head, _, tail = text.partition("dosing:")
    without = head + "review:" + tail.partition("review:")[2]
    entry, diagnostics = load_text(without, "testdrug.yaml", "testdrug", TODAY)
    assert entry is not None
    assert entry.monograph.dosing is None
    assert [d for d in diagnostics if d.code.startswith("dose.")] == []


def test_check_reports_dose_warnings_and_strict_fails_on_them(tmp_path: Path) -> None:
    content = tmp_path / "monographs"
    content.mkdir()
    (content / "testdrug.yaml").write_text(
        MONOGRAPH.format(status="re-sourcing", verification=""), encoding="utf-8"
    )
    relaxed = pipeline.check(BuildConfig(content_dir=content, today=TODAY))
    codes = [d.code for d in relaxed.diagnostics]
    assert codes.count(ABBREVIATION) == 1
    assert codes.count("dose.unsafe_unit") == 1
    assert not relaxed.failed
    assert pipeline.check(BuildConfig(content_dir=content, today=TODAY, strict=True)).failed
    assert relaxed.diagnostics == sorted(relaxed.diagnostics, key=lambda d: d.sort_key)
    annotations = format_report(relaxed.diagnostics, "github")
    assert "::warning file=" in annotations
    assert "title=dose.trailing_zero" in annotations


def test_findings_that_touch_are_both_reported() -> None:
    """Two slips side by side are two findings: only overlapping ones are merged."""
    found = [(f.code, f.found, f.start) for f in lint_text("5.0%5.0 mg")]

    assert found == [(TRAILING, "5.0%", 0), (TRAILING, "5.0 mg", 4)]
