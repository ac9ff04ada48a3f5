"""What changed between two versions of a monograph, in a clinician's words.

Stage: content/ (docs/architecture.md). Pure: ``history`` reads the versions from git.

A page's "Changes" list is worked out from the content, never from commit messages (a commit
subject is written for developers, and may say anything). ``compare`` reads two parsed
versions of one file and returns *facts*: short tuples of fixed words and section keys, such
as ``("revised", "monitoring", "counselling")``. ``words`` turns facts into the line a reader
sees ("Monitoring and Counselling the patient revised"). Facts, not words, are what the
history cache stores, and ``checked`` accepts only facts this module could have made, so
a cache file cannot put arbitrary text on a page.

What is compared is what a reader sees: values as read from YAML (so re-wrapping a folded
paragraph, a comment, quoting or the order of keys change nothing), text with its outer
spaces trimmed, dates as dates, an empty or absent value alike. Choices:

* A version that cannot be read (YAML errors, not a group of fields, not UTF-8) gives
  "Edited (the file could not be read)"; a readable version after one that could not be read
  gives "Edited (the previous version could not be read)": what changed is not known.
* A dose is seen only when verified, so changes inside a re-sourcing block (editors' working
  data, never rendered) give nothing, nor does an absent block becoming a re-sourcing one:
  both show the same banner.
* A field the model does not know is not compared: such a file is refused by the build.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping, Sequence
from typing import Final, get_args

from clincalc_site.content.models import SAFETY_SECTIONS, ReviewStatus
from clincalc_site.content.yaml_source import parse_yaml


class Unreadable:
    """A version of a file that could not be read as a monograph."""

    def __repr__(self) -> str:
        return "UNREADABLE"


UNREADABLE: Final = Unreadable()
# A parsed version; None: no such version (before the first, or after the file was deleted).
Version = Mapping[str, object] | Unreadable | None
Fact = tuple[str, ...]

# Every field a reader sees as a section or a line of its own, in page order, with the words
# for it. Dosing, review and formulary have words of their own (below).
SECTION_HEADINGS: Final[dict[str, str]] = {
    "name": "Name",
    "drug_class": "Drug class",
    "specialist": "Specialist drug",
    "brand_names": "Brand names",
    "summary": "Summary",
    "mechanism": "How it works",
    "prescribing": "Prescribing in practice",
    "monitoring": "Monitoring",
    "counselling": "Counselling the patient",
    "evidence": "Evidence & guidelines",
    **dict(SAFETY_SECTIONS),
    "references": "References",
    "rxcui": "RxNorm link",
    "related": "Related drugs",
}
OWN_WORDS: Final = ("dosing", "review", "formulary")
REVIEW_STATUSES: Final[frozenset[str]] = frozenset(get_args(ReviewStatus))
# A formulary status id as site.yaml declares one (lowercase words joined by '-'); any other
# value is not shown, only "Formulary details revised".
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_MAX_ID = 40

# Facts with no argument, and their words.
_FIXED: Final[dict[str, str]] = {
    "new": "Monograph added",
    "deleted": "Monograph removed",
    "unreadable": "Edited (the file could not be read)",
    "unreadable-before": "Edited (the previous version could not be read)",
    "dose-verified": "Dose verified",
    "dose-revised": "Dose revised",
    "dose-details": "Dose source and verification revised",
    "dose-withdrawn": "Dose withdrawn for re-sourcing",
    "reviewed-again": "Reviewed again",
    "review-details": "Review details revised",
    "formulary-details": "Formulary details revised",
    "formulary-removed": "Formulary entry removed",
}
_SECTION_VERBS: Final = ("revised", "added", "removed")


def read_version(data: bytes) -> Mapping[str, object] | Unreadable:
    """One version of a monograph file, parsed as the build parses it."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return UNREADABLE
    parsed = parse_yaml(text, "history")
    if parsed.diagnostics or not isinstance(parsed.data, dict):
        return UNREADABLE
    return parsed.data


def compare(before: Version, after: Version) -> tuple[Fact, ...]:
    """The facts a reader would notice between two versions; () when there are none."""
    if before is None:
        return (("new",),)
    if after is None:
        return (("deleted",),)
    if isinstance(after, Unreadable):
        return (("unreadable",),)
    if isinstance(before, Unreadable):
        return (("unreadable-before",),)
    facts: list[Fact] = []
    dose = _dose(before.get("dosing"), after.get("dosing"))
    if dose:
        facts.append((dose,))
    sections = {key: _section(before.get(key), after.get(key)) for key in SECTION_HEADINGS}
    for verb in _SECTION_VERBS:
        keys = tuple(key for key, found in sections.items() if found == verb)
        if keys:
            facts.append((verb, *keys))
    facts.extend(_formulary(before.get("formulary"), after.get("formulary")))
    review = _review(before.get("review"), after.get("review"))
    if review:
        facts.append(review)
    return tuple(facts)


