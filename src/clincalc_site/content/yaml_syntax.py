"""YAML's complaints in an editor's words: indentation, unquoted ': ' and ' #', quotes, brackets.

Stage: content/ (docs/architecture.md). No I/O; ``yaml_source`` calls it.

PyYAML and libyaml describe a syntax error from the parser's side ("mapping values are not
allowed here", "did not find expected key while parsing a block mapping"). Behind them are a
few mistakes an editor makes: text containing ': ' left unquoted, a line indented one step too
far or not far enough, a quote or a bracket left open. ``explain`` reads the lines around the
error to say which it is, where, and what to type instead: the column a line must start at,
or the line rewritten with its quotes. ``comment_cut`` finds text that a ' #' cut short.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from clincalc_site.content.yaml_layout import (
    COMMENT,
    FIELD_NAME,
    Explained,
    Line,
    first_line_indented,
    indented_too_far,
    misaligned,
    previous_line,
    read_line,
    shorten,
    start_of,
    text_indented_less,
)

_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")
# The parser's words for what it was reading, and ours.
_PLAIN_WORDS = [
    (re.compile(rf"\b{old}\b", re.IGNORECASE), new)
    for old, new in (
        ("block mapping", "group of fields"),
        ("flow mapping", "{…} group"),
        ("mappings?", "group of fields"),
        ("block sequence", "list"),
        ("flow sequence", "[…] list"),
        ("sequences?", "list"),
        ("block collection", "list or group of fields"),
        ("simple key", "field name"),
        ("plain scalar", "text"),
        ("quoted scalar", "quoted text"),
        ("scalars?", "value"),
        ("(?:block|flow) node", "value"),
        ("node content", "a value"),
        ("tokens?", "value"),
        ("dictionary", "group of fields"),
        ("strings?", "text"),
        ("dict", "group of fields"),
        ("str", "text"),
        ("NoneType", "empty"),
    )
]
_GENERAL_HINT = (
    "check the indentation and the quotes on this line and the one above; text that "
    "contains ': ' or ' #' must be in quotes"
)
_TAB_HINT = "YAML indentation uses spaces, never tabs"
_BLOCK_PROBLEMS = (
    "did not find expected key",
    "did not find expected '-' indicator",
    "expected <block end>",
)


def source_lines(text: str) -> list[str]:
    """The lines as YAML counts them (it also breaks lines at NEL, U+2028 and U+2029)."""
    return _BREAK.split(text)


def quoted(text: str) -> str:
    """``text`` as one double-quoted YAML value."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def plain_words(text: str) -> str:
    """A parser's message with its words for kinds of value replaced by an editor's."""
    for pattern, new in _PLAIN_WORDS:
        text = pattern.sub(new, text)
    return text


def rewritten(line: Line) -> str | None:
    """The line with its text in double quotes; None when that cannot be said simply."""
    if line.dashes and line.key is not None and not FIELD_NAME.fullmatch(line.key):
        start = line.body  # '- Note: avoid …' is text throughout
    elif line.colon >= 0:
        start = line.colon + 1
    else:
        start = line.body
    content = line.text[start:].strip()
    comment = ""
    cut = COMMENT.search(content)
    if cut is not None and cut.start() > 0:
        content, comment = content[: cut.start()].rstrip(), " " + content[cut.start() :].strip()
    if not content or content[0] in "\"'":
        return None
    head = line.text[:start].strip()
    return (f"{head} " if head else "") + quoted(content) + comment


def explain(
    problem: str,
    context: str,
    at: tuple[int, int],
    context_at: tuple[int, int] | None,
    text: str,
) -> Explained:
    """What a syntax error at ``at`` (1-based line and column) means, and what to type."""
    lines = source_lines(text)
    line, column = at
    if "\t" in problem or "tab" in problem or _tab_at(lines, line, column):
        source = lines[line - 1] if 0 < line <= len(lines) else ""
        indented = "\t" in _indentation(source) or not source.strip()
        where = "this line is indented with a tab" if indented else "a tab cannot be used here"
        return Explained(line, column, "yaml.syntax", where, _TAB_HINT)
    found: Explained | None = None
    if problem.startswith("mapping values are not allowed"):
        found = _colon_problem(lines, line, column)
    elif problem.startswith(_BLOCK_PROBLEMS):
        found = misaligned(lines, line, column) or _after_quote(lines, line, column)
    elif "document start" in problem:
        found = first_line_indented(lines)
    elif "expected ':'" in problem and context_at is not None:
        found = _no_colon(lines, context_at[0])
    elif "escape" in problem:
        found = Explained(
            line,
            column,
            "yaml.syntax",
            "inside double quotes a backslash (\\) starts a special character",
            "write each backslash twice (\\\\), or put the text in single quotes instead",
        )
    elif "quoted scalar" in context and context_at is not None:
        found = _unclosed_quote(lines, problem, context_at)
    elif ("',' or ']'" in problem or "',' or '}'" in problem) and context_at is not None:
        found = _unclosed_bracket(lines, problem, at, context_at)
    elif "cannot start any token" in problem:
        found = _cannot_start(lines, line, column)
    elif "block scalar" in context:
        found = Explained(
            line,
            column,
            "yaml.syntax",
            "nothing may follow '>-' (or '|') on its line: the text starts on the line below",
            "move what follows '>-' to the next line, indented under the field name",
        )
    elif "nesting depth" in problem:
        found = Explained(
            line,
            column,
            "yaml.too_deep",
            "the values nest too deeply (brackets or indented groups inside one another)",
            "monographs need only a few levels; check the brackets and the indentation",
        )
    if found is not None:
        return found
    said = plain_words(f"{problem} {context}".strip())
    return Explained(
        line, column, "yaml.syntax", f"YAML cannot read this line: {said}", _GENERAL_HINT
    )


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _indentation(text: str) -> str:
    return text[: len(text) - len(text.lstrip())]


