"""The build publishes the formulary as data (issue 22): the JSON API under ``/api/v1/`` and
FHIR R5 under ``/fhir/``.

A small site with one monograph per dose state is built as an editor's files would be, and
its data files are read back as another system would read them: each API document against
the JSON Schema published beside it, each FHIR file with ``fhir.resources`` (R5) and the
invariants a reader depends on. The dose rule holds in every file: the verified dose the
page shows is there, with who checked it; no held-back or re-sourcing dose is, anywhere. An
incremental build rewrites exactly what an edit changes and writes a cold build's bytes.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from dose_fixtures import FULL_MONOGRAPH, FULL_SITE_YAML, VERIFIED_YAML, write_registry
from fhir.resources.bundle import Bundle
from fhir.resources.medicationknowledge import MedicationKnowledge
from fhir.resources.provenance import Provenance
from oracle import reference_build
from pydantic import BaseModel
from sitetools import FIXTURE_TODAY, snapshot

from clincalc_site.build import pipeline
from clincalc_site.build.config import BuildConfig
from clincalc_site.build.pipeline import BuildOptions
from clincalc_site.build.report import BuildReport
from clincalc_site.publish.search import make_finisher
from clincalc_site.render.api_export import Drug, DrugIndex, schema_of
from clincalc_site.render.data_files import data_paths
from clincalc_site.render.fhir_export import DATA_ABSENT, UCUM

BASE_URL = "https://formulary.northshire.nhs.uk/"
HEAD = """\
name: {name}
drug_class: Test class
summary: A test drug.
mechanism: It works.
related: [pomalidomide]
review:
  status: {status}
  date: 2026-06-01
"""
# Doses that no page shows, each with words of its own, so that finding one anywhere in the
# data is a leak: a dose being re-sourced, a verified dose on a draft (held back: not
# reviewed), one checked against an old revision of its source (held back: revised).
RE_SOURCING = """\
dosing:
  status: re-sourcing
  regimens:
    - indication: Resourcing indication text
      population: Resourcing population text
      route: Oral
      dose: 2.5 mg
      frequency: Three times daily
      duration: Resourcing duration text
