"""Failure mid-build: a killed build, a full disk, a failing step and two builds at once.

The promise under test: the published folder only ever holds a complete site (the one
before the build or the one after it), a failed build says why in one line and exits 1, and
the next build succeeds and leaves no temporary folders behind.
"""

from __future__ import annotations

import errno
import os
import random
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from clincalc_site.publish.output_folder import OutputError
from clincalc_site.publish.site_files import SiteFiles

from .support import (
    build,
    dump,
    group_survivors,
    monograph_doc,
    reap,
    run_cli,
    spawn_cli,
    tree,
    write_project,
)

CORPUS_SIZE = 1500
KILLS = 5
BUILD = ("build", "--content", "monographs", "--out", "_site", "--no-search")
LEFTOVER_MARKS = (".tmp-", ".old-")


def corpus_doc(index: int, revision: int) -> dict[str, object]:
    doc = monograph_doc(f"Killomycin {index:04d}", f"Synthetic class {index % 20:02d}")
    doc["summary"] = f"Synthetic monograph {index}, revision {revision}, for the kill test."
    if index % 3:
        doc.pop("dosing")
    return doc


def write_corpus(root: Path, revision: int) -> Path:
    docs = {f"killomycin-{i:04d}": corpus_doc(i, revision) for i in range(CORPUS_SIZE)}
    return write_project(root, docs)


def leftovers(folder: Path) -> list[str]:
    """Temporary folders or files a finished build must not leave beside or in its output."""
    return sorted(
        str(path.relative_to(folder))
        for path in folder.rglob("*")
        if any(mark in path.name for mark in LEFTOVER_MARKS)
    )


def clean_build(root: Path, revision: int) -> dict[str, str]:
    """The complete site of one content revision, built in a folder of its own."""
    write_corpus(root, revision)
    result = run_cli(BUILD, root, timeout=120)
    assert result.code == 0, result.output[-2000:]
    return tree(root / "_site")


@pytest.mark.slow
def test_sigkill_at_random_moments_never_leaves_a_mixed_site(tmp_path: Path) -> None:
    """Kill ``KILLS`` builds at random moments; a build that finished first is retried."""
    reference_sites = {2: clean_build(tmp_path / "reference", 2)}
    site = tmp_path / "site"
    started = time.monotonic()
    reference_sites[1] = published = clean_build(site, 1)
    duration = time.monotonic() - started  # what a build takes here; the kills aim inside it
    chooser = random.Random(int(os.environ.get("KILL_SEED", "1126")))
    kills = attempts = 0
    while kills < KILLS:
        attempts += 1
        assert attempts <= KILLS * 4, "builds keep finishing before the kill"
        revision = 2 if attempts % 2 else 1  # every attempt changes every page
        write_corpus(site, revision)
        started = time.monotonic()
        with (site / "stderr.txt").open("wb") as stderr:
            process = spawn_cli(BUILD, site, stderr=stderr, new_group=True)
            time.sleep(chooser.uniform(0.05, 0.75) * duration)
            os.kill(process.pid, signal.SIGKILL)  # a zombie ignores it; reap() then says so
            code, _, _ = reap(process, timeout=60)
        # Worker processes must not outlive the build (they would hang on, holding memory).
        assert not group_survivors(process.pid), f"orphaned workers, attempt {attempts}"
        message = (site / "stderr.txt").read_text()
        now = tree(site / "_site")
        assert now in (published, reference_sites[revision]), f"mixed site, attempt {attempts}"
        if code == -signal.SIGKILL:
            kills += 1
        else:
            assert code == 0 and now == reference_sites[revision], message
            duration = time.monotonic() - started
        published = now
    result = run_cli(BUILD, site, timeout=120)
    assert result.code == 0, result.output[-2000:]
    assert tree(site / "_site") == reference_sites[revision]
    assert leftovers(site) == []
    assert "Traceback" not in message


# --- a full disk ---------------------------------------------------------------------------


