"""docs/content-format.md stays true: its example loads and it lists every code the loader gives."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from clincalc_site.loader import load_text
from tests.unit.test_invalid_files import GENERATED_CODES, INVALID, expectations

DOC = Path(__file__).resolve().parents[2] / "docs" / "content-format.md"


def test_full_example_is_a_valid_verified_monograph() -> None:
    example = re.search(r"## A full example\n\n```yaml\n(.*?)```", DOC.read_text(), re.DOTALL)
    assert example is not None

    entry, diagnostics = load_text(
        example[1], "pomalidomide.yaml", "pomalidomide", dt.date(2026, 11, 26)
    )

    assert diagnostics == []
    assert entry is not None
    assert entry.monograph.published_dose is not None


def test_every_code_the_fixtures_produce_is_documented() -> None:
    documented = set(re.findall(r"^\| `([a-z]+\.[a-z_]+)` \|", DOC.read_text(), re.MULTILINE))
    produced = {e.code for case in INVALID.iterdir() for e in expectations(case)}
    produced |= {g.code for g in GENERATED_CODES}

    assert produced - documented == set()
