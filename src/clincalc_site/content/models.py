"""The monograph content model: what an editor may write in ``monographs/<slug>.yaml``.

Stage: content/ (docs/architecture.md). No I/O.

Also the two registries beside ``site.yaml``: ``team.yaml`` (``Team``) and ``sources.yaml``
(``SourceDocument`` by id).

Safety rule, enforced by the types rather than by templates: ``Monograph.dosing`` is either a
``VerifiedDosing`` (which cannot exist without regimens, a cited source, a preparer, a
verifier and their dates) or a ``DosingUnderReview`` (working data that is never rendered).
Neither is ever rendered directly: a page shows a dose only through
``dose_rules.PublishedDose``, which can only be made from a verified block whose people,
source and review hold (see ``dose_rules``).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
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


PersonId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1),
    Field(description="An id from team.yaml.", examples=["asmith"]),
]
DocumentId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1),
    Field(description="An id from sources.yaml.", examples=["imnovid-smpc"]),
]


class SourceCitation(StrictModel):
    """The exact place a verified dose was checked against: document, section, revision."""

    document: DocumentId = Field(description="The id of the document in sources.yaml.")
    section: NonEmpty = Field(
        description="The section of that document, as it numbers it.", examples=["4.2"]
    )
    revision: LaxDate = Field(
        description="The document's revision date that the dose was checked against "
        "(for an SmPC, its 'date of revision of the text')."
    )


class Regimen(StrictModel):
    """One row of the dosing table."""

    indication: NonEmpty = Field(description="What the dose treats.", examples=["Multiple myeloma"])
    population: NonEmpty = Field(description="Who it applies to.", examples=["Adults"])
    route: NonEmpty = Field(description="Route of administration.", examples=["Oral"])
    dose: NonEmpty = Field(
        description="An amount and a unit, e.g. '4 mg', '1 to 2 g', '500 micrograms', "
        "'15 mg/kg', '2 tablets'. Write micrograms, nanograms and units in full.",
        examples=["4 mg"],
    )
    frequency: NonEmpty | None = Field(
        default=None, description="How often, in words.", examples=["Once daily"]
    )
    duration: NonEmpty | None = Field(
        default=None, description="For how long.", examples=["Days 1 to 21 of a 28-day cycle"]
    )
    max_dose: NonEmpty | None = Field(
        default=None,
        description="Maximum: an amount and a unit, optionally with a period "
        "('daily', 'per day', 'in 24 hours', 'per week', 'per dose').",
        examples=["4 mg daily"],
    )
    notes: NonEmpty | None = Field(
        default=None, description="Anything the prescriber must know about this row."
    )


class VerifiedDosing(StrictModel):
    """A dose prepared by one team member and independently verified by another, against a
    named section of a named revision of a tracked source.

    Being well formed is not enough to be published: ``dose_rules.decide`` also checks the
    people against team.yaml, the source against sources.yaml and the monograph's review.
    """

    status: Literal["verified"] = Field(description="'verified': checked by a second person.")
    regimens: list[Regimen] = Field(
        min_length=1, description="At least one regimen; all of them are published."
    )
    source: SourceCitation = Field(description="Where the regimens were checked.")
    prepared_by: PersonId = Field(description="Who wrote the dose (an id from team.yaml).")
    prepared_on: LaxDate = Field(description="When it was written (YYYY-MM-DD).")
    verified_by: PersonId = Field(
        description="Who checked it independently: another person in team.yaml, a verifier."
    )
    verified_on: LaxDate = Field(description="When it was checked (YYYY-MM-DD).")


class DosingUnderReview(StrictModel):
    """Editors' working data while a dose is being re-sourced: never rendered anywhere."""

    status: Literal["re-sourcing"] = Field(
        description="'re-sourcing': the page shows the re-sourcing banner instead of a dose."
    )
    regimens: list[Regimen] = Field(
        default_factory=list, description="Draft regimens, kept for editors, never published."
    )
    source: SourceCitation | None = Field(default=None, description="Candidate source, if known.")
    prepared_by: PersonId | None = Field(default=None, description="Not used until verified.")
    prepared_on: LaxDate | None = Field(default=None, description="Not used until verified.")
    verified_by: PersonId | None = Field(default=None, description="Not used until verified.")
    verified_on: LaxDate | None = Field(default=None, description="Not used until verified.")