def _tab_at(lines: list[str], line: int, col: int) -> bool:
    """Whether the line is indented with a tab or the error sits on one.

    libyaml's message does not name the tab ("found character that cannot start any token").
    """
    if not 0 < line <= len(lines):
        return False
    source = lines[line - 1]
    return "\t" in _indentation(source) or source[col - 1 : col] == "\t"


# --- Text containing ': ' ---------------------------------------------------------------------


def _colon_problem(lines: list[str], number: int, column: int) -> Explained | None:
    """'mapping values are not allowed here': a ': ' YAML could not take as a field's."""
    here = read_line(number, lines)
    if here is None:
        return None
    at = column - 1
    if 0 <= here.colon < at:
        # 'summary: Caution: renal impairment': the second ': ' is in the text.
        return _colon_in_text(here, at)
    if here.colon != at:
        return None
    # The line is 'name: …', but YAML was still reading the text of a line above.
    start = start_of(lines, here)
    above = previous_line(lines, number)
    if (
        start is not None
        and start.key is not None
        and not start.value
        and above is not None
        and above.indent == here.indent
        and above.key is None
        and not above.dashes
    ):
        return _missing_colon(above) or _colon_in_text(here, at, start, lines)
    if (
        start is not None
        and start.key is not None
        and start.value[:1] not in ("", '"', "'", "|", ">", "[", "{")
        and here.key is not None
        and FIELD_NAME.fullmatch(here.key)
        and not here.dashes
    ):
        return indented_too_far(lines, here, start)
    return _colon_in_text(here, at, start, lines)


def _colon_in_text(
    here: Line, at: int, start: Line | None = None, lines: Sequence[str] = ()
) -> Explained:
    before = here.text[here.colon + 1 if here.colon < at else here.body : at].split()
    word = before[-1] if before else here.text[here.body : at].strip()
    message = (
        f"text that contains ': ' must be in quotes: YAML read '{shorten(word)}:' as the "
        "name of a field"
    )
    if start is None:
        fixed = rewritten(here)
        hint = f"write the line as: {fixed}" if fixed else "put the whole text in quotes"
        return Explained(here.number, at + 1, "yaml.syntax", message, hint)
    # The text began on an earlier line: the quotes go around all of it.
    first = rewritten(start)
    end = here.number
    while end < len(lines) and lines[end].strip() and _indent(lines[end]) > start.indent:
        end += 1  # the text goes on while its lines are indented further than its start
    last = lines[end - 1].strip() if lines else here.text.strip()
    last = last if len(last) <= 30 else last[-30:].split(" ", 1)[-1]
    hint = (
        f'put the whole text in quotes, from line {start.number} to its end: {first[:-1]} … {last}"'
        if first and first.endswith('"')
        else "put the whole text in quotes, or write '>-' after the field name and the text "
        "on the indented lines below"
    )
    return Explained(here.number, at + 1, "yaml.syntax", message, hint)


def _missing_colon(line: Line) -> Explained | None:
    """'status draft' among fields: the ': ' after the field name is missing."""
    words = line.text[line.body :].split(None, 1)
    if len(words) != 2 or not FIELD_NAME.fullmatch(words[0]):
        return None
    field, value = words
    return Explained(
        line.number,
        line.column + len(field),
        "yaml.syntax",
        f"'{shorten(field + ' ' + value)}' has no ': ' after the field name '{field}'",
        f"write it as '{field}: {shorten(value)}'",
    )


def _no_colon(lines: list[str], number: int) -> Explained | None:
    """A line among fields with no ': ' in it (PyYAML: 'could not find expected ':'')."""
    here = read_line(number, lines)
    if here is None or here.key is not None:
        return None
    return text_indented_less(lines, here) or Explained(
        here.number,
        here.column,
        "yaml.syntax",
        f"'{here.name}' stands among fields but has no ': ' after a field name",
        "write a field as 'name: value'; if the line is more of the text above it, start it in "
        "the same column as that text",
    )


