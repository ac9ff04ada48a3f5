"""Strict parsing of a regimen's ``dose`` and ``max_dose``: an amount, a unit and its UCUM code.

Stage: content/ (docs/architecture.md).
No I/O.

A dose is data, not prose: an amount or a range (``1–2``, ``1-2``, ``1 to 2``), a space and a
unit from ``UNITS``; a maximum dose may add one period (``4 g per day``). What is refused
follows UK prescribing guidance (the BNF's "Prescription writing", the NHS and ISMP lists of
error-prone notation), because each refused form has caused tenfold or thousandfold errors:
micrograms, nanograms and units are written in full (never ``µg``, ``μg``, ``ug``, ``mcg``,
``ng``, ``U`` or ``IU``), and ``mL`` never ``cc``; no trailing zero (``5 mg``, not ``5.0 mg``);
a zero before a decimal point (``0.5 mg``, not ``.5 mg``); a space between amount and unit.
Anything else after the unit belongs in another field (``4 mg once daily``: ``once daily`` is
the frequency). A problem is returned as a ``DoseProblem`` (a stable code, plain words, a hint
with the corrected value where one can be derived, an offset), never raised.

Codes: ``dose.no_amount``, ``dose.not_positive``, ``dose.naked_decimal``,
``dose.trailing_zero``, ``dose.bad_number``, ``dose.bad_range``, ``dose.no_unit``,
``dose.no_space``, ``dose.unsafe_unit``, ``dose.unknown_unit``, ``dose.unknown_period``,
``dose.extra_text``.
"""

from __future__ import annotations

import difflib

from clincalc_site.content.dose_amounts import (
    _FIRST_NUMBER,
    _NEGATIVE,
    _PER_WORDS,
    _PERIOD,
    _RANGE_SEP,
    _SPACES,
    _fix_number,
    _lex,
    _number_problem,
    _Parts,
    _value,
)
from clincalc_site.content.dose_quantity import DoseProblem, Quantity
from clincalc_site.content.dose_unit_spelling import (
    _BASES,
    _TIME_PERIODS,
    _VOLUMES,
    _one,
    _safe_spelling,
    _split_unit,
    _squash,
    _suggest_unit,
)
from clincalc_site.content.dose_units import _MEASURED, _PERIOD_LIST, _PERIODS, _UNIT_LIST, UNITS

# Which field words after the unit belong in: the first word that names one decides.
# fmt: off
_FIELD_WORDS: tuple[tuple[str, frozenset[str]], ...] = (
    ("max_dose", frozenset({"max", "max.", "maximum", "up", "not", "exceeding"})),
    ("route", frozenset({
        "oral", "orally", "by", "mouth", "iv", "intravenous", "intravenously", "subcutaneous",
        "subcutaneously", "intramuscular", "intramuscularly", "inhaled", "topical", "topically",
        "rectally", "vaginally", "sublingually", "infusion", "injection", "nebulised",
    })),
    ("frequency", frozenset({
        "daily", "once", "twice", "times", "every", "hourly", "nightly", "weekly", "morning",
        "night", "evening", "bedtime", "day", "stat", "required", "divided", "alternate", "bd",
        "tds", "qds", "od", "when", "as", "per", "a",
    })),
    ("duration", frozenset({"for", "days", "weeks", "months", "until", "cycle", "course"})),
)
# fmt: on


# --- The checks --------------------------------------------------------------------------------


def _amount(parts: _Parts, *, fixed: bool) -> str:
    fix = _fix_number if fixed else str
    if parts.sep is None or parts.high is None:
        return fix(parts.low)
    return fix(parts.low) + parts.sep + fix(parts.high)


def _example_unit(parts: _Parts) -> str:
    """The unit as it should be written: as written, spelled safely, the nearest listed, or mg."""
    if parts.unit in UNITS:
        return parts.unit
    if parts.unit:
        safe = _safe_spelling(parts.unit)
        return safe[1] if safe else _suggest_unit(parts.unit) or "mg"
    return "mg"


