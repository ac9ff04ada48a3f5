"""Parse one YAML text into plain data plus a source map of where every value came from.

Stage: content/ (docs/architecture.md).

We build the data ourselves from the YAML *event* stream (libyaml's C parser where present)
instead of using ``yaml.safe_load``, because safe_load silently keeps the last of two
duplicate keys, expands alias bombs, recurses until the interpreter's stack runs out on deep
nesting and forgets every position. Walking events lets us refuse duplicates, anchors,
aliases, custom tags and deep nesting with a located diagnostic, and remember the line and
column of every key and value so that later stages can point at them.

Scalars keep YAML 1.1's meaning (``yes`` is a bool, ``0123`` an octal int) but we also keep
the source text and whether it was quoted, so a schema error on a mangled value can tell the
editor "this was read as the number 83: quote it". A syntax error is put in an editor's words
by ``yaml_syntax``; so is the one warning parsing gives, text cut short by ' #'.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from clincalc_site.content.yaml_syntax import comment_cut, comment_lines, explain
from clincalc_site.diagnostics import Diagnostic, Location, Severity

MAX_DEPTH = 32
# Bounds on one file, so that a hostile file costs little time and memory in every later stage
# (pydantic, Markdown, the diagnostics printed): a monograph has a few hundred values, its
# longest section a few thousand characters, and no key, number or date is long.
MAX_VALUES = 10_000
MAX_TEXT = 20_000
MAX_WORD = 100
_STR_TAG = "tag:yaml.org,2002:str"
_KIND_BY_TAG = {
    _STR_TAG: "string",
    "tag:yaml.org,2002:null": "null",
    "tag:yaml.org,2002:bool": "boolean",
    "tag:yaml.org,2002:int": "number",
    "tag:yaml.org,2002:float": "number",
    "tag:yaml.org,2002:timestamp": "date",
}
# Fast C parser when PyYAML was built with libyaml; the pure-Python one otherwise.
_PARSER_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

PathKey = tuple[str | int, ...]


def format_path(path: PathKey) -> str:
    """Write a value's path as an editor reads it: ``dosing.regimens[0].dose``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


class NodeInfo(NamedTuple):
    """Where one value sits in the file, and how it was written.

    A tuple, not a frozen dataclass: one is made for every value of every file, and a
    frozen dataclass's ``__init__`` costs four times as much.
    """

    line: int
    column: int
    key_line: int = 0
    key_column: int = 0
    raw: str | None = None
    quoted: bool = False
    kind: str = "string"
    flow: bool = False  # a collection written in brackets: [a, b] or {a: b}


@dataclass
class SourceMap:
    """Maps a value's path (``("dosing", "regimens", 0, "dose")``) to its position."""

    path: str
    nodes: dict[PathKey, NodeInfo] = field(default_factory=dict)

    def info(self, key: PathKey) -> NodeInfo | None:
        return self.nodes.get(key)

    def locate(self, key: PathKey, *, at_key: bool = False) -> Location:
        """Return the position of ``key``, or of its nearest ancestor that exists."""
        for end in range(len(key), -1, -1):
            found = self.nodes.get(key[:end])
            if found is None:
                continue
            if at_key and found.key_line:
                return Location(self.path, found.key_line, found.key_column)
            if end < len(key) and found.key_line:
                # A missing child is reported at the key of the mapping that lacks it.
                return Location(self.path, found.key_line, found.key_column)
            return Location(self.path, found.line, found.column)
        return Location(self.path, 1, 1)


@dataclass
class ParsedYaml:
    data: Any
    source_map: SourceMap
    diagnostics: list[Diagnostic]  # errors: the data could not be read
    warnings: list[Diagnostic] = field(default_factory=list)  # read, but maybe not as meant


