"""The monograph content model: what an editor may write in ``monographs/<slug>.yaml``.

Stage: validate. May import: pydantic. No I/O.

Safety rule, enforced by the types rather than by templates: ``Monograph.dosing`` is either a
``VerifiedDosing`` (which cannot exist without at least one regimen, a source, a verifier and
a date) or a ``DosingUnderReview`` (working data that is never rendered). Code that wants a
publishable dose asks ``monograph.published_dose``, which can only ever return a
``VerifiedDosing``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
# Device names Windows reserves in every folder: a file named so cannot be checked out there,
# nor its page folder (drugs/con/) be created. Slugs that are file names must avoid them.
RESERVED_SLUGS = frozenset(
    {
        "con",
        "prn",
        "aux",
        "nul",
        *(f"com{n}" for n in range(1, 10)),
        *(f"lpt{n}" for n in range(1, 10)),
    }
)
_URL_RE = re.compile(r"https?://[^\s/$.?#][^\s]*", re.IGNORECASE)
_ISO_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]


def _date_from_text(value: object) -> object:
    """Read a quoted "2026-07-04" as a date; leave anything else to strict validation.

    Pydantic's lax mode would also read numbers as Unix timestamps (``date: 0`` becoming
    1970-01-01), which must be an error, not a review date.
    """
    if isinstance(value, str) and _ISO_DATE_RE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


# Dates may be written bare (2026-07-04) or quoted ("2026-07-04"); nothing else.
LaxDate = Annotated[dt.date, BeforeValidator(_date_from_text)]
WebUrl = Annotated[
    str,
    Field(
        description="An absolute http:// or https:// address.",
        examples=["https://www.nice.org.uk/guidance/ta427"],
    ),
]
ReviewStatus = Literal["draft", "in-review", "clinician-reviewed"]


class StrictModel(BaseModel):
    """Frozen, no unknown keys, and no type coercion: ``NO`` never becomes a string."""

    # defer_build: the validators are built on first use, not on import; a build that
    # changes nothing validates nothing, and start-up is most of its time.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, defer_build=True)


def _check_url(value: str | None) -> str | None:
    if value is not None and not _URL_RE.fullmatch(value):
        raise ValueError("must be an absolute http:// or https:// address")
    return value


class Reference(StrictModel):
    """One entry of the reference line."""

    label: NonEmpty = Field(
        description="What is cited, as a reader would name it.", examples=["NICE TA427", "SmPC"]
    )
    url: WebUrl | None = Field(default=None, description="Optional link, http(s) only.")

    _url = field_validator("url")(_check_url)


class Source(StrictModel):
    """Where a verified dose was taken from."""

    label: NonEmpty = Field(
        description="The document the dose was checked against.", examples=["Imnovid SmPC"]
    )
    url: WebUrl = Field(description="Link to that document, http(s) only.")

    _url = field_validator("url")(_check_url)


class Regimen(StrictModel):
    """One row of the dosing table."""

    indication: NonEmpty = Field(description="What the dose treats.", examples=["Multiple myeloma"])
    population: NonEmpty = Field(description="Who it applies to.", examples=["Adults"])
    route: NonEmpty = Field(description="Route of administration.", examples=["Oral"])
    dose: NonEmpty = Field(description="The dose, with units written out.", examples=["4 mg"])
    frequency: NonEmpty | None = Field(
        default=None, description="How often.", examples=["Once daily"]
    )
    duration: NonEmpty | None = Field(
        default=None, description="For how long.", examples=["Days 1 to 21 of a 28-day cycle"]
    )
    max_dose: NonEmpty | None = Field(
        default=None, description="Maximum dose.", examples=["4 mg daily"]
    )
    notes: NonEmpty | None = Field(
        default=None, description="Anything the prescriber must know about this row."
    )


class VerifiedDosing(StrictModel):
    """A dose that an identified person checked against a named source on a given date."""

    status: Literal["verified"] = Field(description="'verified': this dose is published.")
    regimens: list[Regimen] = Field(
        min_length=1, description="At least one regimen; all of them are published."
    )
    source: Source = Field(description="The source the regimens were verified against.")
    verified_by: NonEmpty = Field(
        description="Who verified the dose.", examples=["J. Smith, MPharm"]
    )
    verified_on: LaxDate = Field(description="When it was verified (YYYY-MM-DD).")


class DosingUnderReview(StrictModel):
    """Editors' working data while a dose is being re-sourced: never rendered anywhere."""

    status: Literal["re-sourcing"] = Field(
        description="'re-sourcing': the page shows the re-sourcing banner instead of a dose."
    )
    regimens: list[Regimen] = Field(
        default_factory=list, description="Draft regimens, kept for editors, never published."
    )
    source: Source | None = Field(default=None, description="Candidate source, if known.")
    verified_by: NonEmpty | None = Field(default=None, description="Not used until verified.")
    verified_on: LaxDate | None = Field(default=None, description="Not used until verified.")


