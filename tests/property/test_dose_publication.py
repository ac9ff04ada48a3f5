"""The dose contract as a property: a page has a dose table if and only if the contract holds.

Hypothesis generates a team, a source registry and monographs whose dosing blocks pass or
break each rule (people, verifier, dates, source and revision, amounts, placeholders, review
status). An oracle written here, independently of ``dose_rules``, says which doses may be
published. Then:

* ``decide`` publishes exactly the doses the oracle allows;
* the real pipeline, given the same files, either refuses the build (an error in some file)
  or publishes a site in which a page has a dose table exactly when the oracle allows it, and
  no text of any other dosing block appears in any file of the output.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from sitetools import build, snapshot

from clincalc_site.content.dose_rules import decide, dose_problems
from clincalc_site.content.models import Monograph, Person, Registry, SourceDocument

TODAY = dt.date(2026, 11, 26)
IDS = ("asmith", "bjones", "cwhite", "dgreen")
DOCUMENTS = ("alpha-smpc", "beta-smpc")
VALID_AMOUNTS = ("{n} mg", "{n} micrograms", "1 to {n} g", "{n} units", "{n} mg/kg")
INVALID_AMOUNTS = ("{n}", "{n}.0 mg", "{n} mcg", "{n} mg bd", "{n} IU", "TBC")
EMC = "https://www.medicines.org.uk/emc/"
REVISION = st.integers(-400, 0).map(lambda days: TODAY + dt.timedelta(days=days))


@dataclass(frozen=True)
class Team:
    verifiers: frozenset[str]  # ids with verifier: true
    members: frozenset[str]
    revisions: dict[str, dt.date]  # document -> registry revision

    def data(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """team.yaml and sources.yaml, as data."""
        people = [
            {"id": i, "name": f"Person {i}", "role": "Pharmacist", "verifier": i in self.verifiers}
            for i in sorted(self.members)
        ]
        sources = {
            d: {"title": f"Document {d}", "url": f"{EMC}{d}", "revision": r}
            for d, r in self.revisions.items()
        }
        return {"people": people}, sources

    def registry(self) -> Registry:
        team, sources = self.data()
        people = [Person.model_validate(p) for p in team["people"]]
        return Registry(
            {p.id: p for p in people},
            {d: SourceDocument.model_validate(v) for d, v in sources.items()},
        )

    def files(self) -> dict[str, str]:
        team, sources = self.data()
        return {"team.yaml": yaml.safe_dump(team), "sources.yaml": yaml.safe_dump(sources)}


@st.composite
def teams(draw: st.DrawFn) -> Team:
    """Mostly teams that can verify (two people or more, a verifier); sometimes not."""
    size = draw(st.sampled_from([2, 3, 4, 1]))  # simplest first: a team of two
    members = set(draw(st.permutations(IDS))[:size])
    ordered = sorted(members)
    verifiers = draw(st.sets(st.sampled_from(ordered), min_size=0 if draw(st.booleans()) else 1))
    revisions = draw(st.dictionaries(st.sampled_from(DOCUMENTS), REVISION, min_size=1))
    return Team(verifiers=frozenset(verifiers), members=frozenset(members), revisions=revisions)


@dataclass(frozen=True)
class Drug:
    slug: str
    data: dict[str, Any]
    tokens: tuple[str, ...]  # text only its dosing block holds
    amount: str  # the dose as written in its first regimen


# Ways to break a block that starts out publishable; None leaves it intact. Drawn uniformly, so
# every rule is broken in about one example in sixteen and half the examples can publish.
MUTATIONS = (
    "review-draft", "review-in-review", "preparer-unknown", "preparer-placeholder",
    "verifier-unknown", "verifier-not-a-verifier", "same-person", "verified-before-prepared",
    "verified-in-future", "unknown-document", "older-revision", "later-revision",
    "revision-after-check", "bad-amount",
)  # fmt: skip
DRAWN_MUTATIONS = st.one_of(st.none(), st.sampled_from(MUTATIONS))


@dataclass(frozen=True)
class Choices:
    """What a generated verified block is made of, before any mutation."""

    document: str
    preparer: str
    verifier: str
    prepared_on: dt.date
    verified_on: dt.date
    amount: str  # a VALID_AMOUNTS pattern
    bad_amount: str  # an INVALID_AMOUNTS pattern, used by the 'bad-amount' mutation


def make_drug(index: int, team: Team, status: str, mutation: str | None, choices: Choices) -> Drug:
    """A monograph whose dosing block is absent, re-sourcing, or verified and then broken by
    ``mutation`` (None: left as the contract allows, if ``team`` allows it)."""
    slug = f"drug-{index}"
    data: dict[str, Any] = {
        "name": f"Drug {index}",
        "drug_class": "Test class",
        "summary": "A drug used only in tests.",
        "mechanism": "It binds a receptor.",
        "review": {"status": "clinician-reviewed", "date": dt.date(2026, 7, 4)},
    }
    number = 700 + index
    amount = choices.amount.format(n=number)
    tokens = tuple(f"DOSEZ{index}Z{name}ZEND" for name in ("indication", "route", "notes", "sec"))
    regimen = {
        "indication": f"Indication {tokens[0]}",
        "population": "Adults",
        "route": f"Oral {tokens[1]}",
        "dose": amount,
        "notes": f"Note {tokens[2]}",
    }
    if status == "re-sourcing":
        # Everything a verified block has, and more: still never published.
        data["dosing"] = {
            "status": "re-sourcing",
            "regimens": [regimen],
            "source": {"document": DOCUMENTS[0], "section": f"4.2 {tokens[3]}",
                       "revision": dt.date(2025, 1, 1)},
            "prepared_by": "asmith", "prepared_on": dt.date(2025, 2, 1),
            "verified_by": "bjones", "verified_on": dt.date(2025, 2, 2),
        }  # fmt: skip
    if status != "verified":
        return Drug(slug, data, tokens, amount)
    revision = team.revisions[choices.document]
    source = {"document": choices.document, "section": f"4.2 {tokens[3]}", "revision": revision}
    dosing: dict[str, Any] = {
        "status": "verified",
        "regimens": [regimen],
        "source": source,
        "prepared_by": choices.preparer,
        "prepared_on": choices.prepared_on,
        "verified_by": choices.verifier,
        "verified_on": choices.verified_on,
    }
    day = dt.timedelta(days=1)
    outside = sorted(set(IDS) - team.members)
    non_verifiers = sorted(team.members - team.verifiers)
    changes: dict[str, dict[str, Any]] = {
        "preparer-unknown": {"prepared_by": outside[0] if outside else "nobody"},
        "preparer-placeholder": {"prepared_by": "TBC"},
        "verifier-unknown": {"verified_by": "nobody"},
        "verifier-not-a-verifier": {"verified_by": (non_verifiers or ["nobody"])[0]},
        "same-person": {"prepared_by": choices.verifier},
        "verified-before-prepared": {"prepared_on": choices.verified_on + day},
        "verified-in-future": {"verified_on": TODAY + day, "prepared_on": TODAY + day},
        "unknown-document": {"source": {**source, "document": "gamma-smpc"}},
        "older-revision": {"source": {**source, "revision": revision - day}},
        "later-revision": {"source": {**source, "revision": revision + day}},
        "revision-after-check": {"verified_on": revision - day, "prepared_on": revision - day},
        "bad-amount": {"regimens": [{**regimen, "dose": choices.bad_amount.format(n=number)}]},
    }
    if mutation in ("review-draft", "review-in-review"):
        data["review"]["status"] = mutation.removeprefix("review-")
    elif mutation is not None:
        dosing.update(changes[mutation])
    data["dosing"] = dosing
    return Drug(slug, data, tokens, dosing["regimens"][0]["dose"])


@st.composite
def drugs(draw: st.DrawFn, index: int, team: Team) -> Drug:
    status = draw(st.sampled_from(["verified", "re-sourcing", "none"]))  # simplest first
    # A block that meets the contract for this team (when the team allows one)...
    document = draw(st.sampled_from(sorted(team.revisions)))
    revision = team.revisions[document]
    verifier = draw(st.sampled_from(sorted(team.verifiers or team.members)))
    preparer = draw(st.sampled_from(sorted(team.members - {verifier} or team.members)))
    earliest = max(revision, TODAY - dt.timedelta(days=400))
    verified_on = draw(st.dates(min_value=earliest, max_value=TODAY))
    prepared_on = draw(st.dates(min_value=revision, max_value=verified_on))
    choices = Choices(
        document,
        preparer,
        verifier,
        prepared_on,
        verified_on,
        draw(st.sampled_from(VALID_AMOUNTS)),
        draw(st.sampled_from(INVALID_AMOUNTS)),
    )
    # ...then at most one rule broken.
    return make_drug(index, team, status, draw(DRAWN_MUTATIONS), choices)


def oracle(drug: Drug, team: Team) -> bool:
    """Whether the contract allows this drug's dose to be published, from first principles."""
    dosing = drug.data.get("dosing")
    if dosing is None or dosing["status"] != "verified":
        return False
    source = dosing["source"]
    prepared, verified = dosing["prepared_by"], dosing["verified_by"]
    known = team.revisions.get(source["document"])
    return (
        drug.data["review"]["status"] == "clinician-reviewed"
        and prepared in team.members
        and verified in team.members
        and verified in team.verifiers
        and prepared != verified
        and dosing["prepared_on"] <= dosing["verified_on"] <= TODAY
        and known is not None
        and source["revision"] == known
        and source["revision"] <= dosing["verified_on"]
        and drug.amount in {a.format(n=700 + int(drug.slug[5:])) for a in VALID_AMOUNTS}
    )


SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FULL_RESOURCING = Drug(
    "drug-0",
    {
        "name": "Drug 0", "drug_class": "Test class", "summary": "A drug.", "mechanism": "Works.",
        "review": {"status": "clinician-reviewed", "date": dt.date(2026, 7, 4)},
        "dosing": {
            "status": "re-sourcing",
            "regimens": [{"indication": "DOSEZ0ZindicationZEND", "population": "Adults",
                          "route": "Oral", "dose": "700 mg"}],
            "source": {"document": "alpha-smpc", "section": "4.2", "revision": dt.date(2025, 1, 1)},
            "prepared_by": "asmith", "prepared_on": dt.date(2025, 2, 1),
            "verified_by": "bjones", "verified_on": dt.date(2025, 2, 2),
        },
    },
    ("DOSEZ0ZindicationZEND",),
    "700 mg",
)  # fmt: skip
FULL_TEAM = Team(
    frozenset({"asmith", "bjones"}), frozenset({"asmith", "bjones"}),
    {"alpha-smpc": dt.date(2025, 1, 1)},
)  # fmt: skip


FIXED_TEAM = Team(
    verifiers=frozenset({"asmith", "cwhite"}),
    members=frozenset({"asmith", "bjones", "cwhite"}),
    revisions={"alpha-smpc": dt.date(2026, 3, 2), "beta-smpc": dt.date(2025, 10, 1)},
)
FIXED_CHOICES = Choices(
    "alpha-smpc", "bjones", "asmith", dt.date(2026, 3, 10), dt.date(2026, 4, 1), "{n} mg", "{n}"
)