class YamlAbort(Exception):
    """Raised inside the event walk to stop at the first structural problem."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


@dataclass
class _Frame:
    path: PathKey
    container: dict[str, Any] | list[Any]
    pending_key: str | None = None
    key_marks: dict[str, tuple[int, int]] = field(default_factory=dict)


def _mark(event: Any) -> tuple[int, int]:
    return event.start_mark.line + 1, event.start_mark.column + 1


class _Builder:
    """Turns the event stream of one document into plain data and a SourceMap."""

    def __init__(self, path: str, comment_lines: dict[int, str] | None = None) -> None:
        self.path = path
        self.comment_lines = comment_lines or {}
        self.warnings: list[Diagnostic] = []
        self.source_map = SourceMap(path)
        self.stack: list[_Frame] = []
        self.root: Any = None
        self.documents = self.values = 0
        self.max_values = MAX_VALUES  # parse_yaml sets another for a file that needs one
        self.resolver = Resolver()
        self.constructor = SafeConstructor()

    def error(
        self, event: Any, code: str, message: str, hint: str, path: PathKey | None = None
    ) -> YamlAbort:
        line, col = _mark(event)
        where = format_path(self.current_path() if path is None else path)
        return YamlAbort(
            Diagnostic(
                Location(self.path, line, col),
                Severity.ERROR,
                code,
                message,
                field_path=where,
                hint=hint,
            )
        )

    def current_path(self) -> PathKey:
        """Path of the value the parser is at (the enclosing collection for a key)."""
        if not self.stack:
            return ()
        top = self.stack[-1]
        if isinstance(top.container, list):
            return (*top.path, len(top.container))
        if top.pending_key is not None:
            return (*top.path, top.pending_key)
        return top.path

    def feed_from(self, loader: Any) -> None:
        """Handle every event of a PyYAML loader; no generator between (``yaml.parse``'s
        costs about as much as this handler: a build parses every value of every file)."""
        get_event, handle = loader.get_event, self.handle
        while (event := get_event()) is not None:
            handle(event)

    def handle(self, event: Any) -> None:
        # By exact type (an isinstance chain costs more than the handling): PyYAML's events
        # have no subclasses. Stream and document ends need nothing.
        kind = type(event)
        if kind is yaml.ScalarEvent:
            if event.anchor is not None:
                raise self._anchor_error(event)
            self.count_value(event)
            self.scalar(event)
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            if event.anchor is not None:
                raise self._anchor_error(event)
            self.count_value(event)
            self.start_collection(event)
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            self.end_collection()
        elif kind is yaml.DocumentStartEvent:
            self.documents += 1
            if self.documents > 1:
                raise self.error(
                    event,
                    "yaml.multiple_documents",
                    "a monograph file holds exactly one YAML document",
                    "remove the second '---' and everything after it, or split the file",
                )
        elif kind is yaml.AliasEvent:
            raise self.error(
                event,
                "yaml.alias",
                f"YAML aliases ('*{event.anchor}') are not allowed in monographs",
                "write the value out in full",
            )

    def _anchor_error(self, event: Any) -> YamlAbort:
        return self.error(
            event,
            "yaml.anchor",
            f"YAML anchors ('&{event.anchor}') are not allowed in monographs",
            "remove the anchor and write every value out in full",
        )

    def count_value(self, event: Any) -> None:
        self.values += 1
        if self.values > self.max_values:
            raise self.error(
                event,
                "yaml.too_many_values",
                f"the file holds more than {self.max_values:,} values",
                "a monograph has a few hundred; check that the right file was saved",
            )

    def check_tag(self, event: Any) -> None:
        tag = event.tag
        if tag is None or tag == "!" or tag in _KIND_BY_TAG:
            return
        if tag in ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"):
            return
        raise self.error(
            event,
            "yaml.tag",
            f"YAML tag '{tag}' is not allowed",
            "remove the tag; write plain values",
        )

    def child_path(self, event: Any) -> tuple[PathKey, int, int]:
        """Path of the value this event starts, and the position of its key (if any)."""
        if not self.stack:
            return (), 0, 0
        top = self.stack[-1]
        if isinstance(top.container, list):
            return (*top.path, len(top.container)), 0, 0
        key = top.pending_key
        assert key is not None
        key_line, key_col = top.key_marks[key]
        return (*top.path, key), key_line, key_col

    def start_collection(self, event: Any) -> None:
        self.check_tag(event)
        top = self.stack[-1] if self.stack else None
        if top is not None and isinstance(top.container, dict) and top.pending_key is None:
            raise self.error(
                event,
                "yaml.complex_key",
                "a field name must be a plain word, not a list or a group of fields",
                "write a field name such as 'name:' before the value",
            )
        if len(self.stack) >= MAX_DEPTH:
            raise self.error(
                event,
                "yaml.too_deep",
                f"the YAML nests more than {MAX_DEPTH} levels deep",
                "monographs need only a few levels; check the indentation",
            )
        path, key_line, key_col = self.child_path(event)
        line, col = _mark(event)
        kind = "mapping" if isinstance(event, yaml.MappingStartEvent) else "list"
        flow = bool(event.flow_style)
        self.source_map.nodes[path] = NodeInfo(line, col, key_line, key_col, kind=kind, flow=flow)
        container: dict[str, Any] | list[Any] = (
            {} if isinstance(event, yaml.MappingStartEvent) else []
        )
        self.stack.append(_Frame(path, container))

    def end_collection(self) -> None:
        frame = self.stack.pop()
        self.attach(frame.container)

    def attach(self, value: Any) -> None:
        if not self.stack:
            self.root = value
            return
        top = self.stack[-1]
        if isinstance(top.container, list):
            top.container.append(value)
        else:
            assert top.pending_key is not None
            top.container[top.pending_key] = value
            top.pending_key = None

    def scalar(self, event: Any) -> None:
        self.check_tag(event)
        if len(event.value) > MAX_TEXT:
            raise self.error(
                event,
                "yaml.too_long",
                f"this value is {len(event.value):,} characters long; the limit is {MAX_TEXT:,}",
                "shorten it; a long section is a few thousand characters",
            )
        top = self.stack[-1] if self.stack else None
        if top is not None and isinstance(top.container, dict) and top.pending_key is None:
            self.mapping_key(top, event)
            return
        path, key_line, key_col = self.child_path(event)
        line, col = _mark(event)
        value, kind = self.convert(event)
        quoted = not event.implicit[0]
        self.source_map.nodes[path] = NodeInfo(
            line, col, key_line, key_col, raw=event.value, quoted=quoted, kind=kind
        )
        if self.comment_lines and not quoted and event.value:
            self.warnings += _comment_warnings(event, self.comment_lines, self.path, path)
        self.attach(value)

    def mapping_key(self, frame: _Frame, event: Any) -> None:
        # Keys are taken as written: `on:` stays the word "on", never the boolean True.
        key = event.value
        line, col = _mark(event)
        assert isinstance(frame.container, dict)
        if len(key) > MAX_WORD:
            raise self.error(
                event,
                "yaml.too_long",
                f"a key of {len(key):,} characters; field names are short words",
                "check for a missing newline or a stray ':' in the text before",
            )
        if key in frame.container or key in frame.key_marks:
            first_line = frame.key_marks[key][0]
            raise self.error(
                event,
                "yaml.duplicate_key",
                f"duplicate key '{key}' (first defined on line {first_line})",
                "YAML keeps only the last one silently; merge the two into one entry",
                (*frame.path, key),
            )
        frame.key_marks[key] = (line, col)
        frame.pending_key = key

    def convert(self, event: Any) -> tuple[Any, str]:
        if event.tag not in (None, "!"):
            tag = event.tag
        else:
            tag = self.resolver.resolve(  # type: ignore[no-untyped-call]
                ScalarNode, event.value, event.implicit
            )
        kind = _KIND_BY_TAG.get(tag, "string")
        if kind == "string":
            return event.value, kind
        if len(event.value) > MAX_WORD:
            # Building a 100,000-digit number takes seconds and it cannot even be printed.
            raise self.error(
                event,
                "yaml.bad_scalar",
                f"a {kind} of {len(event.value):,} characters",
                "if it is meant as text, put it in quotes",
            )
        node = ScalarNode(tag, event.value, event.start_mark, event.end_mark)
        try:
            value = self.constructor.construct_object(node, deep=True)
        except (ConstructorError, ValueError, OverflowError) as exc:
            message = f"cannot read value {event.value!r}: {exc}"
            hint = "correct the value; if it is meant as text, put it in quotes"
            raise self.error(event, "yaml.bad_scalar", message, hint) from None
        if isinstance(value, dt.datetime):
            # A review date is a calendar date; a time of day would be silently dropped.
            raise self.error(
                event,
                "yaml.datetime",
                f"'{event.value}' has a time of day; dates are written YYYY-MM-DD",
                f"write the date only: {value.date().isoformat()}",
            )
        return value, kind


def _comment_warnings(
    event: Any, lines: dict[int, str], shown: str, path: PathKey
) -> list[Diagnostic]:
    """The warning when ' #' cut this plain text short (see ``yaml_syntax.comment_cut``)."""
    start, end = event.start_mark, event.end_mark
    text = lines.get(end.line)
    found = comment_cut(text, start.column, end.column, start.line == end.line) if text else None
    if found is None:
        return []
    where = Location(shown, end.line + 1, found.column)
    return [
        Diagnostic(
            where,
            Severity.WARNING,
            found.code,
            found.message,
            field_path=format_path(path),
            hint=found.hint,
        )
    ]


def parse_yaml(text: str, path: str, max_values: int = MAX_VALUES) -> ParsedYaml:
    """Parse one document into (data, source map, diagnostics); never raises for bad input.
    ``max_values``: how many values the file may hold (a monograph's limit by default)."""
    builder = _Builder(path, comment_lines(text))
    builder.max_values = max_values
    try:
        loader = _PARSER_LOADER(text)  # the pure-Python reader checks the text here
        try:
            builder.feed_from(loader)
        finally:
            loader.dispose()
    except YamlAbort as abort:
        return ParsedYaml(None, builder.source_map, [abort.diagnostic])
    except yaml.MarkedYAMLError as exc:
        return ParsedYaml(None, builder.source_map, [_syntax_diagnostic(exc, path, text)])
    except yaml.YAMLError as exc:
        # ReaderError (control characters) carries a position but no mark.
        line, col = _reader_position(exc, text)
        diagnostic = Diagnostic(
            Location(path, line, col),
            Severity.ERROR,
            "yaml.syntax",
            _control_character(exc, text, position=(line, col)),
            hint="remove control characters; a monograph is plain UTF-8 text",
        )
        return ParsedYaml(None, builder.source_map, [diagnostic])
    return ParsedYaml(builder.root, builder.source_map, [], builder.warnings)


def _control_character(exc: yaml.YAMLError, text: str, position: tuple[int, int]) -> str:
    character = getattr(exc, "character", None)
    if isinstance(character, int):
        return f"an invisible control character (U+{character:04X}) is in the text here"
    line, column = position
    lines = text.split("\n")
    found = lines[line - 1][column - 1 : column] if 0 < line <= len(lines) else ""
    if found:
        return f"an invisible control character (U+{ord(found):04X}) is in the text here"
    return "an invisible control character is in the text here"


def _syntax_diagnostic(exc: yaml.MarkedYAMLError, path: str, text: str) -> Diagnostic:
    def position(mark: Any) -> tuple[int, int] | None:
        return (mark.line + 1, mark.column + 1) if mark is not None else None

    at = position(exc.problem_mark) or position(exc.context_mark) or (1, 1)
    found = explain(exc.problem or "", exc.context or "", at, position(exc.context_mark), text)
    return Diagnostic(
        Location(path, found.line, found.column),
        Severity.ERROR,
        found.code,
        found.message,
        hint=found.hint,
    )


def _reader_position(exc: yaml.YAMLError, text: str) -> tuple[int, int]:
    position = getattr(exc, "position", None)
    if not isinstance(position, int):
        return 1, 1
    before = text[:position]
    line = before.count("\n") + 1
    column = position - (before.rfind("\n") + 1) + 1
    return line, column