Dosing = Annotated[VerifiedDosing | DosingUnderReview, Field(discriminator="status")]


class Review(StrictModel):
    """The monograph's editorial review state, shown on every page."""

    status: ReviewStatus = Field(
        description="draft, in-review or clinician-reviewed. New monographs start as draft."
    )
    date: LaxDate = Field(description="Date of the last review (YYYY-MM-DD).")
    reviewer: NonEmpty | None = Field(default=None, description="Who reviewed it.")


class Monograph(StrictModel):
    """One drug monograph, as written in ``monographs/<slug>.yaml``."""

    name: NonEmpty = Field(
        description="The drug's name, used as the page title.", examples=["Pomalidomide"]
    )
    drug_class: NonEmpty = Field(
        description="Class line above the name; groups class pages and related links.",
        examples=["Immunomodulator (thalidomide analogue)"],
    )
    specialist: bool = Field(
        default=False, description="true shows '(Specialist drug)' after the name."
    )
    brand_names: list[NonEmpty] = Field(
        default_factory=list, description="Brand names, searchable.", examples=[["Imnovid"]]
    )
    summary: NonEmpty = Field(description="One-paragraph lead, inline Markdown.")
    dosing: Dosing | None = Field(
        default=None,
        description="Dose data; published only when status is 'verified' with a source, "
        "verifier and date. Anything else shows the re-sourcing banner.",
    )
    mechanism: NonEmpty = Field(description="'How it works', Markdown.")
    prescribing: list[NonEmpty] = Field(
        default_factory=list, description="'Prescribing in practice' bullets, Markdown."
    )
    monitoring: NonEmpty | None = Field(default=None, description="'Monitoring', Markdown.")
    counselling: list[NonEmpty] = Field(
        default_factory=list, description="'Counselling the patient' bullets, Markdown."
    )
    evidence: NonEmpty | None = Field(
        default=None, description="'Evidence & guidelines', Markdown."
    )
    references: list[Reference] = Field(
        default_factory=list, description="The reference line.", examples=[[{"label": "SmPC"}]]
    )
    rxcui: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,10}$")] | None = Field(
        default=None,
        description="RxNorm concept id (digits, quoted). Shown as 'Drug verified in RxNorm (NLM)'.",
        examples=["1369713"],
    )
    review: Review = Field(description="Review status and date.")
    related: list[Slug] = Field(
        default_factory=list,
        description="Slugs of curated related monographs, in the order to show them.",
        examples=[["lenalidomide", "thalidomide"]],
    )

    @property
    def published_dose(self) -> VerifiedDosing | None:
        """The dose that may be shown to a reader, or None: the banner is shown instead."""
        return self.dosing if isinstance(self.dosing, VerifiedDosing) else None


def field_names(model: type[BaseModel]) -> list[str]:
    return list(model.model_fields)
