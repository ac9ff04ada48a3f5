"""The exported JSON Schema: committed and fresh, complete, and in agreement with the content.

YAML reads bare dates (``date: 2026-07-04``) as ``datetime.date`` objects, while JSON Schema
knows only strings (``format: date``). Before validating, ``as_json`` turns every date into
its ISO string, which is what an editor's YAML language server sees for the same text.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from clincalc_site.cli import main
from clincalc_site.editor.scaffold import SCHEMA_COMMENT, render_draft
from clincalc_site.editor.schema_export import (
    FALLBACK_EXAMPLES,
    REGENERATE,
    SCHEMA_FILE,
    SCHEMA_FILES,
    missing_descriptions,
    monograph_schema,
    registry_schema,
    render_schema,
    stale_examples,
)

REPO = Path(__file__).resolve().parents[2]
MONOGRAPHS = sorted((REPO / "monographs").glob("*.yaml"))


def as_json(value: Any) -> Any:
    """YAML data as JSON sees it: dates become ISO strings, containers are walked."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_json(item) for item in value]
    return value


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = json.loads((REPO / SCHEMA_FILE).read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_committed_schema_is_up_to_date() -> None:
    committed = (REPO / SCHEMA_FILE).read_text(encoding="utf-8")
    assert committed == render_schema(), f"the schema is stale: run `{REGENERATE}`"


def test_schema_text_is_deterministic() -> None:
    text = render_schema()
    assert text == render_schema()
    assert text.endswith("}\n")
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = monograph_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def property_schemas() -> list[tuple[str, str, dict[str, Any]]]:
    schema = monograph_schema()
    objects = {"Monograph": schema, **schema["$defs"]}
    return [
        (model, field, prop)
        for model, definition in sorted(objects.items())
        for field, prop in sorted(definition.get("properties", {}).items())
    ]


def test_every_model_field_has_a_description() -> None:
    assert missing_descriptions() == [], "add Field(description=...) in models.py"


def all_schemas() -> list[dict[str, Any]]:
    return [monograph_schema(), registry_schema("team"), registry_schema("sources")]


def test_every_fallback_example_names_a_real_field() -> None:
    assert stale_examples(*all_schemas()) == [], "update FALLBACK_EXAMPLES"
    names = {str(s.get("title")) for s in all_schemas()}
    names |= {name for s in all_schemas() for name in s.get("$defs", {})}
    assert set(FALLBACK_EXAMPLES) <= names


@pytest.mark.parametrize("kind", ["team", "sources"])
def test_registry_schemas_are_committed_valid_and_accept_the_fixture_registries(
    kind: str,
) -> None:
    committed = (REPO / SCHEMA_FILES[kind]).read_text(encoding="utf-8")
    assert committed == render_schema(kind), f"stale: run `clincalc-site schema --kind {kind}`"
    schema = registry_schema(kind)
    Draft202012Validator.check_schema(schema)
    check = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    for folder in (REPO / "tests" / "data" / "site", REPO):
        path = folder / f"{kind}.yaml"
        if path.is_file():
            data = as_json(yaml.safe_load(path.read_text(encoding="utf-8")))
            assert [e.message for e in check.iter_errors(data)] == [], path


def test_registry_schemas_reject_what_the_loader_rejects() -> None:
    team = Draft202012Validator(registry_schema("team"))
    sources = Draft202012Validator(registry_schema("sources"))
    assert list(team.iter_errors({"people": [{"id": "a", "name": "A", "role": "r", "x": 1}]}))
    assert list(team.iter_errors({"people": [{"id": "A b", "name": "A", "role": "r"}]}))
    assert list(sources.iter_errors({"Bad Id": {"title": "t", "url": "https://a.org",
                                                "revision": "2025-01-01"}}))  # fmt: skip
    assert list(sources.iter_errors({"ok": {"title": "t", "url": "ftp://a.org",
                                            "revision": "2025-01-01"}}))  # fmt: skip
    assert not list(sources.iter_errors({"ok": {"title": "t", "url": "https://a.org",
                                                "revision": "2025-01-01"}}))  # fmt: skip


@pytest.mark.parametrize(
    ("model", "field", "prop"), [pytest.param(*p, id=f"{p[0]}.{p[1]}") for p in property_schemas()]
)
def test_every_field_has_a_description_and_a_valid_example(
    model: str, field: str, prop: dict[str, Any]
) -> None:
    assert str(prop.get("description", "")).strip(), f"{model}.{field} has no description"
    examples = prop.get("examples")
    assert examples, f"{model}.{field} has no example"
    # Validate each example against the field's own schema ($defs kept for its references).
    field_schema = {"$defs": monograph_schema()["$defs"], **prop}
    check = Draft202012Validator(field_schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    for example in examples:
        assert not list(check.iter_errors(example)), f"{model}.{field}: bad example {example!r}"


@pytest.mark.parametrize("path", [pytest.param(p, id=p.name) for p in MONOGRAPHS])
def test_every_monograph_in_the_repository_validates(
    path: Path, validator: Draft202012Validator
) -> None:
    data = as_json(yaml.safe_load(path.read_text(encoding="utf-8")))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
    assert errors == []


def test_the_draft_from_new_validates(validator: Draft202012Validator) -> None:
    draft = render_draft("Co-amoxiclav", "Penicillin", specialist=False, today=dt.date(2026, 7, 4))
    assert list(validator.iter_errors(as_json(yaml.safe_load(draft.text)))) == []


def test_the_schema_comment_in_new_drafts_points_at_the_committed_schema() -> None:
    relative = SCHEMA_COMMENT.partition("$schema=")[2]
    assert (REPO / "monographs" / relative).resolve() == (REPO / SCHEMA_FILE).resolve()


GOOD: dict[str, Any] = {
    "name": "Testdrug",
    "drug_class": "Test class",
    "summary": "A drug.",
    "mechanism": "It works.",
    "review": {"status": "draft", "date": "2026-07-04"},
}


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        pytest.param({"nmae": "Typo"}, "Additional properties", id="unknown-field"),
        pytest.param({"name": None}, "'name' is a required property", id="missing-name"),
        pytest.param({"dosing": {"status": "maybe"}}, "dosing", id="bad-dosing-status"),
        pytest.param(
            {"dosing": {"status": "verified", "regimens": []}}, "dosing", id="verified-no-source"
        ),
        pytest.param(
            {"review": {"status": "draft", "date": "2026-13-45"}}, "is not a 'date'", id="bad-date"
        ),
        pytest.param(
            {"references": [{"label": "x", "url": "ftp://x"}]},
            "['references', 0, 'url']",
            id="bad-url",
        ),
        pytest.param({"rxcui": 1369713}, "['rxcui'] 1369713", id="unquoted-rxcui"),
        pytest.param({"related": ["Not A Slug"]}, "does not match", id="bad-slug"),
    ],
)
def test_broken_monographs_are_rejected(
    change: dict[str, Any], complaint: str, validator: Draft202012Validator
) -> None:
    assert not list(validator.iter_errors(GOOD))
    broken = {key: value for key, value in {**GOOD, **change}.items() if value is not None}
    messages = " | ".join(
        f"{list(e.absolute_path)} {e.message}" for e in validator.iter_errors(broken)
    )
    assert complaint in messages


def test_schema_command_prints_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert capsys.readouterr().out == render_schema()


def test_schema_command_writes_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "schema" / "monograph.schema.json"
    assert main(["schema", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == render_schema()
    assert "wrote" in capsys.readouterr().err
    assert main(["schema", "--out", str(out)]) == 0
    assert "up to date" in capsys.readouterr().err
