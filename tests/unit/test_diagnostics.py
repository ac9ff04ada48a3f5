"""Diagnostics as data: ordering, --strict semantics and the text, json and github formats."""

from __future__ import annotations

import json

import pytest

from clincalc_site.diagnostics import (
    Diagnostic,
    Location,
    Severity,
    count,
    format_build_text,
    format_report,
    has_failures,
    sort_diagnostics,
    summary_line,
)


def diag(
    severity: Severity = Severity.ERROR,
    *,
    path: str = "monographs/x.yaml",
    line: int = 3,
    column: int = 5,
    code: str = "schema.unknown_field",
    message: str = "unknown field 'monitorng'",
    **extra: str,
) -> Diagnostic:
    return Diagnostic(Location(path, line, column), severity, code, message, **extra)


ERROR = diag(Severity.ERROR)
WARNING = diag(Severity.WARNING, code="review.overdue", message="review overdue")
NOTE = diag(Severity.NOTE, code="review.draft", message="status 'draft'")


# --- Location and text ---------------------------------------------------------------------


def test_location_prints_as_clickable_path_line_column() -> None:
    assert str(Location("monographs/x.yaml", 7, 3)) == "monographs/x.yaml:7:3"


def test_whole_file_location_prints_the_path_only() -> None:
    assert str(Location("monographs/x.yaml")) == "monographs/x.yaml"


def test_text_format_has_location_severity_message_hint_code_and_field() -> None:
    problem = diag(field_path="monitorng", hint="did you mean 'monitoring'?")

    assert problem.format_text() == (
        "monographs/x.yaml:3:5: error: unknown field 'monitorng' "
        "(did you mean 'monitoring'?) [schema.unknown_field at monitorng]"
    )


def test_text_format_leaves_out_what_is_missing() -> None:
    problem = diag(line=0, column=0, code="file.empty", message="file is empty")

    assert problem.format_text() == "monographs/x.yaml: error: file is empty [file.empty]"


# --- Ordering and failing ------------------------------------------------------------------


def test_sorted_by_file_then_line_then_column_without_duplicates() -> None:
    b9 = diag(path="b.yaml", line=9)
    a10 = diag(path="a.yaml", line=10)
    a2_7 = diag(path="a.yaml", line=2, column=7)
    a2_1 = diag(path="a.yaml", line=2, column=1)
    whole_a = diag(path="a.yaml", line=0, column=0)

    ordered = sort_diagnostics([b9, a10, a2_7, b9, a2_1, whole_a])

    assert ordered == [whole_a, a2_1, a2_7, a10, b9]


def test_line_ten_sorts_after_line_nine() -> None:
    assert sort_diagnostics([diag(line=10), diag(line=9)])[0].location.line == 9


@pytest.mark.parametrize(
    ("found", "strict", "fails"),
    [
        pytest.param([], False, False, id="nothing"),
        pytest.param([ERROR], False, True, id="error"),
        pytest.param([ERROR], True, True, id="error-strict"),
        pytest.param([WARNING], False, False, id="warning"),
        pytest.param([WARNING], True, True, id="warning-strict"),
        pytest.param([NOTE], False, False, id="note"),
        pytest.param([NOTE], True, False, id="note-strict-never-fails"),
        pytest.param([NOTE, WARNING], True, True, id="note-and-warning-strict"),
    ],
)
def test_errors_fail_warnings_fail_under_strict_notes_never(
    found: list[Diagnostic], strict: bool, fails: bool
) -> None:
    assert has_failures(found, strict=strict) is fails


def test_count_by_severity() -> None:
    found = [ERROR, WARNING, WARNING, NOTE]

    assert [count(found, s) for s in Severity] == [1, 2, 1]


def test_summary_line_pluralises() -> None:
    assert summary_line([ERROR, WARNING, WARNING], 1) == (
        "checked 1 monograph: 1 error, 2 warnings, 0 notes"
    )
    assert summary_line([], 46) == "checked 46 monographs: 0 errors, 0 warnings, 0 notes"


# --- Report formats ------------------------------------------------------------------------


