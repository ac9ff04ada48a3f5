"""What parsing a dose gives: a ``Quantity``, or a ``DoseProblem`` saying why not.

Stage: content/ (docs/architecture.md). No I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from clincalc_site.content.dose_units import DoseUnit


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
