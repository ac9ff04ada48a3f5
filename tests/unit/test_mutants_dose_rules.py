"""The dose contract, pinned where mutation testing found it loose (docs/testing.md).

Each test asserts what an editor, a reader or the build relies on: the exact words of a
located error and its hint (the hint is the editor's next step), a dose that is never
published, a build report that never quotes a dosing block.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from dose_fixtures import REGIMEN, REGISTRY, VERIFIED_YAML, monograph, verified

from clincalc_site.content.dose_rules import (
    Problem,
    PublishedDose,
    UnpublishableDose,
    decide,
    dose_problems,
    for_publication,
    locate,
    prose_problems,
    unvalidated_dose_problems,
)
from clincalc_site.content.loader import load_text
from clincalc_site.content.models import Monograph, Registry, SourceDocument
from clincalc_site.content.yaml_source import parse_yaml
from clincalc_site.diagnostics import Diagnostic, Location, Severity

TODAY = dt.date(2026, 11, 26)
REVISED = dt.date(2026, 11, 2)
APRIL = dt.date(2025, 4, 1)  # after the registry's revision, before the check
HEAD = """\
name: Pomalidomide
drug_class: Immunomodulator
summary: Oral immunomodulator.
mechanism: Cereblon-mediated degradation.
review:
  status: {status}
  date: 2026-07-04
"""


def regimen(**changes: str) -> dict[str, Any]:
    return {**REGIMEN, **changes}


def problems(mono: Monograph, registry: Registry = REGISTRY) -> list[tuple[str, str, str]]:
    """(code, message, hint) of every problem, in order."""
    return [(p.code, p.message, p.hint) for p in dose_problems(mono, registry, TODAY)]


def with_revision(day: dt.date) -> Registry:
    """The registry with imnovid-smpc's latest revision moved to ``day``."""
    document = REGISTRY.sources["imnovid-smpc"].model_copy(update={"revision": day})
    return dataclasses.replace(REGISTRY, sources={**REGISTRY.sources, "imnovid-smpc": document})


def published() -> PublishedDose:
    decision = decide(monograph(verified()), REGISTRY, TODAY)
    assert decision.published is not None
    return decision.published


# --- decide: the state and the document, on every path ---------------------------------------


def test_a_re_sourcing_block_names_its_candidate_source_for_the_queue() -> None:
    source = {"document": "imnovid-smpc", "section": "4.2", "revision": dt.date(2025, 3, 14)}
    mono = monograph({"status": "re-sourcing", "regimens": [REGIMEN], "source": source})

    decision = decide(mono, REGISTRY, TODAY)

    assert (decision.state, decision.published, decision.document) == (
        "re-sourcing",
        None,
        "imnovid-smpc",
    )


def test_a_re_sourcing_block_without_a_source_names_no_document() -> None:
    decision = decide(monograph({"status": "re-sourcing"}), REGISTRY, TODAY)

    assert (decision.state, decision.document) == ("re-sourcing", None)


def test_a_broken_verified_block_fails_closed_to_re_sourcing_and_keeps_its_document() -> None:
    mono = monograph(verified(verified_by="asmith", prepared_by="asmith"))

    decision = decide(mono, REGISTRY, TODAY)

    assert (decision.state, decision.published, decision.document) == (
        "re-sourcing",
        None,
        "imnovid-smpc",
    )


@pytest.mark.parametrize(
    "row",
    [
        pytest.param(regimen(dose="60"), id="dose-without-unit"),
        pytest.param(regimen(max_dose="4 mg per fortnight"), id="maximum-with-unknown-period"),
    ],
)
def test_an_amount_that_does_not_parse_is_never_published_even_with_no_problems_passed(
    row: dict[str, Any],
) -> None:
    """``decide`` trusts a caller's problem list for the decision, never for the amounts."""
    mono = monograph(verified(regimens=[row]))
    assert any(p.severity is Severity.ERROR for p in dose_problems(mono, REGISTRY, TODAY))

    with pytest.raises(UnpublishableDose) as refused:
        decide(mono, REGISTRY, TODAY, problems=[])

    assert str(refused.value) == "a regimen's amount does not parse"


# --- PublishedDose: each breach of the contract is named -------------------------------------


def dosing_with(**changes: Any) -> Any:
    return published().dosing.model_copy(update=changes)


BREACHES = [
    pytest.param({"review_status": "in-review"}, "the monograph is not reviewed", id="review"),
    pytest.param(
        {"preparer": REGISTRY.people["cwhite"]}, "the preparer is not the one named", id="preparer"
    ),
    pytest.param(
        {"verifier": REGISTRY.people["cwhite"]}, "the verifier is not the one named", id="verifier"
    ),
    pytest.param(
        {"document": SourceDocument(title="t", url="https://a.org", revision=REVISED)},
        "the source is not current",
        id="source-revised",
    ),
    pytest.param({"today": dt.date(2026, 6, 29)}, "verified in the future", id="future"),
    pytest.param({"regimens": ()}, "regimens", id="no-rows"),
]


