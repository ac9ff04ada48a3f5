"""Each monograph's version number: the commits that changed what a reader sees.

``history.describe_history`` numbers the versions in the same pass, with the same blob
comparisons and cache, as the "Changes" list; these tests give it a file's history as
``git log --raw`` lists it (newest first) and the blobs as YAML text.
"""

from __future__ import annotations

import hashlib

from clincalc_site.content.change_words import Version, read_version
from clincalc_site.content.history import (
    MAX_CHANGES,
    WITHDRAWALS_NAMED,
    FileChange,
    GitHistory,
    MonographVersion,
    Withdrawal,
    describe_history,
    name_withdrawals,
)

ZERO = "0" * 40
CREATED = """\
name: Pomalidomide
drug_class: Immunomodulator
summary: Oral immunomodulator.
mechanism: Cereblon-mediated degradation.
monitoring: Full blood count.
review:
  status: draft
  date: 2026-07-04
"""
REFORMATTED = CREATED.replace(
    "mechanism: Cereblon-mediated degradation.",
    "mechanism: >-\n  Cereblon-mediated\n  degradation.",
).replace("summary: Oral immunomodulator.", "summary: 'Oral immunomodulator.'")
COMMENTED = "# checked against the SmPC, 2026-07\n" + REFORMATTED
MONITORING = COMMENTED.replace("Full blood count.", "Full blood count weekly for 8 weeks.")
DOSE = """\
dosing:
  status: verified
  regimens:
    - indication: Myeloma
      population: Adults
      route: Oral
      dose: 4 mg
  source:
    document: imnovid-smpc
    section: "4.2"
    revision: 2025-03-14
  prepared_by: bjones
  prepared_on: 2026-06-20
  verified_by: asmith
  verified_on: 2026-06-30
"""
VERIFIED = MONITORING + DOSE
# (date, text) oldest first, and the version in force after each commit.
COMMITS = (
    ("2026-10-01", CREATED),
    ("2026-10-02", REFORMATTED),
    ("2026-10-03", COMMENTED),
    ("2026-10-04", MONITORING),
    ("2026-10-05", VERIFIED),
)
EXPECTED = (1, 1, 1, 2, 3)