Dosing = Annotated[VerifiedDosing | DosingUnderReview, Field(discriminator="status")]


class Review(StrictModel):
    """The monograph's editorial review state, shown on every page."""

    status: ReviewStatus = Field(
        description="draft, in-review or clinician-reviewed. New monographs start as draft."
    )
    date: LaxDate = Field(description="Date of the last review (YYYY-MM-DD).")
    reviewer: NonEmpty | None = Field(default=None, description="Who reviewed it.")


VocabularyId = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=40),
    Field(description="An id from site.yaml's formulary vocabulary.", examples=["amber"]),
]


class ProtocolLink(StrictModel):
    """A link to a shared-care or prescribing protocol."""

    label: NonEmpty = Field(description="The link's text.", examples=["Shared care protocol"])
    url: WebUrl = Field(
        description="Where the protocol is, http(s).",
        examples=["https://www.example.nhs.uk/shared-care/drug.pdf"],
    )

    _url = field_validator("url")(_check_url)


class FormularyEntry(StrictModel):
    """The drug's place in this organisation's formulary (statuses come from site.yaml)."""

    status: VocabularyId = Field(
        description="Who may prescribe it: a status id declared in site.yaml "
        "(formulary: statuses:), e.g. red, amber, green."
    )
    flags: list[VocabularyId] = Field(
        default_factory=list,
        description="Flag ids declared in site.yaml (formulary: flags:), e.g. shared-care.",
        examples=[["shared-care"]],
    )
    line: Literal["first", "second", "third", "specialist"] | None = Field(
        default=None,
        description="Its place in treatment: first, second, third or specialist.",
        examples=["second"],
    )
    restrictions: NonEmpty | None = Field(
        default=None,
        description="Who may prescribe it and for what, Markdown.",
        examples=["Initiated by the specialist team; continued in primary care under shared care."],
    )
    approved_by: NonEmpty | None = Field(
        default=None,
        description="The committee that approved its status.",
        examples=["Drug and Therapeutics Committee"],
    )
    approved_on: dt.date | None = Field(
        default=None, description="When it was approved.", examples=["2026-05-12"]
    )
    protocol: ProtocolLink | None = Field(
        default=None, description="A shared-care or prescribing protocol."
    )
    notes: NonEmpty | None = Field(
        default=None,
        description="Local notes, Markdown.",
        examples=["Supplied by the hospital pharmacy only."],
    )


# The optional safety sections, shown after the seed page's five in this order, with these
# headings; each is prose (Markdown), or a list for interactions.
SAFETY_SECTIONS: tuple[tuple[str, str], ...] = (
    ("contraindications", "Contraindications"),
    ("cautions", "Cautions"),
    ("interactions", "Interactions"),
    ("renal_impairment", "Renal impairment"),
    ("hepatic_impairment", "Hepatic impairment"),
    ("pregnancy", "Pregnancy"),
    ("breastfeeding", "Breastfeeding"),
    ("adverse_effects", "Adverse effects"),
)
SAFETY_LISTS = ("interactions",)
SAFETY_TEXTS = tuple(name for name, _ in SAFETY_SECTIONS if name not in SAFETY_LISTS)
# Every field of prose a reader sees: checked for left-over hints and for doses in the text.
PROSE_TEXTS = ("summary", "mechanism", "monitoring", "evidence", *SAFETY_TEXTS)
PROSE_LISTS = ("prescribing", "counselling", *SAFETY_LISTS)
FORMULARY_TEXTS = ("restrictions", "notes")


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
        description="Dose data; published only when status is 'verified', checked by a second "
        "team member against a current source, on a clinician-reviewed monograph. Anything "
        "else shows the re-sourcing banner.",
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
    contraindications: NonEmpty | None = Field(
        default=None, description="'Contraindications', Markdown (optional)."
    )
    cautions: NonEmpty | None = Field(default=None, description="'Cautions', Markdown (optional).")
    interactions: list[NonEmpty] = Field(
        default_factory=list, description="'Interactions' bullets, Markdown (optional)."
    )
    renal_impairment: NonEmpty | None = Field(
        default=None, description="'Renal impairment', Markdown (optional; no doses)."
    )
    hepatic_impairment: NonEmpty | None = Field(
        default=None, description="'Hepatic impairment', Markdown (optional; no doses)."
    )
    pregnancy: NonEmpty | None = Field(
        default=None, description="'Pregnancy', Markdown (optional)."
    )
    breastfeeding: NonEmpty | None = Field(
        default=None, description="'Breastfeeding', Markdown (optional)."
    )
    adverse_effects: NonEmpty | None = Field(
        default=None, description="'Adverse effects', Markdown (optional)."
    )
    references: list[Reference] = Field(
        default_factory=list, description="The reference line.", examples=[[{"label": "SmPC"}]]
    )
    rxcui: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,10}$")] | None = Field(
        default=None,
        description="RxNorm concept id (digits, quoted). Shown as 'Drug verified in RxNorm (NLM)'.",
        examples=["1369713"],
    )
    formulary: FormularyEntry | None = Field(
        default=None,
        description="Formulary status, flags, line of treatment, restrictions, approval and "
        "local notes; only where site.yaml declares a formulary vocabulary.",
    )
    review: Review = Field(description="Review status and date.")
    related: list[Slug] = Field(
        default_factory=list,
        description="Slugs of curated related monographs, in the order to show them.",
        examples=[["lenalidomide", "thalidomide"]],
    )


