"""Strict parsing of a regimen's ``dose`` and ``max_dose``: an amount, a unit and its UCUM code.

Stage: validate. May import: nothing of the package (stdlib only). No I/O.

A dose is data, not prose: an amount or a range (``1–2``, ``1-2``, ``1 to 2``), a space and a
unit from the list below; a maximum dose may add one period (``4 g per day``). What is refused
follows UK prescribing guidance (the BNF's "Prescription writing", the NHS and ISMP lists of
error-prone notation), because each refused form has caused tenfold or thousandfold errors:
micrograms, nanograms and units are written in full (never ``µg``, ``μg``, ``ug``, ``mcg``,
``ng``, ``U`` or ``IU``), and ``mL`` never ``cc``; no trailing zero (``5 mg``, not ``5.0 mg``);
a zero before a decimal point (``0.5 mg``, not ``.5 mg``); a space between amount and unit.
Anything else after the unit belongs in another field (``4 mg once daily``: ``once daily`` is
the frequency). A problem is returned as a ``DoseProblem`` (a stable code, plain words, a hint
with the corrected value where one can be derived, an offset), never raised.

Spellings are case-sensitive, as UCUM codes are: ``mg`` and ``mL`` only, not ``Mg``, ``MG`` or
``ml``, so a dose reads one way on every page; the hint names the house spelling. Singular and
plural are both accepted (``1 tablet``, ``2 tablets``); agreement with the amount is not checked.

Each spelling carries its code in The Unified Code for Units of Measure (UCUM, version 2.2,
unitsofmeasure.org: the case-sensitive codes that FHIR's ``Quantity.code`` uses). "units" is
``[iU]``, UCUM's international unit: an arbitrary unit fixed by a WHO international standard
(insulin, heparin, vitamins), whereas UCUM's ``[U]`` is the enzyme unit, 1 µmol/min, which would
make these doses convertible to moles. Dose forms have no UCUM unit; they are counted with a
UCUM annotation, which stands for the number 1 (``{tablet}``). A drop is ``{drop}``, not UCUM's
``[drp]``: that is a metric drop of exactly 0.05 mL, and a dropper's drop is not.

Units (written, UCUM, meaning):

    ``mg``              ``mg``          milligrams
    ``g``               ``g``           grams
    ``micrograms``      ``ug``          micrograms (``microgram`` for one)
    ``microgram``       ``ug``
    ``nanograms``       ``ng``          nanograms (``nanogram`` for one)
    ``nanogram``        ``ng``
    ``mL``              ``mL``          millilitres
    ``litres``          ``L``           litres (``litre`` for one)
    ``litre``           ``L``
    ``mmol``            ``mmol``        millimoles
    ``micromol``        ``umol``        micromoles
    ``units``           ``[iU]``        international units (``unit`` for one)
    ``unit``            ``[iU]``
    ``million units``   ``10*6.[iU]``   millions of international units
    ``tablets``         ``{tablet}``    dose forms, counted (each also singular: ``tablet``)
    ``capsules``        ``{capsule}``
    ``sachets``         ``{sachet}``
    ``puffs``           ``{puff}``
    ``drops``           ``{drop}``
    ``sprays``          ``{spray}``
    ``patches``         ``{patch}``
    ``suppositories``   ``{suppository}``
    ``pessaries``       ``{pessary}``
    ``lozenges``        ``{lozenge}``
    ``ampoules``        ``{ampoule}``
    ``vials``           ``{vial}``

Per forms, written straight after a measured unit (not after a dose form), ``15 mg/kg``:

    ``/kg``             ``/kg``         per kilogram of body weight
    ``/m²``             ``/m2``         per square metre of body surface area
    ``/m2``             ``/m2``
    ``/hour``           ``/h``          infusion rates
    ``/minute``         ``/min``
    ``/kg/hour``        ``/kg/h``
    ``/kg/minute``      ``/kg/min``
    ``/m²/hour``        ``/m2/h``
    ``/m2/hour``        ``/m2/h``

Periods, after a ``max_dose`` only (``4 g in 24 hours``):

    ``daily``           ``d``
    ``per day``         ``d``
    ``in 24 hours``     ``d``           a rolling day, exported as a day
    ``per 24 hours``    ``d``
    ``per hour``        ``h``
    ``weekly``          ``wk``
    ``per week``        ``wk``
    ``per dose``        none            a count of doses, not a time
    ``per cycle``       none            a cycle's length differs by regimen (21 or 28 days)
    ``per course``      none            likewise

Codes: ``dose.no_amount``, ``dose.not_positive``, ``dose.naked_decimal``,
``dose.trailing_zero``, ``dose.bad_number``, ``dose.bad_range``, ``dose.no_unit``,
``dose.no_space``, ``dose.unsafe_unit``, ``dose.unknown_unit``, ``dose.unknown_period``,
``dose.extra_text``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from types import MappingProxyType


@dataclass(frozen=True)
class DoseUnit:
    """A unit as editors write it, with its UCUM code."""

    written: str  # the spelling editors write, e.g. "micrograms"
    ucum: str  # its UCUM code, e.g. "ug"; dose forms use UCUM annotations like "{tablet}"


@dataclass(frozen=True)
class Quantity:
    """An amount or a range of amounts in one unit, with a period for a maximum dose."""

    low: Decimal
    high: Decimal | None  # set for ranges
    unit: DoseUnit
    per: str | None = None  # max_dose period as written ("daily"), None for plain doses
    per_ucum: str | None = None  # its UCUM unit ("d"), None when it has none


@dataclass(frozen=True)
class DoseProblem:
    """Why a dose was refused, in words for a pharmacist, and what to write instead."""

    code: str  # e.g. "dose.no_unit"
    message: str  # plain words for a pharmacist
    hint: str  # what to type instead; a concrete corrected example where one can be derived
    offset: int  # 0-based offset in the text where the problem starts (0: the whole text)


# --- The documented lists ----------------------------------------------------------------------

_MEASURED: dict[str, str] = {
    "mg": "mg",
    "g": "g",
    "micrograms": "ug",
    "microgram": "ug",
    "nanograms": "ng",
    "nanogram": "ng",
    "mL": "mL",
    "litres": "L",
    "litre": "L",
    "mmol": "mmol",
    "micromol": "umol",
    "units": "[iU]",
    "unit": "[iU]",
    "million units": "10*6.[iU]",
}
# Dose form -> (singular, plural): counted, so never scaled by /kg or /m².
_FORMS: dict[str, tuple[str, str]] = {
    "tablet": ("tablet", "tablets"),
    "capsule": ("capsule", "capsules"),
    "sachet": ("sachet", "sachets"),
    "puff": ("puff", "puffs"),
    "drop": ("drop", "drops"),
    "spray": ("spray", "sprays"),
    "patch": ("patch", "patches"),
    "suppository": ("suppository", "suppositories"),
    "pessary": ("pessary", "pessaries"),
    "lozenge": ("lozenge", "lozenges"),
    "ampoule": ("ampoule", "ampoules"),
    "vial": ("vial", "vials"),
}
_PER: dict[str, str] = {
    "/kg": "/kg",
    "/m²": "/m2",
    "/m2": "/m2",
    "/hour": "/h",
    "/minute": "/min",
    "/kg/hour": "/kg/h",
    "/kg/minute": "/kg/min",
    "/m²/hour": "/m2/h",
    "/m2/hour": "/m2/h",
}
_PERIODS: dict[str, str | None] = {
    "daily": "d",
    "per day": "d",
    "in 24 hours": "d",
    "per 24 hours": "d",
    "per hour": "h",
    "weekly": "wk",
    "per week": "wk",
    "per dose": None,
    "per cycle": None,
    "per course": None,
}


def _build_units() -> dict[str, DoseUnit]:
    units: dict[str, DoseUnit] = {}
    for written, ucum in _MEASURED.items():
        units[written] = DoseUnit(written, ucum)
        for per, per_ucum in _PER.items():
            units[written + per] = DoseUnit(written + per, ucum + per_ucum)
    for annotation, spellings in _FORMS.items():
        for written in spellings:
            units[written] = DoseUnit(written, "{" + annotation + "}")
    return units


UNITS: Mapping[str, DoseUnit] = MappingProxyType(_build_units())

_UNIT_LIST = (
    "mg, g, micrograms, nanograms, mL, litres, mmol, micromol, units, million units, "
    "tablets, capsules, sachets, puffs, drops, sprays, patches, suppositories, pessaries, "
    "lozenges, ampoules, vials; add /kg or /m² to scale a measured unit by weight or body "
    "surface area, /hour or /minute for a rate"
)
_PERIOD_LIST = ", ".join(_PERIODS)

# Unsafe abbreviation (case-folded, so both micro signs meet as one) -> safe spelling, reason.
_UNSAFE: dict[str, tuple[str, str]] = {
    "μg": ("micrograms", "is misread as mg, a thousandfold overdose"),
    "ug": ("micrograms", "is misread as mg, a thousandfold overdose"),
    "mcg": ("micrograms", "is misread as mg, a thousandfold overdose"),
    "ng": ("nanograms", "is misread as mg, a millionfold overdose"),
    "u": ("units", "is misread as 0 or 4, a tenfold overdose"),
    "iu": ("units", "is misread as IV or as 10"),
    "i.u.": ("units", "is misread as IV or as 10"),
    "cc": ("mL", "is misread as u (units) or as zeros"),
    "μmol": ("micromol", "is misread as mmol, a thousandfold overdose"),
    "umol": ("micromol", "is misread as mmol, a thousandfold overdose"),
}
# Spellings a formulary meets that are not on the list -> the listed spelling.
_ALIASES: dict[str, str] = {
    "milligram": "mg",
    "milligrams": "mg",
    "mgs": "mg",
    "gram": "g",
    "grams": "g",
    "gm": "g",
    "gms": "g",
    "microgramme": "micrograms",
    "microgrammes": "micrograms",
    "ml": "mL",
    "mls": "mL",
    "millilitre": "mL",
    "millilitres": "mL",
    "milliliter": "mL",
    "milliliters": "mL",
    "l": "litres",
    "liter": "litre",
    "liters": "litres",
    "millimol": "mmol",
    "millimole": "mmol",
    "millimoles": "mmol",
    "micromole": "micromol",
    "micromoles": "micromol",
    "tab": "tablet",
    "tabs": "tablets",
    "cap": "capsule",
    "caps": "capsules",
    "m^2": "m²",
    "sqm": "m²",
    "h": "hour",
    "hr": "hour",
    "hrs": "hour",
    "min": "minute",
    "mins": "minute",
}
_VOLUMES = frozenset({"ml", "l", "dl", "litre", "litres", "cc", "liter", "liters"})
_TIME_PERIODS = frozenset({"day", "d", "24h", "24hours", "week", "wk", "month", "dose", "cycle"})

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

# --- Lexing -----------------------------------------------------------------------------------

_LETTER = r"[^\W\d_]"
_NUMBER = re.compile(r"[0-9][0-9.,]*|\.[0-9][0-9.,]*")
_FIRST_NUMBER = re.compile(r"(?<![0-9.,])(?:[0-9]|\.[0-9])")
_RANGE_SEP = re.compile(rf"\s*[-–]\s*|\s+to(?!{_LETTER})\s*")
_UNIT_WORD = re.compile(r"(?i:million)\s+[^\s–-]+|[^\s–-]+")
_SPACES = re.compile(r"\s*")
_VALID_WHOLE = re.compile(r"0|[1-9][0-9]*|[1-9][0-9]{0,2}(?:,[0-9]{3})+")
_NEGATIVE = re.compile(r"[-−]\s*(?=\.?[0-9])")  # hyphen-minus or minus sign, then a number
_PER_WORDS = re.compile(r"per\s+(?P<what>kg|m²|m2|hour|minute)(?!\S)")
_PERIOD = re.compile(
    "|".join(
        r"\s+".join(map(re.escape, period.split()))
        for period in sorted(_PERIODS, key=len, reverse=True)
    )
    + r"(?!\S)"
)


@dataclass(frozen=True)
class _Parts:
    """A dose cut into what was written where; nothing checked yet."""

    text: str
    low: str
    low_at: int
    sep: str | None  # the range separator as written, spaces included
    sep_at: int
    high: str | None
    high_at: int
    unit: str  # the unit as written, "" when there is none
    unit_at: int
    spaced: bool  # whether whitespace separates the amount from the unit
    rest: str  # what follows the unit, without surrounding whitespace
    rest_at: int


def _lex(text: str, start: int) -> _Parts | None:
    """Cut ``text`` at ``start`` into amount, unit and rest; None when no number starts there."""
    low = _NUMBER.match(text, start)
    if low is None:
        return None
    position = low.end()
    sep: str | None = None
    sep_at = high_at = position
    high: str | None = None
    range_sep = _RANGE_SEP.match(text, position)
    if range_sep is not None:
        sep, sep_at = range_sep.group(), position
        high_match = _NUMBER.match(text, range_sep.end())
        high_at = range_sep.end()
        if high_match is not None:
            high = high_match.group()
            position = high_match.end()
        else:
            position = range_sep.end()
    gap = _SPACES.match(text, position)
    unit_at = gap.end() if gap else position
    unit_match = _UNIT_WORD.match(text, unit_at)
    unit = unit_match.group() if unit_match else ""
    after = unit_at + len(unit)
    rest_gap = _SPACES.match(text, after)
    rest_at = rest_gap.end() if rest_gap else after
    return _Parts(
        text=text,
        low=low.group(),
        low_at=low.start(),
        sep=sep,
        sep_at=sep_at,
        high=high,
        high_at=high_at,
        unit=unit,
        unit_at=unit_at,
        spaced=unit_at > position,
        rest=text[rest_at:].rstrip(),
        rest_at=rest_at,
    )


def _squash(words: str) -> str:
    return " ".join(words.split())


# --- Numbers ------------------------------------------------------------------------------------


def _fix_number(lexeme: str) -> str:
    """The number as it should be written: 0 before a point, no trailing zeros, no leading ones."""
    fixed = lexeme.rstrip(".,")
    if fixed.startswith("."):
        fixed = "0" + fixed
    whole, point, fraction = fixed.partition(".")
    if "." in fraction or "," in fraction:
        return fixed
    if re.fullmatch(r"0+[0-9]+", whole):
        whole = whole.lstrip("0") or "0"
    fraction = fraction.rstrip("0")
    return whole + ("." + fraction if point and fraction else "")


def _number_problem(lexeme: str, at: int, example: str, unit: str) -> DoseProblem | None:
    """What is wrong with one written number, or None when it is written safely.

    ``example`` is the whole quantity written safely, quoted; ``unit`` its unit.
    """
    if lexeme.startswith("."):
        return DoseProblem(
            "dose.naked_decimal",
            f"'{lexeme}' has no zero before the decimal point: if the point is missed, "
            f"it reads as {lexeme.lstrip('.').rstrip('.,')}",
            f"write {example}, with a zero before the decimal point",
            at,
        )
    whole, _, fraction = lexeme.partition(".")
    if lexeme.endswith((".", ",")) or "." in fraction or "," in fraction:
        return DoseProblem(
            "dose.bad_number",
            f"'{lexeme}' is not a number as a prescription writes one",
            f"write digits with at most one decimal point, for example '2.5 {unit}'",
            at,
        )
    if not _VALID_WHOLE.fullmatch(whole):
        if "," not in whole:  # leading zeros: 05
            return DoseProblem(
                "dose.bad_number",
                f"'{lexeme}' starts with a zero that is not needed",
                f"write {example}",
                at,
            )
        pointed = _fix_number(whole.replace(",", ".")) if whole.count(",") == 1 else "2.5"
        return DoseProblem(
            "dose.bad_number",
            f"'{lexeme}' has a comma that does not separate thousands",
            f"a decimal takes a point: write '{pointed} {unit}' if the source means "
            f"{pointed}; commas only separate groups of three digits, as in '1,000 {unit}'",
            at,
        )
    if fraction.endswith("0"):
        return DoseProblem(
            "dose.trailing_zero",
            f"'{lexeme}' has a trailing zero: if the point is missed, "
            f"it reads as {lexeme.replace('.', '').replace(',', '')}",
            f"write {example}, without the trailing zero",
            at,
        )
    return None


def _value(lexeme: str) -> Decimal:
    try:
        return Decimal(lexeme.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - lexemes are checked first
        return Decimal(0)


# --- Units ------------------------------------------------------------------------------------


def _split_unit(unit: str) -> tuple[str, str, list[str]]:
    """``million units/kg`` -> ("million ", "units", ["kg"])."""
    prefix = ""
    squashed = _squash(unit)
    if squashed.casefold().startswith("million "):
        prefix, squashed = "million ", squashed[len("million ") :]
    base, *per = squashed.split("/")
    return prefix, base, per


def _safe_spelling(unit: str) -> tuple[str, str, str] | None:
    """For an unsafe abbreviation: (abbreviation, unit spelled safely, reason); else None."""
    prefix, base, per = _split_unit(unit)
    found = _UNSAFE.get(base.casefold())
    if found is None:
        return None
    safe, reason = found
    return base, prefix + "/".join([safe, *per]), reason


def _closest(word: str, choices: list[str]) -> str | None:
    """The listed spelling ``word`` most likely means: alias, other case, or a near miss."""
    if word in choices:
        return word
    alias = _ALIASES.get(word) or _ALIASES.get(word.casefold())
    if alias is not None and alias in choices:
        return alias
    folded = {choice.casefold(): choice for choice in choices}
    if word.casefold() in folded:
        return folded[word.casefold()]
    near = difflib.get_close_matches(word.casefold(), list(folded), n=1, cutoff=0.7)
    return folded[near[0]] if near else None


def _one(unit: str) -> str:
    """The unit's spelling for an amount of 1: ``units/kg`` -> ``unit/kg``."""
    base, slash, per = unit.partition("/")
    return _SINGULAR.get(base, base) + slash + per


_SINGULAR = {
    "micrograms": "microgram",
    "nanograms": "nanogram",
    "litres": "litre",
    "units": "unit",
    **{plural: singular for singular, plural in _FORMS.values()},
}
_BASES = [*_MEASURED, *(spelling for pair in _FORMS.values() for spelling in pair)]
_PER_PARTS = sorted({part for per in _PER for part in per.split("/") if part})


def _suggest_unit(unit: str) -> str | None:
    """A listed unit close to ``unit`` (``mgs/kg`` -> ``mg/kg``, ``Micrograms`` ->
    ``micrograms``), or None."""
    prefix, base, per = _split_unit(unit)
    base_choice = _closest(prefix + base, _BASES)
    if base_choice is not None:
        parts = [_closest(part, _PER_PARTS) for part in per]
        if all(parts):
            candidate = "/".join([base_choice, *(part for part in parts if part)])
            if candidate in UNITS:
                return candidate
    return _closest(_squash(unit), list(UNITS))


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
