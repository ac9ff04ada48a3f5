"""Translate pydantic validation errors into located, plain-English diagnostics.

Stage: content/ (docs/architecture.md).

Pydantic reports *where in the data* a problem is (``loc``); the source map knows *where in
the file* that data came from. This module joins the two (the technique dagster uses for its
YAML configs) and rewrites pydantic's messages for editors, with a hint where one helps.
No message names a parser's kinds of value ("string", "mapping", "dict"): an editor reads
"text", "a list", "a group of fields".

Two mistakes are recognised from the shape of the data rather than from one error: text with
': ' in it that YAML made a field (``- Note: avoid …``), and fields written at the left margin
below the group they belong to (``review:`` then ``status: draft`` unindented), which pydantic
sees as an empty group and unknown fields.
"""

from __future__ import annotations

import datetime as dt
import difflib
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from clincalc_site.content.dose_parser import parse_dose
from clincalc_site.content.dose_quantity import DoseProblem
from clincalc_site.content.models import Monograph
from clincalc_site.content.names import ascii_slug
from clincalc_site.content.yaml_layout import INDENT_HINT, spaces
from clincalc_site.content.yaml_source import PathKey, SourceMap, format_path
from clincalc_site.content.yaml_syntax import plain_words, quoted
from clincalc_site.diagnostics import Diagnostic, Severity