def small_project(root: Path, count: int) -> Path:
    return write_project(root, {f"drug-{i:03d}": corpus_doc(i, 1) for i in range(count)})


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs (needs root and mount); skipped where it cannot be mounted."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a 1 MiB tmpfs needs root; the RLIMIT_FSIZE test covers this")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_disk_full_on_a_tiny_tmpfs_keeps_the_previous_site(tmp_path: Path, tiny_disk: Path) -> None:
    project = tmp_path / "project"
    small_project(project, 5)
    args = ["build", "--content", "monographs", "--out", str(tiny_disk / "_site"), "--no-search"]
    assert run_cli(args, project).code == 0
    before = tree(tiny_disk / "_site")
    small_project(project, 400)  # about 4 MB of pages: cannot fit
    result = run_cli(args, project)
    assert result.code == 1, result.output[-2000:]
    assert "Traceback" not in result.output
    assert "No space left on device" in result.stderr
    assert tree(tiny_disk / "_site") == before
    assert leftovers(tiny_disk) == []


def test_file_size_limit_mid_write_keeps_the_previous_site(tmp_path: Path) -> None:
    """RLIMIT_FSIZE makes a write fail part-way (EFBIG), as a full disk does (ENOSPC)."""
    small_project(tmp_path, 5)
    assert run_cli(BUILD, tmp_path).code == 0
    before = tree(tmp_path / "_site")
    small_project(tmp_path, 50)
    doc = corpus_doc(7, 1) | {"mechanism": "A long section. " * 1200}  # a ~25 kB page
    (tmp_path / "monographs" / "drug-007.yaml").write_text(dump(doc))
    result = run_cli(BUILD, tmp_path, file_size_limit=16 * 1024)
    assert result.code == 1, result.output[-2000:]
    assert "Traceback" not in result.output
    assert "File too large" in result.stderr
    assert tree(tmp_path / "_site") == before
    assert leftovers(tmp_path) == []
    assert run_cli(BUILD, tmp_path).code == 0  # and the next build succeeds


def test_failing_finish_step_keeps_the_previous_site(tmp_path: Path) -> None:
    """A post-processing step (the search indexer) that hits a full disk."""
    content = small_project(tmp_path, 5)
    output = tmp_path / "_site"
    assert not build(content, output).failed
    before = tree(output)
    small_project(tmp_path, 8)

    def disk_full(staged: Path, files: SiteFiles) -> None:
        (staged / "search.bin").write_bytes(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OutputError, match="No space left on device"):
        build(content, output, finish=disk_full)
    assert tree(output) == before
    assert leftovers(tmp_path) == []


def test_template_error_keeps_the_previous_site(tmp_path: Path) -> None:
    content = small_project(tmp_path, 5)
    output = tmp_path / "_site"
    assert not build(content, output).failed
    before = tree(output)
    templates = tmp_path / "templates"
    shutil.copytree(Path(__file__).resolve().parents[2] / "templates", templates)
    (templates / "partials" / "dose_table.html").write_text("{{ page.no_such_field }}")
    result = build(content, output, templates_dir=templates)
    assert result.failed
    assert [d.code for d in result.diagnostics if d.code.startswith("template")] == [
        "template.error"
    ]
    assert tree(output) == before
    assert leftovers(tmp_path) == []


# --- two builds at once --------------------------------------------------------------------


@pytest.mark.parametrize("round_", range(2))
def test_two_builds_started_together_never_mix(tmp_path: Path, round_: int) -> None:
    reference = tmp_path / "reference"
    small_project(reference, 150)
    assert run_cli(BUILD, reference, timeout=120).code == 0
    project = tmp_path / "project"
    small_project(project, 150)
    processes = [
        spawn_cli(BUILD, project, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)
    ]
    results = []
    for process in processes:
        assert process.stderr is not None and process.stdout is not None
        code, _, timed_out = reap(process, timeout=120)
        results.append((code, process.stderr.read().decode()))
        process.stdout.close()
        process.stderr.close()
        assert not timed_out
    codes = sorted(code for code, _ in results)
    assert codes in ([0, 0], [0, 1]), results
    for code, message in results:
        assert "Traceback" not in message
        if code == 1:
            assert "another build is writing" in message
    assert tree(project / "_site") == tree(reference / "_site")
    assert leftovers(project) == []
