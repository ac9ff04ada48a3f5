"""Translate pydantic validation errors into located, plain-English diagnostics.

Stage: content/ (docs/architecture.md).

Pydantic reports *where in the data* a problem is (``loc``); the source map knows *where in
the file* that data came from. This module joins the two (the technique dagster uses for its
YAML configs) and rewrites pydantic's messages for editors, with a hint where one helps.
"""

from __future__ import annotations

import datetime as dt
import difflib
import typing
from collections.abc import Callable, Iterator
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from clincalc_site.content.dose_parser import parse_dose
from clincalc_site.content.dose_quantity import DoseProblem
from clincalc_site.content.models import Monograph
from clincalc_site.content.names import ascii_slug
from clincalc_site.content.yaml_source import PathKey, SourceMap, format_path
from clincalc_site.diagnostics import Diagnostic, Severity

_EXPECTED = {
    "string_type": "text",
    "bool_type": "true or false",
    "list_type": "a list",
    "model_type": "a mapping of fields",
    "dict_type": "a mapping of fields",
    "model_attributes_type": "a mapping of fields",
    "date_type": "a date (YYYY-MM-DD)",
    "date_parsing": "a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "a date (YYYY-MM-DD)",
    "date_from_datetime_inexact": "a date (YYYY-MM-DD)",
}
# What to do about a value of the wrong type, by what was expected.
_TYPE_HINTS = {
    "text": "write it as one piece of text; for long text use '>-' and indent the lines below",
    "true or false": "write true or false, without quotes",
    "a list": "write a list: one entry per line, each starting with '- '",
    "a mapping of fields": "indent its fields on the lines below, e.g. 'label: …'",
    "a date (YYYY-MM-DD)": "write the date as YYYY-MM-DD, e.g. 2026-07-04",
}
_VERIFIED_NEEDS = {
    "source": "the source it was checked against (document, section, revision)",
    "prepared_by": "who prepared it (an id from team.yaml)",
    "prepared_on": "the date it was prepared (YYYY-MM-DD)",
    "verified_by": "who verified it (an id from team.yaml)",
    "verified_on": "the date it was verified (YYYY-MM-DD)",
    "regimens": "at least one regimen",
}
# The form of 'source' before doses were checked against tracked documents.
_NEW_SOURCE_FORM = (
    'cite a document from sources.yaml: \'source: {document: imnovid-smpc, section: "4.2", '
    "revision: 2025-03-14}' (the document's title and address go in sources.yaml)"
)


def data_path(loc: tuple[str | int, ...], data: Any) -> PathKey:
    """Drop the discriminator tags pydantic inserts into ``loc`` (``dosing.verified.x``)."""
    path: list[str | int] = []
    current = data
    for part in loc:
        if isinstance(current, dict) and part not in current and current.get("status") == part:
            continue  # the union tag, not a key in the file
        path.append(part)
        if isinstance(current, dict) and isinstance(part, str):
            current = current.get(part)
        elif isinstance(current, list) and isinstance(part, int) and part < len(current):
            current = current[part]
        else:
            current = None
    return tuple(path)


