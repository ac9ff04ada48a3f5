"""Safe YAML parsing with a source map: each value keeps its position and how it was written."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
import yaml

from clincalc_site.content import yaml_source
from clincalc_site.content.yaml_source import MAX_DEPTH, SourceMap, format_path, parse_yaml
from clincalc_site.diagnostics import Location, Severity

TEXT = """\
name: Pomalidomide
brand_names: [Imnovid]
dosing:
  status: verified
  regimens:
    - dose: 4 mg
      route: Oral
review:
  date: 2026-07-04
"""


def parse_ok(text: str) -> tuple[object, SourceMap]:
    parsed = parse_yaml(text, "p.yaml")
    assert parsed.diagnostics == []
    return parsed.data, parsed.source_map


def only_problem(text: str) -> tuple[str, int, int]:
    parsed = parse_yaml(text, "p.yaml")
    assert parsed.data is None
    (problem,) = parsed.diagnostics
    assert problem.severity is Severity.ERROR
    assert problem.location.path == "p.yaml"
    assert problem.message and problem.hint
    return problem.code, problem.location.line, problem.location.column


def test_parses_plain_data() -> None:
    data, _ = parse_ok(TEXT)

    assert data == {
        "name": "Pomalidomide",
        "brand_names": ["Imnovid"],
        "dosing": {"status": "verified", "regimens": [{"dose": "4 mg", "route": "Oral"}]},
        "review": {"date": dt.date(2026, 7, 4)},
    }


def test_source_map_gives_one_based_positions_of_values_and_keys() -> None:
    _, source = parse_ok(TEXT)

    dose = source.info(("dosing", "regimens", 0, "dose"))
    assert dose is not None
    assert (dose.line, dose.column, dose.key_line, dose.key_column) == (6, 13, 6, 7)
    assert source.locate(("brand_names", 0)) == Location("p.yaml", 2, 15)
    assert source.locate(("review", "date"), at_key=True) == Location("p.yaml", 9, 3)


def test_missing_value_is_located_at_the_key_of_the_mapping_that_lacks_it() -> None:
    _, source = parse_ok(TEXT)

    assert source.locate(("review", "status")) == Location("p.yaml", 8, 1)
    assert source.locate(("dosing", "regimens", 0, "population")) == Location("p.yaml", 6, 7)
    assert source.locate(("mechanism",)) == Location("p.yaml", 1, 1)


def test_locate_in_an_empty_map_falls_back_to_the_start_of_the_file() -> None:
    assert SourceMap("p.yaml").locate(("name",)) == Location("p.yaml", 1, 1)


def test_crlf_line_endings_give_the_same_positions() -> None:
    _, unix = parse_ok(TEXT)
    _, windows = parse_ok(TEXT.replace("\n", "\r\n"))

    assert windows.nodes == unix.nodes


@pytest.mark.parametrize(
    ("written", "value", "kind", "quoted"),
    [
        pytest.param("0123", 83, "number", False, id="octal"),
        pytest.param('"0123"', "0123", "string", True, id="quoted-octal"),
        pytest.param("NO", False, "boolean", False, id="norway"),
        pytest.param("'NO'", "NO", "string", True, id="quoted-norway"),
        pytest.param("5.0", 5.0, "number", False, id="float"),
        pytest.param("~", None, "null", False, id="null"),
        pytest.param("2026-07-04", dt.date(2026, 7, 4), "date", False, id="date"),
        pytest.param("4 mg", "4 mg", "string", False, id="text"),
    ],
)
def test_scalars_keep_yaml_meaning_and_remember_how_they_were_written(
    written: str, value: object, kind: str, quoted: bool
) -> None:
    data, source = parse_ok(f"x: {written}\n")

    assert data == {"x": value}
    info = source.info(("x",))
    assert info is not None
    assert (info.raw, info.kind, info.quoted) == (written.strip("'\""), kind, quoted)


@pytest.mark.parametrize("key", ["on", "yes", "no", "1", "null", "2026-01-01"])
def test_keys_are_taken_as_written(key: str) -> None:
    data, _ = parse_ok(f"{key}: value\n")

    assert data == {key: "value"}


def test_explicit_document_markers_are_fine() -> None:
    data, _ = parse_ok("---\nname: X\n...\n")

    assert data == {"name": "X"}


def test_empty_text_parses_to_nothing() -> None:
    parsed = parse_yaml("", "p.yaml")

    assert (parsed.data, parsed.diagnostics) == (None, [])


# --- Refused constructs --------------------------------------------------------------------


def test_duplicate_top_level_key() -> None:
    parsed = parse_yaml("name: A\nsummary: B\nname: C\n", "p.yaml")

    (problem,) = parsed.diagnostics
    assert (problem.code, problem.location.line, problem.location.column) == (
        "yaml.duplicate_key",
        3,
        1,
    )
    assert "first defined on line 1" in problem.message
    assert problem.field_path == "name"


def test_duplicate_nested_key_names_its_path() -> None:
    parsed = parse_yaml("review:\n  date: 2026-01-01\n  date: 2026-02-01\n", "p.yaml")

    (problem,) = parsed.diagnostics
    assert (problem.code, problem.location.line, problem.field_path) == (
        "yaml.duplicate_key",
        3,
        "review.date",
    )


def test_same_key_in_two_list_entries_is_not_a_duplicate() -> None:
    data, _ = parse_ok("references:\n  - label: A\n  - label: B\n")

    assert data == {"references": [{"label": "A"}, {"label": "B"}]}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("a: &x 1\n", ("yaml.anchor", 1, 4), id="anchor-on-scalar"),
        pytest.param("a: &x [1]\n", ("yaml.anchor", 1, 4), id="anchor-on-list"),
        pytest.param("a: *x\n", ("yaml.alias", 1, 4), id="alias"),
        pytest.param("a: 1\nb: [*x]\n", ("yaml.alias", 2, 5), id="alias-in-list"),
        pytest.param("a: !!python/object/apply:os.system [ls]\n", ("yaml.tag", 1, 4), id="python"),
        pytest.param("a: !!python/name:os.system ''\n", ("yaml.tag", 1, 4), id="python-name"),
        pytest.param("a: !!binary aGk=\n", ("yaml.tag", 1, 4), id="binary"),
        pytest.param("a: !local x\n", ("yaml.tag", 1, 4), id="local-tag"),
        pytest.param("a: !!set {x: null}\n", ("yaml.tag", 1, 4), id="set"),
        pytest.param("a: 1\n---\nb: 2\n", ("yaml.multiple_documents", 2, 1), id="two-docs"),
        pytest.param("? [a]\n: 1\n", ("yaml.complex_key", 1, 3), id="complex-key"),
        pytest.param("d: 2026-07-04 10:30:00\n", ("yaml.datetime", 1, 4), id="datetime"),
        pytest.param("d: 2026-02-30\n", ("yaml.bad_scalar", 1, 4), id="impossible-date"),
        pytest.param("a: b: c\n", ("yaml.syntax", 1, 5), id="colon-in-text"),
        pytest.param("a: [1, 2\n", ("yaml.syntax", 2, 1), id="unclosed-list"),
        pytest.param("a: 'x\n", ("yaml.syntax", 1, 4), id="unclosed-quote"),
        pytest.param("a: x\x07y\n", ("yaml.syntax", 1, 5), id="control-character"),
    ],
)
def test_refused_constructs_are_located(text: str, expected: tuple[str, int, int]) -> None:
    assert only_problem(text) == expected


def test_custom_tags_are_never_executed() -> None:
    parsed = parse_yaml("a: !!python/object/apply:builtins.exit [3]\n", "p.yaml")

    assert [d.code for d in parsed.diagnostics] == ["yaml.tag"]


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 12)]
    started = time.perf_counter()

    problems = parse_yaml("\n".join(lines) + "\n", "p.yaml").diagnostics

    assert [d.code for d in problems] == ["yaml.anchor"]
    assert time.perf_counter() - started < 1


def test_nesting_up_to_the_limit_is_accepted_and_one_more_is_refused() -> None:
    at_limit = "a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n"
    too_deep = "a: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n"

    assert parse_yaml(at_limit, "p.yaml").diagnostics == []
    assert only_problem(too_deep) == ("yaml.too_deep", 1, 3 + MAX_DEPTH)


def test_very_deep_nesting_does_not_exhaust_the_stack() -> None:
    text = "a: " + "[" * 100_000 + "]" * 100_000 + "\n"

    (problem,) = parse_yaml(text, "p.yaml").diagnostics

    # libyaml's scanner may stop first (at 1,000 levels), before our limit is reached.
    assert problem.code in ("yaml.too_deep", "yaml.syntax")
    assert "nest" in problem.message


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("review:\n\tdate: 2026-01-01\n", id="tab-indent"),
        pytest.param("review:\n  date: 2026-01-01\n\tstatus: draft\n", id="tab-after-spaces"),
    ],
)
def test_tab_indentation_gets_the_tab_hint(text: str) -> None:
    (problem,) = parse_yaml(text, "p.yaml").diagnostics

    assert problem.code == "yaml.syntax"
    assert "tab" in problem.hint


def test_syntax_error_not_caused_by_a_tab_gets_no_tab_hint() -> None:
    (problem,) = parse_yaml("summary: a\tb: c\n", "p.yaml").diagnostics

    assert "tab" not in problem.hint
    assert "must be in quotes" in problem.message


def test_problems_inside_values_name_the_field() -> None:
    (problem,) = parse_yaml("dosing:\n  regimens:\n    - dose: *d\n", "p.yaml").diagnostics

    assert problem.field_path == "dosing.regimens[0].dose"


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ((), ""),
        (("name",), "name"),
        (("dosing", "regimens", 0, "dose"), "dosing.regimens[0].dose"),
        (("related", 2), "related[2]"),
    ],
)
def test_format_path(path: tuple[str | int, ...], text: str) -> None:
    assert format_path(path) == text


# --- Syntax errors in an editor's words: the same with libyaml and with PyYAML's own parser ---

INDENT = "yaml.indentation"
SYNTAX_ERRORS = [
    pytest.param(
        "name: x\nsummary: Caution: renal impairment\n",
        ("yaml.syntax", 2, 17),
        'write the line as: summary: "Caution: renal impairment"',
        id="colon-in-a-field",
    ),
    pytest.param(
        "c:\n  - Note: avoid: x\n",
        ("yaml.syntax", 2, 16),
        'write the line as: - "Note: avoid: x"',
        id="colon-in-a-list-entry",
    ),
    pytest.param(
        "refs:\n  - label: SmPC: section 4.2\n",
        ("yaml.syntax", 2, 16),
        'write the line as: - label: "SmPC: section 4.2"',
        id="colon-in-a-label",
    ),
    pytest.param(
        "summary: Some long text\n  that continues: here\nname: x\n",
        ("yaml.syntax", 2, 17),
        'from line 1 to its end: summary: "Some long text … that continues: here"',
        id="colon-in-continued-text",
    ),
    pytest.param(
        "a: [b, c: d: e]\n",
        ("yaml.syntax", 1, 12),
        'put the entry in quotes: "c: d: e"',
        id="colon-in-brackets",
    ),
    pytest.param(
        "review:\n  status: draft\n date: 2026\n",
        (INDENT, 3, 2),
        "to belong under 'review:' it must start at column 3, as 'status' does "
        "(add one space before it)",
        id="one-space-short",
    ),
    pytest.param(
        "review:\n  status: draft\n   date: 2026\n",
        (INDENT, 3, 4),
        "'date' is indented further than 'status' above it",
        id="one-space-too-far",
    ),
    pytest.param(
        "p:\n  - a\n  m: x\n",
        (INDENT, 3, 3),
        "a top-level field must start at column 1, as 'p' does (remove two spaces before it)",
        id="field-inside-a-list",
    ),
    pytest.param(
        "c:\n   - a\n  - b\n",
        (INDENT, 3, 3),
        "the entries of the list under 'c:' start with '- ' at column 4",
        id="list-entry-short",
    ),
    pytest.param(
        "d:\n  regimens:\n    - indication: X\n      route: Oral\n     dose: 4 mg\n",
        (INDENT, 5, 6),
        "to belong to the same list entry it must start at column 7, as 'route' does",
        id="regimen-field-short",
    ),
    pytest.param(
        "d:\n  regimens:\n    - indication: X\n       route: Oral\n",
        (INDENT, 4, 8),
        "must start at column 7, as 'indication' does (remove one space before it)",
        id="regimen-field-too-far",
    ),
    pytest.param(
        "name: x\n  drug: y\n", (INDENT, 2, 3), "a top-level field must start at column 1", id="top"
    ),
    pytest.param(
        "  name: x\ndrug: y\n", (INDENT, 1, 3), "start at column 1, at the left margin", id="first"
    ),
    pytest.param(
        "review:\n  status draft\n  date: x\n",
        ("yaml.syntax", 2, 9),
        "write it as 'status: draft'",
        id="missing-colon",
    ),
    pytest.param(
        "a: [1, 2\nb: 1\n", ("yaml.syntax", 2, 2), "not closed with ']'", id="unclosed-list"
    ),
    pytest.param(
        "a: {x: 1\nb: 1\n", ("yaml.syntax", 2, 2), "not closed with '}'", id="unclosed-group"
    ),
    pytest.param(
        'a: x\nb: "y\nc: 1\n', ("yaml.syntax", 2, 4), 'add the closing "', id="unclosed-quote"
    ),
    pytest.param(
        "name: 'Don't' x\n", ("yaml.syntax", 1, 12), "write an apostrophe as two", id="apostrophe"
    ),
    pytest.param("a: `x`\n", ("yaml.syntax", 1, 4), 'write the line as: a: "`x`"', id="backtick"),
    pytest.param(
        "review:\n  status: draft\n  - x\n",
        ("yaml.syntax", 3, 3),
        "a list entry ('- ') stands among fields",
        id="list-among-fields",
    ),
]


@pytest.fixture(params=["libyaml", "python"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both parsers PyYAML may use: libyaml where it was built with it, its own otherwise."""
    if request.param == "python":
        monkeypatch.setattr(yaml_source, "_PARSER_LOADER", yaml.SafeLoader)
    elif not yaml.__with_libyaml__:
        pytest.skip("PyYAML was built without libyaml")


