"""The JSON API and the JSON-LD: valid against their published schemas, and the dose rule
holds in them (a held-back or re-sourcing dose never appears)."""

from __future__ import annotations

import datetime as dt
import json

import jsonschema
import pytest
from dose_fixtures import REGISTRY, VERIFIED_YAML

from clincalc_site.content.index_entry import index_entry
from clincalc_site.content.loader import Entry, load_text
from clincalc_site.render.api_export import (
    Drug,
    DrugIndex,
    drug_of,
    json_ld,
    schema_of,
    summary_of,
    to_json,
)

TODAY = dt.date(2026, 11, 26)
HEAD = """\
name: Pomalidomide
drug_class: Immunomodulator (thalidomide analogue)
brand_names: [Imnovid]
rxcui: "1369713"
summary: Oral immunomodulator.
mechanism: It works.
pregnancy: Contraindicated </script> (test fixture).
review:
  status: {status}
  date: 2026-07-04
  reviewer: A. Patel, MPharm
"""
PAGE = "https://formulary.northshire.nhs.uk/drugs/pomalidomide/"


def entry(status: str = "clinician-reviewed", dosing: str = VERIFIED_YAML) -> Entry:
    loaded, problems = load_text(
        HEAD.format(status=status) + dosing, "pomalidomide.yaml", "pomalidomide", TODAY, REGISTRY
    )
    assert loaded is not None, [p.format_text() for p in problems]
    return loaded


def validated(model: type[Drug] | type[DrugIndex], data: bytes) -> dict[str, object]:
    parsed: dict[str, object] = json.loads(data)
    jsonschema.validate(parsed, json.loads(schema_of(model)))
    return parsed


def test_a_published_dose_is_in_the_data_with_who_checked_it() -> None:
    data = validated(Drug, to_json(drug_of(entry(), PAGE)))

    assert data["dose_state"] == "published"
    dose = data["dose"]
    assert isinstance(dose, dict)
    assert dose["regimens"][0]["dose"] == "4 mg"
    assert dose["prepared_by"] != dose["verified_by"]
    assert dose["source"]["section"] == "4.2"
    assert data["safety"] == {"pregnancy": "Contraindicated </script> (test fixture)."}


@pytest.mark.parametrize(
    ("status", "dosing", "state"),
    [
        ("clinician-reviewed", "dosing:\n  status: re-sourcing\n", "re-sourcing"),
        ("draft", VERIFIED_YAML, "held-draft"),
    ],
    ids=["re-sourcing", "held-back"],
)
def test_no_unpublished_dose_in_the_data(status: str, dosing: str, state: str) -> None:
    unpublished = entry(status, dosing)
    text = to_json(drug_of(unpublished, PAGE))
    data = validated(Drug, text)

    assert data["dose"] is None and data["dose_state"] == unpublished.dose.state
    assert unpublished.dose.state.startswith(state.split("-", maxsplit=1)[0])
    for leaked in ("4 mg", "Once daily", "bjones", "asmith", "imnovid-smpc"):
        assert leaked not in text.decode(), leaked
    summary = summary_of(
        index_entry(unpublished), "drugs/pomalidomide/", "api/v1/drugs/pomalidomide.json"
    )
    index = validated(DrugIndex, to_json(DrugIndex(drugs=[summary])))
    assert index["drugs"] == [
        {
            "slug": "pomalidomide", "name": "Pomalidomide",
            "drug_class": "Immunomodulator (thalidomide analogue)", "brand_names": ["Imnovid"],
            "formulary_status": None, "review_status": status, "review_date": "2026-07-04",
            "dose_published": False, "url": "drugs/pomalidomide/",
            "data": "api/v1/drugs/pomalidomide.json",
            "version": None, "in_force_since": None,  # not from git
        }
    ]  # fmt: skip


def test_json_ld_is_a_reviewed_medical_web_page_about_the_drug_and_never_a_dose() -> None:
    text = json_ld(entry(), PAGE)
    data = json.loads(text)

    assert "<" not in text  # cannot close the script element it sits in
    assert data["@type"] == "MedicalWebPage" and data["lastReviewed"] == "2026-07-04"
    assert data["reviewedBy"] == {"@type": "Person", "name": "A. Patel, MPharm"}
    drug = data["about"]
    assert (drug["@type"], drug["name"], drug["proprietaryName"]) == (
        "Drug", "Pomalidomide", ["Imnovid"],
    )  # fmt: skip
    assert drug["code"]["codeValue"] == "1369713"
    assert "4 mg" not in text and "dose" not in text.lower()
    draft = json.loads(json_ld(entry("draft"), PAGE))
    assert "lastReviewed" not in draft and "reviewedBy" not in draft
