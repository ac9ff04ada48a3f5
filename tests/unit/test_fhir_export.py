"""FHIR R5 export: each resource parses with fhir.resources, and the dose rule holds in it.

fhir.resources checks structure only (``dosingGuideline: [{}]`` would pass), so the
invariants a reader of the data depends on are asserted here: a published dose arrives as
UCUM quantities with its two people and its source; any other monograph has no dose at all
and says it is expected (data-absent-reason).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from dose_fixtures import REGISTRY, VERIFIED_YAML
from fhir.resources.bundle import Bundle
from fhir.resources.medicationknowledge import MedicationKnowledge
from fhir.resources.provenance import Provenance

from clincalc_site.content.loader import Entry, load_text
from clincalc_site.render.fhir_export import (
    DATA_ABSENT,
    RXNORM,
    UCUM,
    bundle,
    dose_provenance,
    medication_knowledge,
)

TODAY = dt.date(2026, 11, 26)
HEAD = """\
name: Pomalidomide
drug_class: Immunomodulator (thalidomide analogue)
brand_names: [Imnovid]
rxcui: "1369713"
summary: Oral immunomodulator.
mechanism: It works.
review:
  status: {status}
  date: 2026-07-04
"""
PAGE = "https://formulary.northshire.nhs.uk/drugs/pomalidomide/"


def entry(status: str = "clinician-reviewed", dosing: str = VERIFIED_YAML) -> Entry:
    loaded, problems = load_text(
        HEAD.format(status=status) + dosing, "pomalidomide.yaml", "pomalidomide", TODAY, REGISTRY
    )
    assert loaded is not None, [p.format_text() for p in problems]
    return loaded


def valid(model: type[Any], resource: object) -> Any:
    """``resource`` parsed by fhir.resources from its JSON (as a reader of the published file
    gets it), and given back as the data it read (mypy cannot see through the models)."""
    checked = model.model_validate(json.loads(json.dumps(resource)))
    return json.loads(checked.model_dump_json(exclude_none=True))


def parsed(resource: dict[str, object]) -> Any:
    return valid(MedicationKnowledge, resource)


def test_a_published_dose_is_a_dosing_guideline_in_ucum_with_its_provenance() -> None:
    verified = entry()
    resource = medication_knowledge(verified, PAGE, ["lenalidomide"])
    knowledge = parsed(resource)

    assert knowledge["code"]["coding"][0] == {
        "system": RXNORM,
        "code": "1369713",
        "display": "Pomalidomide",
    }
    assert [c["text"] for c in knowledge["medicineClassification"][0]["classification"]] == [
        "Immunomodulator (thalidomide analogue)"
    ]
    assert knowledge["relatedMedicationKnowledge"][0]["reference"][0]["reference"] == (
        "MedicationKnowledge/lenalidomide"
    )
    assert knowledge["contained"][0]["content"][0]["attachment"]["url"] == PAGE
    [guideline] = knowledge["indicationGuideline"]
    assert (
        guideline["indication"][0]["concept"]["text"] == "Relapsed and refractory multiple myeloma"
    )
    [dosing] = guideline["dosingGuideline"]
    dosage = dosing["dosage"][0]["dosage"][0]
    quantity = dosage["doseAndRate"][0]["doseQuantity"]
    assert (quantity["value"], quantity["system"], quantity["code"]) == (4, UCUM, "mg")
    maximum = dosage["maxDosePerPeriod"][0]
    assert (maximum["numerator"]["value"], maximum["denominator"]["code"]) == (4, "d")
    assert dosing["patientCharacteristic"][0]["type"]["text"] == "Adults"
    assert not resource.get("extension")

    provenance = valid(Provenance, dose_provenance(verified))
    roles = {a["type"]["coding"][0]["code"]: a["who"]["display"] for a in provenance["agent"]}
    assert set(roles) == {"author", "verifier"} and roles["author"] != roles["verifier"]
    assert provenance["target"][0]["reference"] == "MedicationKnowledge/pomalidomide"
    assert "section 4.2" in provenance["entity"][0]["what"]["display"]


@pytest.mark.parametrize(
    ("status", "dosing"),
    [
        ("clinician-reviewed", "dosing:\n  status: re-sourcing\n"),
        ("clinician-reviewed", ""),
        ("draft", VERIFIED_YAML),  # verified, but on an unreviewed page: held back
    ],
    ids=["re-sourcing", "no-dosing-block", "held-back-draft"],
)
def test_without_a_published_dose_there_is_no_dose_and_a_reason(status: str, dosing: str) -> None:
    unpublished = entry(status, dosing)
    resource = medication_knowledge(unpublished, PAGE, [])
    knowledge = parsed(resource)

    assert "indicationGuideline" not in knowledge
    assert "indicationGuideline" not in json.dumps(resource)
    assert " mg" not in json.dumps(resource)  # not a dose anywhere, not even as text
    assert resource["extension"] == [{"url": DATA_ABSENT, "valueCode": "temp-unknown"}]
    assert dose_provenance(unpublished) is None
    assert knowledge["meta"]["tag"][0]["code"] == status


def test_a_bundle_of_every_resource_parses() -> None:
    resources = [medication_knowledge(entry(), PAGE, []), dose_provenance(entry())]
    data = bundle(
        [r for r in resources if r is not None], "https://formulary.northshire.nhs.uk/fhir/"
    )

    parsed_bundle = valid(Bundle, data)

    assert parsed_bundle["type"] == "collection"
    assert [e["fullUrl"] for e in parsed_bundle["entry"]] == [
        "https://formulary.northshire.nhs.uk/fhir/MedicationKnowledge/pomalidomide",
        "https://formulary.northshire.nhs.uk/fhir/Provenance/pomalidomide-dose",
    ]
