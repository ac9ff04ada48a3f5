"""How the lines of a YAML file are laid out: what a line must line up with, and at what column.

Stage: content/ (docs/architecture.md). No I/O; ``yaml_syntax`` and ``schema_errors`` use it.

YAML reads what belongs to what from indentation alone, and PyYAML's errors about it speak of
"block mappings" and "expected <block end>". This module reads the lines above a misplaced line
(without parsing their values) to name the line it should line up with, the group it would then
belong to and the column it must start at.
"""

from __future__ import annotations

import re
from typing import NamedTuple

# The ':' that ends a field name: followed by a space, a tab or the end of the line.
_KEY_COLON = re.compile(r":(?=[ \t]|$)")
COMMENT = re.compile(r"[ \t]#")
_OPENING = re.compile(r"( *)((?:-(?: +|$))*)")
# Field names of the format are lowercase words joined by '_'; 'Note' or 'Caution' is text.
FIELD_NAME = re.compile(r"[a-z][a-z0-9_]*")
_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
INDENT_HINT = (
    "YAML reads what belongs to what from the indentation: the fields of one group start in "
    "the same column, further in than the name of the group"
)


class Explained(NamedTuple):
    """A syntax error as an editor should read it."""

    line: int
    column: int
    code: str
    message: str
    hint: str


class Line(NamedTuple):
    """One line of the file, read as YAML would lay it out (without parsing the values)."""

    number: int  # 1-based
    indent: int  # spaces before the first '- ' or character
    dashes: int  # how many '- ' list markers open it
    body: int  # index of what follows them
    key: str | None  # the field name when the line is 'name: …'
    colon: int  # index of the ':' after the field name, -1 without one
    text: str

    @property
    def column(self) -> int:
        """1-based column of the line's first character."""
        return self.indent + 1

    @property
    def key_column(self) -> int:
        return self.body + 1

    @property
    def value(self) -> str:
        return self.text[self.colon + 1 :].strip() if self.colon >= 0 else ""

    @property
    def name(self) -> str:
        """The line as its field name or its first words, to quote in a message."""
        return self.key if self.key is not None else shorten(self.text[self.body :].strip())


def spaces(count: int) -> str:
    word = _NUMBER_WORDS[count] if count < len(_NUMBER_WORDS) else str(count)
    return f"{word} space" + ("" if count == 1 else "s")


def shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def read_line(number: int, lines: list[str]) -> Line | None:
    """Line ``number`` (1-based), or None when it is blank, a comment or not in the file."""
    if not 0 < number <= len(lines):
        return None
    text = lines[number - 1]
    opening = _OPENING.match(text)
    assert opening is not None  # the pattern matches the empty string
    body = opening.end()
    rest = text[body:]
    dashes = opening.group(2).count("-")
    if not dashes and (not rest.strip() or rest.lstrip().startswith("#")):
        return None
    colon = -1
    found = _KEY_COLON.search(rest)
    if rest[:1] not in "\"'[]{}#&*!|>%@`" and found and not COMMENT.search(rest, 0, found.start()):
        colon = body + found.start()
    key = text[body:colon].strip() if colon >= 0 else None
    return Line(number, len(opening.group(1)), dashes, body, key, colon, text)


def previous_line(lines: list[str], number: int) -> Line | None:
    """The nearest line above ``number`` that is not blank or a comment."""
    for above in range(number - 1, 0, -1):
        found = read_line(above, lines)
        if found is not None:
            return found
    return None


def start_of(lines: list[str], line: Line) -> Line | None:
    """The nearest line above ``line`` that is indented less: where its text began."""
    for above in range(line.number - 1, 0, -1):
        found = read_line(above, lines)
        if found is not None and found.indent < line.indent:
            return found
    return None


def _ladder(lines: list[str], number: int) -> list[Line]:
    """The lines above ``number`` it could line up with, nearest first: each line that is
    'name: …' or '- …' and indented less than every such line below it."""
    found: list[Line] = []
    for above in range(number - 1, 0, -1):
        line = read_line(above, lines)
        if line is None or (line.key is None and not line.dashes):
            continue
        if not found or line.indent < found[-1].indent:
            found.append(line)
            if line.indent == 0:
                break
    return found


def _fix(have: int, want: int) -> str:
    if want > have:
        return f"add {spaces(want - have)} before it"
    return f"remove {spaces(have - want)} before it"


# --- Explanations -----------------------------------------------------------------------------