def _example(parts: _Parts, *, unit: str | None = None) -> str:
    """The amount written safely, with the unit (corrected where possible, else 'mg')."""
    return f"{_amount(parts, fixed=True)} {unit or _example_unit(parts)}"


def _field_for(words: str) -> str:
    """The regimen field that ``words`` belong in."""
    for word in words.casefold().split():
        for field, vocabulary in _FIELD_WORDS:
            if word.strip(",;:()") in vocabulary:
                return field
    return "notes"


def _check_amount(parts: _Parts) -> DoseProblem | None:
    """The numbers: each written safely, above zero, and a range that rises."""
    example = f"'{_example(parts)}'"
    if not parts.unit:
        example += " (with the unit the source gives)"
    unit = _example_unit(parts)
    for lexeme, at in ((parts.low, parts.low_at), (parts.high, parts.high_at)):
        if lexeme is not None:
            problem = _number_problem(lexeme, at, example, unit)
            if problem is not None:
                return problem
    if parts.sep is not None and parts.high is None:
        return DoseProblem(
            "dose.bad_range",
            f"the range '{parts.text[parts.low_at : parts.high_at].strip()}' has no upper amount",
            "write both amounts, then the unit, for example '1–2 mg' or '1 to 2 g'",
            parts.sep_at,
        )
    low = _value(parts.low)
    written = parts.text[parts.low_at : parts.unit_at + len(parts.unit)].strip()
    if low <= 0:
        zero = "starts at zero" if parts.high is not None else "is zero"
        return DoseProblem(
            "dose.not_positive",
            f"'{written}' {zero}: a dose is an amount greater than zero",
            "write the smallest amount the source gives, greater than zero, for example "
            f"'1 {_one(_example_unit(parts))}'",
            parts.low_at,
        )
    if parts.high is not None and parts.sep is not None:
        high = _value(parts.high)
        if high == low:
            return DoseProblem(
                "dose.bad_range",
                f"the range '{written}' has the same amount at both ends",
                f"write the single amount, '{_fix_number(parts.low)} {_example_unit(parts)}'",
                parts.low_at,
            )
        if high < low:
            swapped = f"{_fix_number(parts.high)}{parts.sep}{_fix_number(parts.low)}"
            return DoseProblem(
                "dose.bad_range",
                f"the range '{written}' has its larger amount first",
                f"write the smaller amount first, '{swapped} {_example_unit(parts)}'",
                parts.low_at,
            )
    return None


def _check_unit(parts: _Parts, *, what: str) -> DoseProblem | None:
    """The unit: present, listed, spelled safely, and spaced from the amount."""
    amount = _amount(parts, fixed=False)
    if not parts.unit:
        return DoseProblem(
            "dose.no_unit",
            f"'{amount}' has no unit",
            f"write the amount with the unit the source gives, for example '{amount} mg'; "
            f"units: {_UNIT_LIST}",
            parts.low_at,
        )
    if parts.unit.startswith("/") and not parts.spaced and parts.unit[1:2].isdigit():
        return DoseProblem(
            "dose.bad_number",
            f"'{amount}{parts.unit}' is a fraction",
            "write the amount as a decimal with its unit, for example '0.5 tablet' or '2.5 mg'",
            parts.low_at,
        )
    safe = _safe_spelling(parts.unit)
    if safe is not None:
        abbreviation, spelled, reason = safe
        return DoseProblem(
            "dose.unsafe_unit",
            f"'{abbreviation}' is an unsafe abbreviation: it {reason}",
            f"write '{_example(parts, unit=spelled)}', with {spelled.split('/')[0]} in full "
            "as UK prescribing guidance asks",
            parts.unit_at,
        )
    if parts.unit in UNITS:
        if not parts.spaced:
            return DoseProblem(
                "dose.no_space",
                f"'{amount}{parts.unit}' has no space between the amount and the unit, "
                "so the unit can be misread as part of the number",
                f"write '{_example(parts)}'",
                parts.unit_at,
            )
        return None
    return _unknown_unit(parts, what=what)