def words(facts: Sequence[Fact]) -> str:
    """The line a reader sees for ``facts`` ("" for none)."""
    return "; ".join(_phrase(fact) or "" for fact in facts)


def describe(before: Version, after: Version) -> str:
    return words(compare(before, after))


def checked(raw: object) -> tuple[Fact, ...] | None:
    """``raw`` (facts read back from JSON) as facts, or None unless every one is a fact this
    module makes: only fixed words, section keys, review statuses and short ids."""
    if not isinstance(raw, list):
        return None
    facts: list[Fact] = []
    for item in raw:
        if not isinstance(item, list) or not all(isinstance(part, str) for part in item):
            return None
        fact = tuple(item)
        if _phrase(fact) is None:
            return None
        facts.append(fact)
    return tuple(facts)


@functools.lru_cache(maxsize=4096)  # a history cache holds many pairs with the same facts
def _phrase(fact: Fact) -> str | None:
    """The words for one fact; None when it is not a fact this module makes."""
    match fact:
        case (kind,) if kind in _FIXED:
            return _FIXED[kind]
        case (verb, *keys) if verb in _SECTION_VERBS and keys:
            if not all(key in SECTION_HEADINGS for key in keys):
                return None
            return f"{_and([SECTION_HEADINGS[key] for key in keys])} {verb}"
        case ("status", old, new) if {old, new} <= REVIEW_STATUSES and old != new:
            return f"Status: {old} → {new}"
        case ("formulary-status", old, new) if _is_id(old) and _is_id(new) and old != new:
            return f"Formulary status: {old} → {new}"
        case ("formulary-added", new) if _is_id(new):
            return f"Formulary status: {new}"
    return None


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _is_id(value: object) -> bool:
    return isinstance(value, str) and len(value) <= _MAX_ID and _ID.fullmatch(value) is not None


def _plain(value: object) -> object:
    """``value`` as a reader sees it: text trimmed, dates as text, absent parts dropped."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        kept = {key: _plain(item) for key, item in value.items()}
        return {key: item for key, item in kept.items() if _shown(item)}
    return value


def _shown(value: object) -> bool:
    """False for an absent or empty value (and ``false``, as ``specialist: false``)."""
    if value is None or value is False:
        return False
    return not (isinstance(value, str | list | dict) and not value)


def _section(before: object, after: object) -> str:
    if before == after:  # most sections, most commits: no need to look closer
        return ""
    old, new = _plain(before), _plain(after)
    if not _shown(old) and not _shown(new):
        return ""
    if not _shown(old):
        return "added"
    if not _shown(new):
        return "removed"
    return "revised" if old != new else ""


def _field(value: object, key: str) -> object:
    return value.get(key) if isinstance(value, dict) else None


def _dose(before: object, after: object) -> str:
    """A dose is seen only when verified (see the module's notes)."""
    was, now = _field(before, "status") == "verified", _field(after, "status") == "verified"
    if now and not was:
        return "dose-verified"
    if was and not now:
        return "dose-withdrawn"
    if was and now:
        if _plain(_field(before, "regimens")) != _plain(_field(after, "regimens")):
            return "dose-revised"
        if _plain(before) != _plain(after):
            return "dose-details"
    return ""


def _review(before: object, after: object) -> Fact:
    if _plain(before) == _plain(after):
        return ()
    old, new = _field(before, "status"), _field(after, "status")
    if old != new:
        fact = ("status", str(old), str(new))
        return fact if _phrase(fact) else ("review-details",)
    if _plain(_field(before, "date")) != _plain(_field(after, "date")):
        return ("reviewed-again",)
    return ("review-details",)


def _formulary(before: object, after: object) -> list[Fact]:
    old, new = _plain(before), _plain(after)
    if old == new or (not _shown(old) and not _shown(new)):
        return []
    if not _shown(new):
        return [("formulary-removed",)]
    status = _field(new, "status")
    if not _shown(old):
        return [("formulary-added", str(status))] if _is_id(status) else [("formulary-details",)]
    facts: list[Fact] = []
    old_status = _field(old, "status")
    if old_status != status:
        fact = ("formulary-status", str(old_status), str(status))
        facts.append(fact if _phrase(fact) else ("formulary-details",))
    rest_old = {k: v for k, v in old.items() if k != "status"} if isinstance(old, dict) else old
    rest_new = {k: v for k, v in new.items() if k != "status"} if isinstance(new, dict) else new
    if rest_old != rest_new and ("formulary-details",) not in facts:
        facts.append(("formulary-details",))
    return facts
