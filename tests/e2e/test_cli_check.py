"""``clincalc-site check``: exit codes, --strict, and the text, json and github formats."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from clincalc_site import cli

# The ``write_content`` fixture of tests/conftest.py.
WriteContent = Callable[[Path, dict[str, str]], Path]
REPO_MONOGRAPHS = Path(__file__).resolve().parents[2] / "monographs"
TODAY = dt.date(2026, 11, 26)
VALID = """\
name: {name}
drug_class: Immunomodulator
summary: Oral immunomodulator.
mechanism: Cereblon-mediated degradation.
review:
  status: clinician-reviewed
  date: {date}
"""
JSON_KEYS = {"file", "line", "column", "path", "code", "severity", "message"}


@pytest.fixture(autouse=True)
def fixed_build_date(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Run every check on 2026-11-26 from tmp_path, so paths and review ages are stable."""
    midnight = dt.datetime.combine(TODAY, dt.time(), tzinfo=dt.UTC)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(midnight.timestamp())))
    monkeypatch.chdir(tmp_path)


def content(write_content: WriteContent, tmp_path: Path, files: dict[str, str]) -> str:
    write_content(tmp_path, {f"monographs/{name}": text for name, text in files.items()})
    return "monographs"


def monograph(name: str = "Pomalidomide", date: str = "2026-07-04", extra: str = "") -> str:
    return VALID.format(name=name, date=date) + extra