@pytest.mark.parametrize("mutation", [None, *MUTATIONS])
def test_every_way_of_breaking_a_verified_dose_stops_it_being_published(
    mutation: str | None,
) -> None:
    """Each shape of unpublished dose, deterministically (the property below finds them by
    chance); the intact block is the one that is published."""
    drug = make_drug(0, FIXED_TEAM, "verified", mutation, FIXED_CHOICES)
    monograph = Monograph.model_validate(drug.data)

    decision = decide(monograph, FIXED_TEAM.registry(), TODAY)

    assert oracle(drug, FIXED_TEAM) is (mutation is None)
    assert (decision.published is not None) is (mutation is None), decision.state
    for amount in INVALID_AMOUNTS:  # each bad amount, not only the one chosen above
        bad = make_drug(0, FIXED_TEAM, "verified", "bad-amount",
                        dataclasses.replace(FIXED_CHOICES, bad_amount=amount))  # fmt: skip
        assert (
            decide(Monograph.model_validate(bad.data), FIXED_TEAM.registry(), TODAY).published
            is None
        )


@pytest.mark.parametrize("status", ["re-sourcing", "none"])
def test_a_block_that_is_not_verified_is_never_published(status: str) -> None:
    drug = make_drug(0, FIXED_TEAM, status, None, FIXED_CHOICES)
    decision = decide(Monograph.model_validate(drug.data), FIXED_TEAM.registry(), TODAY)
    assert (decision.state, decision.published) == ("re-sourcing", None)


