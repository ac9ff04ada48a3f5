"""Located problems as data: the error channel of every stage.

Stage: top level (docs/architecture.md).

Every content problem is a ``Diagnostic`` with a file, line and column, a stable dotted
code (``yaml.duplicate_key``, ``schema.missing_field``, ``xref.unknown_target`` ...), a
plain-English message and, where one helps, a hint. Stages collect them and the pipeline
decides once, at the end, whether the run failed (as MkDocs' config validation and Hugo's
error collector do). Exceptions are for bugs, never for bad content.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from json.encoder import encode_basestring_ascii as _json_string  # json.dumps' own, in C


class Severity(StrEnum):
    """How much a problem matters: errors fail a build, warnings fail it under --strict."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True, order=True)
class Location:
    """A place in a source file; line and column are 1-based (0 means "the whole file")."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.path
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Diagnostic:
    """One located problem in the content."""

    location: Location
    severity: Severity
    code: str
    message: str
    field_path: str = field(default="", kw_only=True)
    hint: str = field(default="", kw_only=True)

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.path, loc.line, loc.column, self.code, self.message)

    def format_text(self) -> str:
        """Render as ``path:line:col: error: message (field) hint``, one line, clickable."""
        hint = f" ({self.hint})" if self.hint else ""
        where = f" at {self.field_path}" if self.field_path else ""
        return f"{self.location}: {self.severity}: {self.message}{hint} [{self.code}{where}]"

    def format_github(self) -> str:
        """Render as a GitHub Actions workflow command, so CI annotates the changed line."""
        level = {"error": "error", "warning": "warning", "note": "notice"}[self.severity]
        parts = [f"file={_gh_escape_property(self.location.path)}"]
        if self.location.line > 0:
            parts.append(f"line={self.location.line}")
            parts.append(f"col={self.location.column}")
        parts.append(f"title={_gh_escape_property(self.code)}")
        text = self.message + (f" [{self.field_path}]" if self.field_path else "")
        if self.hint:
            text += f" — {self.hint}"
        return f"::{level} {','.join(parts)}::{_gh_escape_data(text)}"

    def as_json(self) -> dict[str, str | int]:
        return {
            "file": self.location.path,
            "line": self.location.line,
            "column": self.location.column,
            "path": self.field_path,
            "code": self.code,
            "severity": str(self.severity),
            "message": self.message + (f" — {self.hint}" if self.hint else ""),
        }

    def json_line(self) -> str:
        """``json.dumps(self.as_json(), sort_keys=True)``, spelt out: a third of its cost
        for the 10,000 lines of a large site's build-report.json (a test holds them equal)."""
        loc = self.location
        message = self.message + (f" — {self.hint}" if self.hint else "")
        return (
            f'{{"code": {_json_string(self.code)}, "column": {loc.column}, '
            f'"file": {_json_string(loc.path)}, "line": {loc.line}, '
            f'"message": {_json_string(message)}, "path": {_json_string(self.field_path)}, '
            f'"severity": {_json_string(str(self.severity))}}}'
        )


def _gh_escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_escape_property(text: str) -> str:
    return _gh_escape_data(text).replace(":", "%3A").replace(",", "%2C")


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Sort by file, line and column, dropping exact duplicates."""
    return sorted(set(diagnostics), key=lambda d: d.sort_key)


def count(diagnostics: Iterable[Diagnostic], severity: Severity) -> int:
    return sum(1 for d in diagnostics if d.severity is severity)


def has_failures(diagnostics: Sequence[Diagnostic], *, strict: bool) -> bool:
    """Errors always fail; warnings fail too under --strict; notes never do."""
    failing = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    return any(d.severity in failing for d in diagnostics)


def format_report(diagnostics: Sequence[Diagnostic], fmt: str) -> str:
    """Render all diagnostics in one of the CLI formats: text, json or github."""
    ordered = sort_diagnostics(diagnostics)
    if fmt == "json":
        return json.dumps([d.as_json() for d in ordered], indent=2, ensure_ascii=False)
    if fmt == "github":
        return "\n".join(d.format_github() for d in ordered)
    return "\n".join(d.format_text() for d in ordered)


def format_build_text(diagnostics: Sequence[Diagnostic], listed_in: str | None) -> str:
    """``build``'s text output: every error and warning, and the notes counted by code.

    A formulary in progress has a draft note per monograph (thousands on a large site):
    one line per kind keeps the problems readable in a CI log. ``diagnostics`` are sorted
    (a build report's are); every note is shown by ``check --notes`` and, after a build that
    published, listed in ``listed_in`` (its build-report.json).
    """
    where = f"listed in {listed_in} and shown" if listed_in else "shown"
    return format_counting_notes(diagnostics, f"{where} by `clincalc-site check --notes`")


def format_counting_notes(diagnostics: Sequence[Diagnostic], where: str) -> str:
    """Every error and warning as text, then one line per kind of note, saying ``where``
    the notes themselves are (a kind with one note shows it: counting it saves nothing)."""
    lines = [d.format_text() for d in diagnostics if d.severity is not Severity.NOTE]
    notes = Counter(d.code for d in diagnostics if d.severity is Severity.NOTE)
    for code, number in sorted(notes.items()):
        if number == 1:
            [note] = [d for d in diagnostics if d.code == code and d.severity is Severity.NOTE]
            lines.append(note.format_text())
        else:
            lines.append(f"{number} notes [{code}]: {where}")
    return "\n".join(lines)


def summary_line(diagnostics: Sequence[Diagnostic], files: int) -> str:
    errors = count(diagnostics, Severity.ERROR)
    warnings = count(diagnostics, Severity.WARNING)
    notes = count(diagnostics, Severity.NOTE)
    return (
        f"checked {files} monograph{'s' if files != 1 else ''}: "
        f"{errors} error{'s' if errors != 1 else ''}, "
        f"{warnings} warning{'s' if warnings != 1 else ''}, "
        f"{notes} note{'s' if notes != 1 else ''}"
    )
