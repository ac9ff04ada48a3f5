"""Located-error table: every file in tests/data/invalid/ holds one mistake and says where.

The first line of each fixture is ``# expect: LINE:COL CODE [text]``: the loader must report
exactly that problem (code, line and column; 0:0 means "the whole file"), and nothing else that
fails a build. Optional trailing text must appear in the message or hint. A folder is one
cross-file case: its files are loaded together and each file whose first line is an
``# expect:`` comment carries that diagnostic; the others must load cleanly.

Adding a regression case is "add a YAML file". Cases that cannot be committed as text (too
large, not UTF-8, empty, control characters) are generated at the end of this module.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from dose_fixtures import write_registry
from oracle import LoadResult, load_monographs

from clincalc_site.content.loader import MAX_FILE_BYTES
from clincalc_site.content.registry import load_registry
from clincalc_site.diagnostics import Diagnostic, Severity

INVALID = Path(__file__).resolve().parents[1] / "data" / "invalid"
CONTENT_FORMAT_DOC = Path(__file__).resolve().parents[2] / "docs" / "content-format.md"
TODAY = dt.date(2026, 11, 26)
_EXPECT = re.compile(
    r"# expect: (?P<line>\d+):(?P<col>\d+) (?P<code>[a-z_]+\.[a-z_]+) ?(?P<text>.*)"
)

# Every rule of the Foundation spec has at least one fixture (guards against deleted cases).
REQUIRED_CODES = {
    "file.bad_slug",
    "file.empty",
    "file.extension",
    "schema.unknown_field",
    "schema.missing_field",
    "schema.type",
    "schema.empty",
    "schema.not_a_mapping",
    "schema.invalid_choice",
    "schema.invalid_rxcui",
    "schema.invalid_slug",
    "schema.invalid_url",
    "yaml.unquoted_value",
    "yaml.duplicate_key",
    "yaml.anchor",
    "yaml.alias",
    "yaml.tag",
    "yaml.multiple_documents",
    "yaml.syntax",
    "yaml.too_deep",
    "yaml.datetime",
    "yaml.bad_scalar",
    "yaml.complex_key",
    "yaml.indentation",
    "yaml.comment_in_text",
    "dosing.invalid_status",
    "dosing.incomplete_verification",
    "dosing.future_date",
    # The dose contract (team.yaml and sources.yaml beside site.yaml: dose_fixtures)
    "dosing.old_source_form",
    "dosing.unknown_person",
    "dosing.not_a_verifier",
    "dosing.same_person",
    "dosing.date_order",
    "dosing.unknown_source",
    "dosing.unknown_revision",
    "dosing.revision_after_check",
    "dosing.source_revised",
    "dosing.placeholder",
    "dose.no_unit",
    "dose.unknown_unit",
    "dose.unsafe_unit",
    "dose.trailing_zero",
    "dose.naked_decimal",
    "dose.extra_text",
    "dose.bad_range",
    "dose.unknown_period",
    "dose.unsafe_abbreviation",
    "dose.latin_abbreviation",
    "prose.dose",
    "review.future_date",
    "review.overdue",
    "xref.self_link",
    "xref.unknown_target",
    "xref.duplicate_name",
    "xref.duplicate_link",
}


@dataclass(frozen=True)
class Expected:
    file: str
    line: int
    column: int
    code: str
    text: str


def read_expectation(path: Path) -> Expected | None:
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    found = _EXPECT.fullmatch(first.strip())
    if found is None:
        return None
    line, col = int(found["line"]), int(found["col"])
    return Expected(path.name, line, col, found["code"], found["text"].strip())


def expectations(case: Path) -> list[Expected]:
    files = sorted(case.iterdir()) if case.is_dir() else [case]
    return [found for found in map(read_expectation, files) if found is not None]


def failing(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """What fails a --strict build: errors and warnings (notes never do)."""
    return [d for d in diagnostics if d.severity is not Severity.NOTE]


def key(diagnostic: Diagnostic) -> tuple[str, int, int, str]:
    loc = diagnostic.location
    return Path(loc.path).name, loc.line, loc.column, diagnostic.code


def copy_case(case: Path, folder: Path) -> Path:
    if case.is_dir():
        shutil.copytree(case, folder)
    else:
        folder.mkdir()
        shutil.copy(case, folder / case.name)
    write_registry(folder.parent)  # the fictitious team and sources the verified cases name
    return folder


def load_with_registry(folder: Path) -> LoadResult:
    registry, problems = load_registry(folder.parent)
    assert problems == []
    return load_monographs(folder, TODAY, registry)


CASES = [pytest.param(path, id=path.name) for path in sorted(INVALID.iterdir())]


def test_every_fixture_declares_its_expected_diagnostic() -> None:
    for case in sorted(INVALID.iterdir()):
        assert expectations(case), f"{case.name}: no '# expect: LINE:COL CODE' first line"
        if case.is_file():
            assert len(expectations(case)) == 1


def test_the_fixtures_cover_every_rule_of_the_spec() -> None:
    covered = {found.code for case in INVALID.iterdir() for found in expectations(case)}
    covered |= {case.code for case in GENERATED_CODES}
    assert REQUIRED_CODES - covered == set()
    assert len([p for p in INVALID.iterdir() if p.is_file()]) >= 80


def test_every_code_the_fixtures_produce_is_documented_for_editors() -> None:
    doc = CONTENT_FORMAT_DOC.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z]+\.[a-z_]+)` \|", doc, re.MULTILINE))
    produced = {found.code for case in INVALID.iterdir() for found in expectations(case)}
    produced |= {case.code for case in GENERATED_CODES}

    assert produced - documented == set()


@pytest.mark.parametrize("case", CASES)
def test_invalid_file_reports_exactly_its_located_diagnostic(case: Path, tmp_path: Path) -> None:
    folder = copy_case(case, tmp_path / "monographs")

    result = load_with_registry(folder)

    expected = expectations(case)
    got = failing(result.diagnostics)
    assert sorted(map(key, got)) == sorted((e.file, e.line, e.column, e.code) for e in expected)
    for want in expected:
        (diagnostic,) = [d for d in got if key(d) == (want.file, want.line, want.column, want.code)]
        assert want.text in f"{diagnostic.message} {diagnostic.hint}"
    for diagnostic in got:
        assert diagnostic.message
        assert diagnostic.hint, f"{diagnostic.code} has no hint"
    # Fail closed: a file with an error of its own never becomes a monograph.
    # (Warnings are the exception: the monograph loads, and --strict fails the run.)
    errors = {key(d) for d in got if d.severity is Severity.ERROR}
    broken = {
        e.file
        for e in expected
        if (e.file, e.line, e.column, e.code) in errors and "xref." not in e.code
    }
    assert {Path(e.source).name for e in result.entries}.isdisjoint(broken)
    warned = {e.file for e in expected if (e.file, e.line, e.column, e.code) not in errors}
    assert warned <= {Path(e.source).name for e in result.entries}


def test_all_files_of_a_folder_are_reported_in_one_run_sorted(tmp_path: Path) -> None:
    folder = tmp_path / "monographs"
    folder.mkdir()
    singles = [case for case in sorted(INVALID.iterdir()) if case.is_file()]
    for case in singles:
        shutil.copy(case, folder / case.name)
    write_registry(tmp_path)

    result = load_with_registry(folder)

    reported = {key(d) for d in result.diagnostics}
    for case in singles:
        (want,) = expectations(case)
        assert (want.file, want.line, want.column, want.code) in reported
    positions = [(d.location.path, d.location.line, d.location.column) for d in result.diagnostics]
    assert positions == sorted(positions)
    assert {Path(d.location.path).name for d in result.diagnostics} >= {p.name for p in singles}


# Words of a parser or of Python, not of an editor: 'mapping' is 'a group of fields' to them.
JARGON = re.compile(
    r"\b(?:strings?|mappings?|scalars?|dict|str|NoneType|sequences?)\b", re.IGNORECASE
)


def test_no_message_or_hint_speaks_of_strings_mappings_or_scalars(tmp_path: Path) -> None:
    said: list[tuple[str, str]] = []  # (case, what an editor reads)
    for number, case in enumerate(sorted(INVALID.iterdir())):
        (tmp_path / str(number)).mkdir()
        result = load_with_registry(copy_case(case, tmp_path / str(number) / "monographs"))
        said += [(case.name, f"{d.message} ({d.hint})") for d in result.diagnostics]
    for number, generated in enumerate(GENERATED_CODES):
        folder = tmp_path / f"generated-{number}"
        folder.mkdir()
        (folder / generated.name).write_bytes(generated.content)
        found = load_monographs(folder, TODAY).diagnostics
        said += [(generated.name, f"{d.message} ({d.hint})") for d in found]

    assert len(said) > len(CASES)
    assert [(case, words) for case, words in said if JARGON.search(words)] == []


# --- Generated cases: bytes that should not be committed as fixture files -----------------

VALID = (INVALID / "review-overdue.yaml").read_text(encoding="utf-8").split("\n", 1)[1]


@dataclass(frozen=True)
class Generated:
    name: str
    content: bytes
    line: int
    column: int
    code: str


GENERATED_CODES = [
    Generated("empty.yaml", b"", 0, 0, "file.empty"),
    Generated("blank.yaml", b"  \n\n\t\n", 0, 0, "file.empty"),
    Generated(
        "too-large.yaml",
        b"name: Pomalidomide\nsummary: " + b"x" * MAX_FILE_BYTES + b"\n",
        0,
        0,
        "file.too_large",
    ),
    Generated(
        "latin-1.yaml",
        "name: Pomalidomide\ndrug_class: Immunomodulator\nsummary: Ménière\n".encode("latin-1"),
        3,
        11,
        "file.encoding",
    ),
    Generated("control-character.yaml", b"name: Poma\x01lidomide\n", 1, 11, "yaml.syntax"),
]


@pytest.mark.parametrize("case", [pytest.param(g, id=g.name) for g in GENERATED_CODES])
def test_generated_file_reports_its_located_diagnostic(case: Generated, tmp_path: Path) -> None:
    (tmp_path / case.name).write_bytes(case.content)

    result = load_monographs(tmp_path, TODAY)

    assert [key(d) for d in failing(result.diagnostics)] == [
        (case.name, case.line, case.column, case.code)
    ]
    assert result.diagnostics[0].hint
    assert result.entries == []


def test_file_just_under_the_size_limit_is_read(tmp_path: Path) -> None:
    padding = MAX_FILE_BYTES - len(VALID.encode()) - len("# \n")
    (tmp_path / "pomalidomide.yaml").write_text(f"# {'x' * padding}\n{VALID}", encoding="utf-8")
    assert (tmp_path / "pomalidomide.yaml").stat().st_size == MAX_FILE_BYTES

    result = load_monographs(tmp_path, TODAY)

    assert [d.code for d in failing(result.diagnostics)] == ["review.overdue"]
    assert [e.slug for e in result.entries] == ["pomalidomide"]
