"""What a unit as written most likely means: unsafe abbreviations, aliases and near misses.

Stage: content/ (docs/architecture.md). No I/O.

For a unit that is not on the list (``dose_units``): the safe spelling of an abbreviation
UK prescribing guidance refuses (``mcg`` -> ``micrograms``) with the error it causes, and the
listed spelling closest to any other (``mgs/kg`` -> ``mg/kg``), for the parser's hints.
"""

from __future__ import annotations

import difflib

from clincalc_site.content.dose_units import _FORMS, _MEASURED, _PER, UNITS

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


def _squash(words: str) -> str:
    return " ".join(words.split())


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
