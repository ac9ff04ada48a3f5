"""Strict dose parsing: listed units with their UCUM codes are accepted, everything error-prone is
refused with a code, plain words and a corrected example, and nothing raises."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from clincalc_site.content import dose_units
from clincalc_site.content.dose_parser import parse_dose, parse_max_dose
from clincalc_site.content.dose_quantity import DoseProblem, Quantity
from clincalc_site.content.dose_units import UNITS, DoseUnit

D = Decimal


# --- Accepted -----------------------------------------------------------------------------------

# (text, low, high, unit.written, unit.ucum)
DOSES = [
    pytest.param("4 mg", D("4"), None, "mg", "mg", id="mg"),
    pytest.param("2.5 mg", D("2.5"), None, "mg", "mg", id="decimal"),
    pytest.param("0.5 mg", D("0.5"), None, "mg", "mg", id="leading-zero"),
    pytest.param("1–2 g", D("1"), D("2"), "g", "g", id="range-en-dash"),
    pytest.param("1-2 g", D("1"), D("2"), "g", "g", id="range-hyphen"),
    pytest.param("1 to 2 g", D("1"), D("2"), "g", "g", id="range-to"),
    pytest.param("1 – 2 g", D("1"), D("2"), "g", "g", id="range-spaced-dash"),
    pytest.param("0.5–1.5 mg", D("0.5"), D("1.5"), "mg", "mg", id="range-decimals"),
    pytest.param("500 micrograms", D("500"), None, "micrograms", "ug", id="micrograms"),
    pytest.param("1 microgram", D("1"), None, "microgram", "ug", id="microgram"),
    pytest.param("50 nanograms", D("50"), None, "nanograms", "ng", id="nanograms"),
    pytest.param("10 units", D("10"), None, "units", "[iU]", id="units"),
    pytest.param("1 unit", D("1"), None, "unit", "[iU]", id="unit"),
    pytest.param("1,000 units", D("1000"), None, "units", "[iU]", id="thousands-comma"),
    pytest.param("1000 units", D("1000"), None, "units", "[iU]", id="thousands-plain"),
    pytest.param("1,000.5 mg", D("1000.5"), None, "mg", "mg", id="thousands-decimal"),
    pytest.param("2 million units", D("2"), None, "million units", "10*6.[iU]", id="million-units"),
    pytest.param("5 mL", D("5"), None, "mL", "mL", id="mL"),
    pytest.param("1 litre", D("1"), None, "litre", "L", id="litre"),
    pytest.param("20 mmol", D("20"), None, "mmol", "mmol", id="mmol"),
    pytest.param("150 micromol", D("150"), None, "micromol", "umol", id="micromol"),
    pytest.param("15 mg/kg", D("15"), None, "mg/kg", "mg/kg", id="per-kg"),
    pytest.param("100 micrograms/kg", D("100"), None, "micrograms/kg", "ug/kg", id="ug-per-kg"),
    pytest.param("375 mg/m²", D("375"), None, "mg/m²", "mg/m2", id="per-m-squared"),
    pytest.param("375 mg/m2", D("375"), None, "mg/m2", "mg/m2", id="per-m2"),
    pytest.param("2 units/hour", D("2"), None, "units/hour", "[iU]/h", id="rate-hour"),
    pytest.param(
        "0.5 micrograms/kg/minute",
        D("0.5"),
        None,
        "micrograms/kg/minute",
        "ug/kg/min",
        id="rate-per-kg-minute",
    ),
    pytest.param(
        "10 nanograms/kg/minute",
        D("10"),
        None,
        "nanograms/kg/minute",
        "ng/kg/min",
        id="rate-nanograms",
    ),
    pytest.param("18 units/kg/hour", D("18"), None, "units/kg/hour", "[iU]/kg/h", id="heparin"),
    pytest.param("1 tablet", D("1"), None, "tablet", "{tablet}", id="tablet"),
    pytest.param("2 tablets", D("2"), None, "tablets", "{tablet}", id="tablets"),
    pytest.param("1–2 tablets", D("1"), D("2"), "tablets", "{tablet}", id="tablets-range"),
    pytest.param("2 puffs", D("2"), None, "puffs", "{puff}", id="puffs"),
    pytest.param("1 capsule", D("1"), None, "capsule", "{capsule}", id="capsule"),
    pytest.param("1 sachet", D("1"), None, "sachet", "{sachet}", id="sachet"),
    pytest.param("2 drops", D("2"), None, "drops", "{drop}", id="drops"),
    pytest.param(" 4 mg ", D("4"), None, "mg", "mg", id="surrounding-space"),
    pytest.param("4\u00a0mg", D("4"), None, "mg", "mg", id="no-break-space"),
]


@pytest.mark.parametrize(("text", "low", "high", "written", "ucum"), DOSES)
def test_dose_is_parsed(
    text: str, low: Decimal, high: Decimal | None, written: str, ucum: str
) -> None:
    result = parse_dose(text)

    assert result == Quantity(low, high, DoseUnit(written, ucum))
    assert result.per is None
    assert result.per_ucum is None


@pytest.mark.parametrize(("text", "low", "high", "written", "ucum"), DOSES)
def test_every_dose_is_also_a_max_dose_without_a_period(
    text: str, low: Decimal, high: Decimal | None, written: str, ucum: str
) -> None:
    assert parse_max_dose(text) == Quantity(low, high, DoseUnit(written, ucum))


# (text, low, high, unit.written, unit.ucum, per, per_ucum)
MAX_DOSES = [
    pytest.param("4 mg daily", D("4"), None, "mg", "mg", "daily", "d", id="daily"),
    pytest.param("4 g per day", D("4"), None, "g", "g", "per day", "d", id="per-day"),
    pytest.param("4 g in 24 hours", D("4"), None, "g", "g", "in 24 hours", "d", id="in-24-hours"),
    pytest.param(
        "4 g per 24 hours", D("4"), None, "g", "g", "per 24 hours", "d", id="per-24-hours"
    ),
    pytest.param("30 mg per week", D("30"), None, "mg", "mg", "per week", "wk", id="per-week"),
    pytest.param("30 mg weekly", D("30"), None, "mg", "mg", "weekly", "wk", id="weekly"),
    pytest.param("200 mg per dose", D("200"), None, "mg", "mg", "per dose", None, id="per-dose"),
    pytest.param(
        "1,400 mg/m² per cycle",
        D("1400"),
        None,
        "mg/m²",
        "mg/m2",
        "per cycle",
        None,
        id="per-cycle",
    ),
    pytest.param(
        "8 tablets in 24 hours",
        D("8"),
        None,
        "tablets",
        "{tablet}",
        "in 24 hours",
        "d",
        id="tablets-in-24-hours",
    ),
    pytest.param("10 units per hour", D("10"), None, "units", "[iU]", "per hour", "h", id="hour"),
    pytest.param("4 g  per   day", D("4"), None, "g", "g", "per day", "d", id="spaces-squashed"),
    pytest.param("20 mg", D("20"), None, "mg", "mg", None, None, id="no-period"),
    pytest.param("2 units/hour", D("2"), None, "units/hour", "[iU]/h", None, None, id="rate"),
]


@pytest.mark.parametrize(("text", "low", "high", "written", "ucum", "per", "per_ucum"), MAX_DOSES)
def test_max_dose_is_parsed(
    text: str,
    low: Decimal,
    high: Decimal | None,
    *,
    written: str,
    ucum: str,
    per: str | None,
    per_ucum: str | None,
) -> None:
    assert parse_max_dose(text) == Quantity(low, high, DoseUnit(written, ucum), per, per_ucum)


# --- Refused ------------------------------------------------------------------------------------

# (text, code, offset, text the hint must contain)
REFUSED_DOSES = [
    pytest.param("60", "dose.no_unit", 0, "'60 mg'", id="bare-number"),
    pytest.param("1–2", "dose.no_unit", 0, "'1–2 mg'", id="bare-range"),
    pytest.param("5 blobs", "dose.unknown_unit", 2, "the units are: mg, g, micrograms", id="blobs"),
    pytest.param("5 mg/L", "dose.unknown_unit", 2, "'5 mg'", id="concentration"),
    pytest.param("5 mgs", "dose.unknown_unit", 2, "did you mean '5 mg'", id="near-miss"),
    pytest.param("5 Mg", "dose.unknown_unit", 2, "did you mean '5 mg'", id="case-Mg"),
    pytest.param("5 ml", "dose.unknown_unit", 2, "did you mean '5 mL'", id="case-ml"),
    pytest.param("2 Units", "dose.unknown_unit", 2, "'2 units'", id="case-Units"),
    pytest.param("5 grams", "dose.unknown_unit", 2, "did you mean '5 g'", id="alias-grams"),
    pytest.param("5 mL/kg/hr", "dose.unknown_unit", 2, "'5 mL/kg/hour'", id="alias-hr"),
    pytest.param("1 tablet/kg", "dose.unknown_unit", 2, "'1 tablet'", id="form-per-kg"),
    pytest.param("15 mg/kg/day", "dose.unknown_unit", 3, "'15 mg/kg'", id="period-in-unit"),
    pytest.param("15 mg per kg", "dose.unknown_unit", 6, "'15 mg/kg'", id="per-in-words"),
    pytest.param("2 million", "dose.unknown_unit", 2, "'2 million units'", id="million-alone"),
    pytest.param("10 µg", "dose.unsafe_unit", 3, "'10 micrograms'", id="micro-sign"),
    pytest.param("10 μg", "dose.unsafe_unit", 3, "'10 micrograms'", id="greek-mu"),
    pytest.param("10 ug", "dose.unsafe_unit", 3, "'10 micrograms'", id="ug"),
    pytest.param("10 mcg", "dose.unsafe_unit", 3, "'10 micrograms'", id="mcg"),
    pytest.param("10 mcg/kg", "dose.unsafe_unit", 3, "'10 micrograms/kg'", id="mcg-per-kg"),
    pytest.param("10 ng", "dose.unsafe_unit", 3, "'10 nanograms'", id="ng"),
    pytest.param("10 U", "dose.unsafe_unit", 3, "'10 units'", id="U"),
    pytest.param("10 u", "dose.unsafe_unit", 3, "'10 units'", id="u"),
    pytest.param("10 IU", "dose.unsafe_unit", 3, "'10 units'", id="IU"),
    pytest.param("10 iu", "dose.unsafe_unit", 3, "'10 units'", id="iu"),
    pytest.param("10U", "dose.unsafe_unit", 2, "'10 units'", id="U-no-space"),
    pytest.param("2 million IU", "dose.unsafe_unit", 2, "'2 million units'", id="million-IU"),
    pytest.param("5 cc", "dose.unsafe_unit", 2, "'5 mL'", id="cc"),
    pytest.param("5.0 mg", "dose.trailing_zero", 0, "'5 mg'", id="trailing-zero"),
    pytest.param("2.50 mg", "dose.trailing_zero", 0, "'2.5 mg'", id="trailing-zero-fraction"),
    pytest.param("1.0–2.0 g", "dose.trailing_zero", 0, "'1–2 g'", id="trailing-zero-range"),
    pytest.param("1–2.0 g", "dose.trailing_zero", 2, "'1–2 g'", id="trailing-zero-upper"),
    pytest.param("5.0", "dose.trailing_zero", 0, "'5 mg' (with the unit", id="trailing-bare"),
    pytest.param("5.0 mcg", "dose.trailing_zero", 0, "'5 micrograms'", id="trailing-and-mcg"),
    pytest.param(".5 mg", "dose.naked_decimal", 0, "'0.5 mg'", id="naked-decimal"),
    pytest.param(".50 mg", "dose.naked_decimal", 0, "'0.5 mg'", id="naked-and-trailing"),
    pytest.param("1,5 mg", "dose.bad_number", 0, "'1.5 mg'", id="decimal-comma"),
    pytest.param("05 mg", "dose.bad_number", 0, "'5 mg'", id="leading-zero"),
    pytest.param("1.5.2 mg", "dose.bad_number", 0, "'2.5 mg'", id="two-points"),
    pytest.param("1/2 tablet", "dose.bad_number", 0, "'0.5 tablet'", id="fraction"),
    pytest.param("5mg", "dose.no_space", 1, "'5 mg'", id="no-space"),
    pytest.param("", "dose.no_amount", 0, "'4 mg'", id="empty"),
    pytest.param("   ", "dose.no_amount", 0, "'4 mg'", id="blank"),
    pytest.param("as directed", "dose.no_amount", 0, "'4 mg'", id="words-only"),
    pytest.param("0 mg", "dose.not_positive", 0, "'1 mg'", id="zero"),
    pytest.param("0–2 mg", "dose.not_positive", 0, "'1 mg'", id="range-from-zero"),
    pytest.param("-5 mg", "dose.not_positive", 0, "'5 mg'", id="negative"),
    pytest.param("−5 mg", "dose.not_positive", 0, "'5 mg'", id="minus-sign"),
    pytest.param("4–2 mg", "dose.bad_range", 0, "'2–4 mg'", id="range-falls"),
    pytest.param("2–2 mg", "dose.bad_range", 0, "'2 mg'", id="range-flat"),
    pytest.param("4 to 2 mg", "dose.bad_range", 0, "'2 to 4 mg'", id="range-to-falls"),
    pytest.param("2 to 2 mg", "dose.bad_range", 0, "'2 mg'", id="range-to-flat"),
    pytest.param("1.0 to 2 g", "dose.trailing_zero", 0, "'1 to 2 g'", id="trailing-zero-to"),
    pytest.param("0 to 2 units", "dose.not_positive", 0, "'1 unit'", id="range-to-from-zero"),
    pytest.param("1– mg", "dose.bad_range", 1, "'1–2 mg'", id="range-no-upper"),
    pytest.param("1 g to 2 g", "dose.bad_range", 4, "'1 to 2 g'", id="unit-twice"),
    pytest.param("500 mg–1 g", "dose.bad_range", 6, "'500–1,000 mg'", id="unit-twice-mixed"),
    pytest.param("4 mg once daily", "dose.extra_text", 5, "in frequency", id="frequency"),
    pytest.param("4 mg for 5 days", "dose.extra_text", 5, "in duration", id="duration"),
    pytest.param("4 mg orally", "dose.extra_text", 5, "in route", id="route"),
    pytest.param("4 mg with food", "dose.extra_text", 5, "in notes", id="notes"),
    pytest.param("up to 4 mg", "dose.extra_text", 0, "in max_dose", id="words-first"),
]


@pytest.mark.parametrize(("text", "code", "offset", "corrected"), REFUSED_DOSES)
def test_dose_is_refused(text: str, code: str, offset: int, corrected: str) -> None:
    problem = parse_dose(text)

    assert isinstance(problem, DoseProblem)
    assert (problem.code, problem.offset) == (code, offset)
    assert corrected in problem.hint
    assert problem.message.strip()


# (text, code, offset, text the hint must contain)
REFUSED_MAX_DOSES = [
    pytest.param("4 g a fortnight", "dose.unknown_period", 4, "periods: daily", id="fortnight"),
    pytest.param("4 g Daily", "dose.unknown_period", 4, "'4 g daily'", id="case-Daily"),
    pytest.param("4 g per dya", "dose.unknown_period", 4, "'4 g per day'", id="near-miss"),
    pytest.param("4 g once daily", "dose.unknown_period", 4, "'4 g per day'", id="frequency"),
    pytest.param("4 g/day", "dose.unknown_unit", 2, "'4 g per day'", id="period-in-unit"),
    pytest.param("4 g daily for 5 days", "dose.extra_text", 10, "in duration", id="after-period"),
    pytest.param("max 4 g daily", "dose.extra_text", 0, "'4 g daily'", id="max-first"),
    pytest.param("10 units/hour daily", "dose.unknown_period", 14, "'10 units/hour'", id="rate"),
    pytest.param("4.0 g daily", "dose.trailing_zero", 0, "'4 g'", id="trailing-zero"),
    pytest.param("60", "dose.no_unit", 0, "'60 mg'", id="bare-number"),
]


@pytest.mark.parametrize(("text", "code", "offset", "corrected"), REFUSED_MAX_DOSES)
def test_max_dose_is_refused(text: str, code: str, offset: int, corrected: str) -> None:
    problem = parse_max_dose(text)

    assert isinstance(problem, DoseProblem)
    assert (problem.code, problem.offset) == (code, offset)
    assert corrected in problem.hint


REFUSED = [*REFUSED_DOSES, *REFUSED_MAX_DOSES]
JARGON = ("string", "scalar", "mapping", "regex", "token")


@pytest.mark.parametrize(("text", "code", "offset", "corrected"), REFUSED)
def test_problems_speak_to_a_pharmacist(text: str, code: str, offset: int, corrected: str) -> None:
    del code, offset, corrected
    for problem in (parse_dose(text), parse_max_dose(text)):
        if isinstance(problem, DoseProblem):
            words = f"{problem.message} {problem.hint}".casefold()
            assert not [word for word in JARGON if word in words]
            assert problem.hint.strip()
            assert problem.code.startswith("dose.")


@pytest.mark.parametrize("text", ["60", "1–2", "2.5", "1,000"])
def test_a_bare_number_is_never_answered_with_quotes(text: str) -> None:
    problem = parse_dose(text)

    assert isinstance(problem, DoseProblem)
    assert problem.code == "dose.no_unit"
    assert problem.message == f"'{text}' has no unit"
    assert "quot" not in problem.hint.casefold()
    assert '"' not in problem.hint
    assert problem.hint.startswith("write the amount with the unit the source gives")
    assert f"'{text} mg'" in problem.hint
    assert "micrograms" in problem.hint


# --- The unit table -----------------------------------------------------------------------------

# UCUM's grammar, simplified: atoms (with an exponent), [bracketed] atoms, 10*n, {annotations},
# joined by '.' (times) or '/' (per).
_ATOM = r"(?:10\*[0-9]+|\[[A-Za-z']+\]|[A-Za-z]+[0-9]?|\{[a-z]+\})"
UCUM = re.compile(rf"{_ATOM}(?:[./]{_ATOM})*")


@pytest.mark.parametrize("written", sorted(UNITS))
def test_every_unit_has_a_ucum_code_and_parses(written: str) -> None:
    unit = UNITS[written]

    assert unit.written == written
    assert unit.ucum
    assert UCUM.fullmatch(unit.ucum), unit.ucum
    assert parse_dose(f"2 {written}") == Quantity(D("2"), None, unit)


def documented(section: str) -> dict[str, str | None]:
    """The rows ``written  ucum`` of one table in the module's docstring."""
    doc = dose_units.__doc__ or ""
    start = doc.index(section)
    end = doc.find("\n\n", doc.index("\n\n", start) + 2)
    rows: dict[str, str | None] = {}
    for line in doc[start:end].splitlines():
        row = re.match(r" {4}``(?P<written>[^`]+)``\s+(?:``(?P<ucum>[^`]+)``|none)", line)
        if row:
            rows[row["written"]] = row["ucum"]
    return rows