def _unknown_unit(parts: _Parts, *, what: str) -> DoseProblem:
    _, base, per = _split_unit(parts.unit)
    folded = [part.casefold().replace(" ", "") for part in per]
    if any(part in _VOLUMES for part in folded):
        return DoseProblem(
            "dose.unknown_unit",
            f"'{parts.unit}' is a concentration, not a dose",
            f"write the amount given, for example '{_amount(parts, fixed=True)} {base}' or the "
            "volume in mL; the strength belongs in notes",
            parts.unit_at,
        )
    if any(part in _TIME_PERIODS for part in folded):
        quantity = f"{_amount(parts, fixed=True)} {'/'.join([base, *per[:-1]])}"
        if what == "dose":
            hint = (
                f"write the amount for one dose here, for example '{quantity}', and how often "
                "in frequency ('daily in 3 divided doses'); a maximum goes in max_dose"
            )
        else:
            hint = f"write the period in words after the unit, for example '{quantity} per day'"
        return DoseProblem(
            "dose.unknown_unit", f"'{parts.unit}' puts a period into the unit", hint, parts.unit_at
        )
    if base in _BASES and base not in _MEASURED and per:
        return DoseProblem(
            "dose.unknown_unit",
            f"'{parts.unit}' scales a dose form: tablets, capsules and other forms are counted, "
            "never per kg or per m²",
            f"write the number the source gives, for example '{_amount(parts, fixed=True)} "
            f"{base}', or a measured amount such as '15 mg/kg'",
            parts.unit_at,
        )
    suggestion = _suggest_unit(parts.unit)
    did_you_mean = ""
    if suggestion:
        did_you_mean = f"did you mean '{_amount(parts, fixed=True)} {suggestion}'? "
        if suggestion.casefold() == _squash(parts.unit).casefold():
            did_you_mean += "(unit spellings are case-sensitive) "
    return DoseProblem(
        "dose.unknown_unit",
        f"'{parts.unit}' is not a unit on the dose list",
        f"{did_you_mean}the units are: {_UNIT_LIST}",
        parts.unit_at,
    )


def _check_per_words(parts: _Parts, *, what: str) -> DoseProblem | None:
    """``15 mg per kg``: a per form is written with a slash (``per hour`` is a max_dose period)."""
    per_words = _PER_WORDS.match(parts.text, parts.rest_at)
    if per_words is None or parts.unit not in _MEASURED:
        return None
    per = per_words["what"]
    if what == "max_dose" and per in ("hour", "minute"):
        return None
    return DoseProblem(
        "dose.unknown_unit",
        f"'{parts.unit} {_squash(per_words.group())}' writes the per form in words",
        f"write '{_amount(parts, fixed=True)} {parts.unit}/{per}'",
        parts.rest_at,
    )


def _check_repeated_unit(parts: _Parts) -> DoseProblem | None:
    """``1 g to 2 g``: the unit is written once, after the range."""
    rest = " " + parts.rest
    again = _RANGE_SEP.match(rest)
    if parts.high is not None or again is None:
        return None
    second = _lex(rest, again.end())
    if second is None:
        return None
    sep = " to " if again.group().strip() == "to" else again.group().strip()
    if second.unit == parts.unit:
        both = f"{_fix_number(parts.low)}{sep}{_fix_number(second.low)} {parts.unit}"
        hint = f"write the unit once, after both amounts: '{both}'"
    else:
        hint = (
            "convert both amounts to one unit and write it once, after them: "
            "for 500 mg to 1 g, '500–1,000 mg'"
        )
    return DoseProblem(
        "dose.bad_range", f"'{_squash(parts.text)}' writes the unit twice", hint, parts.rest_at
    )


def _extra_text(parts: _Parts, rest: str, at: int, *, what: str) -> DoseProblem:
    """Words after the quantity (and after the period of a max_dose)."""
    field = _field_for(rest)
    where = "notes" if field == what else field
    if what == "dose":
        message = f"'{rest}' follows the dose; the dose field holds only an amount and its unit"
    else:
        message = (
            f"'{rest}' follows the maximum; the max_dose field holds only an amount, its unit "
            "and one period"
        )
    kept = _squash(parts.text[parts.low_at : at])
    return DoseProblem(
        "dose.extra_text", message, f"keep only '{kept}' here and write '{rest}' in {where}", at
    )