@pytest.mark.parametrize(("changes", "why"), BREACHES)
def test_published_dose_names_the_breach(changes: dict[str, Any], why: str) -> None:
    with pytest.raises(UnpublishableDose) as refused:
        dataclasses.replace(published(), **changes)

    assert str(refused.value) == why


def test_published_dose_names_one_person_in_both_roles() -> None:
    dose = published()
    same = dose.dosing.model_copy(update={"prepared_by": "asmith"})

    with pytest.raises(UnpublishableDose) as refused:
        dataclasses.replace(dose, dosing=same, preparer=REGISTRY.people["asmith"])

    assert str(refused.value) == "one person prepared and verified it"


def test_published_dose_names_a_verifier_who_may_not_verify() -> None:
    dose = published()
    technician = REGISTRY.people["bjones"]
    swapped = dose.dosing.model_copy(update={"prepared_by": "asmith", "verified_by": "bjones"})

    with pytest.raises(UnpublishableDose) as refused:
        dataclasses.replace(
            dose, dosing=swapped, preparer=REGISTRY.people["asmith"], verifier=technician
        )

    assert str(refused.value) == "the verifier may not verify doses"


def test_published_dose_names_a_check_made_before_the_revision_existed() -> None:
    dose = published()
    later = dose.dosing.source.model_copy(update={"revision": dt.date(2026, 7, 1)})
    document = dose.document.model_copy(update={"revision": dt.date(2026, 7, 1)})

    with pytest.raises(UnpublishableDose) as refused:
        dataclasses.replace(dose, dosing=dosing_with(source=later), document=document)

    assert str(refused.value) == "checked before the revision"


def test_published_dose_names_a_verification_before_the_preparation() -> None:
    dose = published()

    with pytest.raises(UnpublishableDose) as refused:
        dataclasses.replace(dose, dosing=dosing_with(prepared_on=dt.date(2026, 7, 1)))

    assert str(refused.value) == "verified before it was prepared"


def test_published_dose_refuses_fewer_rows_than_the_block_has() -> None:
    """Two regimens verified, one row offered: refused as a breach, not a crash."""
    dose = published()
    second = dose.dosing.regimens[0].model_copy(update={"population": "Adults over 75"})
    two_rows = dosing_with(regimens=[dose.dosing.regimens[0], second])

    with pytest.raises(UnpublishableDose) as refused:
        dataclasses.replace(dose, dosing=two_rows)

    assert str(refused.value) == "regimens"


def test_published_dose_names_a_row_whose_amount_is_not_the_parsed_one() -> None:
    dose = published()
    maximum = dose.regimens[0].max_dose
    assert maximum is not None
    other = dataclasses.replace(dose.regimens[0], dose=dataclasses.replace(maximum, per=None))

    with pytest.raises(UnpublishableDose) as refused:
        dataclasses.replace(dose, regimens=(other,))

    assert str(refused.value) == "a regimen's dose is not the parsed one"


# --- The words an editor reads: messages and hints -------------------------------------------


def test_a_revised_source_holds_the_dose_back_and_says_what_to_update() -> None:
    assert problems(monograph(verified()), with_revision(REVISED)) == [
        (
            "dosing.source_revised",
            "Imnovid 4 mg hard capsules — SmPC was revised on 2 November 2026, after the "
            "revision this dose was checked against (14 March 2025): the dose is held back",
            "check the dose against the new revision, then update source.revision, "
            "prepared_by/on and verified_by/on",
        )
    ]


def test_a_held_back_draft_dose_is_a_note_at_the_review_status_line() -> None:
    text = HEAD.format(status="draft") + VERIFIED_YAML
    _, diagnostics = load_text(text, "pomalidomide.yaml", "pomalidomide", TODAY, REGISTRY)

    [note] = [d for d in diagnostics if d.code == "dosing.held_back_draft"]
    assert note.severity is Severity.NOTE
    assert (note.location, note.field_path) == (
        Location("pomalidomide.yaml", 6, 11),
        "review.status",
    )
    assert note.message == "the verified dose is not shown while the monograph is 'draft'"
    assert note.hint == "it is published once a clinician has reviewed the monograph"


