"""The formulary as data: the JSON API (``/api/v1/``) and each page's schema.org JSON-LD.

Stage: render/ (docs/architecture.md). Pure. The API's shapes are pydantic models, so the
JSON Schemas published beside the data (``/api/v1/schema/``) are generated from the same
definitions the data is written from and cannot drift.

The dose rule holds here as on the page: ``dose`` is filled only from a ``PublishedDose``;
a held-back or re-sourcing dose is left out entirely (only its state is said).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from clincalc_site.content.history import MonographVersion
from clincalc_site.content.index_entry import IndexEntry
from clincalc_site.content.loader import Entry
from clincalc_site.content.models import SAFETY_SECTIONS

API_VERSION: Literal["1"] = "1"
API_ROOT = f"api/v{API_VERSION}/"


def drug_data_path(slug: str) -> str:
    """Where a monograph's own document is, in the site: ``api/v1/drugs/<slug>.json``."""
    return f"{API_ROOT}drugs/{slug}.json"


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_VERSION = (
    "The monograph's version in force (its page's 'Version N'); null when its file is not "
    "committed or the site is built outside git."
)
_SINCE = "The day that version came into force; null with version."


class DrugSummary(_Out):
    """One monograph in the index (``/api/v1/drugs.json``)."""

    slug: str = Field(description="The monograph's id: its file name, and its page's path.")
    name: str
    drug_class: str
    brand_names: list[str]
    formulary_status: str | None = Field(description="A status id of the site, or null.")
    review_status: Literal["draft", "in-review", "clinician-reviewed"]
    review_date: dt.date
    dose_published: bool = Field(description="Whether the page shows a verified dose.")
    version: int | None = Field(description=_VERSION)
    in_force_since: dt.date | None = Field(description=_SINCE)
    url: str = Field(description="The monograph page.")
    data: str = Field(
        description="This monograph as data (/api/v1/drugs/<slug>.json), addressed as url is."
    )


class DrugIndex(_Out):
    """``/api/v1/drugs.json``: every published monograph, A–Z."""

    api_version: Literal["1"] = "1"
    drugs: list[DrugSummary]


class Regimen(_Out):
    indication: str
    population: str
    route: str
    dose: str
    frequency: str | None
    duration: str | None
    max_dose: str | None
    notes: str | None


class DoseSource(_Out):
    title: str
    url: str
    section: str
    revision: dt.date


class PublishedDoseData(_Out):
    """A verified dose, as the page shows it: the regimens and who checked them against what."""

    regimens: list[Regimen]
    prepared_by: str
    prepared_on: dt.date
    verified_by: str
    verified_on: dt.date
    source: DoseSource


class Review(_Out):
    status: Literal["draft", "in-review", "clinician-reviewed"]
    date: dt.date
    reviewer: str | None


class Drug(_Out):
    """``/api/v1/drugs/<slug>.json``: the monograph as published. Prose is the editors'
    Markdown."""

    api_version: Literal["1"] = "1"
    slug: str
    name: str
    drug_class: str
    specialist: bool
    brand_names: list[str]
    rxcui: str | None
    summary: str
    mechanism: str
    prescribing: list[str]
    monitoring: str | None
    counselling: list[str]
    evidence: str | None
    safety: dict[str, str | list[str]] = Field(
        description="The safety sections the monograph has, by field name."
    )
    formulary: dict[str, Any] | None = Field(description="The formulary block, or null.")
    references: list[dict[str, str | None]]
    review: Review
    dose_state: str = Field(
        description="'published', or why no dose is shown (re-sourcing, held back …)."
    )
    dose: PublishedDoseData | None = Field(description="Only a published dose; else null.")
    version: int | None = Field(description=_VERSION)
    in_force_since: dt.date | None = Field(description=_SINCE)
    url: str


def summary_of(
    entry: IndexEntry, page_url: str, data_url: str, version: MonographVersion | None = None
) -> DrugSummary:
    """``data_url``: where its document (``drug_data_path``) is, written as ``page_url`` is;
    ``version``: the one in force."""
    return DrugSummary(
        slug=entry.slug,
        name=entry.name,
        drug_class=entry.drug_class,
        brand_names=list(entry.brand_names),
        formulary_status=entry.formulary_status,
        review_status=entry.review.status,
        review_date=entry.review.date,
        dose_published=entry.dose.shown,
        version=version.number if version else None,
        in_force_since=version.since if version else None,
        url=page_url,
        data=data_url,
    )


def drug_of(entry: Entry, page_url: str, version: MonographVersion | None = None) -> Drug:
    mono = entry.monograph
    published = entry.dose.published
    dose = None
    if published is not None:
        dosing = published.dosing
        dose = PublishedDoseData(
            regimens=[
                Regimen.model_validate(row.regimen.model_dump()) for row in published.regimens
            ],
            prepared_by=published.preparer.name,
            prepared_on=dosing.prepared_on,
            verified_by=published.verifier.name,
            verified_on=dosing.verified_on,
            source=DoseSource(
                title=published.document.title,
                url=published.document.url,
                section=dosing.source.section,
                revision=dosing.source.revision,
            ),
        )
    safety: dict[str, str | list[str]] = {}
    for name, _heading in SAFETY_SECTIONS:
        value = getattr(mono, name)
        if value:
            safety[name] = list(value) if isinstance(value, list) else value
    return Drug(
        slug=entry.slug,
        name=mono.name,
        drug_class=mono.drug_class,
        specialist=mono.specialist,
        brand_names=list(mono.brand_names),
        rxcui=mono.rxcui,
        summary=mono.summary,
        mechanism=mono.mechanism,
        prescribing=list(mono.prescribing),
        monitoring=mono.monitoring,
        counselling=list(mono.counselling),
        evidence=mono.evidence,
        safety=safety,
        formulary=mono.formulary.model_dump(mode="json") if mono.formulary else None,
        references=[{"label": r.label, "url": r.url} for r in mono.references],
        review=Review(
            status=mono.review.status,
            date=mono.review.date,
            reviewer=mono.review.reviewer,
        ),
        dose_state=entry.dose.state,
        dose=dose,
        version=version.number if version else None,
        in_force_since=version.since if version else None,
        url=page_url,
    )


def to_json(model: BaseModel) -> bytes:
    """Stable bytes: sorted keys, two-space indent, a final newline."""
    data = json.loads(model.model_dump_json())
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def schema_of(model: type[BaseModel]) -> bytes:
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return (json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def json_ld(entry: Entry, page_url: str) -> str:
    """schema.org JSON-LD for a monograph page: a MedicalWebPage about a Drug. No dose."""
    mono = entry.monograph
    drug: dict[str, Any] = {
        "@type": "Drug",
        "name": mono.name,
        "nonProprietaryName": mono.name,
        "drugClass": {"@type": "DrugClass", "name": mono.drug_class},
    }
    if mono.brand_names:
        drug["proprietaryName"] = list(mono.brand_names)
    if mono.rxcui:
        drug["code"] = {
            "@type": "MedicalCode",
            "codeValue": mono.rxcui,
            "codingSystem": "RxNorm",
        }
    page: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "url": page_url,
        "name": mono.name,
        "about": drug,
    }
    if mono.review.status == "clinician-reviewed":
        page["lastReviewed"] = mono.review.date.isoformat()
        if mono.review.reviewer:
            page["reviewedBy"] = {"@type": "Person", "name": mono.review.reviewer}
    # compact, as it goes into every page; inside <script>, "<" could end the element early:
    # JSON may write it as \u003c
    text = json.dumps(page, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c")