# --- Quotes, brackets and characters ----------------------------------------------------------


def _after_quote(lines: list[str], number: int, column: int) -> Explained | None:
    """'summary: 'Don't …'': text goes on after what YAML took as the closing quote."""
    if not 0 < number <= len(lines):
        return None
    before = lines[number - 1][: column - 1].rstrip()
    if not before.endswith(("'", '"')):
        return None
    mark = before[-1]
    hint = (
        "inside single quotes write an apostrophe as two ('') or put the text in double quotes"
        if mark == "'"
        else 'put all of the text inside the quotes; write a quote inside the text as \\"'
    )
    return Explained(
        number, column, "yaml.syntax", f"the text goes on after its closing quote ({mark})", hint
    )


def _unclosed_quote(lines: list[str], problem: str, opened: tuple[int, int]) -> Explained | None:
    if "end of stream" not in problem and "document" not in problem:
        return None
    line, column = opened
    mark = lines[line - 1][column - 1 : column] if 0 < line <= len(lines) else ""
    mark = mark if mark in ("'", '"') else "quote"
    return Explained(
        line,
        column,
        "yaml.syntax",
        f"the text that opens with {mark} here is never closed",
        f"add the closing {mark} at the end of the text",
    )


def _unclosed_bracket(
    lines: list[str], problem: str, at: tuple[int, int], opened: tuple[int, int]
) -> Explained:
    line, column = at
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    if line == opened[0] and source[column - 1 : column] == ":":
        # 'brand_names: [Amoxil, Note: generic: x]': the ': ' is in an entry's text.
        start = max(source.rfind("[", 0, column), source.rfind(",", 0, column)) + 1
        ends = [i for i in (source.find(",", column), source.find("]", column)) if i >= 0]
        entry = source[start : min(ends) if ends else len(source)].strip()
        return Explained(
            line,
            column,
            "yaml.syntax",
            "text that contains ': ' must be in quotes: YAML read it as the name of a field",
            f"put the entry in quotes: {quoted(entry)}",
        )
    close, what = ("]", "list") if "']'" in problem else ("}", "group")
    opening = "[" if close == "]" else "{"
    return Explained(
        line,
        column,
        "yaml.syntax",
        f"the {what} opened with '{opening}' on line {opened[0]} is not closed with '{close}'",
        f"end it with '{close}' and separate its entries with ', '; "
        "put an entry that contains ',' or ': ' in quotes",
    )


def _cannot_start(lines: list[str], number: int, column: int) -> Explained:
    here = read_line(number, lines)
    char = here.text[column - 1 : column] if here is not None else ""
    fixed = rewritten(here) if here is not None else None
    return Explained(
        number,
        column,
        "yaml.syntax",
        f"text cannot start with '{char}' unless it is in quotes"
        if char.strip()
        else "YAML cannot read this character",
        f"write the line as: {fixed}" if fixed else "put the text in quotes",
    )


# --- Text cut short by ' #' -------------------------------------------------------------------

# A comment written on purpose is '# words', with a space after the '#'. Text such as
# 'NICE #TA236' or 'Take #3' has none: there ' #' most likely cut the text short. Only those
# are warned about, so that deliberate comments after a value stay quiet.
_CUT_AFTER = re.compile(r"[ \t]+#(?=\S)")
_CUT_ANYWHERE = re.compile(r"[ \t]#\S")


def comment_lines(text: str) -> dict[int, str]:
    """The lines (0-based) where ' #' is followed by a character: the only lines on which
    ``comment_cut`` can fire. Most files have none, and then no value is looked at."""
    if (" #" not in text and "\t#" not in text) or not _CUT_ANYWHERE.search(text):
        return {}  # the 'in' tests are a fifth of the search's cost, on every file of a build
    return {i: line for i, line in enumerate(source_lines(text)) if _CUT_ANYWHERE.search(line)}


def comment_cut(line: str, start: int, end: int, same_line: bool) -> Explained | None:
    """The warning when text ending at column ``end`` (0-based) of ``line`` is followed by
    ' #' and a character; ``start`` is where the text begins when ``same_line``."""
    found = _CUT_AFTER.match(line, end)
    if found is None:
        return None
    at = found.end() - 1
    dropped = line[at:].rstrip()
    kept = line[start:end] if same_line else line[:end].strip()
    message = (
        f"text after ' #' was treated as a comment, so '{shorten(dropped)}' is left out "
        f"(the value ends at '{shorten(kept)}'): put the whole text in quotes"
    )
    if same_line:
        head = line[:start].strip()
        hint = f"write the line as: {head + ' ' if head else ''}{quoted(line[start:].rstrip())}"
    else:
        hint = "put the whole text in quotes, from its first line to the end of this one"
    return Explained(0, at + 1, "yaml.comment_in_text", message, hint)
