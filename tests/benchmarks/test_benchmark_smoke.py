"""Smoke test for the benchmark tooling: a 50-monograph corpus checks, builds and benchmarks.

The real benchmark (``benchmarks/run.py`` with peers, thousands of pages) is run on purpose
and never here; this only proves the tooling still works against the current build.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BENCHMARKS = REPO / "benchmarks"
CLINCALC = Path(sys.executable).parent / "clincalc-site"
SIZE = 50


def run(*command: str | Path | int, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=REPO,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1780272000"},  # 2026-06-01
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    content = tmp_path_factory.mktemp("corpus") / "content"
    result = run(sys.executable, BENCHMARKS / "generate_corpus.py", SIZE, content, "--seed", 7)
    assert result.returncode == 0, result.stderr
    return content


def test_generated_corpus_has_fake_names_and_is_deterministic(corpus: Path, tmp_path: Path) -> None:
    files = sorted(corpus.glob("*.yaml"))
    assert len(files) == SIZE
    assert files[0].name == "benchmarin-00006.yaml"
    again = tmp_path / "again"
    result = run(sys.executable, BENCHMARKS / "generate_corpus.py", SIZE, again, "--seed", 7)
    assert result.returncode == 0, result.stderr
    assert [f.read_bytes() for f in files] == [(again / f.name).read_bytes() for f in files], (
        "the same seed must give byte-identical files"
    )


def test_generator_refuses_the_real_formulary_and_non_empty_folders(corpus: Path) -> None:
    real = run(sys.executable, BENCHMARKS / "generate_corpus.py", 1, REPO / "monographs")
    assert real.returncode == 2
    assert "formulary" in real.stderr
    busy = run(sys.executable, BENCHMARKS / "generate_corpus.py", 1, corpus)
    assert busy.returncode == 2
    assert "not empty" in busy.stderr


def test_clincalc_checks_and_builds_the_corpus(corpus: Path, tmp_path: Path) -> None:
    check = run(CLINCALC, "check", "--content", corpus)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "0 errors" in check.stderr
    out = tmp_path / "site"
    build = run(CLINCALC, "build", "--content", corpus, "--out", out, "--no-search")
    assert build.returncode == 0, build.stdout + build.stderr
    assert len(list((out / "drugs").glob("*/index.html"))) == SIZE


def test_run_py_benchmarks_clincalc_quickly(tmp_path: Path) -> None:
    started = time.perf_counter()
    result = run(
        sys.executable,
        BENCHMARKS / "run.py",
        "--sizes",
        SIZE,
        "--runs",
        1,
        "--only-clincalc",
        "--work-dir",
        tmp_path,
        timeout=180,
    )
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, result.stdout + result.stderr
    assert elapsed < 180
    rows = [line for line in result.stdout.splitlines() if line.startswith(f"| {SIZE} |")]
    assert any("| clincalc-site | build, cold |" in row for row in rows), result.stdout
    assert not any(tool in result.stdout for tool in ("hugo", "eleventy", "pelican", "mkdocs"))
    assert list(tmp_path.glob("results-*.json")), "the results file is written"
    # The reader's rows: the default build read in headless Chromium.
    reader = result.stdout[result.stdout.index(f"Reader, N={SIZE}") :]
    for measure in ("home html gz", "type-ahead keystroke median", "results 'receptor' bytes gz"):
        assert f"| {measure} |" in reader, reader
