"""A dose's text cut into amount, range, unit and rest, and how each amount must be written.

Stage: content/ (docs/architecture.md). No I/O.

``_lex`` only cuts (nothing is checked); ``_number_problem`` says what is wrong with one
written number (no zero before the point, a trailing zero, a stray comma), or nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from clincalc_site.content.dose_quantity import DoseProblem
from clincalc_site.content.dose_units import _PERIODS

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
