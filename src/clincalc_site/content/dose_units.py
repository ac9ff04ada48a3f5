"""The units a dose may be written in, each with its UCUM code; the periods of a maximum dose.

Stage: content/ (docs/architecture.md). No I/O.

``UNITS`` maps every accepted spelling to its ``DoseUnit``; ``dose_parser`` reads doses
against it and ``dose_unit_spelling`` suggests the listed spelling for one that is not.

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
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class DoseUnit:
    """A unit as editors write it, with its UCUM code."""

    written: str  # the spelling editors write, e.g. "micrograms"
    ucum: str  # its UCUM code, e.g. "ug"; dose forms use UCUM annotations like "{tablet}"


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
