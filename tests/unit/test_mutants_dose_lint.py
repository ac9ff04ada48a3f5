"""Dose notation lint, pinned where mutation testing found it loose (docs/testing.md).

What an editor relies on: every unsafe notation is reported (two kinds at one place, two of
one kind side by side, a repeat after one already reported), the message says why it is
unsafe and what to write instead, and the located warning points at the notation in every
YAML scalar style (plain, quoted, literal and folded blocks, a flow mapping on line 1).
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterator

import pytest

from clincalc_site.content import dose_lint
from clincalc_site.content.loader import load_text
from clincalc_site.diagnostics import Location

TODAY = dt.date(2026, 11, 26)
UNSAFE, LATIN = "dose.unsafe_abbreviation", "dose.latin_abbreviation"
TRAILING, NAKED = "dose.trailing_zero", "dose.naked_decimal"


@pytest.fixture
def rules_built_now() -> Iterator[None]:
    """The lint's rule table, built again for this test.

    ``dose_lint`` builds its table (``_word``, ``_after_number``, ``_spell_out``) once, on
    import. Building it again inside the test makes the test exercise the code that builds
    it, not only a table built before the test ran: a mutation tool that switches code on
    after import (mutmut 3 forks its workers from a process that imported everything) sees
    its change. The functions read the table when called, so nothing else changes.
    """
    importlib.reload(dose_lint)
    yield
    importlib.reload(dose_lint)


def found(text: str) -> list[tuple[str, str, str, int]]:
    return [(f.code, f.found, f.safe, f.start) for f in dose_lint.lint_text(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("10 U", (UNSAFE, "10 U", "10 units", 0), id="U-spaced"),
        pytest.param("Give 10U at night", (UNSAFE, "10U", "10 units", 5), id="U-unspaced"),
        pytest.param("Give 5,000 IU", (UNSAFE, "5,000 IU", "5,000 units", 5), id="IU-number"),
        pytest.param("Dose in IU", (UNSAFE, "IU", "units", 8), id="IU-word"),
        pytest.param("Then 5 ng/mL", (UNSAFE, "5 ng", "5 nanograms", 5), id="ng"),
        pytest.param("Then 50 mcg/kg", (UNSAFE, "mcg", "micrograms", 8), id="mcg"),
        pytest.param("5 cc", (UNSAFE, "cc", "mL", 2), id="cc"),
        pytest.param("bd", (LATIN, "bd", "twice daily", 0), id="bd"),
        pytest.param("Take BD", (LATIN, "BD", "twice daily", 5), id="BD-capitals"),
        pytest.param("2 mg QD", (UNSAFE, "QD", "daily", 5), id="QD-capitals"),
        pytest.param("Take 1 OD.", (UNSAFE, "OD", "once daily", 7), id="OD-capitals"),
        pytest.param("give SQ", (UNSAFE, "SQ", "subcutaneously", 5), id="SQ"),
        pytest.param("D/C if rash", (UNSAFE, "D/C", "discontinue (or discharge)", 0), id="D/C"),
    ],
)
@pytest.mark.usefixtures("rules_built_now")
def test_each_notation_is_found_with_the_words_to_write_instead(
    text: str, expected: tuple[str, str, str, int]
) -> None:
    assert found(text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Apply to 100 sq cm of skin", id="square-centimetres"),
        pytest.param("Check U&E before starting", id="U&E"),
        pytest.param("Take with food", id="od-inside-a-word"),
    ],
)
@pytest.mark.usefixtures("rules_built_now")
def test_words_that_only_look_like_an_abbreviation_are_left_alone(text: str) -> None:
    assert found(text) == []


@pytest.mark.usefixtures("rules_built_now")
def test_the_message_says_why_the_notation_is_unsafe_and_what_to_write() -> None:
    [finding] = dose_lint.lint_text("10 U")

    assert finding.message == (
        "'10 U' abbreviates units as 'U', which is misread as 0 or 4 (a tenfold overdose); "
        "write '10 units'"
    )


def test_two_kinds_of_problem_at_one_place_are_both_reported() -> None:
    assert found(".5 mcg") == [
        (NAKED, ".5 mcg", "0.5 mcg", 0),
        (UNSAFE, "mcg", "micrograms", 3),
    ]


def test_two_notations_of_one_kind_side_by_side_are_both_reported() -> None:
    assert found("5.0%2.0%") == [(TRAILING, "5.0%", "5%", 0), (TRAILING, "2.0%", "2%", 4)]


def test_a_repeat_after_a_notation_already_reported_is_reported_too() -> None:
    """'5,000 IU' is one finding (not also 'IU'); the later, separate 'IU' is another."""
    assert found("5,000 IU, or IU/kg by weight") == [
        (UNSAFE, "5,000 IU", "5,000 units", 0),
        (UNSAFE, "IU", "units", 13),
    ]


# --- Located warnings, in every scalar style --------------------------------------------------

HEAD = """\
name: Testdrug
drug_class: Test class
summary: A drug.
mechanism: It works.
review:
  status: clinician-reviewed
  date: 2026-01-01
