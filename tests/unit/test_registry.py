"""team.yaml and sources.yaml: read, validated and located like monographs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from dose_fixtures import SOURCES_YAML, TEAM_YAML

from clincalc_site.content.registry import load_registry


def problems_of(tmp_path: Path, name: str, text: str) -> list[tuple[str, int, int, str, str]]:
    (tmp_path / name).write_text(text, encoding="utf-8")
    registry, problems = load_registry(tmp_path)
    assert (not registry.people and not registry.sources) or not problems
    return [
        (Path(d.location.path).name, d.location.line, d.location.column, d.code,
         f"{d.message} {d.hint}")
        for d in problems
    ]  # fmt: skip


def test_both_files_load_into_one_registry(tmp_path: Path) -> None:
    (tmp_path / "team.yaml").write_text(TEAM_YAML, encoding="utf-8")
    (tmp_path / "sources.yaml").write_text(SOURCES_YAML, encoding="utf-8")

    registry, problems = load_registry(tmp_path)

    assert problems == []
    assert sorted(registry.people) == ["asmith", "bjones", "cwhite"]
    assert registry.people["asmith"].verifier is True
    assert registry.people["bjones"].verifier is False  # the default
    assert registry.sources["imnovid-smpc"].revision == dt.date(2025, 3, 14)


def test_a_formulary_sized_sources_file_loads(tmp_path: Path) -> None:
    """A document for each of 5,000 products (about 25,000 values): a monograph's limit of
    10,000 values once stopped sources.yaml at about 1,100 documents."""
    documents = "".join(
        f"smpc-{k}:\n  title: Product {k} SmPC\n"
        f"  url: https://www.medicines.org.uk/emc/product/{k}/smpc\n  revision: 2025-03-14\n"
        for k in range(5000)
    )
    (tmp_path / "sources.yaml").write_text(documents, encoding="utf-8")
    registry, problems = load_registry(tmp_path)
    assert problems == [] and len(registry.sources) == 5000


def test_missing_files_are_an_empty_registry(tmp_path: Path) -> None:
    registry, problems = load_registry(tmp_path)
    assert (dict(registry.people), dict(registry.sources), problems) == ({}, {}, [])


def test_the_digest_changes_with_a_revision(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text(SOURCES_YAML, encoding="utf-8")
    before = load_registry(tmp_path)[0].digest
    (tmp_path / "sources.yaml").write_text(
        SOURCES_YAML.replace("2025-03-14", "2025-03-15"), encoding="utf-8"
    )
    assert load_registry(tmp_path)[0].digest != before


TEAM_CASES = [
    pytest.param(
        "people:\n  - {id: asmith, name: A. Smith, role: Pharmacist}\n"
        "  - {id: asmith, name: A. Smyth, role: Technician}\n",
        (3, 10, "registry.duplicate_id", "already used by A. Smith"),
        id="duplicate-id",
    ),
    pytest.param(
        "people:\n  - id: asmith\n    name: A. Smith\n    role: Pharmacist\n    verfier: true\n",
        (5, 5, "schema.unknown_field", "did you mean 'verifier'"),
        id="misspelt-field",
    ),
    pytest.param(
        "people:\n  - id: asmith\n    role: Pharmacist\n",
        (2, 5, "schema.missing_field", "'name'"),
        id="missing-name",
    ),
    pytest.param(
        "people:\n  - id: asmith\n    name: TODO\n    role: Pharmacist\n",
        (3, 11, "registry.placeholder", "'TODO' is a placeholder"),
        id="placeholder-name",
    ),
    pytest.param(
        'people:\n  - id: asmith\n    name: A. Smith\n    role: Pharmacist\n    verifier: "yes"\n',
        (5, 15, "schema.type", "true or false"),
        id="verifier-not-a-boolean",
    ),
    pytest.param(
        "people:\n  - id: A Smith\n    name: A. Smith\n    role: Pharmacist\n",
        (2, 9, "schema.invalid", "lowercase letters and digits"),
        id="id-with-a-space",
    ),
    pytest.param("- asmith\n", (1, 1, "schema.not_a_mapping", "left margin"), id="a-list"),
]


@pytest.mark.parametrize(("text", "expected"), TEAM_CASES)
def test_team_file_problems_are_located(
    tmp_path: Path, text: str, expected: tuple[int, int, str, str]
) -> None:
    line, column, code, words = expected
    (found,) = problems_of(tmp_path, "team.yaml", text)
    assert found[:4] == ("team.yaml", line, column, code)
    assert words in found[4]


SOURCE_CASES = [
    pytest.param(
        "Imnovid SmPC:\n  title: Imnovid\n  url: https://www.medicines.org.uk/emc/1\n"
        "  revision: 2025-03-14\n",
        (1, 1, "registry.bad_id", "lowercase"),
        id="id-with-spaces",
    ),
    pytest.param(
        "imnovid-smpc:\n  title: Imnovid\n  url: ftp://www.medicines.org.uk/emc/1\n"
        "  revision: 2025-03-14\n",
        (3, 8, "schema.invalid_url", "https://"),
        id="ftp-address",
    ),
    pytest.param(
        "imnovid-smpc:\n  title: Imnovid\n  url: https://www.medicines.org.uk/emc/1\n"
        "  revision: March 2025\n",
        (4, 13, "schema.type", "YYYY-MM-DD"),
        id="revision-in-words",
    ),
    pytest.param(
        "imnovid-smpc:\n  title: Imnovid\n  url: https://www.medicines.org.uk/emc/1\n",
        (1, 1, "schema.missing_field", "'revision'"),
        id="no-revision",
    ),
    pytest.param(
        "imnovid-smpc:\n  title: TBC\n  url: https://www.medicines.org.uk/emc/1\n"
        "  revision: 2025-03-14\n",
        (2, 10, "registry.placeholder", "'TBC'"),
        id="placeholder-title",
    ),
    pytest.param(
        "imnovid-smpc:\n  title: Imnovid\n  url: https://example.org/smpc\n"
        "  revision: 2025-03-14\n",
        (3, 8, "registry.placeholder", "example.org"),
        id="example-address",
    ),
    pytest.param(
        "imnovid-smpc:\n  title: Imnovid\n  title: Imnovid again\n",
        (3, 3, "yaml.duplicate_key", "title"),
        id="duplicate-key",
    ),
]


@pytest.mark.parametrize(("text", "expected"), SOURCE_CASES)
def test_sources_file_problems_are_located(
    tmp_path: Path, text: str, expected: tuple[int, int, str, str]
) -> None:
    line, column, code, words = expected
    (found,) = problems_of(tmp_path, "sources.yaml", text)
    assert found[:4] == ("sources.yaml", line, column, code)
    assert words in found[4]