def models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    """The models a field's annotation holds: ``X``, ``list[X]``, ``X | None``,
    ``Annotated[X, ...]``, ``dict[str, X]``, in order."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    for argument in typing.get_args(annotation):
        yield from models_in(argument)


def allowed_fields(path: PathKey, root: type[BaseModel] = Monograph) -> list[str]:
    """Field names valid in the mapping at ``path`` (used for 'did you mean')."""
    models: list[type[BaseModel]] = [root]
    for part in path:
        if isinstance(part, int):
            continue
        next_models: list[type[BaseModel]] = []
        for model in models:
            info = model.model_fields.get(part)
            if info is not None:
                next_models.extend(models_in(info.annotation))
        models = next_models
    names: list[str] = []
    for model in models:
        names.extend(name for name in model.model_fields if name not in names)
    return names


def suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def diagnostics_from_error(
    error: ValidationError, data: Any, source_map: SourceMap, root: type[BaseModel] = Monograph
) -> list[Diagnostic]:
    """One located diagnostic per pydantic error, in terms an editor understands."""
    found: list[Diagnostic] = []
    old_source = _old_source_form(data) if root is Monograph else None
    for detail in error.errors(include_url=False):
        path = data_path(tuple(detail["loc"]), data)
        if old_source is not None and path[:2] == ("dosing", "source"):
            continue  # one message for the whole block, below
        found.append(_one(detail, data, source_map, root))
    if old_source is not None:
        found.append(
            Diagnostic(
                source_map.locate(("dosing", "source")),
                Severity.ERROR,
                "dosing.old_source_form",
                f"'source' names {old_source}; a dose's source is now a tracked document",
                field_path="dosing.source",
                hint=_NEW_SOURCE_FORM,
            )
        )
    return found


def _old_source_form(data: Any) -> str | None:
    """'a label and an address' when dosing.source is written the old way, else None."""
    dosing = data.get("dosing") if isinstance(data, dict) else None
    source = dosing.get("source") if isinstance(dosing, dict) else None
    if isinstance(source, dict) and ("label" in source or "url" in source):
        return "a label and an address"
    return None


def _one(
    detail: ErrorDetails, data: Any, source_map: SourceMap, root: type[BaseModel]
) -> Diagnostic:
    path = data_path(tuple(detail["loc"]), data)
    kind = detail["type"]
    field = _field_name(path)
    dotted = format_path(path)
    in_verified = _in_verified_dosing(path, data)

    def make(code: str, message: str, hint: str = "", *, at_key: bool = False) -> Diagnostic:
        location = source_map.locate(path, at_key=at_key)
        return Diagnostic(location, Severity.ERROR, code, message, field_path=dotted, hint=hint)

    if kind == "extra_forbidden":
        choices = allowed_fields(path[:-1], root)
        hint = suggest(str(field), choices) or f"allowed here: {', '.join(choices)}"
        return make("schema.unknown_field", f"unknown field '{field}'", hint, at_key=True)
    if kind == "missing":
        if in_verified and field in _VERIFIED_NEEDS:
            return make(
                "dosing.incomplete_verification",
                f"a verified dose needs '{field}': {_VERIFIED_NEEDS[str(field)]}",
                "add it, or set 'status: re-sourcing' so the banner is shown instead",
            )
        parent = format_path(path[:-1])
        where = f"under '{parent}'" if parent else "at the top level"
        return make(
            "schema.missing_field",
            f"missing required field '{field}'",
            f"add '{field}: …' {where}",
        )
    if kind == "too_short" and in_verified and field == "regimens":
        return make(
            "dosing.incomplete_verification",
            "a verified dose needs at least one regimen",
            "add the verified regimens, or set 'status: re-sourcing'",
        )
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        # Point at the status value when there is one, else at the 'dosing:' key.
        return Diagnostic(
            source_map.locate((*path, "status")),
            Severity.ERROR,
            "dosing.invalid_status",
            "dosing 'status' must be 'verified' or 're-sourcing'",
            field_path=format_path((*path, "status")),
            hint="use 're-sourcing' until a verifier has checked the dose against a source",
        )
    if kind == "literal_error":
        expected = detail.get("ctx", {}).get("expected", "")
        return make(
            "schema.invalid_choice",
            f"'{field}' must be one of {expected}",
            "write one of these exactly as shown, in lowercase",
        )
    if kind in _EXPECTED:
        return _type_error(detail, path, source_map, make)
    if kind == "string_too_short":
        return make("schema.empty", f"'{field}' is empty", "write the text, or remove the field")
    if kind == "string_pattern_mismatch":
        return _pattern_error(path, detail["input"], make)
    if kind == "value_error":
        message = str(detail.get("ctx", {}).get("error", detail["msg"]))
        return make("schema.invalid_url", f"'{field}' {message}", "write the full https:// address")
    return make(
        "schema.invalid",
        f"'{field}': {detail['msg']}",
        "see docs/content-format.md for what this field accepts",
    )


def _in_verified_dosing(path: PathKey, data: Any) -> bool:
    if not path or path[0] != "dosing" or not isinstance(data, dict):
        return False
    dosing = data.get("dosing")
    return isinstance(dosing, dict) and dosing.get("status") == "verified" and len(path) == 2


Maker = Callable[..., Diagnostic]


def _field_name(path: PathKey) -> str:
    """The name to show in a message: the key, or ``references[0]`` for a list entry."""
    if not path:
        return "value"
    return str(path[-1]) if isinstance(path[-1], str) else format_path(path)


def _shown(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else repr(value)


def _type_error(
    detail: ErrorDetails, path: PathKey, source_map: SourceMap, make: Maker
) -> Diagnostic:
    expected = _EXPECTED[detail["type"]]
    info = source_map.info(path)
    field = _field_name(path)
    if info is not None and info.kind == "null" and not info.quoted:
        return make("schema.empty", f"'{field}' is empty", "write the value, or remove the line")
    if (
        expected == "text"
        and info is not None
        and info.raw is not None
        and info.kind == "number"
        and len(path) == 4
        and path[:2] == ("dosing", "regimens")
        and path[3] in ("dose", "max_dose")
    ):
        # An amount without its unit: quoting it would only hide the real mistake.
        problem = parse_dose(info.raw)
        if isinstance(problem, DoseProblem):
            return make(problem.code, problem.message, problem.hint)
    if (
        expected == "text"
        and info is not None
        and info.raw is not None
        and not info.quoted
        and info.kind != "string"
    ):
        # Quoting helps only where text is expected: `NO`, `0123`, `5.0`, `yes`.
        return make(
            "yaml.unquoted_value",
            f"'{info.raw}' was read by YAML as the {info.kind} {_shown(detail['input'])}, "
            f"but {expected} is expected",
            f'put it in quotes: "{info.raw}"',
        )
    given = detail["input"]
    if expected == "text" and isinstance(given, dict) and len(given) == 1:
        # "- Note: avoid with ..." : the ': ' made YAML read a field name and its value.
        ((key, value),) = given.items()
        if isinstance(value, str):
            text = f"{key}: {value}".replace('"', '\\"')
            return make(
                "schema.type",
                f"'{field}' was read as a field named '{key}' because of the ': ' after it; "
                "text is expected",
                f'put the whole text in quotes: "{text}"',
            )
    got = info.kind if info is not None else type(given).__name__
    return make("schema.type", f"'{field}' must be {expected}, not {got}", _TYPE_HINTS[expected])


def _pattern_error(path: PathKey, given: object, make: Maker) -> Diagnostic:
    if "rxcui" in path:
        return make(
            "schema.invalid_rxcui", "'rxcui' must be digits only", 'quote it: rxcui: "1369713"'
        )
    if "related" in path:
        # Editors write the drug's name ("Warfarin"); a related link names its file.
        slug = ascii_slug(given) if isinstance(given, str) else ""
        return make(
            "schema.invalid_slug",
            "related entries are monograph slugs: lowercase letters, digits and hyphens",
            f"did you mean '{slug}'? Use the file name without .yaml"
            if slug
            else "use the file name without .yaml, e.g. 'co-amoxiclav'",
        )
    if path and path[-1] == "id":
        return make(
            "schema.invalid",
            "an id is lowercase letters and digits, joined by '-', '_' or '.'",
            "write it like 'asmith' or 'a.smith'",
        )
    return make("schema.invalid", "value does not have the expected form")