@st.composite
def one_drug(draw: st.DrawFn) -> tuple[Team, Drug]:
    team = draw(teams())
    return team, draw(drugs(draw(st.integers(0, 5)), team))


@SETTINGS
@given(one_drug())
@example((FULL_TEAM, FULL_RESOURCING))  # a re-sourcing block with every field filled in
def test_decide_publishes_exactly_what_the_contract_allows(pair: tuple[Team, Drug]) -> None:
    team, drug = pair
    monograph = Monograph.model_validate(drug.data)
    registry = team.registry()

    decision = decide(monograph, registry, TODAY)
    event(f"decision: {decision.state}")  # --hypothesis-show-statistics: how often each is hit

    assert (decision.published is not None) is oracle(drug, team), (
        decision.state,
        [p.code for p in dose_problems(monograph, registry, TODAY)],
    )


@st.composite
def formularies(draw: st.DrawFn) -> tuple[Team, list[Drug]]:
    team = draw(teams())
    count = draw(st.integers(1, 3))
    return team, [draw(drugs(index, team)) for index in range(count)]


@settings(SETTINGS, max_examples=60)
@given(formularies())
@example((FULL_TEAM, [FULL_RESOURCING]))
def test_a_built_page_has_a_dose_table_if_and_only_if_the_contract_holds(
    formulary: tuple[Team, list[Drug]],
) -> None:
    team, items = formulary
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        content = root / "monographs"
        content.mkdir()
        for name, text in team.files().items():
            (root / name).write_text(text, encoding="utf-8")
        for drug in items:
            text = yaml.safe_dump(drug.data, sort_keys=False)
            (content / f"{drug.slug}.yaml").write_text(text, encoding="utf-8")
        report = build(content, root / "_site", today=TODAY)
        files = snapshot(root / "_site") if (root / "_site").is_dir() else {}

    refused = [d for d in report.diagnostics if d.severity == "error"]
    event("build refused" if refused else f"published {sum(oracle(d, team) for d in items)}")
    if refused:
        assert report.failed and files == {}  # fail closed: nothing published at all
        return
    assert not report.failed
    for drug in items:
        page = files[f"drugs/{drug.slug}/index.html"].decode("utf-8")
        shown = oracle(drug, team)
        assert ('class="dosing dosing-verified"' in page) is shown, drug.slug
        assert ("Dosing — being independently re-sourced" in page) is (not shown), drug.slug
        if shown:
            assert all(token in page for token in drug.tokens)
    hidden = [t.encode() for d in items if not oracle(d, team) for t in d.tokens]
    # Amounts with a unit ('700 mg'); a bare '700' is also a CSS font weight.
    hidden += [
        d.amount.encode()
        for d in items
        if "dosing" in d.data and not oracle(d, team) and " " in d.amount
    ]
    for path, data in files.items():
        assert not [t for t in hidden if t in data], f"unpublished dose text in {path}"
