"""The formulary as data files: the JSON API (``/api/v1/``) and FHIR R5 (``/fhir/``).

Stage: render/ (docs/architecture.md). Pure: paths and bytes; the build writes them.

Each monograph's own data files (``monograph_data``) are written by the worker that renders
its page, from the same entry, links and site view, so they share the page's build-cache
key: reused with it, rendered with it (``data_paths`` names them, for the plan and the
workers alike). The site-wide ones come from the index entries (``index_data_jobs``: the
index of drugs and the JSON Schemas, reused like index pages) and, at the end of a build,
from the per-monograph FHIR files (``bundle_json``).

The dose rule holds here as everywhere: every dose comes from ``api_export`` and
``fhir_export``, which take it only from a ``PublishedDose``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Sequence
from typing import cast

from pydantic import BaseModel

from clincalc_site.content.loader import Entry
from clincalc_site.render.api_export import (
    API_ROOT,
    Drug,
    DrugIndex,
    drug_data_path,
    drug_of,
    schema_of,
    summary_of,
    to_json,
)
from clincalc_site.render.feeds import FEED_FILE
from clincalc_site.render.fhir_export import Json, bundle, dose_provenance, medication_knowledge
from clincalc_site.render.rendering import PageLinks, monograph_url
from clincalc_site.render.site_view import SiteView
from clincalc_site.site.assembly import Site

FHIR_ROOT = "fhir/"
BUNDLE = f"{FHIR_ROOT}Bundle.json"
DRUG_INDEX = f"{API_ROOT}drugs.json"
SCHEMA_ROOT = f"{API_ROOT}schema/"
# One JSON Schema per document type, named like the documents it describes.
SCHEMAS: tuple[tuple[str, type[BaseModel]], ...] = (("drugs.json", DrugIndex), ("drug.json", Drug))
MEDICATION = "MedicationKnowledge"
PROVENANCE = "Provenance"


def medication_path(slug: str) -> str:
    return f"{FHIR_ROOT}{MEDICATION}/{slug}.json"


def provenance_path(slug: str) -> str:
    return f"{FHIR_ROOT}{PROVENANCE}/{slug}-dose.json"


def data_paths(slug: str, dose_shown: bool) -> tuple[str, ...]:
    """The data files of one monograph: its API document, its ``MedicationKnowledge`` and,
    when its page shows a dose, that dose's ``Provenance``."""
    paths = (drug_data_path(slug), medication_path(slug))
    return (*paths, provenance_path(slug)) if dose_shown else paths


def is_data_file(path: str) -> bool:
    """Whether ``path`` is a data file (not a page: no sitemap, search or page count)."""
    return path.startswith((API_ROOT, FHIR_ROOT)) or path.endswith(FEED_FILE)  # or a feed


def count_pages(paths: Iterable[str]) -> int:
    """How many of ``paths`` are pages (every written file but the data files)."""
    return sum(1 for path in paths if not is_data_file(path))


def fhir_json(resource: Json) -> bytes:
    """Stable bytes for a FHIR resource: sorted keys, two-space indent, a final newline."""
    return (json.dumps(resource, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def monograph_data(entry: Entry, links: PageLinks, site_view: SiteView) -> list[tuple[str, bytes]]:
    """The data files of one monograph (the paths of ``data_paths``), as its page is
    published: ``site_view`` gives the page's address (a build reads it through a recording
    stand-in, so that the page's key covers what these files read)."""
    page_url = site_view.address(monograph_url(entry.slug))
    related = [link.slug for link in links.related]
    files = [
        (drug_data_path(entry.slug), to_json(drug_of(entry, page_url, links.version))),
        (medication_path(entry.slug), fhir_json(medication_knowledge(entry, page_url, related))),
    ]
    provenance = dose_provenance(entry)
    if provenance is not None:
        files.append((provenance_path(entry.slug), fhir_json(provenance)))
    return files


IndexRender = Callable[[object], bytes]  # as ``Renderer.index_page_jobs`` gives them


def index_data_jobs(site: Site, default_view: SiteView) -> list[tuple[str, IndexRender]]:
    """The API's index of drugs and its JSON Schemas, as index page jobs: each call takes a
    stand-in for the site view (or None: ``default_view``)."""

    def drug_index(view: object) -> bytes:
        shown = default_view if view is None else cast(SiteView, view)
        address = shown.address
        drugs = [
            summary_of(
                e,
                address(monograph_url(e.slug)),
                address(drug_data_path(e.slug)),
                (site.versions.get(e.slug) or (None,))[-1],
            )
            for e in site.entries
        ]
        return to_json(DrugIndex(drugs=drugs))

    jobs: list[tuple[str, IndexRender]] = [(DRUG_INDEX, drug_index)]
    for name, model in SCHEMAS:
        jobs.append((f"{SCHEMA_ROOT}{name}", functools.partial(_schema, model)))
    return jobs


def _schema(model: type[BaseModel], view: object) -> bytes:
    """A JSON Schema: the same for every site (it reads nothing of ``view``)."""
    return schema_of(model)


def fhir_files(site: Site) -> list[tuple[str, str, str]]:
    """Every FHIR resource file of the site, in the Bundle's order (A–Z, each monograph's
    ``MedicationKnowledge`` then its dose's ``Provenance``): (type, id, path)."""
    found = []
    for entry in site.entries:
        found.append((MEDICATION, entry.slug, medication_path(entry.slug)))
        if entry.dose.shown:
            found.append((PROVENANCE, f"{entry.slug}-dose", provenance_path(entry.slug)))
    return found


def fhir_base(site_view: SiteView) -> str:
    """The site's FHIR address for the Bundle's ``fullUrl``s ('' without a site address)."""
    return site_view.absolute(FHIR_ROOT) if site_view.base_url else ""


_ITEM_INDENT = b"\n      "  # a resource inside "entry": [ { "resource": ... } ]
_HEAD = b'{\n  "entry": [\n'
_TAIL = b'\n  ],\n  "id": "formulary",\n  "resourceType": "Bundle",\n  "type": "collection"\n}\n'


def bundle_item(base: str, kind: str, ident: str, text: bytes) -> bytes:
    """One entry of the Bundle, for a resource written by ``fhir_json`` (``text``), as
    ``fhir_json(bundle(...))`` writes it, without parsing it: indented into place (JSON
    strings hold no line breaks, so every line break is the layout's)."""
    full = b""
    if base:
        url = json.dumps(f"{base}{kind}/{ident}", ensure_ascii=False)
        full = f'      "fullUrl": {url},\n'.encode()
    body = text.rstrip(b"\n").replace(b"\n", _ITEM_INDENT)
    return b'    {\n%s      "resource": %s\n    }' % (full, body)


def bundle_of_items(items: Sequence[bytes]) -> tuple[bytes, list[tuple[int, int]]]:
    """The Bundle of these ``bundle_item``s, and where each one is in it (start, end)."""
    if not items:
        return fhir_json(bundle([], "")), []
    offsets = []
    at = len(_HEAD)
    for item in items:
        offsets.append((at, at + len(item)))
        at += len(item) + 2  # ",\n"
    return _HEAD + b",\n".join(items) + _TAIL, offsets


def bundle_json(base: str, resources: Sequence[tuple[str, str, bytes]]) -> bytes:
    """``fhir_json(bundle(...))`` of resources written by ``fhir_json``, given as (type, id,
    bytes), without parsing them (a test holds the two equal)."""
    items = [bundle_item(base, kind, ident, text) for kind, ident, text in resources]
    return bundle_of_items(items)[0]
