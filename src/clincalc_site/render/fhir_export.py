"""A monograph as FHIR R5 resources: ``MedicationKnowledge`` and, for a published dose, its
``Provenance``.

Stage: render/ (docs/architecture.md). Pure: plain dicts, serialised by the caller. Every
mapping decision is written down in docs/fhir.md.

The dose rule holds here as on the page: a dose enters the resource only as a
``PublishedDose`` (which only ``dose_rules.decide`` can make). Any other monograph gets no
``dosingGuideline`` at all, and says why with the data-absent-reason extension.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from clincalc_site.content.dose_quantity import Quantity
from clincalc_site.content.dose_rules import PublishedDose, PublishedRegimen
from clincalc_site.content.loader import Entry

Json = dict[str, Any]
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
PARTICIPANT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
# Our own codes, named by a URN so that no web address is claimed for them.
REVIEW_STATUS = "urn:clincalc-site:review-status"
# "temp-unknown": the value is expected to become known (the dose is being re-sourced).
DOSE_ABSENT_CODE = "temp-unknown"


def _number(value: Decimal) -> int | float:
    """A JSON number for a dose amount: 5 for "5", 2.5 for "2.5" (never "5.0")."""
    return int(value) if value == value.to_integral_value() else float(value)


def _quantity(amount: Decimal, quantity: Quantity) -> Json:
    return {
        "value": _number(amount),
        "unit": quantity.unit.written,
        "system": UCUM,
        "code": quantity.unit.ucum,
    }


def _dose_and_rate(quantity: Quantity) -> Json:
    if quantity.high is None:
        return {"doseQuantity": _quantity(quantity.low, quantity)}
    return {
        "doseRange": {
            "low": _quantity(quantity.low, quantity),
            "high": _quantity(quantity.high, quantity),
        }
    }


def _max_per_period(quantity: Quantity) -> Json | None:
    """``maxDosePerPeriod`` for "4 mg daily"; None where the maximum has no period."""
    if quantity.per_ucum is None:
        return None
    return {
        "numerator": _quantity(quantity.high or quantity.low, quantity),
        "denominator": {
            "value": 1,
            "unit": quantity.per,
            "system": UCUM,
            "code": quantity.per_ucum,
        },
    }


def _dosage(row: PublishedRegimen) -> Json:
    regimen = row.regimen
    words = [regimen.dose, regimen.frequency, regimen.duration, regimen.notes]
    dosage: Json = {
        "text": "; ".join(word for word in words if word),
        "route": {"text": regimen.route},
        "doseAndRate": [_dose_and_rate(row.dose)],
    }
    if row.max_dose is not None:
        period = _max_per_period(row.max_dose)
        if period is not None:
            dosage["maxDosePerPeriod"] = [period]
    if regimen.frequency:
        dosage["timing"] = {"code": {"text": regimen.frequency}}
    return dosage


def _indication_guidelines(dose: PublishedDose) -> list[Json]:
    """One guideline per regimen row: its indication, population and dosage."""
    return [
        {
            "indication": [{"concept": {"text": row.regimen.indication}}],
            "dosingGuideline": [
                {
                    "dosage": [{"type": {"text": "published dose"}, "dosage": [_dosage(row)]}],
                    "patientCharacteristic": [{"type": {"text": row.regimen.population}}],
                }
            ],
        }
        for row in dose.regimens
    ]


def medication_knowledge(entry: Entry, page_url: str, related: Sequence[str]) -> Json:
    """The ``MedicationKnowledge`` of one published monograph.

    ``page_url``: the monograph page (absolute when the site has an address);
    ``related``: the slugs of the monographs its page links to.
    """
    mono = entry.monograph
    code: Json = {"text": mono.name}
    if mono.rxcui:
        code["coding"] = [{"system": RXNORM, "code": mono.rxcui, "display": mono.name}]
    resource: Json = {
        "resourceType": "MedicationKnowledge",
        "id": entry.slug,
        "meta": {"tag": [{"system": REVIEW_STATUS, "code": mono.review.status}]},
        "contained": [
            {
                "resourceType": "DocumentReference",
                "id": "monograph",
                "status": "current",
                "date": f"{mono.review.date.isoformat()}T00:00:00Z",
                "content": [
                    {
                        "attachment": {
                            "contentType": "text/html",
                            "url": page_url,
                            "title": mono.name,
                        }
                    }
                ],
            }
        ],
        "code": code,
        # 'active': published on the site; the review status is in meta.tag
        "status": "active",
        "name": [mono.name, *mono.brand_names],
        "medicineClassification": [
            {"type": {"text": "drug class"}, "classification": [{"text": mono.drug_class}]}
        ],
        "monograph": [
            {"type": {"text": "clinical monograph"}, "source": {"reference": "#monograph"}}
        ],
    }
    if related:
        resource["relatedMedicationKnowledge"] = [
            {
                "type": {"text": "related monograph"},
                "reference": [{"reference": f"MedicationKnowledge/{slug}"} for slug in related],
            }
        ]
    dose = entry.dose.published
    if dose is not None:
        resource["indicationGuideline"] = _indication_guidelines(dose)
    else:  # no dose on the page, so none here: say it is expected, not that there is none
        resource["extension"] = [{"url": DATA_ABSENT, "valueCode": DOSE_ABSENT_CODE}]
    return resource


def dose_provenance(entry: Entry) -> Json | None:
    """Who prepared and who verified a published dose, against which source; None without."""
    dose = entry.dose.published
    if dose is None:
        return None
    dosing = dose.dosing
    source = (
        f"{dose.document.title}, section {dosing.source.section} "
        f"(revision of {dosing.source.revision.isoformat()})"
    )
    return {
        "resourceType": "Provenance",
        "id": f"{entry.slug}-dose",
        "target": [{"reference": f"MedicationKnowledge/{entry.slug}"}],
        "recorded": f"{dosing.verified_on.isoformat()}T00:00:00Z",
        "agent": [
            _agent("author", dose.preparer.name),
            _agent("verifier", dose.verifier.name),
        ],
        "entity": [{"role": "source", "what": {"display": source}}],
    }


def _page(url: str, title: str) -> Json:
    return {"contentType": "text/html", "url": url, "title": title}


def _agent(role: str, name: str) -> Json:
    return {
        "type": {"coding": [{"system": PARTICIPANT, "code": role}]},
        "who": {"display": name},
    }


def bundle(resources: Sequence[Json], base: str) -> Json:
    """A ``collection`` Bundle of ``resources``; ``base``: the site's FHIR address ("" when
    the site has none: entries then carry no fullUrl)."""
    entries = []
    for resource in resources:
        item: Json = {"resource": resource}
        if base:
            item["fullUrl"] = f"{base}{resource['resourceType']}/{resource['id']}"
        entries.append(item)
    return {"resourceType": "Bundle", "id": "formulary", "type": "collection", "entry": entries}
