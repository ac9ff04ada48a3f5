"""The real pomalidomide page says what the seed page says, in the same order.

The seed (``/work/shared/seed-page-pomalidomide.txt``, with a committed copy in
``tests/data/`` for machines without the shared folder) is the page as a reader sees it. Every
line of it must appear in the visible text of ``drugs/pomalidomide/index.html``, in order.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sitetools import REPO_ROOT, build, read_page, visible_text

from clincalc_site.build.config import today_from_environment

SHARED_SEED = Path(__file__).parents[2].parent / "shared" / "seed-page-pomalidomide.txt"
COMMITTED_SEED = REPO_ROOT / "tests" / "data" / "seed-page-pomalidomide.txt"


def seed_lines() -> list[str]:
    """The seed's lines, bullets stripped and whitespace collapsed."""
    seed = SHARED_SEED if SHARED_SEED.is_file() else COMMITTED_SEED
    lines = (
        " ".join(line.strip().lstrip("•").split()) for line in seed.read_text("utf-8").splitlines()
    )
    return [line for line in lines if line]


@pytest.fixture(scope="module")
def pomalidomide_text(tmp_path_factory: pytest.TempPathFactory) -> str:
    # The real content is dated in real time, so build it at the CLI's date (the clock, or
    # SOURCE_DATE_EPOCH when set), exactly as `clincalc-site build` would.
    output = tmp_path_factory.mktemp("real-site") / "_site"
    report = build(REPO_ROOT / "monographs", output, today=today_from_environment())
    assert not report.failed, [d.format_text() for d in report.diagnostics if d.severity == "error"]
    return visible_text(read_page(output, "drugs/pomalidomide/"))


def test_seed_has_the_sections_this_test_relies_on() -> None:
    lines = seed_lines()
    assert lines[0] == "Skip to content"
    assert "Dosing — being independently re-sourced" in lines
    assert len(lines) > 20


def test_every_seed_line_appears_in_order(pomalidomide_text: str) -> None:
    position = 0
    for number, line in enumerate(seed_lines(), start=1):
        found = pomalidomide_text.find(line, position)
        if found < 0:
            elsewhere = pomalidomide_text.find(line)
            where = "earlier on the page (out of order)" if elsewhere >= 0 else "not on the page"
            pytest.fail(f"seed line {number} is {where}: {line!r}", pytrace=False)
        position = found + len(line)
