"""Export the monograph format as a JSON Schema, for editor autocomplete and CI checks.

Stage: editor/ (docs/architecture.md). No I/O:
the ``schema`` command writes the text this module returns.

The schema is generated from the pydantic models (``Monograph.model_json_schema``), so it can
never disagree with what ``check`` accepts about field names, types and required fields. The
models remain the authority: a few rules (dates not in the future, related slugs that exist,
whitespace-only text) are enforced by ``check`` only. At export time every field gets an
example where the model gives none, so hover help in the editor always shows one.

``schema/monograph.schema.json`` is this module's output, committed (a test keeps it fresh);
monographs point at it with ``# yaml-language-server: $schema=../schema/monograph.schema.json``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from clincalc_site.content.models import Monograph, SourceDocument, Team
from clincalc_site.content.schema_errors import models_in
from clincalc_site.site.settings import SiteSettings

JsonObject = dict[str, Any]

SCHEMA_FILE = "schema/monograph.schema.json"
REGENERATE = f"clincalc-site schema --out {SCHEMA_FILE}"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
DESCRIPTION = (
    "A clincalc-site drug monograph: one YAML file per drug in monographs/<slug>.yaml. "
    "A dose is published only when dosing.status is 'verified' with a source, a verifier and "
    "a date; every other monograph shows the re-sourcing banner. Run 'clincalc-site check' "
    "for the full rules, each reported at file:line:column."
)
# Same rule as models._check_url, written without the IGNORECASE flag JSON Schema lacks.
URL_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/$.?#][^\s]*$"

_DATE = "2026-07-04"
# Examples carry no clinical instruction: a schema is no place to learn a dose or a threshold.
_SOURCE = {"document": "imnovid-smpc", "section": "4.2", "revision": "2025-03-14"}
_REGIMEN = {
    "indication": "Multiple myeloma",
    "population": "Adults",
    "route": "Oral",
    "dose": "4 mg",
    "frequency": "Once daily",
    "duration": "Days 1 to 21 of a 28-day cycle",
}

# Examples for the fields whose model gives none, by $defs name and field. An example in the
# model's Field(examples=...) always wins; moving these into models.py is welcome.
# The fields a dosing block has whether or not it is verified yet.
_DOSING: dict[str, list[object]] = {
    "regimens": [[_REGIMEN]],
    "source": [_SOURCE],
    "prepared_by": ["bjones"],
    "prepared_on": [_DATE],
    "verified_by": ["asmith"],
    "verified_on": [_DATE],
}
FALLBACK_EXAMPLES: dict[str, dict[str, list[Any]]] = {
    "Monograph": {
        "specialist": [True],
        "summary": [
            "Pomalidomide is an oral immunomodulatory agent used for relapsed and refractory "
            "multiple myeloma."
        ],
        "dosing": [{"status": "re-sourcing"}],
        "mechanism": [
            "It acts through cereblon to degrade transcription factors in myeloma cells."
        ],
        "prescribing": [["Dispensed only under a Pregnancy Prevention Programme."]],
        "monitoring": ["What to monitor and how often, as the SmPC and local protocols say."],
        "counselling": [["What the patient needs to know, one point per bullet."]],
        "evidence": ["The key trials and guidelines, each named as its authors name it."],
        "contraindications": ["When it must not be used, as the SmPC (section 4.3) says."],
        "cautions": ["When to take special care, as the SmPC (section 4.4) says."],
        "interactions": [["One interaction per bullet: the other drug and what to do."]],
        "renal_impairment": ["How kidney function changes its use; doses go in Dosing."],
        "hepatic_impairment": ["How liver function changes its use; doses go in Dosing."],
        "pregnancy": ["What the SmPC (section 4.6) and local guidance advise."],
        "breastfeeding": ["What the SmPC (section 4.6) and local guidance advise."],
        "adverse_effects": ["The common and the serious ones a prescriber must know."],
        "formulary": [{"status": "amber", "flags": ["shared-care"], "line": "second"}],
        "review": [{"status": "draft", "date": _DATE}],
    },
    "DosingUnderReview": {"status": ["re-sourcing"], **_DOSING},
    "VerifiedDosing": {"status": ["verified"], **_DOSING},
    "SourceCitation": {"revision": ["2025-03-14"]},
    "Reference": {"url": ["https://www.nice.org.uk/guidance/ta427"]},
    "FormularyEntry": {
        "protocol": [
            {"label": "Shared care protocol", "url": "https://www.example.nhs.uk/scp.pdf"}
        ],
    },
    "Regimen": {"notes": ["See the SmPC, section 4.2, for adjustments."]},
    "Review": {
        "status": ["clinician-reviewed"],
        "date": [_DATE],
        "reviewer": ["A. Patel, MPharm"],
    },
    "Team": {"people": [[{"id": "asmith", "name": "A. Smith, MPharm", "role": "Pharmacist"}]]},
    "Person": {"verifier": [True]},
    "SourceDocument": {
        "url": ["https://www.medicines.org.uk/emc/product/9064/smpc"],
        "revision": ["2025-03-14"],
    },
}
# What each kind of file is, for 'clincalc-site schema --kind' and the generated files.
KINDS = ("monograph", "team", "sources", "site")
SCHEMA_FILES = {kind: f"schema/{kind}.schema.json" for kind in KINDS}
_DESCRIPTIONS = {
    "team": "team.yaml: the people who prepare and verify doses. A verified dose names two "
    "different people from this list, and the one who verifies it must have 'verifier: true'.",
    "site": "site.yaml: what a formulary team sets once for its whole site: its name, "
    "branding, address and which monographs are published (docs/site-settings.md).",
    "sources": "sources.yaml: the documents doses are checked against, by id, each with the "
    "latest revision the team knows of. Raising a revision holds back every dose checked "
    "against an earlier one until it is verified again.",
}


def model_classes(root: type[BaseModel] = Monograph) -> list[type[BaseModel]]:
    """``root`` and every model reachable from its fields, each once, in a stable order."""
    found: list[type[BaseModel]] = []
    pending = [root]
    while pending:
        model = pending.pop(0)
        if model in found:
            continue
        found.append(model)
        for info in model.model_fields.values():
            pending.extend(models_in(info.annotation))
    return found


def missing_descriptions(root: type[BaseModel] = Monograph) -> list[str]:
    """``Model.field`` for every model field without a ``Field(description=...)``."""
    return [
        f"{model.__name__}.{name}"
        for model in model_classes(root)
        for name, info in model.model_fields.items()
        if not (info.description or "").strip()
    ]


def stale_examples(*schemas: JsonObject) -> list[str]:
    """Entries of FALLBACK_EXAMPLES that name no field in ``schemas`` (a renamed field)."""
    objects = {name: obj for schema in schemas for name, obj in _objects(schema).items()}
    return [
        f"{name}.{field}"
        for name, fields in FALLBACK_EXAMPLES.items()
        for field in fields
        if field not in objects.get(name, {}).get("properties", {})
    ]


def _objects(schema: JsonObject) -> dict[str, JsonObject]:
    """The object schemas by model name: the root and everything in ``$defs``."""
    return {str(schema.get("title", "")): schema, **schema.get("$defs", {})}


def _string_branches(prop: JsonObject) -> Iterator[JsonObject]:
    if prop.get("type") == "string":
        yield prop
    for branch in prop.get("anyOf", []):
        if isinstance(branch, dict) and branch.get("type") == "string":
            yield branch


def monograph_schema() -> JsonObject:
    """The JSON Schema (Draft 2020-12) of a monograph file, with an example on every field."""
    schema = _with_examples(copy.deepcopy(Monograph.model_json_schema()))
    schema["$comment"] = f"Generated from the pydantic models; do not edit. Run: {REGENERATE}"
    schema["description"] = DESCRIPTION
    return schema


def registry_schema(kind: str) -> JsonObject:
    """The JSON Schema of team.yaml (``kind='team'``), sources.yaml (``'sources'``) or
    site.yaml (``'site'``)."""
    if kind == "team":
        schema = _with_examples(copy.deepcopy(Team.model_json_schema()))
    elif kind == "site":
        schema = _with_examples(copy.deepcopy(SiteSettings.model_json_schema()))
    else:
        document = _with_examples(copy.deepcopy(SourceDocument.model_json_schema()))
        schema = {
            "title": "Sources",
            "type": "object",
            "patternProperties": {
                r"^[a-z0-9]+(?:[-_.][a-z0-9]+)*$": {"$ref": "#/$defs/SourceDocument"}
            },
            "additionalProperties": False,
            "$defs": {"SourceDocument": document},
            "$schema": DIALECT,
        }
    regenerate = f"clincalc-site schema --kind {kind} --out {SCHEMA_FILES[kind]}"
    schema["$comment"] = f"Generated from the pydantic models; do not edit. Run: {regenerate}"
    schema["description"] = _DESCRIPTIONS[kind]
    return schema


def _with_examples(schema: JsonObject) -> JsonObject:
    """Add the fallback examples, markdown-free descriptions and the URL pattern."""
    for name, definition in _objects(schema).items():
        if "description" in definition:
            definition["description"] = str(definition["description"]).replace("``", "`")
        fallback = FALLBACK_EXAMPLES.get(name, {})
        for field, prop in definition.get("properties", {}).items():
            if "examples" not in prop and field in fallback:
                prop["examples"] = copy.deepcopy(fallback[field])
            if field == "url":
                for branch in _string_branches(prop):
                    branch["pattern"] = URL_PATTERN
    schema["$schema"] = DIALECT
    return schema


def render_schema(kind: str = "monograph") -> str:
    """The schema file's exact text: sorted keys, 2-space indent, trailing newline."""
    schema = monograph_schema() if kind == "monograph" else registry_schema(kind)
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