def _leading_words(text: str, start: int, *, what: str) -> DoseProblem:
    """Text that does not start with an amount: words first, or no number at all."""
    shown = text.strip()
    first = _FIRST_NUMBER.search(text, start)
    suffix = text[first.start() :].strip() if first else ""
    parsed = _parse(suffix, what=what) if suffix else None
    if first is None or not isinstance(parsed, Quantity):
        return DoseProblem(
            "dose.no_amount",
            f"'{shown}' has no amount" if shown else f"the {what} is empty",
            "write the amount and unit the source gives, for example '4 mg'"
            + ("" if what == "dose" else " or '4 g per day'")
            + "; other wording belongs in notes",
            0,
        )
    words = text[start : first.start()].strip()
    field = _field_for(words)
    if field == what:
        hint = f"write '{suffix}': the field already says it is the {what.replace('_', ' ')}"
    else:
        hint = f"start with the amount, '{suffix}', and write '{words}' in {field}"
    return DoseProblem("dose.extra_text", f"'{shown}' does not start with an amount", hint, start)


def _parse(text: str, *, what: str) -> Quantity | DoseProblem:
    start = len(text) - len(text.lstrip())
    negative = _NEGATIVE.match(text, start)
    if negative is not None:
        unsigned = _lex(text, negative.end())
        example = _example(unsigned) if unsigned else "5 mg"
        return DoseProblem(
            "dose.not_positive",
            f"'{text.strip()}' is negative: a dose is an amount greater than zero",
            f"write the amount the source gives, for example '{example}'",
            start,
        )
    parts = _lex(text, start)
    if parts is None:
        return _leading_words(text, start, what=what)
    problem = (
        _check_amount(parts)
        or _check_unit(parts, what=what)
        or _check_per_words(parts, what=what)
        or _check_repeated_unit(parts)
    )
    if problem is not None:
        return problem
    unit = UNITS[parts.unit]
    low = _value(parts.low)
    high = _value(parts.high) if parts.high is not None else None
    if not parts.rest:
        return Quantity(low, high, unit)
    if what == "dose":
        return _extra_text(parts, parts.rest, parts.rest_at, what=what)
    period = _PERIOD.match(text, parts.rest_at)
    if period is None:
        return _unknown_period(parts)
    after = _SPACES.match(text, period.end())
    after_at = after.end() if after else period.end()
    if text[after_at:].strip():
        return _extra_text(parts, text[after_at:].strip(), after_at, what=what)
    written = _squash(period.group())
    if unit.ucum.endswith(("/h", "/min")):
        return DoseProblem(
            "dose.unknown_period",
            f"'{parts.unit}' is a rate, and a maximum rate takes no period",
            f"write the maximum rate alone, '{_amount(parts, fixed=True)} {parts.unit}', or a "
            "maximum amount with its period, such as '4 g per day'",
            parts.rest_at,
        )
    return Quantity(low, high, unit, written, _PERIODS[written])


def _unknown_period(parts: _Parts) -> DoseProblem:
    quantity = f"{_amount(parts, fixed=True)} {parts.unit}"
    folded = {period.casefold(): period for period in _PERIODS}
    rest = _squash(parts.rest)
    near = difflib.get_close_matches(rest.casefold(), list(folded), n=1, cutoff=0.6)
    did_you_mean = f"did you mean '{quantity} {folded[near[0]]}'? " if near else ""
    return DoseProblem(
        "dose.unknown_period",
        f"'{parts.rest}' is not a period a maximum dose can take",
        f"{did_you_mean}write the maximum as an amount, a unit and one period, for example "
        f"'{quantity} per day'; periods: {_PERIOD_LIST}",
        parts.rest_at,
    )


def parse_dose(text: str) -> Quantity | DoseProblem:
    """A regimen's ``dose``: an amount or range and a listed unit, nothing else."""
    return _parse(text, what="dose")


def parse_max_dose(text: str) -> Quantity | DoseProblem:
    """A regimen's ``max_dose``: the same quantity, optionally followed by one listed period."""
    return _parse(text, what="max_dose")
