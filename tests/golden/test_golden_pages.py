"""Golden HTML: five fixture pages compared byte for byte with ``tests/golden/*.html``.

A change to a template shows up here as a reviewable diff. After an intended change run
``pytest tests/golden --update-golden`` and commit the rewritten files with the template.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

GOLDEN_DIR = Path(__file__).resolve().parent

GOLDEN_PAGES = [
    pytest.param("drugs/betaxolol/index.html", "monograph-unverified.html", id="unverified-dose"),
    pytest.param("drugs/bisoprolol/index.html", "monograph-verified.html", id="verified-dose"),
    pytest.param("drugs/atenolol/index.html", "monograph-overdue.html", id="overdue-review"),
    pytest.param("classes/beta-blocker/index.html", "class-beta-blocker.html", id="class-page"),
    pytest.param("index.html", "home.html", id="home"),
]


@pytest.mark.parametrize(("page", "golden_name"), GOLDEN_PAGES)
def test_page_matches_golden(
    fixture_site: Path, update_golden: bool, page: str, golden_name: str
) -> None:
    actual = (fixture_site / page).read_text(encoding="utf-8")
    golden = GOLDEN_DIR / golden_name
    if update_golden:
        golden.write_text(actual, encoding="utf-8", newline="\n")
        return
    assert golden.is_file(), f"{golden} is missing: run pytest tests/golden --update-golden"
    expected = golden.read_text(encoding="utf-8")
    if actual != expected:
        diff = difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            fromfile=f"tests/golden/{golden_name}",
            tofile=f"built {page}",
        )
        pytest.fail(
            "page differs from its golden copy; if the change is intended, run "
            "pytest tests/golden --update-golden and review the diff\n" + "".join(diff),
            pytrace=False,
        )
