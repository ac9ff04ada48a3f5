"""Read ``team.yaml`` and ``sources.yaml``, the registries that verified doses refer to.

Stage: content/ (docs/architecture.md): an input edge, like ``loader``.

Both files sit beside ``site.yaml`` (the folder above ``monographs/``) and are optional until a
monograph's verified dose names a person or a document: a missing file is an empty registry,
and the dose that needs it is then reported where it names the missing id. Problems in the
files themselves are located like a monograph's and fail the build.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from clincalc_site.content.loader import display_path
from clincalc_site.content.models import (
    SOURCES_FILE,
    TEAM_FILE,
    Person,
    Registry,
    SourceDocument,
    Team,
)
from clincalc_site.content.placeholders import placeholder_in
from clincalc_site.content.schema_errors import diagnostics_from_error
from clincalc_site.content.yaml_source import PathKey, SourceMap, format_path, parse_yaml
from clincalc_site.diagnostics import Diagnostic, Location, Severity

_ID_HINT = "use lowercase letters, digits and '-', e.g. imnovid-smpc"
# A formulary's sources.yaml lists a document for every product it cites (about nine values
# each): room for tens of thousands, where a monograph's limit (10,000) allowed about 1,100.
REGISTRY_MAX_VALUES = 500_000


def load_registry(folder: Path) -> tuple[Registry, list[Diagnostic]]:
    """Read ``folder/team.yaml`` and ``folder/sources.yaml``; missing files are empty."""
    people, team_problems = _load_team(folder / TEAM_FILE)
    sources, source_problems = _load_sources(folder / SOURCES_FILE)
    registry = Registry(people, sources)
    return registry, [*team_problems, *source_problems]


def registry_from_texts(folder: Path, team: str | None, sources: str | None) -> Registry | None:
    """The registry as an earlier commit held it (``None`` for a file: it was not there),
    for the history and archive pages; None when the files had problems (a build of that
    commit failed, so nothing was ever published under it)."""
    people, team_problems = _load_team(folder / TEAM_FILE, team)
    documents, source_problems = _load_sources(folder / SOURCES_FILE, sources)
    if team_problems or source_problems:
        return None
    return Registry(people, documents)


def _read(path: Path, given: str | None = None) -> tuple[Any, SourceMap | None, list[Diagnostic]]:
    """Parsed data and source map of an optional file, or of its text ``given`` (as a commit
    held it); (None, None, []) when it is absent."""
    shown = display_path(path)
    if given is not None:
        return _parse(given, shown)
    if not path.is_file():
        return None, None, []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        problem = Diagnostic(
            Location(shown),
            Severity.ERROR,
            "registry.unreadable",
            f"cannot read {path.name}: {exc}",
            hint="save it as UTF-8 text",
        )
        return None, None, [problem]
    return _parse(text, shown)


def _parse(text: str, shown: str) -> tuple[Any, SourceMap | None, list[Diagnostic]]:
    parsed = parse_yaml(text, shown, REGISTRY_MAX_VALUES)
    if parsed.diagnostics:
        return None, None, parsed.diagnostics
    return parsed.data, parsed.source_map, []


def _not_a_mapping(source_map: SourceMap, what: str) -> Diagnostic:
    return Diagnostic(
        source_map.locate(()),
        Severity.ERROR,
        "schema.not_a_mapping",
        f"{what} must start with its fields at the left margin",
        hint="see docs/content-format.md, 'The dosing contract'",
    )


def _load_team(path: Path, text: str | None = None) -> tuple[dict[str, Person], list[Diagnostic]]:
    data, source_map, problems = _read(path, text)
    if source_map is None or data is None:
        return {}, problems
    if not isinstance(data, dict):
        return {}, [_not_a_mapping(source_map, "team.yaml")]
    try:
        team = Team.model_validate(data)
    except ValidationError as exc:
        return {}, diagnostics_from_error(exc, data, source_map, Team)
    people: dict[str, Person] = {}
    for index, person in enumerate(team.people):
        for name in ("id", "name", "role"):
            problems.extend(
                _placeholder(source_map, ("people", index, name), getattr(person, name))
            )
        if person.id in people:
            problems.append(
                Diagnostic(
                    source_map.locate(("people", index, "id")),
                    Severity.ERROR,
                    "registry.duplicate_id",
                    f"id '{person.id}' is already used by {people[person.id].name}",
                    field_path=f"people[{index}].id",
                    hint="give each person their own id",
                )
            )
        else:
            people[person.id] = person
    return (people if not problems else {}), problems


class _Sources(BaseModel):
    """sources.yaml read as ``documents: {id: SourceDocument}`` (only to locate errors)."""

    documents: dict[str, SourceDocument]


def _load_sources(
    path: Path, text: str | None = None
) -> tuple[dict[str, SourceDocument], list[Diagnostic]]:
    data, source_map, problems = _read(path, text)
    if source_map is None or data is None:
        return {}, problems
    if not isinstance(data, dict):
        return {}, [_not_a_mapping(source_map, "sources.yaml")]
    for key in data:
        if not re.fullmatch(r"[a-z0-9]+(?:[-_.][a-z0-9]+)*", str(key)):
            problems.append(
                Diagnostic(
                    source_map.locate((str(key),), at_key=True),
                    Severity.ERROR,
                    "registry.bad_id",
                    f"'{key}' cannot be a source id",
                    hint=_ID_HINT,
                )
            )
    # Validated under a 'documents' key so that pydantic's error paths fit the source map.
    shifted = SourceMap(
        source_map.path, {("documents", *key): info for key, info in source_map.nodes.items()}
    )
    try:
        documents = _Sources.model_validate({"documents": data}).documents
    except ValidationError as exc:
        found = diagnostics_from_error(exc, {"documents": data}, shifted, _Sources)
        problems.extend(_unshift(d) for d in found)
        return {}, problems
    for key, document in documents.items():
        problems.extend(_placeholder(source_map, (key,), key))
        for name in ("title", "url"):
            problems.extend(_placeholder(source_map, (key, name), getattr(document, name)))
    return (documents if not problems else {}), problems


def _placeholder(source_map: SourceMap, path: PathKey, value: str) -> list[Diagnostic]:
    marker = placeholder_in(value)
    if marker is None:
        return []
    return [
        Diagnostic(
            source_map.locate(path, at_key=len(path) == 1),
            Severity.ERROR,
            "registry.placeholder",
            f"'{marker}' is a placeholder, and doses citing this entry would name it on pages",
            field_path=format_path(path),
            hint="write the real value before any dose uses it",
        )
    ]


def _unshift(diagnostic: Diagnostic) -> Diagnostic:
    path = diagnostic.field_path.removeprefix("documents.")
    return dataclasses.replace(diagnostic, field_path=path)
