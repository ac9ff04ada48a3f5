"""Workers report how many files they have loaded, in small groups, wherever they run.

The counts from all workers must add up to the number of files (the bar ends full, never past
full), arrive while the work goes on (not in one lump at the end), and leave results and
failures exactly as they were without them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from clincalc_site.build.config import DEFAULT_TEMPLATES
from clincalc_site.build.workers import (
    PROGRESS_EVERY,
    LoadFiles,
    LocalWorkers,
    ProcessWorkers,
    WorkerError,
    Workers,
    split,
)

TODAY = dt.date(2026, 11, 26)
FILES = 130  # 65 per worker of two: two full groups and a remainder each


@pytest.fixture
def paths(tmp_path: Path) -> list[str]:
    """Files to load; invalid ones load too (into records with diagnostics), and faster."""
    folder = tmp_path / "monographs"
    folder.mkdir()
    names = [folder / f"drug-{number:03}.yaml" for number in range(FILES)]
    for name in names:
        name.write_text(f"name: Drug {name.stem}\n", encoding="utf-8")
    return [str(name) for name in names]


@pytest.fixture(params=["processes", "in-process"])
def workers(request: pytest.FixtureRequest) -> Iterator[Workers]:
    pool: Workers = (
        ProcessWorkers(2, (DEFAULT_TEMPLATES,), TODAY)
        if request.param == "processes"
        else LocalWorkers((DEFAULT_TEMPLATES,), TODAY)
    )
    try:
        yield pool
    finally:
        pool.close()


def test_progress_counts_add_up_to_the_files_loaded(workers: Workers, paths: list[str]) -> None:
    counts: list[int] = []

    batches = workers.run([LoadFiles(b) for b in split(paths, workers.count)], counts.append)

    assert sum(counts) == FILES == sum(len(batch) for batch in batches)
    assert all(0 < count <= PROGRESS_EVERY for count in counts)
    assert len(counts) >= FILES // PROGRESS_EVERY  # as the work goes on, not once at the end


def test_progress_changes_no_result(workers: Workers, paths: list[str]) -> None:
    calls = [LoadFiles(batch, keep=False) for batch in split(paths, workers.count)]

    quiet = workers.run(calls)
    told = workers.run(calls, lambda count: None)

    assert told == quiet
    assert [record.shown for batch in told for record in batch] == [
        record.shown for batch in quiet for record in batch
    ]


def test_submit_and_collect_report_progress(workers: Workers, paths: list[str]) -> None:
    counts: list[int] = []

    workers.submit([LoadFiles(b) for b in split(paths, workers.count)])
    workers.collect(counts.append)

    assert sum(counts) == FILES


def test_a_failing_worker_still_fails_the_call_and_leaves_the_pipes_clean(
    paths: list[str],
) -> None:
    workers = ProcessWorkers(2, (DEFAULT_TEMPLATES,), TODAY)
    try:
        counts: list[int] = []
        broken = LoadFiles(cast(Any, None))  # a bug in the caller: the worker raises TypeError
        with pytest.raises(WorkerError, match="TypeError"):
            workers.run([LoadFiles(paths), broken], counts.append)
        assert sum(counts) == FILES  # the other worker's progress still arrived

        again = workers.run([LoadFiles(b) for b in split(paths, 2)])  # nothing stale read
        assert sum(len(batch) for batch in again) == FILES
    finally:
        workers.close()
