"""Dose safety lint: error-prone dose notation in regimen text, as located warnings.

Stage: content/ (docs/architecture.md). No I/O.

Every text field of every regimen is checked, verified or still re-sourcing, so nothing unsafe
is waiting to be published (``dose_rules`` decides the severity: an error in a verified dose,
which would be published, a warning in a re-sourcing one, which never is). The rules come
from the ISMP List of Error-Prone Abbreviations, Symbols, and Dose Designations and UK
prescription-writing guidance (write "micrograms", "nanograms" and "units" in full; no
trailing zero; a zero before a decimal point; no Latin abbreviations such as "bd" or "prn").

Codes: ``dose.trailing_zero``, ``dose.naked_decimal``, ``dose.unsafe_abbreviation``,
``dose.latin_abbreviation``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from clincalc_site.content.yaml_source import SourceMap
from clincalc_site.diagnostics import Location

# A letter of any alphabet (\w without digits and underscore): "whole word" edges.
_LETTER = r"[^\W\d_]"
_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)"
# Units and dose forms after which a number is certainly a dose (so "at 08.00" is not).
_UNIT = (
    r"(?:(?i:mg|g|grams?|mcg|micrograms?|µg|μg|ug|nanograms?|ng|kg|ml|l|litres?|liters?"
    r"|mmol|micromol(?:es)?|mol|meq|units?|u|iu|million|tablets?|tabs?|capsules?|caps?|drops?"
    r"|puffs?|sachets?|doses?|vials?|ampoules?|patch(?:es)?|sprays?|days?|weeks?|months?)"
    rf"(?!{_LETTER})|%)"
)
_RANGE_TAIL = r"(?:\s?(?:-|–|to)\s?\d+(?:\.\d+)?)?"


@dataclass(frozen=True)
class Finding:
    """One unsafe notation in one string: what was found, where, and the safe form."""

    code: str
    found: str
    safe: str
    start: int
    reason: str

    @property
    def message(self) -> str:
        return f"'{self.found}' {self.reason}; write '{self.safe}'"


@dataclass(frozen=True)
class _Rule:
    code: str
    pattern: re.Pattern[str]
    safe: Callable[[re.Match[str]], str]
    reason: str


_DECIMAL_WITH_ZEROS = re.compile(r"(?P<whole>\d)\.(?P<fraction>\d*?)0+(?!\d)")


def _strip_trailing_zeros(match: re.Match[str]) -> str:
    """Drop zeros ending a decimal: 5.0 mg -> 5 mg, 10.50 mg -> 10.5 mg, 2.0-5.0 mg -> 2-5 mg."""

    def strip(number: re.Match[str]) -> str:
        fraction = number["fraction"]
        return number["whole"] + (f".{fraction}" if fraction else "")

    return _DECIMAL_WITH_ZEROS.sub(strip, match.group(0))


def _spell_out(word: str) -> Callable[[re.Match[str]], str]:
    """Replace the ``abbr`` group with ``word``, keeping any number before it."""

    def safe(match: re.Match[str]) -> str:
        head = match.group(0)[: match.start("abbr") - match.start()]
        if head and not head.endswith(" "):
            head += " "
        return head + word

    return safe


def _word(pattern: str, *, ignore_case: bool = False) -> re.Pattern[str]:
    """A whole-word pattern: no letter (or "letter.") directly before or after it.

    So "q.d." is found but not inside "q.d.s." (four times a day), "od" but not "food".
    """
    flags = re.IGNORECASE if ignore_case else 0
    return re.compile(rf"(?<!{_LETTER})(?<!{_LETTER}\.)(?P<abbr>{pattern})(?!\.?{_LETTER})", flags)


def _after_number(pattern: str) -> re.Pattern[str]:
    """A unit abbreviation written after a number: "10 U", "10U", "5 ng/mL"."""
    return re.compile(rf"(?<![\w.,]){_NUMBER}(?:\.\d+)?\s?(?P<abbr>{pattern})(?![\w&])")


_RULES: tuple[_Rule, ...] = (
    _Rule(
        "dose.trailing_zero",
        re.compile(
            rf"(?<![\w.,])(?P<num>{_NUMBER}\.\d*?0+)(?!\d)(?!\.\d)(?P<rest>{_RANGE_TAIL}\s?{_UNIT})"
        ),
        _strip_trailing_zeros,
        "has a trailing zero (if the point is missed, 5.0 is read as 50)",
    ),
    _Rule(
        "dose.naked_decimal",
        re.compile(rf"(?<![\w.,])(?P<num>\.\d+)(?P<rest>\s?{_UNIT})?"),
        lambda m: "0" + m.group(0),
        "has no zero before the decimal point (if the point is missed, .5 is read as 5)",
    ),
    _Rule(
        "dose.unsafe_abbreviation",
        _after_number("U|u"),
        _spell_out("units"),
        "abbreviates units as 'U', which is misread as 0 or 4 (a tenfold overdose)",
    ),
    _Rule(
        "dose.unsafe_abbreviation",
        _after_number("IU|iu"),
        _spell_out("units"),
        "abbreviates units as 'IU', which is misread as IV or 10",
    ),
    _Rule(
        "dose.unsafe_abbreviation",
        _word(r"IU|I\.U\."),
        _spell_out("units"),
        "is an abbreviation for units that is misread as IV or 10",
    ),
    _Rule(
        "dose.unsafe_abbreviation",
        re.compile(rf"(?<!{_LETTER})(?P<abbr>µg|μg|ug|mcg)(?!{_LETTER})"),
        _spell_out("micrograms"),
        "abbreviates micrograms, which is misread as mg (a thousandfold overdose)",
    ),
    _Rule(
        "dose.unsafe_abbreviation",
        _after_number("ng"),
        _spell_out("nanograms"),
        "abbreviates nanograms, which is misread as mg",
    ),
    _Rule(
        "dose.unsafe_abbreviation",
        _word(r"cc", ignore_case=True),
        _spell_out("mL"),
        "is misread as 'u' (units) or as zeros",
    ),
    _Rule(
        "dose.unsafe_abbreviation",
        _word(r"q\.d\.?|qd|q1d", ignore_case=True),
        _spell_out("daily"),
        "is misread as 'qid' (four times daily)",
    ),
    _Rule(
        "dose.unsafe_abbreviation",
        _word(r"o\.d\.?|od", ignore_case=True),
        _spell_out("once daily"),
        "is misread as 'right eye' (or overdose)",
    ),
    _Rule(
        "dose.unsafe_abbreviation",
        _word(r"q\.o\.d\.?|qod", ignore_case=True),
        _spell_out("every other day"),
        "is misread as 'qd' (daily) or 'qid' (four times daily)",
    ),
    _Rule(
        "dose.unsafe_abbreviation",
        _word(r"q\.h\.s\.?|qhs", ignore_case=True),
        _spell_out("nightly at bedtime"),
        "is misread as 'qhr' (every hour)",
    ),
    _Rule(
        "dose.unsafe_abbreviation",
        _word(r"h\.s\.?|hs", ignore_case=True),
        _spell_out("at bedtime"),
        "means both 'at bedtime' and 'half-strength'",
    ),
    _Rule(
        "dose.unsafe_abbreviation",
        _word(r"t\.i\.w\.?|tiw", ignore_case=True),
        _spell_out("three times a week"),
        "is misread as 'three times a day' or 'twice a week'",
    ),
    _Rule(
        "dose.unsafe_abbreviation",
        _word(r"b\.i\.w\.?|biw", ignore_case=True),
        _spell_out("twice a week"),
        "is misread as 'twice a day'",
    ),
    _Rule(
        "dose.unsafe_abbreviation",
        _word(r"SQ|[Ss]ub-?[Qq]|[Ss]ub [Qq]"),
        _spell_out("subcutaneously"),
        "is misread as '5 every' (the q as 'every')",
    ),
    _Rule(
        "dose.latin_abbreviation",
        _word(r"b\.d\.?|bd|b\.i\.d\.?|bid", ignore_case=True),
        _spell_out("twice daily"),
        "is a Latin abbreviation, which UK prescribing guidance asks to write in English",
    ),
    _Rule(
        "dose.latin_abbreviation",
        _word(r"t\.d\.s\.?|tds|t\.i\.d\.?|tid", ignore_case=True),
        _spell_out("three times daily"),
        "is a Latin abbreviation, which UK prescribing guidance asks to write in English",
    ),
    _Rule(
        "dose.latin_abbreviation",
        _word(r"q\.d\.s\.?|qds|q\.i\.d\.?|qid", ignore_case=True),
        _spell_out("four times daily"),
        "is a Latin abbreviation, which UK prescribing guidance asks to write in English",
    ),
    _Rule(
        "dose.latin_abbreviation",
        _word(r"p\.r\.n\.?|prn", ignore_case=True),
        _spell_out("when required"),
        "is a Latin abbreviation, which UK prescribing guidance asks to write in English",
    ),
    _Rule(
        "dose.latin_abbreviation",
        _word(r"nocte|o\.n\.", ignore_case=True),
        _spell_out("at night"),
        "is a Latin abbreviation, which UK prescribing guidance asks to write in English",
    ),
    _Rule(
        "dose.latin_abbreviation",
        _word(r"mane|o\.m\.", ignore_case=True),
        _spell_out("in the morning"),
        "is a Latin abbreviation, which UK prescribing guidance asks to write in English",
    ),
    _Rule(
        "dose.unsafe_abbreviation",
        _word(r"D/C"),
        _spell_out("discontinue (or discharge)"),
        "means both 'discharge' and 'discontinue'",
    ),
)


def lint_text(text: str) -> list[Finding]:
    """Every unsafe notation in one string, in order; one finding per place and code."""
    findings: list[Finding] = []
    taken: dict[str, list[tuple[int, int]]] = {}
    for rule in _RULES:
        spans = taken.setdefault(rule.code, [])
        for match in rule.pattern.finditer(text):
            start, end = match.span()
            if any(start < other_end and other_start < end for other_start, other_end in spans):
                continue  # "10 IU" is reported once, not as "10 IU" and as "IU"
            spans.append((start, end))
            findings.append(
                Finding(rule.code, match.group(0), rule.safe(match), start, rule.reason)
            )
    return sorted(findings, key=lambda f: (f.start, f.code))


def locate_in_value(
    source_map: SourceMap,
    lines: Sequence[str],
    key: tuple[str | int, ...],
    value: str,
    offset: int,
) -> Location:
    """The line and column of ``value[offset]`` in the file, or where the value starts.

    Follows plain, quoted and block (``>-``, ``|``) scalars line by line while the file text
    matches the value; anything less simple (escapes, blank lines) falls back to the value.
    """
    base = source_map.locate(key)
    row = base.line - 1
    if source_map.info(key) is None or not 0 <= row < len(lines):
        return base
    start = base.column - 1
    indicator = lines[row][start : start + 1]
    if indicator in ("|", ">"):
        row += 1
        if row >= len(lines):
            return base
        start = len(lines[row]) - len(lines[row].lstrip(" "))
    elif indicator in ("'", '"'):
        start += 1
    consumed = 0
    while row < len(lines):
        segment = lines[row][start:].rstrip()
        same = _common_prefix(segment, value[consumed:])
        if consumed + same > offset:
            return Location(base.path, row + 1, start + offset - consumed + 1)
        if not segment or same < len(segment):
            return base
        consumed += same + 1  # the line break, folded to a space or kept as "\n"
        row += 1
        if row < len(lines):
            start = len(lines[row]) - len(lines[row].lstrip(" "))
    return base


def _common_prefix(left: str, right: str) -> int:
    size = 0
    for a, b in zip(left, right, strict=False):
        if a != b:
            break
        size += 1
    return size