def test_the_docstring_lists_every_unit_with_its_code() -> None:
    units = documented("Units (written, UCUM")
    per = documented("Per forms")

    assert len(units) >= 25
    assert len(per) >= 5
    for written, ucum in units.items():
        assert UNITS[written].ucum == ucum
        assert isinstance(parse_dose(f"1 {written}"), Quantity)
        if not ucum or not ucum.startswith("{"):
            for suffix, per_ucum in per.items():
                assert UNITS[written + suffix].ucum == f"{ucum}{per_ucum}"
    plural = {written for written in units if (UNITS[written].ucum or "").startswith("{")}
    singular = {written for written in UNITS if written not in units and "/" not in written}
    assert {UNITS[one].ucum for one in singular} <= {UNITS[many].ucum for many in plural}


def test_the_docstring_lists_every_period_with_its_code() -> None:
    periods = documented("Periods")

    assert set(periods) >= {"daily", "per day", "in 24 hours", "per week", "per dose"}
    for period, ucum in periods.items():
        result = parse_max_dose(f"4 g {period}")
        assert result == Quantity(D("4"), None, UNITS["g"], period, ucum)


def test_units_are_case_sensitive() -> None:
    assert "mL" in UNITS
    assert "ml" not in UNITS
    assert "Mg" not in UNITS


# --- Never raises --------------------------------------------------------------------------------

PIECES = st.sampled_from(
    [
        *UNITS, "µg", "mcg", "U", "IU", "cc", "million", "per", "day", "daily", "to", "–", "-",
        "−", "/", ".", ",", "0", "5", ".5", "5.0", "1,000", "1,5", " ", "\u00a0", "\n", "m²",
        "once", "in 24 hours", "per dose", "x", "½",
    ]
)  # fmt: skip
DOSE_LIKE = st.lists(PIECES, max_size=8).map("".join)
SPACED = st.lists(PIECES, max_size=6).map(" ".join)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=40), DOSE_LIKE, SPACED))
@example("")
@example("1–")
@example("-")
@example("5 million")
@example("1 to 2 to 3 g")
def test_parsing_never_raises(text: str) -> None:
    for parse in (parse_dose, parse_max_dose):
        result = parse(text)

        assert isinstance(result, Quantity | DoseProblem)
        if isinstance(result, DoseProblem):
            assert 0 <= result.offset <= len(text)
            assert result.code.startswith("dose.")
            assert result.message
            assert result.hint
        else:
            assert result.low > 0
            assert result.high is None or result.high > result.low
            assert result.unit in UNITS.values()