def test_json_report_is_a_sorted_list_with_the_documented_keys() -> None:
    later = diag(line=9, field_path="rxcui", hint='quote it: rxcui: "0123"', message="bad rxcui")

    report = json.loads(format_report([later, ERROR], "json"))

    assert [entry["line"] for entry in report] == [3, 9]
    assert report[1] == {
        "file": "monographs/x.yaml",
        "line": 9,
        "column": 5,
        "path": "rxcui",
        "code": "schema.unknown_field",
        "severity": "error",
        "message": 'bad rxcui — quote it: rxcui: "0123"',
    }


def test_json_report_keeps_non_ascii_text_readable() -> None:
    report = format_report([diag(message="name 'Ménière' is used twice")], "json")

    assert "Ménière" in report


def test_json_report_is_indented_one_key_per_line_for_people_reading_ci_logs() -> None:
    report = format_report([ERROR], "json")

    assert report.startswith('[\n  {\n    "file": "monographs/x.yaml",\n    "line": 3,')
    assert report == json.dumps(json.loads(report), indent=2, ensure_ascii=False)


def test_json_report_of_nothing_is_an_empty_list() -> None:
    assert json.loads(format_report([], "json")) == []


def test_github_report_annotates_the_line() -> None:
    problem = diag(field_path="monitorng", hint="did you mean 'monitoring'?")

    assert format_report([problem], "github") == (
        "::error file=monographs/x.yaml,line=3,col=5,title=schema.unknown_field::"
        "unknown field 'monitorng' [monitorng] — did you mean 'monitoring'?"
    )


@pytest.mark.parametrize(
    ("severity", "command"),
    [(Severity.ERROR, "::error "), (Severity.WARNING, "::warning "), (Severity.NOTE, "::notice ")],
)
def test_github_command_follows_the_severity(severity: Severity, command: str) -> None:
    assert format_report([diag(severity)], "github").startswith(command)


def test_github_report_of_a_whole_file_problem_has_no_line() -> None:
    problem = diag(line=0, column=0, code="file.empty", message="file is empty")

    assert format_report([problem], "github") == (
        "::error file=monographs/x.yaml,title=file.empty::file is empty"
    )


def test_github_report_escapes_what_would_break_the_command() -> None:
    problem = diag(path="a,b:c.yaml", message="50% of\nline two\r")

    line = format_report([problem], "github")

    assert line == (
        "::error file=a%2Cb%3Ac.yaml,line=3,col=5,title=schema.unknown_field::"
        "50%25 of%0Aline two%0D"
    )
    assert "\n" not in line


def test_text_report_is_one_sorted_line_per_problem() -> None:
    report = format_report([diag(line=9), ERROR], "text")

    assert report.splitlines() == [
        "monographs/x.yaml:3:5: error: unknown field 'monitorng' [schema.unknown_field]",
        "monographs/x.yaml:9:5: error: unknown field 'monitorng' [schema.unknown_field]",
    ]


def test_build_text_lists_problems_and_counts_notes_by_kind() -> None:
    """A build of thousands of drafts prints one line for their notes, not thousands."""
    drafts = [diag(Severity.NOTE, path=f"m/{n}.yaml", code="review.draft") for n in range(3)]
    other = diag(Severity.NOTE, code="content.placeholder", message="TODO left")
    listed = sort_diagnostics([ERROR, WARNING, *drafts, other])

    text = format_build_text(listed, "_site/build-report.json").splitlines()

    assert text[:2] == [d.format_text() for d in listed if d.severity is not Severity.NOTE]
    assert text[2:] == [
        other.format_text(),  # a kind with one note shows it: a count would save nothing
        "3 notes [review.draft]: listed in _site/build-report.json and shown by "
        "`clincalc-site check --notes`",
    ]
    assert format_build_text([NOTE], None) == NOTE.format_text()
    # A failed build wrote no report: the notes are only where check lists them.
    assert format_build_text([NOTE, NOTE], None) == (
        "2 notes [review.draft]: shown by `clincalc-site check --notes`"
    )
