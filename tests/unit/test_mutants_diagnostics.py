"""Diagnostics as an editor and CI read them, pinned where mutation testing found them loose.

A problem on a file's first line is still clickable and annotated on that line; a GitHub
report is one workflow command per line (GitHub reads nothing else); the summary line counts
and pluralises every severity. See docs/testing.md.
"""

from __future__ import annotations

import json

from clincalc_site.diagnostics import (
    Diagnostic,
    Location,
    Severity,
    format_report,
    has_failures,
    summary_line,
)


def diag(
    severity: Severity = Severity.ERROR,
    *,
    line: int = 3,
    column: int = 5,
    code: str = "schema.unknown_field",
    message: str = "unknown field 'monitorng'",
) -> Diagnostic:
    return Diagnostic(Location("monographs/x.yaml", line, column), severity, code, message)


WARNING = diag(Severity.WARNING, code="review.overdue", message="review overdue")
NOTE = diag(Severity.NOTE, code="review.draft", message="status 'draft'")


def test_a_problem_on_the_first_line_is_printed_with_its_line_and_column() -> None:
    assert str(Location("monographs/x.yaml", 1, 1)) == "monographs/x.yaml:1:1"
    assert diag(line=1, column=1).format_text().startswith("monographs/x.yaml:1:1: error: ")


def test_a_problem_on_the_first_line_is_annotated_on_that_line() -> None:
    assert diag(line=1, column=7).format_github() == (
        "::error file=monographs/x.yaml,line=1,col=7,title=schema.unknown_field::"
        "unknown field 'monitorng'"
    )


def test_a_whole_file_problem_is_annotated_on_the_file() -> None:
    assert diag(line=0, column=0).format_github() == (
        "::error file=monographs/x.yaml,title=schema.unknown_field::unknown field 'monitorng'"
    )


def test_the_github_report_is_one_workflow_command_per_line() -> None:
    report = format_report([diag(line=4), WARNING, NOTE], "github")

    lines = report.split("\n")
    assert len(lines) == 3
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
    # sorted by line, then code: the note and the warning on line 3, then the error on line 4
    assert [line.split(" ", 1)[0] for line in lines] == ["::notice", "::warning", "::error"]


def test_the_json_report_keeps_non_ascii_text_readable() -> None:
    report = format_report([diag(message="'5 µg' abbreviates micrograms")], "json")

    assert "'5 µg' abbreviates micrograms" in report
    assert json.loads(report)[0]["message"] == "'5 µg' abbreviates micrograms"


def test_the_summary_counts_one_warning_and_one_note_in_the_singular() -> None:
    assert summary_line([WARNING, NOTE], 1) == ("checked 1 monograph: 0 errors, 1 warning, 1 note")


def test_the_summary_counts_notes_and_pluralises_them() -> None:
    assert summary_line([NOTE, NOTE, diag()], 2) == (
        "checked 2 monographs: 1 error, 0 warnings, 2 notes"
    )


def test_notes_are_counted_but_never_fail_even_under_strict() -> None:
    found = [NOTE, NOTE, NOTE]

    assert summary_line(found, 3).endswith("3 notes")
    assert has_failures(found, strict=True) is False
    assert has_failures([*found, WARNING], strict=True) is True
    assert has_failures([*found, WARNING], strict=False) is False