PEOPLE_AND_SOURCES = [
    pytest.param(
        verified(verified_by="zzzzqqq"),
        REGISTRY,
        (
            "dosing.unknown_person",
            "'zzzzqqq' is not in team.yaml",
            "add them to team.yaml (id, name, role), or use the id of someone listed there",
        ),
        id="unknown-person-nothing-close",
    ),
    pytest.param(
        verified(verified_by="bjones", prepared_by="asmith"),
        REGISTRY,
        (
            "dosing.not_a_verifier",
            "B. Jones is not a verifier in team.yaml",
            "ask a team member with 'verifier: true' to check the dose",
        ),
        id="not-a-verifier",
    ),
    pytest.param(
        verified(verified_by="asmith", prepared_by="asmith"),
        REGISTRY,
        (
            "dosing.same_person",
            "A. Smith, MPharm both prepared and verified this dose",
            "the check must be independent: another verifier checks it",
        ),
        id="same-person",
    ),
    pytest.param(
        verified(prepared_on=dt.date(2026, 7, 1)),
        REGISTRY,
        (
            "dosing.date_order",
            "verified on 2026-06-30, before it was prepared (2026-07-01)",
            "a dose is verified after it is prepared: check both dates",
        ),
        id="date-order",
    ),
    pytest.param(
        verified(source={"document": "zzzzqqq", "section": "4.2", "revision": APRIL}),
        REGISTRY,
        (
            "dosing.unknown_source",
            "'zzzzqqq' is not in sources.yaml",
            "add the document to sources.yaml (title, url, revision) and use its id",
        ),
        id="unknown-source-nothing-close",
    ),
    pytest.param(
        verified(source={"document": "imnovid-smpc", "section": "4.2", "revision": APRIL}),
        REGISTRY,
        (
            "dosing.unknown_revision",
            "revision 2025-04-01 is later than the latest revision of Imnovid 4 mg hard "
            "capsules — SmPC in sources.yaml (2025-03-14)",
            "update the document's revision in sources.yaml first, or correct this date",
        ),
        id="unknown-revision",
    ),
    pytest.param(
        verified(source={"document": "imnovid-smpc", "section": "4.2", "revision": REVISED}),
        with_revision(REVISED),
        (
            "dosing.revision_after_check",
            "revision 2026-11-02 is dated after the check (2026-06-30)",
            "a dose can only be checked against a revision that existed then",
        ),
        id="revision-after-check",
    ),
]


@pytest.mark.parametrize(("dosing", "registry", "expected"), PEOPLE_AND_SOURCES)
def test_each_broken_rule_says_what_is_wrong_and_what_to_do(
    dosing: dict[str, Any], registry: Registry, expected: tuple[str, str, str]
) -> None:
    assert problems(monograph(dosing), registry) == [expected]


def test_future_dates_name_the_field_in_words() -> None:
    tomorrow = TODAY + dt.timedelta(days=1)
    mono = monograph(verified(prepared_on=tomorrow, verified_on=tomorrow))

    assert problems(mono) == [
        (
            "dosing.future_date",
            "prepared on 2026-11-27 is in the future (today is 2026-11-26)",
            "use the date it actually happened",
        ),
        (
            "dosing.future_date",
            "verified on 2026-11-27 is in the future (today is 2026-11-26)",
            "use the date it actually happened",
        ),
    ]


@pytest.mark.parametrize(
    ("field", "text", "code", "hint"),
    [
        pytest.param(
            "frequency",
            "bd",
            "dose.latin_abbreviation",
            "write directions in plain English, as a patient would read them",
            id="latin",
        ),
        pytest.param(
            "notes",
            "Take 5.0 mg",
            "dose.trailing_zero",
            "a misread decimal point makes a tenfold error",
            id="trailing-zero",
        ),
        pytest.param(
            "notes",
            "Take .5 mg",
            "dose.naked_decimal",
            "a missed decimal point makes a tenfold error",
            id="naked-decimal",
        ),
        pytest.param(
            "notes",
            "Take 10 U",
            "dose.unsafe_abbreviation",
            "error-prone notation (ISMP list): a misread dose can be a tenfold or thousandfold "
            "error",
            id="unsafe",
        ),
    ],
)
def test_each_kind_of_unsafe_notation_has_its_own_hint(
    field: str, text: str, code: str, hint: str
) -> None:
    mono = monograph(verified(regimens=[regimen(**{field: text})]))

    assert [(c, h) for c, _, h in problems(mono)] == [(code, hint)]


# --- Placeholders in a verified block --------------------------------------------------------


