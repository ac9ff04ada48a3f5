"""The dose contract: when a verified dose is published, held back or refused, and why.

The located-error table (tests/data/invalid/) shows where each rule reports; these tests pin
the decision itself and the guard in ``PublishedDose``'s constructor.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from dose_fixtures import REGISTRY, monograph, verified

from clincalc_site.content.dose_rules import (
    PublishedDose,
    UnpublishableDose,
    decide,
    dose_problems,
    prose_problems,
)
from clincalc_site.content.models import EMPTY_REGISTRY, Monograph, Person, Registry, SourceDocument
from clincalc_site.diagnostics import Severity

TODAY = dt.date(2026, 11, 26)


def codes(mono: Monograph, registry: Registry = REGISTRY, today: dt.date = TODAY) -> list[str]:
    return [p.code for p in dose_problems(mono, registry, today)]


# --- decide --------------------------------------------------------------------------------


def test_a_dose_that_meets_the_contract_is_published_with_its_people_and_source() -> None:
    decision = decide(monograph(verified()), REGISTRY, TODAY)

    assert decision.state == "published"
    assert decision.published is not None
    assert decision.published.preparer.name == "B. Jones"
    assert decision.published.verifier.name == "A. Smith, MPharm"
    assert decision.published.document.title == "Imnovid 4 mg hard capsules — SmPC"
    assert [str(r.dose.low) + " " + r.dose.unit.written for r in decision.published.regimens] == [
        "4 mg"
    ]
    assert decision.published.regimens[0].max_dose is not None
    assert decision.published.regimens[0].max_dose.per_ucum == "d"


@pytest.mark.parametrize("status", ["draft", "in-review"])
def test_a_verified_dose_on_an_unreviewed_monograph_is_held_back_with_a_note(status: str) -> None:
    mono = monograph(verified(), status=status)

    decision = decide(mono, REGISTRY, TODAY)

    assert (decision.state, decision.published) == ("held-not-reviewed", None)
    problems = dose_problems(mono, REGISTRY, TODAY)
    assert [(p.code, p.severity) for p in problems] == [("dosing.held_back_draft", Severity.NOTE)]


def test_a_newer_revision_in_the_registry_holds_the_dose_back_with_a_warning() -> None:
    revised = dataclasses.replace(
        REGISTRY,
        sources={
            **REGISTRY.sources,
            "imnovid-smpc": REGISTRY.sources["imnovid-smpc"].model_copy(
                update={"revision": dt.date(2026, 11, 2)}
            ),
        },
    )
    mono = monograph(verified())

    decision = decide(mono, revised, TODAY)

    assert decision.state == "held-source-revised"
    assert decision.published is None
    assert decision.revised_on == dt.date(2026, 11, 2)
    assert codes(mono, revised) == ["dosing.source_revised"]
    assert dose_problems(mono, revised, TODAY)[0].severity is Severity.WARNING


def test_without_a_registry_nothing_is_published() -> None:
    mono = monograph(verified())

    assert decide(mono, EMPTY_REGISTRY, TODAY).published is None
    assert codes(mono, EMPTY_REGISTRY) == [
        "dosing.unknown_person",
        "dosing.unknown_person",
        "dosing.unknown_source",
    ]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        pytest.param({"verified_by": "bjones", "prepared_by": "asmith"}, "dosing.not_a_verifier"),
        pytest.param({"verified_by": "asmith", "prepared_by": "asmith"}, "dosing.same_person"),
        pytest.param({"verified_by": "nobody"}, "dosing.unknown_person"),
        pytest.param({"prepared_on": dt.date(2026, 7, 1)}, "dosing.date_order"),
        pytest.param(
            {"source": {"document": "imnovid-smpc", "section": "4.2", "revision": TODAY}},
            "dosing.unknown_revision",
        ),
        pytest.param(
            {"source": {"document": "nowhere", "section": "4.2", "revision": TODAY}},
            "dosing.unknown_source",
        ),
        pytest.param({"verified_by": "TBC"}, "dosing.placeholder"),
        pytest.param(
            {
                "regimens": [
                    {"indication": "x", "population": "Adults", "route": "Oral", "dose": "60"}
                ]
            },
            "dose.no_unit",
        ),
    ],
)
def test_each_broken_rule_is_an_error_and_nothing_is_published(
    changes: dict[str, Any], code: str
) -> None:
    mono = monograph(verified(**changes))

    problems = dose_problems(mono, REGISTRY, TODAY)

    assert code in [p.code for p in problems]
    assert all(p.severity is Severity.ERROR for p in problems if p.code == code)
    assert decide(mono, REGISTRY, TODAY).published is None


@pytest.mark.parametrize("field", ["prepared_on", "verified_on"])
def test_future_preparation_or_verification_is_an_error(field: str) -> None:
    tomorrow = TODAY + dt.timedelta(days=1)
    mono = monograph(verified(prepared_on=tomorrow, verified_on=tomorrow))

    found = [(p.code, p.path) for p in dose_problems(mono, REGISTRY, TODAY)]

    assert ("dosing.future_date", ("dosing", field)) in found


def test_a_dose_verified_today_and_one_verified_long_ago_are_both_fine() -> None:
    for day in (TODAY, dt.date(2025, 3, 20)):
        mono = monograph(verified(prepared_on=day, verified_on=day))
        assert codes(mono) == []
        assert decide(mono, REGISTRY, TODAY).state == "published"


def test_a_resourcing_block_is_never_published_and_only_warned_about() -> None:
    regimen = {**verified()["regimens"][0], "dose": "5.0 mg"}
    resourcing = {"status": "re-sourcing", "regimens": [regimen]}
    mono = monograph(resourcing)

    assert decide(mono, REGISTRY, TODAY).state == "re-sourcing"
    assert [(p.code, p.severity) for p in dose_problems(mono, REGISTRY, TODAY)] == [
        ("dose.trailing_zero", Severity.WARNING)
    ]


def test_no_dosing_block_is_re_sourcing() -> None:
    assert decide(monograph(), REGISTRY, TODAY).state == "re-sourcing"


# --- PublishedDose cannot be built outside the contract ------------------------------------


def published() -> PublishedDose:
    decision = decide(monograph(verified()), REGISTRY, TODAY)
    assert decision.published is not None
    return decision.published


NOT_A_VERIFIER = Person(id="asmith", name="A. Smith", role="x", verifier=False)


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        pytest.param({"review_status": "draft"}, "not reviewed", id="draft"),
        pytest.param({"verifier": NOT_A_VERIFIER}, "may not verify", id="not-a-verifier"),
        pytest.param({"preparer": REGISTRY.people["asmith"]}, "preparer", id="wrong-preparer"),
        pytest.param({"verifier": REGISTRY.people["cwhite"]}, "verifier", id="wrong-verifier"),
        pytest.param(
            {"document": SourceDocument(title="t", url="https://a.org", revision=TODAY)},
            "not current",
            id="revised-source",
        ),
        pytest.param({"today": dt.date(2026, 6, 1)}, "future", id="verified-in-the-future"),
        pytest.param({"regimens": ()}, "regimens", id="no-rows"),
    ],
)
def test_published_dose_refuses_to_exist_outside_the_contract(
    changes: dict[str, Any], why: str
) -> None:
    with pytest.raises(UnpublishableDose, match=why):
        dataclasses.replace(published(), **changes)


def test_published_dose_refuses_one_person_in_both_roles() -> None:
    dose = published()
    same = dose.dosing.model_copy(update={"prepared_by": "asmith"})
    with pytest.raises(UnpublishableDose, match="one person"):
        dataclasses.replace(dose, dosing=same, preparer=REGISTRY.people["asmith"])


def test_published_dose_refuses_a_regimen_whose_amount_was_not_parsed_from_it() -> None:
    dose = published()
    maximum = published().regimens[0].max_dose
    assert maximum is not None
    other = dataclasses.replace(dose.regimens[0], dose=dataclasses.replace(maximum, per=None))
    with pytest.raises(UnpublishableDose, match="parsed"):
        dataclasses.replace(dose, regimens=(other,))


# --- prose ---------------------------------------------------------------------------------


def test_a_dose_in_any_prose_section_is_found_with_its_offset() -> None:
    mono = monograph().model_copy(
        update={
            "monitoring": "Check renal function; eGFR below 30 mL/min needs care.",
            "counselling": ["Keep taking it.", "Take two tablets at night."],
        }
    )

    found = [(p.path, p.offset, p.code) for p in prose_problems(mono)]

    assert found == [(("counselling", 1), 5, "prose.dose")]