def test_valid_content_exits_0_with_a_summary(
    write_content: WriteContent, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = content(write_content, tmp_path, {"pomalidomide.yaml": monograph()})

    assert cli.main(["check", "--content", folder]) == 0

    out, err = capsys.readouterr()
    assert out == ""
    assert "checked 1 monograph: 0 errors, 0 warnings, 0 notes" in err


def test_content_errors_exit_1_and_every_file_is_reported(
    write_content: WriteContent, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = content(
        write_content,
        tmp_path,
        {
            "pomalidomide.yaml": monograph(extra="rxcui: 0123\n"),
            "lenalidomide.yaml": monograph("Lenalidomide", extra="monitorng: FBC\n"),
            "thalidomide.yaml": monograph("Thalidomide"),
        },
    )

    assert cli.main(["check", "--content", folder]) == 1

    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "monographs/lenalidomide.yaml:8:1: error: unknown field 'monitorng' "
        "(did you mean 'monitoring'?) [schema.unknown_field at monitorng]",
        "monographs/pomalidomide.yaml:8:8: error: '0123' was read by YAML as the number 83, "
        'but text is expected (put it in quotes: "0123") [yaml.unquoted_value at rxcui]',
    ]
    assert "checked 3 monographs: 2 errors" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param([], id="no-command"),
        pytest.param(["chek"], id="unknown-command"),
        pytest.param(["check", "--format", "xml"], id="unknown-format"),
        pytest.param(["check", "--strikt"], id="unknown-option"),
        pytest.param(["check", "--content"], id="option-without-value"),
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(argv) == 2

    assert "usage:" in capsys.readouterr().err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check", "--help"]) == 0

    assert "--strict" in capsys.readouterr().out


def test_overdue_review_warns_and_fails_only_under_strict(
    write_content: WriteContent, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = content(write_content, tmp_path, {"pomalidomide.yaml": monograph(date="2024-11-25")})

    assert cli.main(["check", "--content", folder]) == 0
    assert "warning: review overdue" in capsys.readouterr().out
    assert cli.main(["check", "--content", folder, "--strict"]) == 1


def test_draft_note_never_fails_even_under_strict(
    write_content: WriteContent, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    draft = monograph().replace("clinician-reviewed", "draft")
    folder = content(write_content, tmp_path, {"pomalidomide.yaml": draft})

    assert cli.main(["check", "--content", folder, "--strict", "--notes"]) == 0
    assert "note: status 'draft'" in capsys.readouterr().out


def test_json_format_is_a_list_of_located_problems(
    write_content: WriteContent, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = content(
        write_content,
        tmp_path,
        {
            "pomalidomide.yaml": monograph(extra="brand_names: [Imnovid, NO]\n"),
            "thalidomide.yaml": monograph("Thalidomide", date="2024-01-01"),
        },
    )

    assert cli.main(["check", "--content", folder, "--format", "json"]) == 1

    out, _ = capsys.readouterr()
    report = json.loads(out)  # stdout holds the JSON and nothing else
    assert [set(entry) for entry in report] == [JSON_KEYS, JSON_KEYS]
    assert report[0] == {
        "file": "monographs/pomalidomide.yaml",
        "line": 8,
        "column": 24,
        "path": "brand_names[1]",
        "code": "yaml.unquoted_value",
        "severity": "error",
        "message": "'NO' was read by YAML as the boolean False, but text is expected"
        ' — put it in quotes: "NO"',
    }
    assert (report[1]["code"], report[1]["severity"]) == ("review.overdue", "warning")


def test_json_format_of_clean_content_is_an_empty_list(
    write_content: WriteContent, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = content(write_content, tmp_path, {"pomalidomide.yaml": monograph()})

    assert cli.main(["check", "--content", folder, "--format", "json"]) == 0

    assert json.loads(capsys.readouterr().out) == []


def test_github_format_gives_workflow_commands(
    write_content: WriteContent, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = content(
        write_content,
        tmp_path,
        {
            "pomalidomide.yaml": monograph(extra="related: [thalidomid]\n"),
            "thalidomide.yaml": monograph("Thalidomide", date="2024-01-01"),
        },
    )

    assert cli.main(["check", "--content", folder, "--format", "github"]) == 1

    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "::error file=monographs/pomalidomide.yaml,line=8,col=11,title=xref.unknown_target::"
        "related monograph 'thalidomid' does not exist [related[0]] — did you mean 'thalidomide'?",
        "::warning file=monographs/thalidomide.yaml,line=7,col=9,title=review.overdue::"
        "review overdue: last reviewed 2024-01-01, more than 24 months ago [review.date]"
        " — re-review the monograph and update review.date",
    ]


def test_missing_content_folder_is_reported_not_raised(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["check", "--content", "no-such-folder"]) != 0

    out, err = capsys.readouterr()
    assert "no-such-folder: error: content folder not found" in out
    assert "Traceback" not in err


def test_the_repository_monographs_pass_check(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check", "--content", str(REPO_MONOGRAPHS)]) == 0, capsys.readouterr().out


@pytest.mark.parametrize(
    "command", [["-m", "clincalc_site"], ["-c", "import clincalc_site.cli as c; c.run()"]]
)
def test_the_command_exits_with_its_code_after_writing_all_its_output(
    write_content: WriteContent, tmp_path: Path, command: list[str]
) -> None:
    """The command leaves without the interpreter's teardown: output and exit code intact.

    500 broken files make ~200 KB of JSON, more than a pipe holds, so output that was not
    flushed before the process ended would be missing or cut off.
    """
    broken = {
        f"drug-{n:03}.yaml": monograph(f"Drug {n}", extra="monitorng: x\n") for n in range(500)
    }
    folder = content(write_content, tmp_path, broken)
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # as usual
    result = subprocess.run(
        [sys.executable, *command, "check", "--content", folder, "--format", "json"],
        capture_output=True, text=True, check=False, env=buffered,
    )  # fmt: skip

    assert result.returncode == 1, result.stderr
    assert len(result.stdout) > 65536
    assert result.stdout.endswith("]\n")  # the last, buffered, part too
    listed = json.loads(result.stdout)
    assert {d["file"] for d in listed if d["code"] == "schema.unknown_field"} == {
        f"monographs/{name}" for name in broken
    }


def test_check_of_one_file_reports_that_file_only_with_links_resolved(
    write_content: WriteContent, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`check monographs/x.yaml`: the editor's file, judged with its folder (links resolve)."""
    content(
        write_content,
        tmp_path,
        {
            "pomalidomide.yaml": monograph(extra="related: [lenalidomide]\n"),
            "lenalidomide.yaml": monograph("Lenalidomide", extra="monitorng: FBC\n"),
        },
    )

    assert cli.main(["check", "monographs/pomalidomide.yaml"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "checked 1 monograph: 0 errors" in err

    assert cli.main(["check", "monographs/lenalidomide.yaml", "monographs"]) == 1
    out, err = capsys.readouterr()
    assert "monographs/lenalidomide.yaml:" in out and "schema.unknown_field" in out
    assert "checked 2 monographs: 1 error" in err

    assert cli.main(["check", "monographs/lenalidomide.yaml"]) == 1


def test_check_of_a_path_that_does_not_exist_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["check", "monographs/ticagrelor.yaml"]) == 2
    assert "no such file or folder: monographs/ticagrelor.yaml" in capsys.readouterr().err


def test_notes_are_counted_unless_asked_for(
    write_content: WriteContent, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Forty drafts do not bury the one error: notes are a line per kind, `--notes` lists them."""
    drafts = {
        f"drug-{n}.yaml": monograph(f"Drug {n}").replace("clinician-reviewed", "draft")
        for n in range(3)
    }
    folder = content(
        write_content, tmp_path, {**drafts, "broken.yaml": monograph("Broken", extra="x: 1\n")}
    )

    assert cli.main(["check", "--content", folder]) == 1
    out, _ = capsys.readouterr()
    counted = "3 notes [review.draft]: shown by `clincalc-site check --notes`"
    assert out.splitlines()[1:] == [counted]
    assert "monographs/broken.yaml:" in out.splitlines()[0]

    assert cli.main(["check", "--content", folder, "--notes"]) == 1
    out, _ = capsys.readouterr()
    assert sum("note: status 'draft'" in line for line in out.splitlines()) == 3
