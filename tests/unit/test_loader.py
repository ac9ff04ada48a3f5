"""Reading content files: discovery, file-level problems, and one run for every file."""

from __future__ import annotations

import codecs
import datetime as dt
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from oracle import load_monographs

from clincalc_site.content.loader import decode, discover_names, load_file, load_text
from clincalc_site.content.registry import load_registry
from clincalc_site.diagnostics import Severity

# The ``write_content`` fixture of tests/conftest.py.
WriteContent = Callable[[Path, dict[str, str]], Path]
TODAY = dt.date(2026, 11, 26)
VALID = """\
name: Pomalidomide
drug_class: Immunomodulator
summary: Oral immunomodulator.
mechanism: Cereblon.
review:
  status: clinician-reviewed
  date: 2026-07-04
"""


def test_valid_text_becomes_an_entry_with_its_slug_and_source() -> None:
    entry, found = load_text(VALID, "monographs/pomalidomide.yaml", "pomalidomide", TODAY)

    assert found == []
    assert entry is not None
    assert (entry.slug, entry.source, entry.monograph.name) == (
        "pomalidomide",
        "monographs/pomalidomide.yaml",
        "Pomalidomide",
    )


def test_draft_note_does_not_stop_the_monograph_loading() -> None:
    entry, found = load_text(VALID.replace("clinician-reviewed", "draft"), "p.yaml", "p", TODAY)

    assert entry is not None
    assert [d.severity for d in found] == [Severity.NOTE]


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(codecs.BOM_UTF8 + VALID.encode(), id="utf-8-bom"),
        pytest.param(VALID.replace("\n", "\r\n").encode(), id="crlf"),
        pytest.param(codecs.BOM_UTF16_LE + VALID.encode("utf-16-le"), id="utf-16-bom"),
    ],
)
def test_common_editor_encodings_are_read(raw: bytes) -> None:
    text, problem = decode(raw, "p.yaml")

    assert problem is None
    assert text is not None
    assert text.replace("\r\n", "\n") == VALID


def test_invalid_utf8_is_located_at_the_bad_byte() -> None:
    text, problem = decode(b"name: X\nsummary: caf\xe9\n", "p.yaml")

    assert text is None
    assert problem is not None
    assert (problem.code, problem.location.line, problem.location.column) == (
        "file.encoding",
        2,
        13,
    )
    assert "0xe9" in problem.message


def test_discover_lists_yaml_files_sorted_and_refuses_yml(
    tmp_path: Path, write_content: WriteContent
) -> None:
    write_content(
        tmp_path,
        {
            "b.yaml": VALID,
            "a.yaml": VALID,
            "c.yml": VALID,
            "notes.md": "x",
            ".hidden.yaml": "x",
            "sub/d.yaml": VALID,
        },
    )

    files, problems = discover_names(tmp_path)

    assert files == ["a.yaml", "b.yaml"]
    assert [(Path(p.location.path).name, p.code) for p in problems] == [("c.yml", "file.extension")]
    assert "c.yaml" in problems[0].hint


def test_symlink_pointing_outside_the_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "secret.yaml"
    outside.write_text(VALID, encoding="utf-8")
    content = tmp_path / "monographs"
    content.mkdir()
    os.symlink(outside, content / "pomalidomide.yaml")

    result = load_monographs(content, TODAY)

    assert [d.code for d in result.diagnostics] == ["file.symlink_outside"]
    assert result.entries == []


def test_missing_content_folder_is_one_clear_error(tmp_path: Path) -> None:
    result = load_monographs(tmp_path / "nowhere", TODAY)

    (problem,) = result.diagnostics
    assert (problem.code, problem.severity) == ("file.no_content", Severity.ERROR)
    assert problem.hint


def test_folder_named_like_a_monograph_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").mkdir()

    entry, found = load_file(tmp_path / "x.yaml", TODAY)

    assert entry is None
    assert [d.code for d in found] == ["file.not_a_file"]


def test_every_file_is_checked_and_good_files_still_load(
    tmp_path: Path, write_content: WriteContent
) -> None:
    write_content(
        tmp_path,
        {
            "lenalidomide.yaml": VALID.replace("Pomalidomide", "Lenalidomide"),
            "pomalidomide.yaml": VALID + "rxcui: 0123\n",
            "thalidomide.yaml": VALID.replace("Pomalidomide", "Thalidomide") + "monitorng: x\n",
        },
    )

    result = load_monographs(tmp_path, TODAY)

    assert [(Path(d.location.path).name, d.code) for d in result.diagnostics] == [
        ("pomalidomide.yaml", "yaml.unquoted_value"),
        ("thalidomide.yaml", "schema.unknown_field"),
    ]
    assert [e.slug for e in result.entries] == ["lenalidomide"]
    assert result.files == 3


def test_the_examples_in_the_content_format_doc_load_and_publish_the_verified_dose(
    tmp_path: Path,
) -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "content-format.md").read_text()
    example = re.search(r"## A full example\n\n```yaml\n(.*?)```", doc, re.DOTALL)
    verified = re.search(r"### A verified dose\n\n```yaml\n(.*?)```", doc, re.DOTALL)
    team = re.search(r"```yaml\n(# team.yaml.*?)```", doc, re.DOTALL)
    sources = re.search(r"```yaml\n(# sources.yaml.*?)```", doc, re.DOTALL)
    assert example and verified and team and sources
    folder = tmp_path
    (folder / "team.yaml").write_text(team[1], encoding="utf-8")
    (folder / "sources.yaml").write_text(sources[1], encoding="utf-8")
    registry, problems = load_registry(folder)
    assert problems == []

    entry, found = load_text(example[1], "pomalidomide.yaml", "pomalidomide", TODAY)
    assert found == []
    assert entry is not None

    text = example[1].replace("dosing:\n  status: re-sourcing\n", verified[1])
    entry, found = load_text(text, "pomalidomide.yaml", "pomalidomide", TODAY, registry)
    assert found == []
    assert entry is not None
    assert entry.dose.published is not None
    assert entry.dose.published.verifier.name == "A. Smith, MPharm"