GROUP = "a group of fields (indented 'name: value' lines)"
_EXPECTED = {
    "string_type": "text",
    "bool_type": "true or false",
    "list_type": "a list",
    "model_type": GROUP,
    "dict_type": GROUP,
    "model_attributes_type": GROUP,
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
    GROUP: "write its fields on the lines below it, indented by two spaces, e.g. 'label: …'",
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
# What a value was read as (the source map's kind), in an editor's words.
_KIND_WORDS = {
    "string": "text",
    "mapping": "a group of fields",
    "list": "a list",
    "number": "a number",
    "boolean": "a true/false value",
    "date": "a date",
    "null": "empty",
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
    details = error.errors(include_url=False)
    unindented: dict[PathKey, _Unindented] = {}
    if any(detail["type"] == "extra_forbidden" for detail in details):
        unindented = _unindented(data, source_map, root)
    for detail in details:
        path = data_path(tuple(detail["loc"]), data)
        if old_source is not None and path[:2] == ("dosing", "source"):
            continue  # one message for the whole block, below
        if unindented and _explained_by(unindented, detail["type"], path):
            group = unindented.get(path)
            if group is not None and path == group.fields[0]:
                found.append(_not_indented(group, source_map))
            continue  # one message for all the unindented fields of a group
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


@dataclass
class _Unindented:
    """Fields written at the margin of the group above them, which they belong to: YAML read
    ``review:`` then an unindented ``status: draft`` as an empty 'review' and a field
    'status' beside it."""

    owner: PathKey  # the group they belong to: ("review",), or ("references", 0)
    label: str  # "under 'review:'"
    column: int  # where its fields start (two spaces in, for an empty group)
    empty: bool  # the group itself was read as empty
    fields: list[PathKey] = field(default_factory=list)  # where YAML put them, in file order


def _groups(value: Any, path: PathKey = ()) -> Iterator[tuple[PathKey, dict[str, Any]]]:
    if isinstance(value, dict):
        yield path, value
        for key, inner in value.items():
            yield from _groups(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _groups(inner, (*path, index))


def _unindented(
    data: Any, source_map: SourceMap, root: type[BaseModel]
) -> dict[PathKey, _Unindented]:
    """Each field that is unknown where YAML put it but belongs to the group just above it."""
    found: dict[PathKey, _Unindented] = {}
    for path, group in _groups(data):
        allowed = allowed_fields(path, root)
        owner: _Unindented | None = None
        for key, value in group.items():
            info = source_map.info((*path, key))
            if key in allowed:
                owner = _owner(path, key, value, source_map)
            elif (
                owner is not None
                and info is not None
                and info.key_column < owner.column
                and key in allowed_fields(owner.owner, root)
            ):
                owner.fields.append((*path, key))
                found[(*path, key)] = owner
            else:
                owner = None
    return found


def _owner(path: PathKey, key: str, value: Any, source_map: SourceMap) -> _Unindented | None:
    """The group that fields written below ``key`` at its own margin would belong to."""
    info = source_map.info((*path, key))
    if info is None:
        return None
    label = f"under '{key}:'"
    if value is None and info.kind == "null" and not info.quoted:
        return _Unindented((*path, key), label, info.key_column + 2, empty=True)
    inner: PathKey = (*path, key)
    if isinstance(value, list) and value and isinstance(value[-1], dict):
        inner, value = (*inner, len(value) - 1), value[-1]
        label = f"under the last entry of '{key}:'"
    if not isinstance(value, dict) or not value:
        return None
    first = source_map.info((*inner, next(iter(value))))
    return _Unindented(inner, label, first.key_column, empty=False) if first else None


def _explained_by(unindented: dict[PathKey, _Unindented], kind: str, path: PathKey) -> bool:
    """Whether an error is one of those that unindented fields cause: the field unknown where
    it was read, its group empty or without it."""
    if kind == "extra_forbidden":
        return path in unindented
    for group in unindented.values():
        names = {moved[-1] for moved in group.fields}
        if path == group.owner and (group.empty or kind == "union_tag_not_found"):
            return "status" in names or group.empty
        if kind == "missing" and path[:-1] == group.owner and path[-1] in names:
            return True
    return False


def _not_indented(group: _Unindented, source_map: SourceMap) -> Diagnostic:
    first, *others = group.fields
    info = source_map.info(first)
    have = info.key_column if info is not None else 1
    name = str(first[-1])
    belong = "that entry" if isinstance(group.owner[-1], int) else str(group.owner[-1])
    hint = INDENT_HINT
    if others:
        lines = [
            f"'{moved[-1]}' (line {source_map.locate(moved, at_key=True).line})" for moved in others
        ]
        hint = f"indent {', '.join(lines)} the same way; {INDENT_HINT}"
    return Diagnostic(
        source_map.locate(first, at_key=True),
        Severity.ERROR,
        "yaml.indentation",
        f"'{name}' is not indented {group.label}; to belong to {belong} it must start at "
        f"column {group.column} (indent it by {spaces(group.column - have)})",
        field_path=format_path((*group.owner, name)),
        hint=hint,
    )


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
        return _type_error(detail, path, source_map, make, root)
    if kind == "string_too_short":
        return make("schema.empty", f"'{field}' is empty", "write the text, or remove the field")
    if kind in ("string_too_long", "too_long"):
        limit = detail.get("ctx", {}).get("max_length", "")
        what = "characters" if kind == "string_too_long" else "entries"
        return make(
            "schema.invalid", f"'{field}' is too long: at most {limit} {what}", "shorten it"
        )
    if kind == "string_pattern_mismatch":
        return _pattern_error(path, detail["input"], make)
    if kind == "value_error":
        message = str(detail.get("ctx", {}).get("error", detail["msg"]))
        if "http:// or https://" in message:
            return make(
                "schema.invalid_url", f"'{field}' {message}", "write the full https:// address"
            )
        return make("schema.invalid_value", f"'{field}' {message}")  # the message says the fix
    return make(
        "schema.invalid",
        f"'{field}': {plain_words(detail['msg'])}",
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
    detail: ErrorDetails,
    path: PathKey,
    source_map: SourceMap,
    make: Maker,
    root: type[BaseModel],
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
        found = _colon_in_text(path, given, source_map, make)
        if found is not None:
            return found
    got = _KIND_WORDS.get(info.kind, "a value") if info is not None else "another kind of value"
    hint = _TYPE_HINTS[expected]
    if expected == GROUP:
        hint = _group_hint(path, allowed_fields(path, root)) or hint
    return make("schema.type", f"'{field}' must be {expected}, not {got}", hint)


def _colon_in_text(
    path: PathKey, given: dict[str, Any], source_map: SourceMap, make: Maker
) -> Diagnostic | None:
    """'- Note: avoid …' where text is expected: the ': ' made YAML read a field name and
    its value. The same words as a syntax error for 'summary: Caution: renal impairment'."""
    ((key, _),) = given.items()
    node, value = source_map.info(path), source_map.info((*path, key))
    if node is None or value is None or value.raw is None or not path:
        return None
    text = quoted(f"{key}: {value.raw}" if value.raw else f"{key}:")
    if node.flow:
        fix = f"put it in quotes: {text}"
    elif isinstance(path[-1], int):
        fix = f"write the line as: - {text}"
    else:
        fix = f"write it on one line as: {path[-1]}: {text}"
    message = (
        f"text that contains ': ' must be in quotes: YAML read '{key}:' as the name of a field"
    )
    return make("yaml.unquoted_value", message, fix)


def _group_hint(path: PathKey, fields: list[str]) -> str:
    if not fields or not path:
        return ""
    if isinstance(path[-1], int):
        first, *others = fields
        rest = f", with {', '.join(others)} on the lines below, lined up with '{first}'"
        return f"write the entry as '- {first}: …'" + (rest if others else "")
    return f"write its fields on the lines below it, indented by two spaces: {', '.join(fields)}"


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
            f"'{given}' is not a monograph's file name: related drugs are named by their file "
            "name, in lowercase letters, digits and hyphens",
            f"did you mean '{slug}'? Write the monograph's file name, without .yaml"
            if slug
            else "write the file name without .yaml, e.g. 'co-amoxiclav'",
        )
    if path and path[-1] == "id":
        return make(
            "schema.invalid",
            "an id is lowercase letters and digits, joined by '-', '_' or '.'",
            "write it like 'asmith' or 'a.smith'",
        )
    return make(
        "schema.invalid",
        f"'{_field_name(path)}' is not written in the expected form",
        "see docs/content-format.md for what this field accepts",
    )