"""
HELD_NOT_REVIEWED = (
    VERIFIED_YAML.replace("dose: 4 mg", "dose: 6 mg")
    .replace("max_dose: 4 mg daily", "max_dose: 6 mg daily")
    .replace("Relapsed and refractory multiple myeloma", "Unreviewed indication text")
    .replace("Days 1 to 21 of each 28-day cycle", "Unreviewed duration text")
)
HELD_SOURCE_REVISED = (
    VERIFIED_YAML.replace("imnovid-smpc", "eliquis-smpc")
    .replace("dose: 4 mg", "dose: 7 mg")
    .replace("max_dose: 4 mg daily", "max_dose: 7 mg daily")
    .replace("Relapsed and refractory multiple myeloma", "Revised indication text")
    .replace("Days 1 to 21 of each 28-day cycle", "Revised duration text")
)
HELD_DOSE = (
    "2.5 mg", "Three times daily", "Resourcing indication text", "Resourcing population text",
    "Resourcing duration text", "6 mg", "Unreviewed indication text", "Unreviewed duration text",
    "7 mg", "Revised indication text", "Revised duration text", "bjones", "asmith",
)  # fmt: skip
MONOGRAPHS = {
    "pomalidomide": 'rxcui: "1369713"\n' + FULL_MONOGRAPH,  # a verified dose, shown
    "resourced": HEAD.format(name="Resourced", status="clinician-reviewed") + RE_SOURCING,
    "unreviewed": HEAD.format(name="Unreviewed", status="draft") + HELD_NOT_REVIEWED,
    "revised": HEAD.format(name="Revised", status="clinician-reviewed") + HELD_SOURCE_REVISED,
}
SLUGS = sorted(MONOGRAPHS)
SCHEMAS: dict[str, type[BaseModel]] = {"drugs.json": DrugIndex, "drug.json": Drug}


def write_project(root: Path) -> BuildConfig:
    content = root / "monographs"
    content.mkdir(parents=True)
    write_registry(root)
    (root / "site.yaml").write_text(FULL_SITE_YAML + f"base_url: {BASE_URL}\n", "utf-8")
    for slug, text in MONOGRAPHS.items():
        (content / f"{slug}.yaml").write_text(text, encoding="utf-8")
    return BuildConfig(
        content_dir=content,
        output_dir=root / "_site",
        today=FIXTURE_TODAY,
        finish=make_finisher(index_search=True),
    )


def built(config: BuildConfig, *, cache: bool = True) -> BuildReport:
    report = pipeline.build(config, options=BuildOptions(use_cache=cache))
    assert not report.failed, [d.format_text() for d in report.diagnostics]
    return report


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = write_project(tmp_path_factory.mktemp("data-exports"))
    built(config)
    return config.output_dir


def read(site: Path, path: str) -> Any:
    return json.loads((site / path).read_text(encoding="utf-8"))


def data_files(site: Path) -> dict[str, str]:
    """Every data file of the site (``api/``, ``fhir/``) by path, with its text."""
    return {
        path: text.decode("utf-8")
        for path, text in snapshot(site).items()
        if path.startswith(("api/", "fhir/"))
    }


def test_every_api_document_validates_against_its_published_schema(site: Path) -> None:
    for name, model in SCHEMAS.items():  # published, and what the models say
        assert (site / "api/v1/schema" / name).read_bytes() == schema_of(model)
    checked = []
    for path in data_files(site):
        if not path.startswith("api/v1/") or path.startswith("api/v1/schema/"):
            continue
        schema = "drugs.json" if path == "api/v1/drugs.json" else "drug.json"
        jsonschema.Draft202012Validator(read(site, f"api/v1/schema/{schema}")).validate(
            read(site, path)
        )
        checked.append(path)
    assert sorted(checked) == sorted(
        ["api/v1/drugs.json", *(f"api/v1/drugs/{slug}.json" for slug in SLUGS)]
    )


def test_the_index_lists_every_monograph_with_its_page_and_its_data(site: Path) -> None:
    drugs = read(site, "api/v1/drugs.json")["drugs"]

    assert [d["name"] for d in drugs] == ["Pomalidomide", "Resourced", "Revised", "Unreviewed"]
    for drug in drugs:
        slug = drug["slug"]
        assert drug["url"] == f"{BASE_URL}drugs/{slug}/"
        assert drug["data"] == f"{BASE_URL}api/v1/drugs/{slug}.json"
        assert read(site, drug["data"].removeprefix(BASE_URL))["slug"] == slug
        assert drug["dose_published"] is (slug == "pomalidomide"), slug
    assert drugs[0]["formulary_status"] == "amber"
    assert drugs[0]["review_status"] == "clinician-reviewed"
    assert drugs[-1]["review_status"] == "draft"


def test_a_verified_dose_is_in_the_data_as_the_page_shows_it(site: Path) -> None:
    drug = read(site, "api/v1/drugs/pomalidomide.json")
    assert drug["dose_state"] == "published"
    assert drug["dose"]["regimens"][0]["dose"] == "4 mg"
    assert drug["dose"]["verified_by"] == "A. Smith, MPharm"

    data = read(site, "fhir/MedicationKnowledge/pomalidomide.json")
    resource = MedicationKnowledge.model_validate(data)
    assert resource.id == "pomalidomide" and "extension" not in data
    [guideline] = data["indicationGuideline"]
    [dosage] = guideline["dosingGuideline"][0]["dosage"][0]["dosage"]
    quantity = dosage["doseAndRate"][0]["doseQuantity"]
    assert quantity == {"value": 4, "unit": "mg", "system": UCUM, "code": "mg"}
    assert dosage["maxDosePerPeriod"][0]["denominator"]["code"] == "d"
    attachment = data["contained"][0]["content"][0]["attachment"]
    assert attachment["url"] == f"{BASE_URL}drugs/pomalidomide/"

    provenance = read(site, "fhir/Provenance/pomalidomide-dose.json")
    Provenance.model_validate(provenance)
    assert provenance["target"] == [{"reference": "MedicationKnowledge/pomalidomide"}]
    roles = {
        agent["type"]["coding"][0]["code"]: agent["who"]["display"] for agent in provenance["agent"]
    }
    assert roles == {"author": "B. Jones", "verifier": "A. Smith, MPharm"}


@pytest.mark.parametrize("slug", ["resourced", "unreviewed", "revised"])
def test_no_published_dose_no_dose_in_fhir(site: Path, slug: str) -> None:
    data = read(site, f"fhir/MedicationKnowledge/{slug}.json")
    MedicationKnowledge.model_validate(data)
    assert "indicationGuideline" not in data
    assert data["extension"] == [{"url": DATA_ABSENT, "valueCode": "temp-unknown"}]
    assert not (site / f"fhir/Provenance/{slug}-dose.json").exists()
    # the page's related links: the curated one first, then its class; each one published
    related = [r["reference"] for r in data["relatedMedicationKnowledge"][0]["reference"]]
    assert related[0] == "MedicationKnowledge/pomalidomide"
    assert all((site / f"fhir/{name}.json").is_file() for name in related)
    drug = read(site, f"api/v1/drugs/{slug}.json")
    assert drug["dose"] is None and drug["dose_state"] != "published"


def test_no_held_back_or_re_sourcing_dose_in_any_data_file(site: Path) -> None:
    files = data_files(site)
    assert set(files) >= {"fhir/Bundle.json", "api/v1/drugs.json"}
    leaks = [(path, word) for path, text in files.items() for word in HELD_DOSE if word in text]
    assert leaks == []
    assert sorted(p for p in files if p.startswith("fhir/Provenance/")) == [
        "fhir/Provenance/pomalidomide-dose.json"
    ]


def test_the_bundle_holds_every_resource_file_once(site: Path) -> None:
    bundle = read(site, "fhir/Bundle.json")
    Bundle.model_validate(bundle)
    assert bundle["type"] == "collection"
    resources = sorted(
        p for p in data_files(site) if p.startswith("fhir/") and p != "fhir/Bundle.json"
    )
    assert len(bundle["entry"]) == len(resources) == len(SLUGS) + 1
    by_url = {}
    for entry in bundle["entry"]:
        kind, ident = entry["resource"]["resourceType"], entry["resource"]["id"]
        assert entry["fullUrl"] == f"{BASE_URL}fhir/{kind}/{ident}"
        by_url[entry["fullUrl"]] = entry["resource"]
    assert len(by_url) == len(resources)
    for path in resources:
        assert by_url[BASE_URL + path.removesuffix(".json")] == read(site, path)


def test_data_files_are_not_pages(site: Path) -> None:
    def named(text: str) -> bool:
        return "api/v1" in text or "fhir/" in text

    assert not named((site / "sitemap.xml").read_text("utf-8"))
    assert not named(json.dumps(read(site, "offline.json")["pages"]))
    assert not named((site / "search" / "drugs.json").read_text("utf-8"))
    pages = read(site, "build-report.json")["pages"]
    files = snapshot(site)
    not_data = [p for p in files if not p.startswith(("api/", "fhir/"))]
    assert pages < len(not_data)  # pages are among the other files (with static files)
    assert len(files) - len(not_data) == len(SLUGS) * 2 + 1 + 3 + 1  # and none is counted


def test_a_cold_build_writes_the_reference_builds_data(tmp_path: Path) -> None:
    config = write_project(tmp_path / "built")
    report = built(config, cache=False)
    reference = dataclasses.replace(config, output_dir=tmp_path / "reference")
    expected = reference_build(reference)
    assert report.pages == expected.pages
    assert data_files(config.output_dir) == data_files(reference.output_dir)


def edit(config: BuildConfig, slug: str, old: str, new: str) -> None:
    path = config.content_dir / f"{slug}.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text, (slug, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def same_as_cold(config: BuildConfig, root: Path) -> None:
    cold = dataclasses.replace(config, output_dir=root / "cold" / "_site")
    shutil.rmtree(cold.output_dir.parent, ignore_errors=True)
    built(cold, cache=False)
    assert snapshot(config.output_dir) == snapshot(cold.output_dir)


def inodes(site: Path, slug: str) -> dict[str, int]:
    return {
        path: (site / path).stat().st_ino
        for path in data_paths(slug, slug == "pomalidomide")
        if (site / path).exists()
    }


def test_a_rebuild_rewrites_what_an_edit_changes_and_matches_a_cold_build(
    tmp_path: Path,
) -> None:
    config = write_project(tmp_path / "project")
    site = config.output_dir
    built(config)
    before = {slug: inodes(site, slug) for slug in SLUGS}
    bundle_before = (site / "fhir/Bundle.json").stat().st_ino

    edit(config, "resourced", "summary: A test drug.", "summary: A drug, edited.")
    report = built(config)
    assert (report.rendered, report.reused) == (1, len(SLUGS) - 1)
    assert read(site, "api/v1/drugs/resourced.json")["summary"] == "A drug, edited."
    after = {slug: inodes(site, slug) for slug in SLUGS}
    changed = [slug for slug in SLUGS if after[slug] != before[slug]]
    assert changed == ["resourced"]  # the others' files are the published ones, linked
    # its FHIR file has the bytes it had (a summary is not in it): the Bundle is linked too
    assert (site / "fhir/Bundle.json").stat().st_ino == bundle_before
    same_as_cold(config, tmp_path)

    # the verified dose's monograph goes back to draft: its dose leaves every format
    edit(config, "pomalidomide", "status: clinician-reviewed", "status: draft")
    built(config)
    assert not (site / "fhir/Provenance/pomalidomide-dose.json").exists()
    assert "4 mg" not in (site / "fhir/Bundle.json").read_text("utf-8")
    assert read(site, "api/v1/drugs/pomalidomide.json")["dose"] is None
    same_as_cold(config, tmp_path)

    # a data file edited by hand is written again, though nothing else changed
    touched = site / "fhir/MedicationKnowledge/revised.json"
    touched.write_text('{"resourceType": "MedicationKnowledge", "id": "revised"}\n', "utf-8")
    report = built(config)
    assert report.rendered == 1
    same_as_cold(config, tmp_path)

    # a monograph withdrawn: its data files go with its page
    (config.content_dir / "unreviewed.yaml").unlink()
    built(config)
    assert not [p for p in data_files(site) if "unreviewed" in p]
    assert [d["slug"] for d in read(site, "api/v1/drugs.json")["drugs"]] == [
        "pomalidomide", "resourced", "revised"
    ]  # fmt: skip
    assert len(read(site, "fhir/Bundle.json")["entry"]) == 3
    same_as_cold(config, tmp_path)
