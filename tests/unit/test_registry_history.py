"""A commit to sources.yaml or team.yaml alone is a version of each monograph whose page it
changed (content/registry_history.py), worked out from a real git repository, and settled
once: a rebuild loads no monograph for a registry commit it has worked out before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dose_fixtures import SOURCES_YAML, VERIFIED_YAML, write_registry
from sitetools import git

from clincalc_site.content import registry_history
from clincalc_site.content.history import read_git_history

REVIEWED = """\
name: {name}
drug_class: Immunomodulator
summary: Oral immunomodulator (test fixture).
mechanism: Cereblon-mediated protein degradation (test fixture).
monitoring: Full blood count.
review:
  status: clinician-reviewed
  date: 2026-07-04
"""


def commit(root: Path, date: str, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    git(root, "add", ".", date=date)
    git(root, "commit", "-qm", "a developer's words", date=date)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """pomalidomide (a verified dose, against imnovid-smpc) and lenalidomide (no dose); then
    imnovid-smpc revised, then eliquis-smpc revised (named by neither)."""
    (tmp_path / "monographs").mkdir()
    write_registry(tmp_path)
    git(tmp_path, "init", "-q")
    commit(
        tmp_path,
        "2026-10-01",
        {
            "monographs/pomalidomide.yaml": REVIEWED.format(name="Pomalidomide") + VERIFIED_YAML,
            "monographs/lenalidomide.yaml": REVIEWED.format(name="Lenalidomide"),
        },
    )
    revised = SOURCES_YAML.replace("2025-03-14", "2026-10-02")
    commit(tmp_path, "2026-10-02", {"sources.yaml": revised})
    commit(tmp_path, "2026-10-03", {"sources.yaml": revised.replace("2026-01-10", "2026-10-03")})
    return tmp_path


def test_a_revised_source_is_a_version_of_the_monograph_whose_dose_it_holds_back(
    repo: Path,
) -> None:
    history = read_git_history(repo / "monographs")
    versions = history.versions["pomalidomide"]
    assert [(v.number, v.date, v.what) for v in versions] == [
        (1, "2026-10-01", "New monograph"),
        (2, "2026-10-02", "Dose held back: source revised"),
    ]
    assert versions[0].blob == versions[1].blob  # the file did not change
    assert versions[0].registry != versions[1].registry  # the registry it is decided by did
    assert history.changes["pomalidomide"][0].what == "Dose held back: source revised"
    # no dose, or a source it does not name: no version
    assert [v.number for v in history.versions["lenalidomide"]] == [1]


def test_a_registry_commit_is_worked_out_once(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    first = read_git_history(repo / "monographs", cache)
    assert (cache / registry_history.CACHE_FILE).is_file()

    def no_loading(*args: object) -> None:
        raise AssertionError("a settled registry commit was worked out again")

    monkeypatch.setattr(registry_history, "_events", no_loading)
    assert read_git_history(repo / "monographs", cache) == first
    # A later commit moves every commit's place in the log; what was settled stays settled.
    commit(repo, "2026-10-04", {"monographs/lenalidomide.yaml": REVIEWED.format(name="Len")})
    later = read_git_history(repo / "monographs", cache)
    assert later.versions["pomalidomide"] == first.versions["pomalidomide"]
    # Without the cache it is worked out again (the patched loader says so).
    with pytest.raises(AssertionError, match="worked out again"):
        read_git_history(repo / "monographs", tmp_path / "empty")


def test_a_registry_commit_with_problems_changes_nothing(repo: Path, tmp_path: Path) -> None:
    """sources.yaml broken in one commit and mended in the next: a build of the broken commit
    failed, so nothing was published under it, and neither commit is a version."""
    good = (repo / "sources.yaml").read_text(encoding="utf-8")
    before = read_git_history(repo / "monographs").versions
    commit(repo, "2026-10-04", {"sources.yaml": good.replace("title: Imnovid", "title: TODO")})
    commit(repo, "2026-10-05", {"sources.yaml": good})
    cache = tmp_path / "cache"
    for _ in range(2):  # worked out, then read back from the cache
        history = read_git_history(repo / "monographs", cache)
        assert history.versions == before
        assert history.versions["pomalidomide"][-1].registry == before["pomalidomide"][-1].registry


def test_files_added_with_the_registry_are_not_loaded_for_it(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The usual first commit holds the registry and every monograph: each file's first
    version says what it is, so none is loaded to compare (a formulary's first build would
    otherwise load every monograph twice)."""
    seen: list[list[str]] = []
    events = registry_history._events

    def recorded(in_force: dict[str, str], *args: Any) -> tuple[tuple[str, str], ...]:
        seen.append(sorted(in_force))
        return events(in_force, *args)

    monkeypatch.setattr(registry_history, "_events", recorded)
    read_git_history(repo / "monographs")
    assert seen[0] == []  # the first commit: both files added with it
    assert seen[1] == ["lenalidomide", "pomalidomide"]  # imnovid-smpc revised


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (VERIFIED_YAML, frozenset({"imnovid-smpc", "bjones", "asmith"})),
        # quoted values, as an editor may write them
        (VERIFIED_YAML.replace("document: imnovid-smpc", 'document: "imnovid-smpc"'),
         frozenset({"imnovid-smpc", "bjones", "asmith"})),
        ("dosing:\n  status: re-sourcing\n", frozenset()),  # nothing the registry decides
        ("name: Warfarin\n", frozenset()),
        # written so the line reading cannot be sure: loaded every time
        (VERIFIED_YAML.replace("  source:\n    document: imnovid-smpc\n",
                               "  source: {document: imnovid-smpc}\n"), None),
        (VERIFIED_YAML + "  verified_by: cwhite\n", None),  # twice (the file will not load)
    ],
)  # fmt: skip
def test_the_ids_a_file_names_are_read_without_loading_it(
    text: str, names: frozenset[str] | None
) -> None:
    assert registry_history.names_of(text.encode()) == names