def test_a_placeholder_source_document_is_an_error_there_and_nothing_is_published() -> None:
    source = {"document": "TBC", "section": "4.2", "revision": dt.date(2025, 3, 14)}
    mono = monograph(verified(source=source))

    found = dose_problems(mono, REGISTRY, TODAY)

    assert [(p.path, p.code, p.message, p.hint, p.offset) for p in found] == [
        (
            ("dosing", "source", "document"),
            "dosing.placeholder",
            "'TBC' is a placeholder, and a verified dose is published as written",
            "write the real value, or set 'status: re-sourcing' until it is known",
            0,
        )
    ]
    assert decide(mono, REGISTRY, TODAY).published is None


def test_a_placeholder_written_twice_is_located_at_the_first() -> None:
    mono = monograph(verified(regimens=[regimen(frequency="Once daily? or twice daily?")]))

    [found] = dose_problems(mono, REGISTRY, TODAY)

    assert (found.code, found.path, found.offset) == (
        "dosing.placeholder",
        ("dosing", "regimens", 0, "frequency"),
        len("Once daily"),
    )


# --- A dosing block that did not validate ----------------------------------------------------


@pytest.mark.parametrize("data", [None, "text", ["a", "list"], {"dosing": "text"}])
def test_data_that_is_not_a_dosing_mapping_has_no_dose_problems(data: object) -> None:
    assert unvalidated_dose_problems(data) == []


def test_an_invalid_re_sourcing_block_still_gets_its_notation_warnings() -> None:
    row = {**regimen(dose="5.0 mg", frequency="bd"), "strength": "4 mg"}  # unknown field
    data = {"dosing": {"status": "re-sourcing", "regimens": [row]}}

    found = unvalidated_dose_problems(data)

    assert [(p.path[-1], p.code, p.severity) for p in found] == [
        ("dose", "dose.trailing_zero", Severity.WARNING),
        ("frequency", "dose.latin_abbreviation", Severity.WARNING),
    ]


def test_an_invalid_block_of_another_status_is_left_to_the_schema() -> None:
    row = {**regimen(dose="5.0 mg"), "strength": "4 mg"}

    assert unvalidated_dose_problems({"dosing": {"status": "pending", "regimens": [row]}}) == []


# --- Prose ------------------------------------------------------------------------------------


def test_a_dose_in_prose_is_an_error_that_says_where_doses_belong() -> None:
    mono = monograph().model_copy(update={"summary": "Take 5 mg daily."})

    [found] = prose_problems(mono)

    assert (found.severity, found.code, found.message, found.hint) == (
        Severity.ERROR,
        "prose.dose",
        "'5 mg' is a dose written in the text",
        "doses belong in the dosing block, where they are verified: remove the amount here "
        "(say 'see Dosing' if the text needs it)",
    )


# --- The published build report never quotes a dosing block ---------------------------------


def test_a_dose_lint_diagnostic_is_redacted_message_and_hint_wherever_it_points() -> None:
    quoting = Diagnostic(
        Location("monographs/x.yaml", 12, 7),
        Severity.WARNING,
        "dose.trailing_zero",
        "'5.0 mg' has a trailing zero; write '5 mg'",
        field_path="",
        hint="write '5 mg'",
    )

    shown = for_publication(quoting)

    assert (shown.location, shown.code, shown.message, shown.hint) == (
        Location("monographs/x.yaml", 12, 7),
        "dose.trailing_zero",
        "a problem in the dosing block; run 'clincalc-site check' to see it",
        "",
    )


def test_a_dosing_diagnostic_loses_the_hint_that_quotes_the_dose() -> None:
    quoting = Diagnostic(
        Location("monographs/x.yaml", 20, 11),
        Severity.ERROR,
        "dosing.placeholder",
        "'5 mg?' is a placeholder",
        field_path="dosing.regimens[0].dose",
        hint="write '5 mg'",
    )

    shown = for_publication(quoting)

    assert "5 mg" not in shown.message + shown.hint
    assert shown.hint == ""


def test_a_diagnostic_outside_the_dosing_block_is_published_as_it_is() -> None:
    overdue = Diagnostic(
        Location("monographs/x.yaml", 6, 9),
        Severity.WARNING,
        "review.overdue",
        "last reviewed 2023-01-01",
        field_path="review.date",
        hint="review it",
    )

    assert for_publication(overdue) is overdue


# --- locate -----------------------------------------------------------------------------------


def test_a_problem_about_a_value_without_an_offset_is_located_at_the_value() -> None:
    text = "dosing:\n  regimens:\n    - dose: 5 mg\n      notes: Take it with food\n"
    parsed = parse_yaml(text, "x.yaml")
    path = ("dosing", "regimens", 0, "notes")
    problem = Problem(path, Severity.WARNING, "dose.x", "m", "h", None, "Take it with food")

    [found] = locate([problem], parsed.source_map, text)

    assert (found.location, found.field_path) == (
        Location("x.yaml", 4, 14),
        "dosing.regimens[0].notes",
    )
