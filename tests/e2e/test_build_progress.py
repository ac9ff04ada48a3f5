"""`clincalc-site build` shows a progress bar on a terminal and nowhere else.

On a terminal the bar is drawn on stderr, redrawn in place, and erased before the summary; in
a pipe (a CI log) stderr is exactly what it was before the bar existed. The pipeline reports
every file loaded and every page rendered, whichever workers did the work, and what it writes
does not depend on whether anyone watches.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from sitetools import snapshot

from clincalc_site.build import pipeline
from clincalc_site.build.config import BuildConfig
from clincalc_site.build.pipeline import BuildOptions
from clincalc_site.build.progress import ERASE

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "benchmarks" / "generate_corpus.py"
TODAY = dt.date(2026, 11, 26)
MONOGRAPHS = 60
COLUMNS = 72
SUMMARY = re.compile(
    r"built \d+ pages into \S+ in [\d.]+ s: 60 monographs \(.*; "
    r"monograph pages rendered 60, reused 0"
)
# every generated monograph is a draft: build counts their notes in one line
NOTE = re.compile(
    r"\d+ notes? \[[a-z_.]+\]: (listed in \S+ and )?shown by `clincalc-site check --notes`"
)


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "monographs"
    subprocess.run(
        [sys.executable, str(GENERATOR), str(MONOGRAPHS), str(folder)],
        check=True,
        capture_output=True,
    )
    return folder


class Recorder:
    def __init__(self) -> None:
        self.reports: list[tuple[str, int, int]] = []

    def __call__(self, stage: str, done: int, total: int) -> None:
        self.reports.append((stage, done, total))

    def stage(self, name: str) -> list[tuple[int, int]]:
        return [(done, total) for stage, done, total in self.reports if stage == name]


@pytest.mark.parametrize("jobs", [1, 2], ids=["in-process", "worker-processes"])
def test_the_build_reports_every_file_and_page_and_writes_the_same_site(
    tmp_path: Path, content: Path, jobs: int
) -> None:
    recorder = Recorder()

    def config(out: str) -> BuildConfig:
        return BuildConfig(content_dir=content, output_dir=tmp_path / out, today=TODAY)

    watched = pipeline.build(
        config("watched"), options=BuildOptions(jobs=jobs, threshold=1, progress=recorder)
    )
    unwatched = pipeline.build(config("unwatched"), options=BuildOptions(jobs=jobs, threshold=1))

    assert not watched.failed and not unwatched.failed and watched.rendered == MONOGRAPHS
    loads, renders = recorder.stage("load"), recorder.stage("render")
    assert loads[0] == (0, MONOGRAPHS) and loads[-1] == (MONOGRAPHS, MONOGRAPHS)
    assert renders[0] == (0, MONOGRAPHS) and renders[-1] == (MONOGRAPHS, MONOGRAPHS)
    for counts in (loads, renders):
        done = [d for d, _ in counts]
        assert done == sorted(done) and len(done) > 2  # rises in steps, never back
    assert snapshot(tmp_path / "watched") == snapshot(tmp_path / "unwatched")


def cli(content: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "clincalc_site", "build", "--content", str(content),
            "--out", str(out), "--no-search"]  # fmt: skip


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    return {**env, "TERM": "xterm-256color", **extra}


def test_no_bar_when_stderr_is_a_pipe(tmp_path: Path, content: Path) -> None:
    # Delay 0: the bar would show at once, so only the pipe can be what keeps it away.
    result = subprocess.run(
        cli(content, tmp_path / "out"),
        env=environment(CLINCALC_PROGRESS_DELAY="0"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stderr and "\x1b" not in result.stderr
    assert "loading" not in result.stderr and "rendering" not in result.stderr
    assert SUMMARY.fullmatch(result.stderr.strip())


def run_on_terminal(command: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run ``command`` with stdout and stderr on a new pseudo-terminal; what it showed."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, COLUMNS, 0, 0))
    try:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower, env=env
        )
    finally:
        os.close(follower)
    shown = bytearray()
    try:
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: every writer to the terminal has gone
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(leader)
    return process.wait(timeout=60), shown.decode("utf-8")


def problems_then_summary(text: str) -> bool:
    """Whether ``text`` is the problems (stdout) and then the summary line, nothing else."""
    *problems, summary = text.replace("\r\n", "\n").strip().split("\n")
    return bool(SUMMARY.fullmatch(summary)) and all(
        NOTE.fullmatch(p) or ": note: " in p for p in problems
    )


def test_bar_on_a_terminal_is_drawn_in_place_and_erased_before_the_summary(
    tmp_path: Path, content: Path
) -> None:
    code, shown = run_on_terminal(
        cli(content, tmp_path / "out"), environment(CLINCALC_PROGRESS_DELAY="0")
    )

    assert code == 0, shown
    *drawn, after = shown.split(ERASE)  # only clearing the bar writes a bare erase
    bars = [line for part in drawn for line in part.split("\r") if line]
    assert any(re.search(r"^loading   \[.*\]  60/60 files", bar) for bar in bars), shown
    assert any(re.search(r"^rendering \[.*\]  60/60 pages", bar) for bar in bars), shown
    assert all(bar.endswith("\x1b[K") and len(bar) - 3 < COLUMNS for bar in bars), bars
    assert "\x1b" not in after and "\r" not in after.replace("\r\n", "")  # no bar after it
    assert problems_then_summary(after), after


def test_a_failed_build_erases_the_bar_before_its_errors(tmp_path: Path, content: Path) -> None:
    (content / "broken.yaml").write_text("name: [unclosed\n", encoding="utf-8")

    code, shown = run_on_terminal(
        cli(content, tmp_path / "out"), environment(CLINCALC_PROGRESS_DELAY="0")
    )

    assert code == 1, shown
    *drawn, after = shown.split(ERASE)
    assert any("files" in part for part in drawn), shown  # a bar was drawn, then erased
    assert "\x1b" not in after and "\r" not in after.replace("\r\n", "")
    *problems, last = after.replace("\r\n", "\n").strip().split("\n")
    assert any(
        re.fullmatch(r"\S+/broken\.yaml:2:1: error: the list opened .*", p) for p in problems
    )
    assert all(
        re.fullmatch(r"\S+\.yaml:\d+:\d+: error: .*", p) or NOTE.fullmatch(p) or ": note: " in p
        for p in problems
    )
    assert last == f"build failed: {tmp_path / 'out'} was not changed", after


def test_no_bar_before_the_delay(tmp_path: Path, content: Path) -> None:
    # A build that ends before the delay leaves the terminal exactly as a pipe would get it.
    code, shown = run_on_terminal(
        cli(content, tmp_path / "out"), environment(CLINCALC_PROGRESS_DELAY="3600")
    )

    assert code == 0, shown
    assert "\x1b" not in shown and "\r" not in shown.replace("\r\n", "")
    assert problems_then_summary(shown), shown