def blob_of(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


class YamlBlobs:
    """Blobs as YAML text, parsed as history parses them; counts what is read."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = {blob_of(text): text for text in texts}
        self.read_ids: list[str] = []

    def read(self, blob_ids: list[str]) -> list[tuple[str, Version]]:
        self.read_ids += blob_ids
        return [(blob, read_version(self.texts[blob].encode())) for blob in blob_ids]


def log_of(commits: list[tuple[str, str | None]]) -> list[FileChange]:
    """A file's changes as ``git log --raw`` lists them (newest first); None: deleted."""
    changes: list[FileChange] = []
    old = ZERO
    for date, text in commits:
        new = ZERO if text is None else blob_of(text)
        status = "A" if old == ZERO else "D" if new == ZERO else "M"
        changes.append(FileChange(date, status, old, new))
        old = new
    return changes[::-1]


def history_of(commits: list[tuple[str, str | None]], blobs: YamlBlobs | None = None) -> GitHistory:
    texts = [text for _, text in commits if text is not None]
    found, _ = describe_history({"pomalidomide": log_of(commits)}, {}, blobs or YamlBlobs(texts))
    return found


def test_only_changes_a_reader_sees_make_a_new_version() -> None:
    in_force = []
    for upto in range(1, len(COMMITS) + 1):
        versions = history_of(list(COMMITS[:upto])).versions["pomalidomide"]
        in_force.append(versions[-1].number)
    assert tuple(in_force) == EXPECTED
    assert history_of(list(COMMITS)).versions["pomalidomide"] == (
        MonographVersion(1, "2026-10-01", blob_of(CREATED), "New monograph"),
        MonographVersion(2, "2026-10-04", blob_of(MONITORING), "Monitoring revised"),
        MonographVersion(3, "2026-10-05", blob_of(VERIFIED), "Dose verified"),
    )


def test_the_version_is_counted_over_the_whole_history_not_the_shown_changes() -> None:
    # More changes than the "Changes" list shows: the count goes on past them.
    commits: list[tuple[str, str | None]] = [("2026-01-01", CREATED)]
    for day in range(2, 2 + 2 * MAX_CHANGES):
        text = CREATED.replace("Full blood count.", f"Full blood count, every {day} days.")
        commits.append((f"2026-01-{day:02d}", text))
        commits.append((f"2026-02-{day:02d}", "# re-read\n" + text))  # no new version
    found = history_of(commits)
    assert len(found.changes["pomalidomide"]) == MAX_CHANGES
    newest = found.versions["pomalidomide"][-1]
    assert newest.number == 1 + 2 * MAX_CHANGES
    assert newest.date == f"2026-01-{1 + 2 * MAX_CHANGES:02d}"  # not the comment's commit


def test_a_deleted_file_added_again_counts_on() -> None:
    commits: list[tuple[str, str | None]] = [
        ("2026-10-01", CREATED),
        ("2026-10-04", MONITORING),
        ("2026-10-10", None),  # deleted: no version
        ("2026-11-01", MONITORING),  # back, as it was: in force again from this day
    ]
    versions = history_of(commits).versions["pomalidomide"]
    assert [(v.number, v.date) for v in versions] == [
        (1, "2026-10-01"),
        (2, "2026-10-04"),
        (3, "2026-11-01"),
    ]
    assert [change.what for change in history_of(commits).changes["pomalidomide"]] == [
        "Monograph added",
        "Monograph removed",
        "Monitoring revised",
        "Monograph added",
    ]
    # what each version changed (for the feeds), and the withdrawal between them
    assert [v.what for v in versions] == [
        "New monograph",
        "Monitoring revised",
        "Monograph added again",
    ]
    assert history_of(commits).withdrawals == {"pomalidomide": (Withdrawal("2026-10-10", 2),)}


def test_a_version_says_what_its_commit_changed_in_the_changes_words() -> None:
    reviewed = VERIFIED.replace("status: draft", "status: clinician-reviewed")
    commits: list[tuple[str, str | None]] = [
        ("2026-10-01", CREATED),
        ("2026-10-02", REFORMATTED),  # no version, so no words
        ("2026-10-05", VERIFIED),
        ("2026-10-06", reviewed),
    ]
    found = history_of(commits)
    assert [(v.number, v.what) for v in found.versions["pomalidomide"]] == [
        (1, "New monograph"),
        (2, "Dose verified; Monitoring revised"),
        (3, "Status: draft → clinician-reviewed"),
    ]
    changes = {c.date: c.what for c in found.changes["pomalidomide"]}
    assert changes["2026-10-05"] == found.versions["pomalidomide"][1].what
    assert "4 mg" not in repr(found)  # words, never a dose


def test_a_file_deleted_still_is_named_from_its_last_version() -> None:
    other = CREATED.replace("Pomalidomide", "Thalidomide")
    log = {
        "pomalidomide": log_of([("2026-10-01", CREATED), ("2026-10-09", None)]),
        "thalidomide": log_of([("2026-10-01", other), ("2026-10-02", None), ("2026-10-03", other)]),
    }
    blobs = YamlBlobs([CREATED, other])
    found, _ = describe_history(log, {}, blobs)
    named = name_withdrawals(found, log, blobs)
    assert named.withdrawals == {
        "pomalidomide": (Withdrawal("2026-10-09", 1, "Pomalidomide", "Immunomodulator", "draft"),),
        # added again: its page names it, its last version is not read
        "thalidomide": (Withdrawal("2026-10-02", 1),),
    }
    assert blobs.read_ids[-1:] == [blob_of(CREATED)]
    assert named.versions == found.versions and named.changes == found.changes


def test_only_the_newest_files_deleted_still_are_read() -> None:
    log = {}
    texts = []
    for number in range(WITHDRAWALS_NAMED + 3):
        text = CREATED.replace("Pomalidomide", f"Drug {number}")
        texts.append(text)
        day = f"2026-{1 + number // 28:02d}-{1 + number % 28:02d}"
        log[f"drug-{number}"] = log_of([("2025-01-01", text), (day, None)])
    blobs = YamlBlobs(texts)
    found, _ = describe_history(log, {}, blobs)
    blobs.read_ids.clear()
    named = name_withdrawals(found, log, blobs)
    assert len(blobs.read_ids) == WITHDRAWALS_NAMED
    unnamed = [slug for slug, (ended,) in named.withdrawals.items() if not ended.name]
    assert sorted(unnamed) == ["drug-0", "drug-1", "drug-2"]  # the three oldest


def test_an_unreadable_last_version_leaves_the_withdrawal_unnamed() -> None:
    broken = "name: [unclosed\n"
    log = {"pomalidomide": log_of([("2026-10-01", broken), ("2026-10-09", None)])}
    blobs = YamlBlobs([broken])
    found, _ = describe_history(log, {}, blobs)
    assert name_withdrawals(found, log, blobs).withdrawals == {
        "pomalidomide": (Withdrawal("2026-10-09", 1),)
    }


def test_versions_and_changes_share_one_read_and_the_cache() -> None:
    log = {"pomalidomide": log_of(list(COMMITS))}
    cold = YamlBlobs([text for _, text in COMMITS])
    found, cache = describe_history(log, {}, cold)
    assert sorted(cold.read_ids) == sorted({blob_of(text) for _, text in COMMITS})  # each once
    warm = YamlBlobs([])
    assert describe_history(log, cache, warm) == (found, cache)
    assert warm.read_ids == []  # a rebuild reads no blob it has described


def test_a_version_gives_its_date_for_templates() -> None:
    version = MonographVersion(4, "2026-05-12", ZERO)
    assert version.since.isoformat() == "2026-05-12"
