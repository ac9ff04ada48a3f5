"""The build's progress bar: late, throttled, within the terminal's width, and erasable.

A fake clock and a fake terminal (a ``StringIO`` that says it is a TTY) stand in for time and
stderr, so each test says exactly what an editor would see on screen.
"""

from __future__ import annotations

import io
import re

import pytest

from clincalc_site.build.progress import (
    ERASE,
    INTERVAL,
    TerminalProgress,
    bar_line,
    stage_counter,
    terminal_progress,
)


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class BrokenTerminal(FakeTerminal):
    """A terminal that went away (the editor closed the window mid-build)."""

    def write(self, text: str) -> int:
        raise OSError(5, "Input/output error")


def make_bar(width: int = 80) -> tuple[TerminalProgress, FakeTerminal, FakeClock]:
    stream, clock = FakeTerminal(), FakeClock()
    return TerminalProgress(stream, clock, 1.0, width=lambda: width), stream, clock


def draws(stream: io.StringIO) -> list[str]:
    """The lines drawn so far, in order (each drawing starts with a carriage return)."""
    return [part.removesuffix("\x1b[K") for part in stream.getvalue().split("\r")[1:]]


def counts(stream: io.StringIO) -> list[str]:
    """The ``done/total unit`` part of each line drawn."""
    return [re.findall(r"[\d,]+/[\d,]+ \w+", line)[0] for line in draws(stream)]


def test_nothing_is_drawn_during_the_first_second() -> None:
    bar, stream, clock = make_bar()

    for done in range(0, 5001, 25):
        clock.now += 0.00019  # 200 reports in under a second: a fast build
        bar("load", done, 5000)
    bar.clear()

    assert stream.getvalue() == ""


def test_after_a_second_the_bar_shows_stage_counts_and_time() -> None:
    bar, stream, clock = make_bar()
    clock.now += 2.1

    bar("load", 1234, 5000)

    assert stream.getvalue() == (
        "\rloading   [#######-----------------------]  1,234/5,000 files  2.1 s\x1b[K"
    )


def test_render_stage_counts_pages() -> None:
    bar, stream, clock = make_bar()
    clock.now += 3

    bar("render", 15, 20)

    assert draws(stream) == ["rendering [######################--------]  15/20 pages  3.0 s"]


def test_redraws_at_most_once_per_interval() -> None:
    bar, stream, clock = make_bar()
    clock.now += 1.5
    for done in range(100):  # 100 reports within one interval
        bar("load", done, 1000)
        clock.now += INTERVAL / 200
    assert len(draws(stream)) == 1

    clock.now += INTERVAL
    bar("load", 100, 1000)

    assert counts(stream) == ["0/1,000 files", "100/1,000 files"]


def test_a_new_stage_and_a_finished_stage_are_drawn_at_once() -> None:
    bar, stream, clock = make_bar()
    clock.now += 1.5
    bar("load", 10, 20)

    bar("load", 20, 20)
    bar("render", 0, 20)

    assert counts(stream) == ["10/20 files", "20/20 files", "0/20 pages"]


@pytest.mark.parametrize("width", [200, 80, 60, 40, 25, 10, 1])
def test_every_line_fits_the_terminal(width: int) -> None:
    bar, stream, clock = make_bar(width)
    clock.now += 12.5

    bar("load", 123_456, 1_000_000)

    (line,) = draws(stream)
    assert 0 < len(line) < width or width == 1  # the last column stays empty: no wrapping
    drawn = re.fullmatch(r"loading   \[(#*)(-*)\]  123,456/1,000,000 files  12\.5 s", line)
    if width >= 60:
        assert drawn is not None
        filled, cells = len(drawn[1]), len(drawn[1] + drawn[2])
        assert filled == cells * 123_456 // 1_000_000
    else:
        assert drawn is None
    if width >= 25:  # too narrow for a bar: the counts still fit
        assert "123,456/1,000,000" in line


def test_bar_line_is_full_when_done_and_never_overflows() -> None:
    assert "[" + "#" * 30 + "]" in bar_line("render", 7, 7, 1.0, 100)
    assert "[" + "#" * 30 + "]" in bar_line("render", 9, 7, 1.0, 100)  # more than promised
    assert "[" + "-" * 30 + "]" in bar_line("render", 0, 7, 1.0, 100)


def test_clear_erases_the_bar_so_the_next_output_starts_on_a_clean_line() -> None:
    bar, stream, clock = make_bar()
    clock.now += 1.5
    bar("load", 1, 2)

    bar.clear()
    stream.write("built 12 pages\n")

    assert stream.getvalue().endswith(f"{ERASE}built 12 pages\n")


def test_clear_writes_nothing_when_no_bar_was_drawn() -> None:
    bar, stream, _ = make_bar()
    bar("load", 1, 2)  # within the first second

    bar.clear()

    assert stream.getvalue() == ""


def test_a_terminal_that_went_away_ends_the_bar_not_the_build() -> None:
    stream, clock = BrokenTerminal(), FakeClock()
    bar = TerminalProgress(stream, clock, 0.0, width=lambda: 80)

    bar("load", 1, 2)
    bar("render", 1, 2)
    bar.clear()

    assert bar.broken


def test_no_bar_when_stderr_is_not_a_terminal() -> None:
    assert terminal_progress(io.StringIO(), {"TERM": "xterm-256color"}, delay=0) is None


def test_no_bar_on_a_dumb_terminal() -> None:
    assert terminal_progress(FakeTerminal(), {"TERM": "dumb"}, delay=0) is None


def test_a_terminal_gets_a_bar() -> None:
    stream = FakeTerminal()
    bar = terminal_progress(stream, {"TERM": "xterm-256color"}, delay=0)

    assert bar is not None
    bar("render", 3, 4)
    assert "3/4 pages" in stream.getvalue()  # a StringIO has no size: 80 columns


def test_stage_counter_adds_up_reports_from_several_workers() -> None:
    seen: list[tuple[str, int, int]] = []

    def record(stage: str, done: int, total: int) -> None:
        seen.append((stage, done, total))

    counter = stage_counter(record, "load", 60)
    assert counter is not None
    for count in (25, 25, 5, 5):  # two workers, 30 files each
        counter(count)

    assert seen == [("load", 0, 60), ("load", 25, 60), ("load", 50, 60), ("load", 55, 60),
                    ("load", 60, 60)]  # fmt: skip
    assert stage_counter(None, "load", 60) is None
