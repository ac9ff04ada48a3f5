"""The word-by-word comparison of the history pages and the notice of the archive pages."""

from __future__ import annotations

import pytest
from dose_fixtures import REGIMEN, monograph, verified

from clincalc_site.content.history import MonographVersion
from clincalc_site.render.archive_views import (
    UNLOADABLE,
    archive_notice,
    archive_url,
    history_url,
    section_diffs,
)
from clincalc_site.render.word_diff import changed, diff_words, tokens

REMOVED = '<del><span class="visually-hidden">removed: </span>'
ADDED = '<ins><span class="visually-hidden">added: </span>'


def test_tokens_give_the_text_back() -> None:
    text = "Monitor  the full\nblood count (FBC), weekly."
    assert "".join(tokens(text)) == text
    assert tokens("count weekly.") == ["count", " ", "weekly", "."]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param("same words", "same words", "same words", id="unchanged"),
        pytest.param(
            "Monitor the count.", "Monitor the count weekly.",
            f"Monitor the count {ADDED}weekly</ins>.", id="added-before-a-full-stop",
        ),
        pytest.param(
            "Monitor the full count.", "Monitor the count.",
            f"Monitor the {REMOVED}full</del> count.", id="removed",
        ),
        pytest.param(
            "Take with food.", "Take with water.",
            f"Take with {REMOVED}food</del>{ADDED}water</ins>.", id="replaced",
        ),
        pytest.param("a  b", "a b", "a b", id="spacing-only"),
        pytest.param(
            "x", "x <script>&", f"x {ADDED}&lt;script&gt;&amp;</ins>", id="escaped",
        ),
    ],
)  # fmt: skip
def test_diff_words(old: str, new: str, expected: str) -> None:
    assert str(diff_words(old, new)) == expected


def test_changed_ignores_spacing() -> None:
    assert not changed("a  b\n", "a b")
    assert changed("a b", "a c")


def test_section_diffs_compare_prose_and_never_the_dose() -> None:
    before = monograph()
    after = before.model_copy(update={"summary": "Oral immunomodulator, once daily."})
    diffs = section_diffs(before, after)
    assert [d.heading for d in diffs] == ["Summary"]
    assert f"{ADDED}, once daily</ins>." in str(diffs[0].html)
    assert section_diffs(None, after) == ()
    assert section_diffs(before, before) == ()
    dosed = monograph(verified())
    redosed = monograph(verified(regimens=[{**REGIMEN, "dose": "2 mg"}]))
    assert section_diffs(dosed, redosed) == ()  # said in words ("Dose revised"), never shown


VERSIONS = (
    MonographVersion(1, "2026-10-01", "a" * 40),
    MonographVersion(2, "2026-10-02", "b" * 40),
    MonographVersion(3, "2026-10-03", "c" * 40),
)


def test_notice_of_a_superseded_version_with_the_current_dose() -> None:
    notice = archive_notice("poma", VERSIONS, 1, True, ("dose-x", "dose-x"))
    assert (notice.number, notice.until, notice.withdrawn) == (2, "2026-10-03", False)
    assert notice.dose_shown and notice.dose_current
    assert notice.current_url == "drugs/poma/" and notice.history_url == history_url("poma")


def test_notice_of_a_dose_since_changed_or_never_published() -> None:
    changed_dose = archive_notice("poma", VERSIONS, 0, True, ("dose-x", "dose-y"))
    assert changed_dose.dose_shown and not changed_dose.dose_current
    none_now = archive_notice("poma", VERSIONS, 0, True, ("dose-x", ""))
    assert none_now.dose_shown and not none_now.dose_current
    never = archive_notice("poma", VERSIONS, 0, True, ("", ""))
    assert not never.dose_shown and not never.dose_current
    unloadable = archive_notice("poma", VERSIONS, 0, True, (UNLOADABLE, UNLOADABLE))
    assert not unloadable.dose_shown


def test_notice_of_a_withdrawn_monograph() -> None:
    last = archive_notice("poma", VERSIONS, 2, False, ("dose-x", None))
    assert last.withdrawn and last.until == "" and last.dose_shown and not last.dose_current
    earlier = archive_notice("poma", VERSIONS, 0, False, ("", None))
    assert earlier.withdrawn and earlier.until == "2026-10-02"
    assert archive_url("poma", 2) == "drugs/poma/v/2/"


def test_a_withdrawal_ends_a_version() -> None:
    ends = {3: "2026-10-09", 1: "2026-10-01"}
    last = archive_notice("poma", VERSIONS, 2, False, ("", None), ends)
    assert (last.until, last.withdrawn_on, last.withdrawn) == ("2026-10-09", "2026-10-09", True)
    # deleted the day it was added, added again the next day: ended by the withdrawal
    first = archive_notice("poma", VERSIONS, 0, True, ("", ""), ends)
    assert (first.until, first.withdrawn_on, first.withdrawn) == ("2026-10-01", "2026-10-01", False)
    second = archive_notice("poma", VERSIONS, 1, True, ("", ""), ends)
    assert (second.until, second.withdrawn_on) == ("2026-10-03", "")
