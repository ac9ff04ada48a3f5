"""Each monograph's "Changes": what changed in its content, in a clinician's words.

The words come from comparing versions of the file (``change_words``), never from commit
messages; ``history`` reads the versions from git and keeps what each pair says in a cache.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sitetools import git

from clincalc_site.content.change_words import (
    OWN_WORDS,
    SECTION_HEADINGS,
    UNREADABLE,
    Version,
    checked,
    describe,
    read_version,
)
from clincalc_site.content.history import (
    MAX_CHANGES,
    Change,
    FileChange,
    Withdrawal,
    describe_history,
    parse_log,
    read_history,
    versions_of,
)
from clincalc_site.content.history_store import CACHE_FILE, read_cache, write_cache
from clincalc_site.content.models import SAFETY_SECTIONS, Monograph
from clincalc_site.content.registry_history import RegistryChange, RegistryEvent, Timeline

REGIMEN = {"indication": "Myeloma", "population": "Adults", "route": "Oral", "dose": "4 mg"}
VERIFIED = {
    "status": "verified",
    "regimens": [REGIMEN],
    "source": {"document": "imnovid-smpc", "section": "4.2", "revision": dt.date(2025, 3, 14)},
    "prepared_by": "bjones",
    "prepared_on": dt.date(2026, 6, 20),
    "verified_by": "asmith",
    "verified_on": dt.date(2026, 6, 30),
}
BASE: dict[str, Any] = {
    "name": "Pomalidomide",
    "drug_class": "Immunomodulator",
    "summary": "Oral immunomodulator.",
    "mechanism": "Cereblon-mediated degradation.",
    "monitoring": "Full blood count.",
    "counselling": ["Avoid pregnancy."],
    "evidence": "MM-003.",
    "interactions": ["Strong CYP1A2 inhibitors."],
    "review": {"status": "draft", "date": dt.date(2026, 7, 4)},
    "formulary": {"status": "green", "flags": ["shared-care"]},
}


def changed(**fields: Any) -> dict[str, Any]:
    """BASE with ``fields`` replaced; a field set to None is removed."""
    data = {**BASE, **fields}
    return {key: value for key, value in data.items() if value is not None}


def review(status: str = "draft", date: dt.date = dt.date(2026, 7, 4), **more: str) -> Any:
    return {"status": status, "date": date, **more}


CASES: list[tuple[str, Version, Version, str]] = [
    ("first version", None, BASE, "Monograph added"),
    ("file deleted", BASE, None, "Monograph removed"),
    ("same content", BASE, dict(BASE), ""),
    ("one section", BASE, changed(monitoring="FBC weekly."), "Monitoring revised"),
    (
        "two sections",
        BASE,
        changed(monitoring="FBC weekly.", counselling=["Avoid pregnancy.", "Report fever."]),
        "Monitoring and Counselling the patient revised",
    ),
    (
        "three sections, in page order",
        BASE,
        changed(evidence="MM-003 and later.", summary="Oral.", monitoring="FBC."),
        "Summary, Monitoring and Evidence & guidelines revised",
    ),
    ("seed headings", BASE, changed(mechanism="Other."), "How it works revised"),
    ("drug class", BASE, changed(drug_class="Other"), "Drug class revised"),
    ("name", BASE, changed(name="Pomalidomide hydrochloride"), "Name revised"),
    ("brand names added", BASE, changed(brand_names=["Imnovid"]), "Brand names added"),
    ("safety section added", BASE, changed(pregnancy="Contraindicated."), "Pregnancy added"),
    ("safety section removed", BASE, changed(interactions=None), "Interactions removed"),
    ("emptied is removed", BASE, changed(interactions=[]), "Interactions removed"),
    ("evidence removed", BASE, changed(evidence=None), "Evidence & guidelines removed"),
    (
        "added and revised",
        BASE,
        changed(monitoring="FBC.", renal_impairment="Avoid.", cautions="Neuropathy."),
        "Monitoring revised; Cautions and Renal impairment added",
    ),
    ("references", BASE, changed(references=[{"label": "SmPC"}]), "References added"),
    ("related", BASE, changed(related=["lenalidomide"]), "Related drugs added"),
    ("specialist", BASE, changed(specialist=True), "Specialist drug added"),
    ("specialist: false is the default", BASE, changed(specialist=False), ""),
    ("outer spaces", BASE, changed(summary="  Oral immunomodulator.\n"), ""),
    ("unknown field", BASE, changed(notes_for_editors="tidy"), ""),
    # Dosing: a reader sees only a verified dose.
    ("dose verified", BASE, changed(dosing=VERIFIED), "Dose verified"),
    (
        "re-sourcing dose verified",
        changed(dosing={"status": "re-sourcing", "regimens": [REGIMEN]}),
        changed(dosing=VERIFIED),
        "Dose verified",
    ),
    (
        "verified regimens changed",
        changed(dosing=VERIFIED),
        changed(dosing={**VERIFIED, "regimens": [{**REGIMEN, "dose": "3 mg"}]}),
        "Dose revised",
    ),
    (
        "verified again, same regimens",
        changed(dosing=VERIFIED),
        changed(dosing={**VERIFIED, "verified_on": dt.date(2026, 8, 1)}),
        "Dose source and verification revised",
    ),
    (
        "withdrawn",
        changed(dosing=VERIFIED),
        changed(dosing={"status": "re-sourcing"}),
        "Dose withdrawn for re-sourcing",
    ),
    ("dosing block removed", changed(dosing=VERIFIED), BASE, "Dose withdrawn for re-sourcing"),
    (
        "inside a re-sourcing block",
        changed(dosing={"status": "re-sourcing"}),
        changed(dosing={"status": "re-sourcing", "regimens": [REGIMEN]}),
        "",
    ),
    ("no block to re-sourcing", BASE, changed(dosing={"status": "re-sourcing"}), ""),
    ("verified dates as text", changed(dosing=VERIFIED), changed(dosing=dict(VERIFIED)), ""),
    # Review
    (
        "status",
        BASE,
        changed(review=review("clinician-reviewed", dt.date(2026, 8, 1))),
        "Status: draft → clinician-reviewed",
    ),
    ("reviewed again", BASE, changed(review=review(date=dt.date(2026, 9, 1))), "Reviewed again"),
    ("reviewer", BASE, changed(review=review(reviewer="Dr A")), "Review details revised"),
    ("review date quoted", BASE, changed(review=review(date="2026-07-04")), ""),  # type: ignore[arg-type]
    ("unknown status", BASE, changed(review=review("done")), "Review details revised"),
    # Formulary: plain data
    (
        "formulary status",
        BASE,
        changed(formulary={"status": "amber", "flags": ["shared-care"]}),
        "Formulary status: green → amber",
    ),
    (
        "formulary flags",
        BASE,
        changed(formulary={"status": "green", "flags": []}),
        "Formulary details revised",
    ),
    (
        "formulary status and notes",
        BASE,
        changed(formulary={"status": "red", "flags": ["shared-care"], "notes": "Hospital only."}),
        "Formulary status: green → red; Formulary details revised",
    ),
    (
        "formulary added",
        changed(formulary=None),
        changed(formulary={"status": "amber"}),
        "Formulary status: amber",
    ),
    ("formulary removed", BASE, changed(formulary=None), "Formulary entry removed"),
    (
        "formulary status that is no id",
        BASE,
        changed(formulary={"status": "Green: ask pharmacy", "flags": ["shared-care"]}),
        "Formulary details revised",
    ),
    (
        "everything at once",
        BASE,
        changed(
            dosing=VERIFIED,
            monitoring="FBC.",
            formulary={"status": "amber", "flags": ["shared-care"]},
            review=review("clinician-reviewed"),
        ),
        "Dose verified; Monitoring revised; Formulary status: green → amber; "
        "Status: draft → clinician-reviewed",
    ),
    # Versions that could not be read
    ("unreadable now", BASE, UNREADABLE, "Edited (the file could not be read)"),
    ("unreadable before", UNREADABLE, BASE, "Edited (the previous version could not be read)"),
    ("unreadable first version", None, UNREADABLE, "Monograph added"),
]


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_what_changed_in_a_clinicians_words(before: Version, after: Version, expected: str) -> None:
    assert describe(before, after) == expected


POMALIDOMIDE = """\
# yaml-language-server: $schema=../schema/monograph.schema.json
name: Pomalidomide
drug_class: Immunomodulator
summary: >-
  Pomalidomide is an oral immunomodulatory agent used for
  relapsed and refractory multiple myeloma.
