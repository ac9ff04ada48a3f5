"""The data files' paths, and the FHIR Bundle set together from resources as written."""

from __future__ import annotations

import json
from typing import Any

import pytest

from clincalc_site.render.data_files import (
    bundle_json,
    bundle_of_items,
    count_pages,
    data_paths,
    fhir_json,
    is_data_file,
)
from clincalc_site.render.fhir_export import bundle

RESOURCES: list[dict[str, Any]] = [
    {"resourceType": "MedicationKnowledge", "id": "warfarin", "name": ["Warfarin", "Ĉ \"q\""],
     "code": {"text": "a\nb"}, "contained": [{"deep": [{"deeper": [1, 2.5]}], "empty": []}]},
    {"resourceType": "Provenance", "id": "warfarin-dose", "agent": [], "x": {}},
    {"resourceType": "MedicationKnowledge", "id": "apixaban"},
]  # fmt: skip


@pytest.mark.parametrize("base", ["", "https://formulary.example.test/fhir/"])
@pytest.mark.parametrize("count", [0, 1, 3])
def test_the_bundle_of_written_resources_is_the_bundle_of_the_resources(
    base: str, count: int
) -> None:
    resources = RESOURCES[:count]
    written = [(r["resourceType"], r["id"], fhir_json(r)) for r in resources]

    text = bundle_json(base, written)

    assert text == fhir_json(bundle(resources, base))
    assert json.loads(text)["entry"] == bundle(resources, base)["entry"]


def test_each_item_is_where_the_bundle_says() -> None:
    items = [b"    {\n      a\n    }", b"    {\n      bb\n    }"]
    text, offsets = bundle_of_items(items)
    assert [text[start:end] for start, end in offsets] == items


def test_a_monographs_data_files_and_what_counts_as_a_page() -> None:
    assert data_paths("warfarin", dose_shown=False) == (
        "api/v1/drugs/warfarin.json",
        "fhir/MedicationKnowledge/warfarin.json",
    )
    assert data_paths("warfarin", dose_shown=True)[-1] == "fhir/Provenance/warfarin-dose.json"
    assert is_data_file("fhir/Bundle.json") and is_data_file("api/v1/schema/drug.json")
    assert not is_data_file("drugs/warfarin/index.html")
    assert count_pages(["index.html", "sitemap.xml", "api/v1/drugs.json", "fhir/x.json"]) == 2