@pytest.mark.usefixtures("parser")
@pytest.mark.parametrize(("text", "where", "words"), SYNTAX_ERRORS)
def test_syntax_errors_say_what_to_type(text: str, where: tuple[str, int, int], words: str) -> None:
    (problem,) = parse_yaml(text, "p.yaml").diagnostics

    assert (problem.code, problem.location.line, problem.location.column) == where
    assert words in f"{problem.message} {problem.hint}"
    said = f"{problem.message} {problem.hint}"
    assert not re.search(r"\b(mapping|scalar|sequence|string|token|block end)\b", said)


# --- Text cut short by ' #' -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where", "hint"),
    [
        pytest.param("label: NICE #TA236\n", (1, 13), 'label: "NICE #TA236"', id="field"),
        pytest.param("c:\n  - Take #3 daily\n", (2, 10), '- "Take #3 daily"', id="list-entry"),
        pytest.param("c: [a]\nd: Ménière #2\n", (2, 12), 'd: "Ménière #2"', id="accents"),
        pytest.param(
            "s: first line\n  second #2\n", (2, 10), "from its first line", id="continued-text"
        ),
    ],
)
def test_text_cut_short_by_a_comment_is_a_warning(
    text: str, where: tuple[int, int], hint: str
) -> None:
    parsed = parse_yaml(text, "p.yaml")

    assert parsed.diagnostics == []  # the file is read: a warning, not an error
    (warning,) = parsed.warnings
    assert (warning.code, warning.severity) == ("yaml.comment_in_text", Severity.WARNING)
    assert (warning.location.line, warning.location.column) == where
    assert warning.message.startswith("text after ' #' was treated as a comment")
    assert hint in warning.hint


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("status: re-sourcing  # until the SmPC is checked\n", id="comment-with-space"),
        pytest.param("label: NICE # TA236\n", id="space-after-hash"),
        pytest.param('label: "NICE" #TA236\n', id="quoted-text"),
        pytest.param("url: https://example.org/page#section\n", id="hash-inside-a-word"),
        pytest.param("dosing: #TODO\n", id="no-text-before-it"),
        pytest.param("summary: >- #x\n  Text.\n", id="folded-text"),
        pytest.param("related: [a, b] #x\n", id="after-brackets"),
        pytest.param("#x\n# yaml-language-server: $schema=x\na: b\n", id="comment-lines"),
    ],
)
def test_comments_written_on_purpose_give_no_warning(text: str) -> None:
    parsed = parse_yaml(text, "p.yaml")

    assert (parsed.diagnostics, parsed.warnings) == ([], [])