mechanism: Cereblon-mediated degradation.
review:
  status: draft
  date: 2026-07-04
"""
REFORMATTED = """\
mechanism: "Cereblon-mediated degradation."   # as in the SmPC
name: Pomalidomide
drug_class: Immunomodulator
summary: >-
  Pomalidomide is an oral immunomodulatory agent
  used for relapsed and refractory multiple myeloma.
review: {status: draft, date: 2026-07-04}
"""


def test_formatting_comments_and_key_order_are_no_change() -> None:
    before, after = read_version(POMALIDOMIDE.encode()), read_version(REFORMATTED.encode())
    assert before is not UNREADABLE
    assert describe(before, after) == ""


@pytest.mark.parametrize(
    "data",
    [b"name: [Pomalidomide\n", b"- a list\n", b"\xff\xfe", b"a: &x 1\nb: *x\n"],
    ids=["syntax error", "not fields", "not UTF-8", "alias"],
)
def test_a_version_that_cannot_be_read(data: bytes) -> None:
    assert read_version(data) is UNREADABLE
    assert describe(read_version(POMALIDOMIDE.encode()), read_version(data)) == (
        "Edited (the file could not be read)"
    )


def test_every_field_of_a_monograph_has_words() -> None:
    assert set(Monograph.model_fields) <= set(SECTION_HEADINGS) | set(OWN_WORDS)
    for name, heading in SAFETY_SECTIONS:
        assert SECTION_HEADINGS[name] == heading


def test_only_facts_it_makes_are_accepted_from_a_cache() -> None:
    assert checked([["revised", "monitoring"], ["status", "draft", "in-review"]]) == (
        ("revised", "monitoring"),
        ("status", "draft", "in-review"),
    )
    assert checked([]) == ()
    for raw in (
        [["wip: zzqx tidy"]],
        [["revised", "wip: zzqx tidy"]],
        [["status", "draft", "Foundation: package skeleton"]],
        [["formulary-status", "green", "see commit 3675df7"]],
        [["revised"]],
        "Monograph added",
        [[1]],
        None,
    ):
        assert checked(raw) is None, raw


RS = "\x1e"
A, B, C = "a" * 40, "b" * 40, "c" * 40
ZERO = "0" * 40


def test_parse_log_maps_files_to_their_blob_changes_newest_first() -> None:
    text = (
        f"{RS}2026-11-02\n\n:100644 100644 {A} {B} M\twarfarin.yaml\n"
        f"{RS}2026-10-01\n\n:000000 100644 {ZERO} {A} A\twarfarin.yaml\n"
        f":000000 100644 {ZERO} {C} A\tapixaban.yaml\n"
        f":000000 100644 {ZERO} {C} A\tREADME.md\n"
        f':000000 100644 {ZERO} {C} A\t"caf\\303\\251.yaml"\n'
        f":000000 100644 {ZERO} {C} A\tdrafts/x.yaml\n"
    )
    log, _ = parse_log(text, "")  # names relative to the content folder (--relative)
    assert log == {
        "warfarin": [
            FileChange("2026-11-02", "M", A, B, seq=1),
            FileChange("2026-10-01", "A", ZERO, A, seq=2),
        ],
        "apixaban": [FileChange("2026-10-01", "A", ZERO, C, seq=2)],
    }


def test_the_registry_beside_the_content_folder_is_read_from_the_same_log() -> None:
    """Paths from the top of the repository: monographs in ``formulary/monographs/``, the
    registry files beside that folder; nothing else counts."""
    text = (
        f"{RS}2026-11-03\n\n:100644 100644 {A} {B} M\tformulary/sources.yaml\n"
        f":100644 100644 {A} {C} M\tformulary/monographs/warfarin.yaml\n"
        f"{RS}2026-11-02\n\n:100644 000000 {A} {ZERO} D\tformulary/team.yaml\n"
        f":100644 100644 {A} {B} M\tsources.yaml\n"
        f":100644 100644 {A} {B} M\tmonographs/warfarin.yaml\n"
        f"{RS}2026-10-01\n\n:000000 100644 {ZERO} {A} A\tformulary/monographs/warfarin.yaml\n"
    )
    log, registry = parse_log(text, "formulary/monographs/", "formulary/")
    assert log == {
        "warfarin": [
            FileChange("2026-11-03", "M", A, C, seq=1),
            FileChange("2026-10-01", "A", ZERO, A, seq=3),
        ]
    }
    assert registry == [
        RegistryChange(1, "2026-11-03", None, B),
        RegistryChange(2, "2026-11-02", "", None),  # team.yaml deleted
    ]
    timeline = Timeline.of(registry)
    assert timeline.at(3) == ("", "")  # before either change
    assert timeline.at(2) == ("", "") and timeline.at(1) == ("", B) and timeline.at(0) == ("", B)


def test_a_registry_event_makes_a_version_of_the_file_in_force() -> None:
    """Newest first: the file added (seq 5), the registry revised (4: an event), the file
    re-formatted only (3: no version; its blob is the one in force after), the registry
    revised again (2), the file edited in the commit that revised the registry (1: one
    version, in the file's words), and the file deleted (0)."""
    items = [
        FileChange("2026-10-06", "D", C, ZERO, seq=0),
        FileChange("2026-10-05", "M", B, C, seq=1),
        FileChange("2026-10-03", "M", A, B, seq=3),
        FileChange("2026-10-01", "A", ZERO, A, seq=5),
    ]
    facts = {
        items[0].pair: (("removed",),),
        items[1].pair: (("revised", "monitoring"),),
        items[2].pair: (),
        items[3].pair: (("added",),),
    }
    events = [
        RegistryEvent(1, "2026-10-05", "Dose held back: source revised"),
        RegistryEvent(2, "2026-10-04", "Dose published"),
        RegistryEvent(4, "2026-10-02", "Dose held back"),
    ]
    timeline = Timeline.of(
        [RegistryChange(s, f"2026-10-0{6 - s}", None, f"{s:040x}") for s in (1, 2, 4, 6)]
    )
    versions, ended = versions_of(items, facts, timeline, events)
    assert [(v.number, v.date, v.blob, v.what) for v in versions] == [
        (1, "2026-10-01", A, "New monograph"),
        (2, "2026-10-02", A, "Dose held back"),
        (3, "2026-10-04", B, "Dose published"),
        (4, "2026-10-05", C, "Monitoring revised"),
    ]
    assert [v.registry for v in versions] == [("", f"{s:040x}") for s in (6, 4, 2, 1)]
    assert versions[1].key == f"{A}::{4:040x}"
    assert ended == (Withdrawal("2026-10-06", 4),)


class FakeBlobs:
    """Blobs as parsed versions, counting what is read."""

    def __init__(self, versions: dict[str, Version]) -> None:
        self.versions = versions
        self.reads: list[list[str]] = []

    def read(self, blob_ids: list[str]) -> list[tuple[str, Version]]:
        if blob_ids:
            self.reads.append(blob_ids)
        return [(blob, self.versions[blob]) for blob in blob_ids]


def test_only_changes_a_reader_sees_count_towards_the_newest_ten() -> None:
    # 30 commits, newest first: every other one only re-formats the file.
    versions: dict[str, Version] = {}
    items = []
    for i in range(30, 0, -1):
        old, new = f"{i - 1:040x}", f"{i:040x}"
        versions[new] = changed(monitoring=f"FBC {i // 2}.")
        items.append(FileChange(f"2026-01-{i:02d}", "M", old, new))
    versions[f"{0:040x}"] = BASE
    blobs = FakeBlobs(versions)
    found, cache = describe_history({"x": items}, {}, blobs)
    history = found.changes
    assert len(history["x"]) == MAX_CHANGES
    assert [c.date for c in history["x"]] == [f"2026-01-{i:02d}" for i in range(30, 10, -2)]
    assert {c.what for c in history["x"]} == {"Monitoring revised"}
    # Every pair is looked at, for the version count (16 versions: the first commit, and
    # every other one after it), in one request: each version read once (the oldest pair's
    # "before" is no blob: all zeros).
    assert [v.number for v in found.versions["x"]] == list(range(1, 17))
    assert len(blobs.reads) == 1
    assert len(blobs.reads[0]) == 30
    # Warm: the cache says it all, and no blob is read.
    warm = FakeBlobs(versions)
    assert describe_history({"x": items}, cache, warm) == (found, cache)
    assert warm.reads == []


def test_the_cache_is_deterministic_and_ignored_when_corrupt(tmp_path: Path) -> None:
    facts = {f"{A}:{B}": (("revised", "monitoring"),), f"{B}:{C}": ()}
    write_cache(tmp_path, facts)
    first = (tmp_path / CACHE_FILE).read_bytes()
    write_cache(tmp_path, dict(reversed(facts.items())))
    assert (tmp_path / CACHE_FILE).read_bytes() == first
    assert read_cache(tmp_path) == facts
    assert [p.name for p in tmp_path.iterdir()] == [CACHE_FILE]  # no temporary file left
    (tmp_path / CACHE_FILE).write_bytes(first[:-20])
    assert read_cache(tmp_path) == {}
    stored = json.loads(first)
    body = stored["body"]
    assert body["said"] == [[], [["revised", "monitoring"]]]  # each list of facts once
    assert body["pairs"] == {f"{A}:{B}": 1, f"{B}:{C}": 0}
    body["said"][1] = [["wip: zzqx tidy"]]
    (tmp_path / CACHE_FILE).write_text(json.dumps(stored), encoding="utf-8")
    assert read_cache(tmp_path) == {f"{B}:{C}": ()}  # a planted entry is dropped
    body["said"][1] = [["revised", "monitoring"]]
    body["pairs"] = {f"{A}:{B}": 2, f"{B}:{C}": True, f"{C}:{A}": [["wip: zzqx tidy"]]}
    (tmp_path / CACHE_FILE).write_text(json.dumps(stored), encoding="utf-8")
    assert read_cache(tmp_path) == {}  # no such list, a bool, text: dropped
    stored["format"] = [0, "0"]
    (tmp_path / CACHE_FILE).write_text(json.dumps(stored), encoding="utf-8")
    assert read_cache(tmp_path) == {}


def test_no_cache_is_written_through_a_link(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / ".clincalc").symlink_to(elsewhere)
    write_cache(tmp_path / ".clincalc" / "cache", {f"{A}:{B}": ()})
    assert list(elsewhere.iterdir()) == []


def test_read_history_outside_git_is_empty(tmp_path: Path) -> None:
    assert read_history(tmp_path, tmp_path / "cache") == {}


def test_read_history_from_a_real_repository(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    content = tmp_path / "monographs"
    content.mkdir()
    target = content / "warfarin.yaml"
    target.write_text(POMALIDOMIDE, encoding="utf-8")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "Foundation: package skeleton", date="2026-10-01")
    target.write_text(REFORMATTED, encoding="utf-8")
    git(tmp_path, "commit", "-qam", "wip: zzqx tidy", date="2026-10-02")
    target.write_text(REFORMATTED.replace("status: draft", "status: in-review"), encoding="utf-8")
    git(tmp_path, "commit", "-qam", "wip: zzqx review", date="2026-10-03")
    cache = tmp_path / ".clincalc" / "cache"
    history = read_history(content, cache)
    assert history == {
        "warfarin": (
            Change("2026-10-03", "Status: draft → in-review"),
            Change("2026-10-01", "Monograph added"),
        )
    }
    assert "zzqx" not in (cache / CACHE_FILE).read_text(encoding="utf-8")
    assert read_history(content, cache) == history  # warm
