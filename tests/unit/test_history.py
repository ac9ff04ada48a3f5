"""Parsing git history into per-monograph change lists."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from clincalc_site.content.history import MAX_CHANGES, parse_log, read_history

RS, US = "\x1e", "\x1f"


def test_parse_log_maps_files_to_changes_newest_first() -> None:
    text = (
        f"{RS}bbb{US}2026-11-02{US}Fix warfarin monitoring\n\nwarfarin.yaml\n"
        f"{RS}aaa{US}2026-10-01{US}Add two monographs\n\nwarfarin.yaml\napixaban.yaml\nREADME.md\n"
    )
    history = parse_log(text)
    assert [c.subject for c in history["warfarin"]] == [
        "Fix warfarin monitoring",
        "Add two monographs",
    ]
    assert history["apixaban"][0].date == "2026-10-01"
    assert "README" not in history


def test_parse_log_keeps_at_most_the_newest_changes() -> None:
    text = "".join(f"{RS}c{i}{US}2026-01-01{US}edit {i}\n\nx.yaml\n" for i in range(25))
    assert [c.subject for c in parse_log(text)["x"]] == [f"edit {i}" for i in range(MAX_CHANGES)]


def test_read_history_outside_git_is_empty(tmp_path: Path) -> None:
    assert read_history(tmp_path) == {}


def test_read_history_from_a_real_repository(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    try:
        git("init", "-q")
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("git is not available")
    git("config", "user.email", "editor@example.org")
    git("config", "user.name", "Editor")
    content = tmp_path / "monographs"
    content.mkdir()
    (content / "warfarin.yaml").write_text("name: Warfarin\n", encoding="utf-8")
    git("add", ".")
    git("commit", "-qm", "Add warfarin")
    (content / "warfarin.yaml").write_text("name: Warfarin \n", encoding="utf-8")
    git("commit", "-qam", "Tidy warfarin")
    history = read_history(content)
    assert [c.subject for c in history["warfarin"]] == ["Tidy warfarin", "Add warfarin"]