def _group(ladder: list[Line], ref: Line, want: int) -> str:
    """What a line at column ``want`` beside ``ref`` belongs to, as the end of 'to belong …'."""
    for line in ladder[ladder.index(ref) :]:
        if line.dashes and line.key_column == want:
            return "to belong to the same list entry"
        if line.key is not None and line.key_column < want:
            return f"to belong under '{line.key}:'"
        if line.dashes and line.column < want:
            return "to belong to the same list entry"
    return ""


def _aligned(name: str, ref: Line, group: str, have: int, want: int, *, further: bool) -> str:
    placed = "is indented further than" if further else "is not lined up with"
    need = f"{group} it must start" if group else "a top-level field must start"
    return (
        f"'{name}' {placed} '{ref.name}' above it: {need} at column {want}, "
        f"as '{ref.name}' does ({_fix(have, want)})"
    )


def indented_too_far(lines: list[str], here: Line, start: Line) -> Explained:
    """'   date: …' under '  status: draft': YAML read it as more of the text 'draft'."""
    assert here.key is not None
    want = start.key_column
    ladder = [start, *_ladder(lines, start.number)]
    message = _aligned(
        here.key, start, _group(ladder, start, want), here.column, want, further=True
    )
    return Explained(here.number, here.column, "yaml.indentation", message, INDENT_HINT)


def misaligned(lines: list[str], number: int, column: int) -> Explained | None:
    """A line that starts between the columns of the lines above (PyYAML: 'did not find
    expected key', 'expected <block end>'): it must line up with one of them."""
    here = read_line(number, lines)
    if here is None or column != here.column:
        return None
    ladder = _ladder(lines, number)
    if here.dashes:
        columns = {line.column for line in ladder if line.dashes}
    elif here.key is not None:
        columns = {line.key_column for line in ladder if line.key is not None}
    else:
        return text_indented_less(lines, here)
    want = _nearest(columns, here.column)
    if want is None:
        return _list_among_fields(here, ladder) if here.dashes else None
    if here.dashes:
        ref = next(line for line in ladder if line.dashes and line.column == want)
        owner = next((line.key for line in ladder if line.key and line.column < want), None)
        which = f"the list under '{owner}:'" if owner else "this list"
        message = (
            f"this list entry is not lined up with the one on line {ref.number}: the entries "
            f"of {which} start with '- ' at column {want} ({_fix(here.column, want)})"
        )
        hint = "the entries of one list start with '- ' in the same column"
        return Explained(number, column, "yaml.indentation", message, hint)
    assert here.key is not None
    ref = next(line for line in ladder if line.key is not None and line.key_column == want)
    group = _group(ladder, ref, want)
    message = _aligned(here.key, ref, group, here.column, want, further=False)
    return Explained(number, column, "yaml.indentation", message, INDENT_HINT)


def text_indented_less(lines: list[str], here: Line) -> Explained | None:
    """A line of text indented less than the text it continues (the lines of a '>-' text)."""
    above = previous_line(lines, here.number)
    if above is None or above.key is not None or above.dashes or above.indent <= here.indent:
        return None
    want = above.column
    message = (
        f"this line of text starts at column {here.column}, left of the text above it: to "
        f"continue that text it must start at column {want} ({_fix(here.column, want)})"
    )
    hint = "the lines of one text start in the same column"
    return Explained(here.number, here.column, "yaml.indentation", message, hint)


def _nearest(columns: set[int], have: int) -> int | None:
    """The column a line at ``have`` was meant to start at: the next one in (a step that fell
    short), else the nearest one out; None when it already is at one."""
    if have in columns or not columns:
        return None
    further = [column for column in columns if column > have]
    return min(further) if further else max(columns)


def _list_among_fields(here: Line, ladder: list[Line]) -> Explained | None:
    field = next((line for line in ladder if line.key is not None), None)
    if field is None:
        return None
    return Explained(
        here.number,
        here.column,
        "yaml.syntax",
        f"a list entry ('- ') stands among fields such as '{field.key}', so it belongs to none",
        "put the list on the lines below the field it belongs to, indented, or remove the '- '",
    )


def first_line_indented(lines: list[str]) -> Explained | None:
    first = None
    for number in range(1, len(lines) + 1):
        first = read_line(number, lines)
        if first is not None:
            break
    if first is None or first.indent == 0:
        return None
    return Explained(
        first.number,
        first.column,
        "yaml.indentation",
        f"'{first.name}' is indented, but the fields of a file start at column 1, at the left "
        f"margin ({_fix(first.column, 1)})",
        INDENT_HINT,
    )
