"""A one-line progress bar on a terminal, for builds long enough to want one.

Stage: build/ (docs/architecture.md): the build reports progress; the interface draws it.

The pipeline reports ``(stage, done, total)`` through a ``Progress`` callable and does not know
who listens. ``TerminalProgress`` draws it on stderr, but only on a real terminal and only once
the build has run for a second, so CI logs, pipes and fast builds print exactly what they did
before the bar existed.
"""

from __future__ import annotations

import io
import os
import shutil
import time
from collections.abc import Callable, Mapping
from typing import Protocol, TextIO

DELAY = 1.0  # seconds a build runs before the bar appears: a fast build never flickers one
INTERVAL = 0.1  # seconds between redraws, at most
ERASE = "\r\x1b[K"  # back to the start of the line, then clear to its end
BAR_MAX = 30  # cells of the bar itself; wider is no easier to read
BAR_MIN = 5  # below this the bar says nothing: show the counts only

# What a stage is called on screen, and what it counts.
STAGES: dict[str, tuple[str, str]] = {
    "load": ("loading", "files"),
    "render": ("rendering", "pages"),
}


class Progress(Protocol):
    """Told, now and then, that ``done`` of the ``total`` items of ``stage`` are finished."""

    def __call__(self, stage: str, done: int, total: int) -> None: ...


def stage_counter(
    progress: Progress | None, stage: str, total: int
) -> Callable[[int], None] | None:
    """A callback that adds up counts of newly finished items (from any number of workers)
    and reports the running sum to ``progress``; None when nobody listens.

    Reports ``0`` of ``total`` at once, so a stage that has not finished anything yet still
    shows which stage the build is in.
    """
    if progress is None:
        return None
    done = 0

    def add(count: int) -> None:
        nonlocal done
        done += count
        progress(stage, done, total)

    progress(stage, 0, total)
    return add


def terminal_progress(
    stream: TextIO,
    environ: Mapping[str, str] = os.environ,
    *,
    delay: float = DELAY,
    clock: Callable[[], float] = time.monotonic,
) -> TerminalProgress | None:
    """A bar on ``stream`` when it is a terminal that can move the cursor, else None."""
    if environ.get("TERM", "") == "dumb" or not stream.isatty():
        return None
    return TerminalProgress(stream, clock, delay, width=lambda: terminal_width(stream))


def terminal_width(stream: TextIO) -> int:
    """The columns of the terminal ``stream`` is on.

    ``shutil.get_terminal_size`` asks about stdout, which ``build > log`` redirects while
    stderr, where the bar goes, is still the terminal; so ask about ``stream`` first. A
    terminal that says 0 (a pseudo-terminal nobody sized) gets shutil's answer (80 at worst).
    """
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, io.UnsupportedOperation):
        columns = 0
    return columns if columns > 0 else shutil.get_terminal_size().columns


class TerminalProgress:
    """Draws ``Progress`` reports as one line, redrawn in place with ``\\r``.

    Nothing is drawn until ``delay`` seconds after it was made, and then at most once per
    ``INTERVAL`` (and whenever the stage changes or finishes), so a report costs a clock read.
    Call ``clear`` before printing anything else: it erases the line the bar was on. A
    terminal that goes away mid-build ends the bar, never the build.
    """

    def __init__(
        self,
        stream: TextIO,
        clock: Callable[[], float] = time.monotonic,
        delay: float = DELAY,
        *,
        width: Callable[[], int] = lambda: shutil.get_terminal_size().columns,
    ) -> None:
        self.stream = stream
        self.clock = clock
        self.delay = delay
        self.width = width
        self.started = clock()
        self.drawn_at: float | None = None  # None: nothing on screen
        self.stage = ""
        self.broken = False  # the stream refused a write: draw nothing more

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = self.clock()
        elapsed = now - self.started
        if elapsed < self.delay or self.broken:
            return
        fresh = stage != self.stage or done >= total
        if not fresh and self.drawn_at is not None and now - self.drawn_at < INTERVAL:
            return
        self.stage = stage
        self.drawn_at = now
        # The terminal's last column is left empty: writing it makes some terminals wrap.
        line = bar_line(stage, done, total, elapsed, max(self.width() - 1, 1))
        self._write(f"\r{line}\x1b[K")

    def clear(self) -> None:
        """Erase the bar, if one is on screen (the cursor is then at the start of the line)."""
        if self.drawn_at is None:
            return
        self.drawn_at = None
        self.stage = ""
        self._write(ERASE)

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # a closed terminal or stream
            self.broken = True


def bar_line(stage: str, done: int, total: int, seconds: float, width: int) -> str:
    """``loading   [#####-----]  1,234/5,000 files  2.1 s``, at most ``width`` characters."""
    label, unit = STAGES.get(stage, (stage, "items"))
    done = max(0, min(done, total))
    counts = f"{done:,}/{total:,} {unit}  {seconds:.1f} s"
    head = f"{label:<9} "
    cells = min(BAR_MAX, width - len(head) - len(counts) - 4)  # 4: brackets and two spaces
    if cells >= BAR_MIN:
        filled = cells * done // total if total else cells
        return f"{head}[{'#' * filled}{'-' * (cells - filled)}]  {counts}"
    # Too narrow for a bar: the counts alone say the most in the least room.
    for line in (f"{label} {counts}", f"{label} {done:,}/{total:,}", f"{done:,}/{total:,}"):
        if len(line) <= width:
            return line
    return line[:width]
