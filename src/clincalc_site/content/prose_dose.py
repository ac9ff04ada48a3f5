"""Doses written in prose: amounts with a dose unit or a dose form, found with their offsets.

Stage: content/ (docs/architecture.md). No I/O.

A dose is an amount followed by a dose unit ("5 mg", "1 g", "10 units", "15 mg/kg",
"2 mg/hour", "1.2 million units") or a dose form ("two tablets", "1–2 puffs", "half a tablet",
"one pessary", "two 500 mg tablets"); "a tablet" counts only straight after a dosing verb
("take a tablet"), and "take two at night" counts as the elliptical form of "two tablets".
Not doses: thresholds, levels and concentrations ("30 mL/min", "0.4–1.0 mmol/L", "48 mmol/mol",
"3 mg/mmol", "5 mg/mL", "80 g/L", "1 × 10⁹/L", "1.73 m²"), ages, durations, times, dates and
years, counts of people or events ("1 in 10 people", "2 trials"), percentages of risk, body
weight ("50 kg"), measured quantities named just before the number (urine output, blood
loss, clearance, volume of distribution, intake), diet and alcohol ("6 g of salt", "14 units
of alcohol"), pack sizes ("packs of 28 tablets"), counts of doses ("two doses"), and names
that merely contain digits: trials ("ENGAGE AF-TIMI 48", "MM-003"), genes and enzymes
("CYP3A4", "HLA-B*1502", "SGLT2", "beta-1"), "type 2 diabetes", "vitamin B12", "NYHA class
II", "NICE NG28", "TA427". Link targets in Markdown ("(https://...)") are not prose.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class ProseDose:
    """One dose written in prose: ``found == text[start:end]``."""

    start: int
    end: int
    found: str


# -- Building blocks -------------------------------------------------------------------------

# A letter of any alphabet (\w without digits and underscore): "whole word" edges.
_LETTER = r"[^\W\d_]"
# Between a number and its unit or form: nothing, a space (\s covers the non-breaking and thin
# spaces), or a Markdown/HTML entity for one, which authors paste from word processors.
_GAP = r"(?:\s|&nbsp;|&#160;|&thinsp;|&#8201;|&#8239;)"

# ASCII digits only: \d would also take other scripts' digits, never used in doses here.
# Thousands are grouped with a comma or a non-breaking/thin space; "2·5" is a decimal point.
_DIGITS = (
    r"(?:(?:[0-9]{1,3}(?:[,\u00a0\u2009\u202f][0-9]{3})+(?![0-9])|[0-9]+)(?:[.·][0-9]+)?[½¼¾]?"
    r"|\.[0-9]+|[½¼¾])"
)
_WORD_NUMBERS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen"
    "|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|hundred"
)
_WORD_NUMBER = rf"(?<!{_LETTER})(?:{_WORD_NUMBERS})(?:[-\s]and[-\s]a[-\s]half)?(?!{_LETTER})"
# The number must start there: not the tail of a word, a code or another number ("CYP3A4",
# "B12", "NG28", "10⁹", "HLA-B*1502", "140/90", "IRMA-2", the "2" of "1-2"). Markdown
# emphasis ("**5 mg**", "_5 mg_") may stand before it.
_NUMBER_START = (
    r"(?<![^\W_])(?<![.,/^·⁰¹²³⁴⁵⁶⁷⁸⁹])(?<![^\W\d_][-–*])(?<![^\W\d_]\\\*)(?<![0-9][-–])"
)
_ONE_QUANTITY = rf"(?:{_DIGITS}|{_WORD_NUMBER})"
# "1–2", "1 - 2", "1 to 2", "one or two", "between 5 and 10".
_QUANTITY = (
    rf"(?:{_NUMBER_START}{_DIGITS}|{_WORD_NUMBER})(?:{_GAP}*[-–—]{_GAP}*{_ONE_QUANTITY}"
    rf"|{_GAP}+(?:to|or|and){_GAP}+{_ONE_QUANTITY})?"
)
# "half a tablet", "a half tablet", "a quarter of a tablet", "three-quarters of a tablet".
_FRACTION = (
    rf"(?<!{_LETTER})(?:(?:a|one)[-\s]+half|(?:a|one)[-\s]+quarter|three[-\s]+quarters|half"
    rf"|quarter)(?:\s+of)?(?:\s+(?:a|an|one))?(?!{_LETTER})"
)

# Dose units. Abbreviations are case-sensitive ("mg" but not "MG", myasthenia gravis; "g" but
# not "G"); words are not ("Micrograms" opens a sentence). "kg" alone is body weight, so it is
# only a unit as a denominator ("mg/kg").
_MASS = (
    r"(?:milligram(?:me)?s?|microgram(?:me)?s?|nanogram(?:me)?s?|gram(?:me)?s?"
    r"|(?-i:mg|g|gm|mcg|µg|μg|ug|ng))"
)
_VOLUME = r"(?:millilit(?:re|er)s?|lit(?:re|er)s?|(?-i:mL|ml|L))"
_AMOUNT = r"(?:millimoles?|micromoles?|(?-i:mmol|micromol|mEq|MBq|GBq|kBq))"
_UNITS = r"(?:(?:million\s+|mega\s*)?(?:international\s+)?units?|(?-i:IU|U|MU|MIU))"
_DOSE_UNIT = rf"(?:{_MASS}|{_VOLUME}|{_AMOUNT}|{_UNITS})(?!{_LETTER})"

# What a unit is "per": kept in the match so "mg/kg" is reported whole and "mmol/L" (a level)
# or "mg/5 mL" (a strength) is recognised as one token and not as "5 mL".
_DENOMINATOR_UNIT = (
    r"(?:kg|kilo(?:gram)?s?|m²|m2|m\^2|square\s+met(?:re|er)s?|body\s+weight"
    r"|deci(?:lit(?:re|er))s?|millilit(?:re|er)s?|lit(?:re|er)s?|(?-i:dL|dl|mL|ml|L|l)"
    r"|min(?:ute)?s?|h|hrs?|hours?|days?|d|weeks?|wk|doses?|infusions?"
    r"|millimoles?|moles?|(?-i:mmol|mol|g|mg|mcg|µg|μg|micrograms?|cells))"
)
_DENOMINATOR = (
    rf"(?:{_GAP}?/{_GAP}?|{_GAP}+per{_GAP}+)(?:[0-9]+(?:\.[0-9]+)?{_GAP}?)?"
    rf"{_DENOMINATOR_UNIT}(?!{_LETTER})"
)
# "mg·h/L" is an exposure (AUC), not an amount.
_TIME_PRODUCT = rf"(?:{_GAP}?[·⋅×*]{_GAP}?|{_GAP})h(?:r|ours?)?(?={_GAP}?/)"

_UNIT_AMOUNT = re.compile(
    rf"(?P<quantity>{_QUANTITY}){_GAP}?(?P<unit>{_DOSE_UNIT})(?P<auc>{_TIME_PRODUCT})?"
    rf"(?P<per>(?:{_DENOMINATOR}){{0,3}})",
    re.IGNORECASE,
)

_FORM = (
    r"(?:tablets?|capsules?|caplets?|sachets?|puffs?|inhalations?|actuations?|drops?|sprays?"
    r"|patch(?:es)?|suppositor(?:y|ies)|pessar(?:y|ies)|ampoules?|ampules?|vials?|injections?"
    r"|(?:tea)?spoonfuls?|lozenges?|pastilles?|enemas?|implants?)"
)
# Words that may stand between the count and the form: "two modified-release tablets".
_FORM_ADJECTIVE = (
    r"(?:(?:modified|prolonged|extended|slow|immediate|sustained|controlled)-release"
    r"|gastro-resistant|enteric-coated|film-coated|dispersible|soluble|effervescent|chewable"
    r"|orodispersible|sublingual|buccal|standard|further|more|extra|additional|vaginal|rectal"
    r"|oral|whole|single|new|fresh|separate|large|small|scored|nasal|eye|ear|depot"
    r"|intramuscular|subcutaneous|(?-i:MR|SR|XL|CR))"
)
_STRENGTH = rf"(?:[0-9]+(?:\.[0-9]+)?{_GAP}?{_DOSE_UNIT})"
_FORM_MODIFIERS = rf"(?:{_GAP}+(?:{_FORM_ADJECTIVE}|{_STRENGTH})(?!{_LETTER})){{0,3}}"
_FORM_END = rf"{_GAP}+{_FORM}(?!{_LETTER})"

_FORM_AMOUNT = re.compile(
    rf"(?:{_FRACTION}|{_QUANTITY}){_FORM_MODIFIERS}{_FORM_END}", re.IGNORECASE
)

# "a tablet" is a formulation ("available as a tablet") unless it is what someone takes.
_DOSING_VERB = (
    r"(?<!{L})(?:take[sn]?|taking|took|give[sn]?|giving|apply|applies|applying"
    r"|applied|insert(?:s|ed|ing)?|chew(?:s|ing)?|suck(?:s|ing)?|swallow(?:s|ing)?"
    r"|dissolve[sd]?|dissolving|inhale[sd]?|inhaling|instil(?:l|s|ls|ling|led)?"
    r"|place[sd]?|placing|put|puts|putting|administer(?:s|ed|ing)?)(?!{L})"
).replace("{L}", _LETTER)
_VERB_THEN = rf"{_DOSING_VERB}{_GAP}+(?:(?:just|only){_GAP}+)?"
_ARTICLE_FORM = re.compile(
    rf"{_VERB_THEN}(?P<dose>an?(?!{_LETTER}){_FORM_MODIFIERS}{_FORM_END})", re.IGNORECASE
)
# "Take two at night": the form is understood.
_FREQUENCY = (
    r"(?:a\s+day|daily|each\s+(?:day|morning|evening|night)|every|at\s+(?:night|bedtime)"
    r"|in\s+the\s+(?:morning|evening)|once|twice|(?:three|four)\s+times"
    r"|(?:when|as|if)\s+(?:needed|required)|before\s+(?:bed|bedtime|breakfast|meals?)"
    r"|after\s+(?:meals?|food)|with\s+(?:each\s+)?(?:meals?|food|breakfast))(?!{L})"
).replace("{L}", _LETTER)
# "Use" joins here but not before "a": "use a nasal spray" names a formulation.
_ELLIPTICAL_VERB = rf"(?:{_DOSING_VERB}|(?<!{_LETTER})(?:use[sd]?|using)(?!{_LETTER}))"
_ELLIPTICAL = re.compile(
    rf"{_ELLIPTICAL_VERB}{_GAP}+(?:(?:just|only){_GAP}+)?(?P<dose>{_QUANTITY})"
    rf"{_GAP}+(?={_FREQUENCY})",
    re.IGNORECASE,
)

# -- What makes an amount something other than a dose -----------------------------------------

_VOLUME_NAMES = {"ml", "l", "litre", "litres", "liter", "liters"}
_MINUTE_NAMES = {"min", "mins", "minute", "minutes"}
# A per-volume or per-amount denominator makes a concentration or ratio, not an amount given:
# "mmol/L", "ng/mL", "g/dL", "5 mg/mL", "mg/5 mL", "mmol/mol" (HbA1c), "mg/mmol" (ACR).
_CONCENTRATION_NAMES = {
    *_VOLUME_NAMES,
    "dl",
    "decilitre",
    "decilitres",
    "deciliter",
    "deciliters",
    "millilitre",
    "millilitres",
    "milliliter",
    "milliliters",
    "mmol",
    "mol",
    "millimole",
    "millimoles",
    "mole",
    "moles",
    "g",
    "mg",
    "mcg",
    "µg",
    "μg",
    "microgram",
    "micrograms",
    "cells",
}
_SPLIT_DENOMINATOR = re.compile(rf"{_GAP}?/{_GAP}?|{_GAP}+per{_GAP}+", re.IGNORECASE)
_BODY_SURFACE = re.compile(r"m²|m2|m\^2|square", re.IGNORECASE)


def _denominators(per: str) -> list[tuple[bool, str]]:
    """Each denominator of ``per`` as (has a number, unit name lower-cased): "/1.73 m²"."""
    result: list[tuple[bool, str]] = []
    for part in _SPLIT_DENOMINATOR.split(per)[1:]:
        stripped = part.strip()
        name = re.sub(rf"^[0-9.]+{_GAP}*", "", stripped)
        result.append((name != stripped, re.sub(r"\s+", " ", name.lower())))
    return result


def _is_measurement(unit: str, per: str, auc: bool) -> bool:
    """True when the unit and its denominators make a level, rate of clearance or strength."""
    if auc:
        return True
    numerator = unit.lower()
    volume = numerator in _VOLUME_NAMES or numerator.startswith(("millilit", "lit"))
    denominators = _denominators(per)
    names = {name for _, name in denominators}
    for numbered, name in denominators:
        if name in _CONCENTRATION_NAMES:
            return True
        # "mL/min/1.73 m²": body surface with a number is the eGFR normalisation; "mg/m²" is
        # a dose.
        if numbered and _BODY_SURFACE.match(name):
            return True
        # "30 mL/min" is renal function (or cardiac output, oxygen flow); "mg/min" is a rate.
        if volume and name in _MINUTE_NAMES:
            return True
    # "1.4 L/kg" is a volume of distribution; "20 mL/kg" is a fluid bolus.
    litres = numerator == "l" or numerator.startswith("lit")
    return litres and bool(names) and names <= {"kg", "kilogram", "kilograms", "kilo", "kilos"}


# Words after which an amount is a measurement, diet or alcohol, as long as only linking words
# ("of", "below", "no more than", ...) stand between: "urine output below 0.5 mL/kg/hour",
# "salt intake to less than 6 g", "alcohol (no more than 14 units". "Give fluids and 1 g" is
# still a dose, because "and" does not link.
_MEASURED = (
    r"(?:weigh(?:s|ing|ed)?|(?:body\s+|birth\s+)?weight|output|(?:urine|urinary)(?:\s+\w+)?"
    r"|proteinuria"
    r"|albuminuria|excretion|excreted|clearance|levels?|concentrations?|loss|lost|volume"
    r"|distribution|intake|AUC|Cmax|diet|dietary|alcohol|salt|sugar|caffeine|fluids?|water"
    r"|carbohydrates?|fat|fibre|fiber)"
)
_LINKER = (
    r"(?:of|is|are|was|were|below|above|under|over|less|more|fewer|greater|lower|higher|than"
    r"|at|least|most|to|from|within|between|exceeds?|exceeding|falls?|falling|rises?|rising"
    r"|about|around|approximately|roughly|up|no|not|by|the|a|an|keep|keeping|limit(?:s|ed)?"
    r"|safe|recommended|stays?|remains?|only|per|e\.g\.|typically|usually|normally|[≤≥<>~])"
)
_MEASURED_BEFORE = re.compile(
    rf"(?<!{_LETTER}){_MEASURED}(?:[\s(,]*{_LINKER}(?!{_LETTER}))*[\s(]*$", re.IGNORECASE
)
_COUNTED_UNITS = re.compile(r"units?$|^I?U$", re.IGNORECASE)
# Alcohol units are drunk; units of a medicine are not.
_DRINK_BEFORE = re.compile(
    rf"(?<!{_LETTER})drink(?:s|ing)?(?:[\s(]*{_LINKER}(?!{_LETTER}))*[\s(]*$", re.IGNORECASE
)
_DIET_AFTER = re.compile(
    r"^\s+of\s+(?:\S+\s+){0,2}?(?:alcohol|salt|sugars?|carbohydrates?|fat|fats|fibre"
    r"|fiber|protein|caffeine|water|fluids?|liquids?|milk|juice|food|glucose(?!\s*[0-9]))"
    rf"(?!{_LETTER})",
    re.IGNORECASE,
)
# "packs of 28 tablets", "a supply of 56 capsules", "no more than 32 tablets per pack".
_PACK_BEFORE = re.compile(
    rf"(?<!{_LETTER})(?:packs?|packets?|supply|supplies|box(?:es)?|bottles?|blisters?|cartons?"
    rf"|strips?|contain(?:s|ing)?)(?:\s+{_LINKER}(?!{_LETTER}))*\s*$",
    re.IGNORECASE,
)
_PACK_AFTER = re.compile(
    r"^\s+(?:per|in\s+(?:a|each|one|the|every))\s+(?:packs?|packets?|box|bottle|blister"
    r"|strip|carton|prescription)(?![^\W\d_])",
    re.IGNORECASE,
)
# The form as a modifier is not a count of units: "two tablet strengths", "an injection site",
# "a patch test", "one spray device"; "patches of skin" are not patches of medicine.
_FORM_AS_MODIFIER = re.compile(
    r"^\s+(?:strengths?|formulations?|forms?|sizes?|sites?|techniques?|devices?|tests?|testing"
    r"|reactions?|counts?|splitters?|cutters?|crushers?|burden|packs?|boxes|bottles?"
    r"|organisers?|organizers?)(?![^\W\d_])",
    re.IGNORECASE,
)
_PATCH_OF = re.compile(r"patch(?:es)?$", re.IGNORECASE)
# A drop in blood pressure is not a drop of medicine; a drop in the eye is.
_DROP = re.compile(r"drops?$", re.IGNORECASE)
_DROP_IN_BODY = re.compile(
    r"^\s+in(?:to)?\s+(?:\S+\s+){0,2}?(?:eyes?|ears?|nostrils?|nose|mouth)(?![^\W\d_])",
    re.IGNORECASE,
)

# Link targets: "[SmPC](https://...)" and bare or angle-bracketed addresses.
_URL = re.compile(r"\]\([^)\s]*\)?|<?(?:https?|ftp)://[^\s)>\]]*>?|\bwww\.[^\s)>\]]*", re.I)

# How far back to look for the words that decide what a number measures: one clause.
_LOOKBACK = 80
_CLAUSE_BREAK = re.compile(r"[.!?;:](?=\s)|\n")


def _clause_before(text: str, start: int) -> str:
    """The text of the current clause up to ``start`` (at most ``_LOOKBACK`` characters)."""
    window = text[max(0, start - _LOOKBACK) : start]
    breaks = list(_CLAUSE_BREAK.finditer(window))
    return window[breaks[-1].end() :] if breaks else window


def _unit_doses(text: str) -> Iterator[tuple[int, int, bool]]:
    """(start, end, is a dose) for every number with a dose unit.

    The non-doses are yielded too, so that the overlap resolution keeps "5 mL" inside
    "250 mg/5 mL" from being reported on its own.
    """
    for match in _UNIT_AMOUNT.finditer(text):
        start, end = match.span()
        unit = re.sub(r"\s+", " ", match["unit"])
        before = _clause_before(text, start)
        after = text[end : end + 60]
        is_dose = not (
            _is_measurement(unit, match["per"], bool(match["auc"]))
            or _MEASURED_BEFORE.search(before)
            or _DIET_AFTER.match(after)
            or (_COUNTED_UNITS.search(unit) and _DRINK_BEFORE.search(before))
        )
        yield start, end, is_dose


def _is_form_dose(text: str, start: int, end: int, form: str) -> bool:
    """False when the counted form is a pack size, a modifier or not a form of medicine."""
    after = text[end : end + 60]
    if _FORM_AS_MODIFIER.match(after) or _PACK_AFTER.match(after):
        return False
    if _PACK_BEFORE.search(_clause_before(text, start)):
        return False
    if _PATCH_OF.search(form) and re.match(r"\s+of(?![^\W\d_])", after):
        return False
    return not (_DROP.search(form) and re.match(r"\s+in(?![^\W\d_])", after)) or bool(
        _DROP_IN_BODY.match(after)
    )


def _form_doses(text: str, numbers: bool) -> Iterator[tuple[int, int, bool]]:
    """(start, end, is a dose) for counted dose forms, "take a tablet" and "take two daily";
    ``numbers`` is False when the text has no number, so only "take a tablet" can match."""
    if numbers:
        for match in _FORM_AMOUNT.finditer(text):
            start, end = match.span()
            yield start, end, _is_form_dose(text, start, end, match.group(0))
    for match in _ARTICLE_FORM.finditer(text):
        start, end = match.span("dose")
        yield start, end, _is_form_dose(text, start, end, match["dose"])
    if numbers:
        for match in _ELLIPTICAL.finditer(text):
            yield match.start("dose"), match.end("dose"), True


# Every dose holds a number (digits, a number word, a fraction) except "take a tablet", which
# holds a dosing verb: text with neither, most prose, is passed over after one split into
# words (the full patterns cost fifty times as much).
_DIGIT_HINT = re.compile(r"[0-9½¼¾]")
_WORDS = re.compile(_LETTER + "+")
_NUMBER_WORDS = frozenset(_WORD_NUMBERS.split("|")) | {"half", "quarter", "quarters"}
_VERB_WORDS = frozenset(
    [
        "take",
        "takes",
        "taken",
        "taking",
        "took",
        "give",
        "gives",
        "given",
        "giving",
        "apply",
        "applies",
        "applying",
        "applied",
        "insert",
        "inserts",
        "inserted",
        "inserting",
        "chew",
        "chews",
        "chewing",
        "suck",
        "sucks",
        "sucking",
        "swallow",
        "swallows",
        "swallowing",
        "dissolve",
        "dissolves",
        "dissolved",
        "dissolving",
        "inhale",
        "inhales",
        "inhaled",
        "inhaling",
        "instil",
        "instill",
        "instils",
        "instills",
        "instilling",
        "instilled",
        "place",
        "places",
        "placed",
        "placing",
        "put",
        "puts",
        "putting",
        "administer",
        "administers",
        "administered",
        "administering",
    ]
)


# ASCII text splits into its (lower-case) letter runs faster as bytes, by one translation
# table, than by a pattern.
_ASCII_LETTERS_LOWER = bytes(
    ord(chr(code).lower()) if code < 128 and chr(code).isalpha() else 32 for code in range(256)
)
_NUMBER_BYTES = frozenset(word.encode("ascii") for word in _NUMBER_WORDS)
_VERB_BYTES = frozenset(word.encode("ascii") for word in _VERB_WORDS)


def _hints(text: str) -> tuple[bool, bool]:
    """(the text holds a number, the text holds a dosing verb): what a dose needs. Link
    addresses are left out: their digits are never a dose."""
    if text.isascii():
        runs = set(text.encode("ascii").translate(_ASCII_LETTERS_LOWER).split())
        numbers, verbs = not runs.isdisjoint(_NUMBER_BYTES), not runs.isdisjoint(_VERB_BYTES)
    else:
        words = set(_WORDS.findall(text.casefold()))
        numbers, verbs = not words.isdisjoint(_NUMBER_WORDS), not words.isdisjoint(_VERB_WORDS)
    if not numbers and _DIGIT_HINT.search(text) is not None:
        numbers = _DIGIT_HINT.search(_URL.sub(" ", text)) is not None
    return numbers, verbs


def find_prose_doses(text: str) -> list[ProseDose]:
    """Every dose written in ``text``, in order, non-overlapping."""
    numbers, verbs = _hints(text)
    if not numbers and not verbs:
        return []
    links = [match.span() for match in _URL.finditer(text)]
    candidates = sorted(
        [*(_unit_doses(text) if numbers else ()), *_form_doses(text, numbers)],
        # Earliest first; at the same start the longest ("two 500 mg tablets" over "two").
        key=lambda candidate: (candidate[0], -candidate[1]),
    )
    doses: list[ProseDose] = []
    taken_until = 0
    for start, end, is_dose in candidates:
        if start < taken_until or start == end:
            continue
        if any(start < link_end and link_start < end for link_start, link_end in links):
            continue
        # A non-dose still claims its span: "5 mL" inside "250 mg/5 mL" is not reported.
        taken_until = end
        if is_dose:
            doses.append(ProseDose(start, end, text[start:end]))
    return doses