# --- team.yaml and sources.yaml: the people who write and check doses, and their sources ---

RegistryId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:[-_.][a-z0-9]+)*$")]


class Person(StrictModel):
    """One member of the team, in ``team.yaml``."""

    id: RegistryId = Field(
        description="Short id that monographs use (lowercase letters, digits, '-', '_', '.').",
        examples=["asmith"],
    )
    name: NonEmpty = Field(
        description="The name shown on pages, with qualifications.", examples=["A. Smith, MPharm"]
    )
    role: NonEmpty = Field(description="Their role.", examples=["Formulary pharmacist"])
    verifier: bool = Field(
        default=False, description="true: may independently verify doses prepared by others."
    )


class Team(StrictModel):
    """``team.yaml``: everyone who prepares or verifies doses."""

    people: list[Person] = Field(default_factory=list, description="One entry per person.")


class SourceDocument(StrictModel):
    """One document in ``sources.yaml``, with the latest revision the team knows of."""

    title: NonEmpty = Field(
        description="The document as a reader would name it.",
        examples=["Imnovid 4 mg hard capsules — SmPC"],
    )
    url: WebUrl = Field(description="Link to the current version, http(s) only.")
    revision: LaxDate = Field(
        description="Date of the latest revision the team knows of (for an SmPC, its 'date "
        "of revision of the text'). Raising it holds back every dose checked against an "
        "earlier revision until it is verified again."
    )

    _url = field_validator("url")(_check_url)


TEAM_FILE = "team.yaml"
SOURCES_FILE = "sources.yaml"


@dataclass(frozen=True)
class Registry:
    """The team and the tracked sources: what every verified dose is checked against."""

    people: Mapping[str, Person] = field(default_factory=dict)
    sources: Mapping[str, SourceDocument] = field(default_factory=dict)

    @functools.cached_property
    def digest(self) -> str:
        """Identifies the content: every cached load result depends on it."""
        people = sorted((key, p.model_dump_json()) for key, p in self.people.items())
        sources = sorted((key, doc.model_dump_json()) for key, doc in self.sources.items())
        return hashlib.sha256(repr((people, sources)).encode("utf-8")).hexdigest()


EMPTY_REGISTRY = Registry()


def prose_of(monograph: Monograph) -> list[tuple[tuple[str | int, ...], str]]:
    """Every piece of prose a reader sees, with its path in the file: what the left-over
    hint and dose-in-prose rules read."""
    found: list[tuple[tuple[str | int, ...], str]] = []
    for name in PROSE_TEXTS:
        value = getattr(monograph, name)
        if isinstance(value, str):
            found.append(((name,), value))
    for name in PROSE_LISTS:
        found.extend(((name, index), item) for index, item in enumerate(getattr(monograph, name)))
    if monograph.formulary is not None:
        for name in FORMULARY_TEXTS:
            value = getattr(monograph.formulary, name)
            if isinstance(value, str):
                found.append((("formulary", name), value))
    return found