dosing:
  status: re-sourcing
  regimens:
    - indication: Pain
      population: Adults
      route: Oral
      dose: 5 mg
"""


def located(text: str) -> list[tuple[Location, str, str]]:
    _, diagnostics = load_text(text, "testdrug.yaml", "testdrug", TODAY)
    return [(d.location, d.code, d.field_path) for d in diagnostics if d.code.startswith("dose.")]


NOTES = "dosing.regimens[0].notes"
FREQUENCY = "dosing.regimens[0].frequency"


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        pytest.param(
            "      notes: |\n        Check U&E first.\n        Then give .5 mg at night.\n",
            (17, 19, NAKED, NOTES),
            id="literal-block",
        ),
        pytest.param(
            "      frequency: 'Take qd'\n", (15, 24, UNSAFE, FREQUENCY), id="single-quoted"
        ),
        pytest.param(
            "      notes: Check U&E first. Then \n        give .5 mg at night.\n",
            (16, 14, NAKED, NOTES),
            id="plain-with-a-trailing-space",
        ),
        pytest.param(
            "      notes: Check U&E first.\n        Then wait a week.\n"
            "        Then give .5 mg at night.\n",
            (17, 19, NAKED, NOTES),
            id="plain-third-line",
        ),
        pytest.param(
            "      notes: >-\n        Check U&E first.\n        Then wait.\n"
            "        Then give .5 mg at night.\n",
            (18, 19, NAKED, NOTES),
            id="folded-third-line",
        ),
    ],
)
def test_the_warning_points_at_the_notation(tail: str, expected: tuple[int, int, str, str]) -> None:
    line, column, code, field = expected

    assert located(HEAD + tail) == [(Location("testdrug.yaml", line, column), code, field)]


def test_the_warning_points_at_the_notation_on_the_first_line_of_the_file() -> None:
    text = (
        "{dosing: {status: re-sourcing, regimens: [{indication: Pain, population: Adults, "
        "route: Oral, dose: 5 mg, frequency: Take qd}]}, name: Testdrug, "
        "drug_class: Test class, summary: A drug., mechanism: It works., "
        "review: {status: clinician-reviewed, date: 2026-01-01}}\n"
    )
    column = text.index("qd") + 1

    assert located(text) == [(Location("testdrug.yaml", 1, column), UNSAFE, FREQUENCY)]


def test_an_escape_where_the_notation_starts_falls_back_to_the_value() -> None:
    """The file does not hold the text that was linted there ('\\x71' is 'q'): the warning
    points at the value, as for any escape, not at a column that only happens to match."""
    text = HEAD + '      frequency: "Take \\x71d"\n'

    assert located(text) == [(Location("testdrug.yaml", 15, 18), UNSAFE, FREQUENCY)]


def test_an_empty_block_dose_on_the_last_line_is_reported_where_it_is() -> None:
    """A file saved mid-edit, ending in 'dose: |': located at the '|', never a crash."""
    text = HEAD.replace("      dose: 5 mg\n", "      dose: |\n")

    assert located(text) == [
        (Location("testdrug.yaml", 14, 13), "dose.no_amount", "dosing.regimens[0].dose")
    ]
