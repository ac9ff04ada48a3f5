"""Whether a monograph's dose may be published, and every reason it may not, located.

Stage: content/ (docs/architecture.md). No I/O.

The dose contract (docs/content-format.md, "The dosing contract"): a dose is shown to a reader
only when it is structured (``dose_parser``), was prepared by one member of ``team.yaml`` and
independently verified by another who is a verifier, against a named section of a revision of
a document in ``sources.yaml`` that is still that document's latest, on a clinician-reviewed
monograph. ``dose_problems`` lists every way a monograph falls short; ``decide`` turns a
monograph into a ``DoseDecision`` and is the only maker of ``PublishedDose``, whose
constructor checks the invariants again, so a page cannot get a dose the rules did not pass.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from clincalc_site.content.dose_lint import lint_text, locate_in_value
from clincalc_site.content.dose_parser import parse_dose, parse_max_dose
from clincalc_site.content.dose_quantity import DoseProblem, Quantity
from clincalc_site.content.models import (
    DosingUnderReview,
    Monograph,
    Person,
    Regimen,
    Registry,
    SourceDocument,
    VerifiedDosing,
    prose_of,
)
from clincalc_site.content.placeholders import placeholder_in
from clincalc_site.content.prose_dose import find_prose_doses
from clincalc_site.content.yaml_source import PathKey, SourceMap, format_path
from clincalc_site.diagnostics import Diagnostic, Severity

DoseState = Literal["published", "held-not-reviewed", "held-source-revised", "re-sourcing"]
REGIMEN_FIELDS = (
    "indication",
    "population",
    "route",
    "dose",
    "frequency",
    "duration",
    "max_dose",
    "notes",
)
# Prose sections: a dose written in any of them would be published around the banner.
_VERIFIED_ONLY = "dosing.held_back_draft"
_LINT_HINTS = {
    "dose.latin_abbreviation": "write directions in plain English, as a patient would read them",
    "dose.unsafe_abbreviation": "error-prone notation (ISMP list): a misread dose can be a "
    "tenfold or thousandfold error",
    "dose.trailing_zero": "a misread decimal point makes a tenfold error",
    "dose.naked_decimal": "a missed decimal point makes a tenfold error",
}


class UnpublishableDose(ValueError):
    """A ``PublishedDose`` was asked for where the contract does not hold (a bug upstream)."""


@dataclass(frozen=True)
class PublishedRegimen:
    """One row of a published dose table, its amounts parsed."""

    regimen: Regimen
    dose: Quantity
    max_dose: Quantity | None


@dataclass(frozen=True)
class PublishedDose:
    """A dose a reader may see. Construction checks the contract; a breach raises.

    Only ``decide`` makes one, after ``dose_problems`` found nothing that fails; the checks
    here repeat the parts that make it safe, so no other path can produce one by mistake.
    """

    dosing: VerifiedDosing
    regimens: tuple[PublishedRegimen, ...]
    preparer: Person
    verifier: Person
    document: SourceDocument
    review_status: str
    today: dt.date

    def __post_init__(self) -> None:
        dosing = self.dosing
        breaches = [
            (self.review_status != "clinician-reviewed", "the monograph is not reviewed"),
            (self.preparer.id != dosing.prepared_by, "the preparer is not the one named"),
            (self.verifier.id != dosing.verified_by, "the verifier is not the one named"),
            (self.preparer.id == self.verifier.id, "one person prepared and verified it"),
            (not self.verifier.verifier, "the verifier may not verify doses"),
            (dosing.source.revision != self.document.revision, "the source is not current"),
            (dosing.source.revision > dosing.verified_on, "checked before the revision"),
            (dosing.prepared_on > dosing.verified_on, "verified before it was prepared"),
            (dosing.verified_on > self.today, "verified in the future"),
        ]
        for broken, why in breaches:
            if broken:
                raise UnpublishableDose(why)
        try:  # one row per verified regimen (the block has at least one)
            rows = list(zip(self.regimens, dosing.regimens, strict=True))
        except ValueError:
            raise UnpublishableDose("regimens") from None
        for row, regimen in rows:
            if row.regimen is not regimen or parse_dose(regimen.dose) != row.dose:
                raise UnpublishableDose("a regimen's dose is not the parsed one")


@dataclass(frozen=True)
class DoseDecision:
    """What a monograph's page shows for dosing, and why."""

    state: DoseState
    published: PublishedDose | None = None
    document: str | None = None  # the source document's id, when the block names one
    revised_on: dt.date | None = None  # held-source-revised: the source's newer revision


NO_DOSE = DoseDecision("re-sourcing")


@dataclass(frozen=True)
class Problem:
    """One rule broken, at a value's path (and an offset into its text)."""

    path: PathKey
    severity: Severity
    code: str
    message: str
    hint: str
    offset: int | None = None  # where in ``value`` the problem starts
    value: str | None = None


def decide(
    monograph: Monograph,
    registry: Registry,
    today: dt.date,
    problems: Sequence[Problem] | None = None,
) -> DoseDecision:
    """The monograph's dose state; ``published`` is set only when the whole contract holds.

    ``problems`` is ``dose_problems`` of the same arguments, when the caller has it already.
    """
    dosing = monograph.dosing
    if not isinstance(dosing, VerifiedDosing):
        document = dosing.source.document if dosing and dosing.source else None
        return DoseDecision("re-sourcing", document=document)
    document = dosing.source.document
    if problems is None:
        problems = dose_problems(monograph, registry, today)
    if any(p.severity is Severity.ERROR for p in problems):
        return DoseDecision("re-sourcing", document=document)  # not loadable; fail closed
    current = registry.sources[document]
    if current.revision > dosing.source.revision:
        return DoseDecision("held-source-revised", None, document, current.revision)
    if monograph.review.status != "clinician-reviewed":
        return DoseDecision("held-not-reviewed", None, document)
    regimens = tuple(_parsed(regimen) for regimen in dosing.regimens)
    published = PublishedDose(
        dosing,
        regimens,
        registry.people[dosing.prepared_by],
        registry.people[dosing.verified_by],
        current,
        monograph.review.status,
        today,
    )
    return DoseDecision("published", published, document)


def _parsed(regimen: Regimen) -> PublishedRegimen:
    dose = parse_dose(regimen.dose)
    most = parse_max_dose(regimen.max_dose) if regimen.max_dose is not None else None
    if not isinstance(dose, Quantity) or isinstance(most, DoseProblem):
        raise UnpublishableDose("a regimen's amount does not parse")
    return PublishedRegimen(regimen, dose, most)


def dose_problems(monograph: Monograph, registry: Registry, today: dt.date) -> list[Problem]:
    """Every way the monograph's dosing block falls short of the contract."""
    dosing = monograph.dosing
    if isinstance(dosing, DosingUnderReview):
        # Working data, never shown: unsafe notation is a warning so it is fixed before it
        # could be verified, and nothing else is checked yet.
        rows = [regimen.model_dump() for regimen in dosing.regimens]
        return list(_regimen_problems(rows, Severity.WARNING))
    if not isinstance(dosing, VerifiedDosing):
        return []
    block = dosing.model_dump()
    found = list(_regimen_problems(block["regimens"], Severity.ERROR))
    found.extend(_placeholder_problems(block))
    found.extend(_people_problems(dosing, registry.people, today))
    found.extend(_source_problems(dosing, registry.sources))
    if not any(p.severity is Severity.ERROR for p in found):
        current = registry.sources[dosing.source.document]
        if current.revision > dosing.source.revision:
            found.append(
                Problem(
                    ("dosing", "source", "revision"),
                    Severity.WARNING,
                    "dosing.source_revised",
                    f"{current.title} was revised on {_day(current.revision)}, after the "
                    f"revision this dose was checked against ({_day(dosing.source.revision)}): "
                    "the dose is held back",
                    "check the dose against the new revision, then update source.revision, "
                    "prepared_by/on and verified_by/on",
                )
            )
        elif monograph.review.status != "clinician-reviewed":
            found.append(
                Problem(
                    ("review", "status"),
                    Severity.NOTE,
                    _VERIFIED_ONLY,
                    f"the verified dose is not shown while the monograph is "
                    f"'{monograph.review.status}'",
                    "it is published once a clinician has reviewed the monograph",
                )
            )
    return found


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _regimen_problems(
    regimens: Sequence[Mapping[str, object]], severity: Severity
) -> Iterable[Problem]:
    for index, regimen in enumerate(regimens):
        for name in REGIMEN_FIELDS:
            value = regimen.get(name)
            if not isinstance(value, str):
                continue  # absent, or the schema reports its type
            path: PathKey = ("dosing", "regimens", index, name)
            if name in ("dose", "max_dose"):
                parse = parse_dose if name == "dose" else parse_max_dose
                result = parse(value)
                if isinstance(result, DoseProblem):
                    yield Problem(
                        path,
                        severity,
                        result.code,
                        result.message,
                        result.hint,
                        result.offset,
                        value,
                    )
                continue
            for finding in lint_text(value):
                hint = _LINT_HINTS[finding.code]
                yield Problem(
                    path, severity, finding.code, finding.message, hint, finding.start, value
                )


def _placeholder_problems(dosing: Mapping[str, object]) -> Iterable[Problem]:
    """Placeholders in a verified block, given as plain data (it may not have validated)."""
    values: list[tuple[PathKey, object]] = [
        (("dosing", "prepared_by"), dosing.get("prepared_by")),
        (("dosing", "verified_by"), dosing.get("verified_by")),
    ]
    source = dosing.get("source")
    if isinstance(source, Mapping):
        for name in ("document", "section"):
            values.append((("dosing", "source", name), source.get(name)))
    regimens = dosing.get("regimens")
    for index, regimen in enumerate(regimens if isinstance(regimens, list) else []):
        if isinstance(regimen, Mapping):
            for name in REGIMEN_FIELDS:
                values.append((("dosing", "regimens", index, name), regimen.get(name)))
    for path, value in values:
        marker = placeholder_in(value) if isinstance(value, str) else None
        if isinstance(value, str) and marker is not None:
            yield Problem(
                path,
                Severity.ERROR,
                "dosing.placeholder",
                f"'{marker}' is a placeholder, and a verified dose is published as written",
                "write the real value, or set 'status: re-sourcing' until it is known",
                value.find(marker),  # placeholder_in returns a piece of the value
                value,
            )


def unvalidated_dose_problems(data: object) -> list[Problem]:
    """The regimen and placeholder rules on a dosing block that did not validate.

    So an editor sees every mistake of a broken verified block at once, not the schema's
    first ones now and the rest after fixing them.
    """
    dosing = data.get("dosing") if isinstance(data, Mapping) else None
    if not isinstance(dosing, Mapping):
        return []
    regimens = dosing.get("regimens")
    rows = [r for r in regimens if isinstance(r, Mapping)] if isinstance(regimens, list) else []
    if dosing.get("status") == "verified":
        return [*_regimen_problems(rows, Severity.ERROR), *_placeholder_problems(dosing)]
    if dosing.get("status") == "re-sourcing":
        return list(_regimen_problems(rows, Severity.WARNING))
    return []


def _people_problems(
    dosing: VerifiedDosing, people: Mapping[str, Person], today: dt.date
) -> Iterable[Problem]:
    for role in ("prepared_by", "verified_by"):
        who: str = getattr(dosing, role)
        if who not in people and placeholder_in(who) is None:
            yield Problem(
                ("dosing", role),
                Severity.ERROR,
                "dosing.unknown_person",
                f"'{who}' is not in team.yaml",
                _did_you_mean(who, people)
                or "add them to team.yaml (id, name, role), or use the id of someone listed there",
            )
    preparer, verifier = people.get(dosing.prepared_by), people.get(dosing.verified_by)
    if verifier is not None and not verifier.verifier:
        yield Problem(
            ("dosing", "verified_by"),
            Severity.ERROR,
            "dosing.not_a_verifier",
            f"{verifier.name} is not a verifier in team.yaml",
            "ask a team member with 'verifier: true' to check the dose",
        )
    if preparer is not None and preparer is verifier:
        yield Problem(
            ("dosing", "verified_by"),
            Severity.ERROR,
            "dosing.same_person",
            f"{preparer.name} both prepared and verified this dose",
            "the check must be independent: another verifier checks it",
        )
    if dosing.prepared_on > dosing.verified_on:
        yield Problem(
            ("dosing", "verified_on"),
            Severity.ERROR,
            "dosing.date_order",
            f"verified on {dosing.verified_on}, before it was prepared ({dosing.prepared_on})",
            "a dose is verified after it is prepared: check both dates",
        )
    for name in ("prepared_on", "verified_on"):
        day: dt.date = getattr(dosing, name)
        if day > today:
            yield Problem(
                ("dosing", name),
                Severity.ERROR,
                "dosing.future_date",
                f"{name.replace('_', ' ')} {day} is in the future (today is {today})",
                "use the date it actually happened",
            )


def _source_problems(
    dosing: VerifiedDosing, sources: Mapping[str, SourceDocument]
) -> Iterable[Problem]:
    cited = dosing.source
    document = sources.get(cited.document)
    if document is None:
        if placeholder_in(cited.document) is None:
            yield Problem(
                ("dosing", "source", "document"),
                Severity.ERROR,
                "dosing.unknown_source",
                f"'{cited.document}' is not in sources.yaml",
                _did_you_mean(cited.document, sources)
                or "add the document to sources.yaml (title, url, revision) and use its id",
            )
    elif cited.revision > document.revision:
        yield Problem(
            ("dosing", "source", "revision"),
            Severity.ERROR,
            "dosing.unknown_revision",
            f"revision {cited.revision} is later than the latest revision of "
            f"{document.title} in sources.yaml ({document.revision})",
            "update the document's revision in sources.yaml first, or correct this date",
        )
    if cited.revision > dosing.verified_on:
        yield Problem(
            ("dosing", "source", "revision"),
            Severity.ERROR,
            "dosing.revision_after_check",
            f"revision {cited.revision} is dated after the check ({dosing.verified_on})",
            "a dose can only be checked against a revision that existed then",
        )


def _did_you_mean(word: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(word.casefold(), list(known))  # best first
    return f"did you mean '{close[0]}'?" if close else ""


def prose_problems(monograph: Monograph) -> list[Problem]:
    """A dose written into a prose section: never verified, so never publishable."""
    values: list[tuple[PathKey, str]] = prose_of(monograph)
    found: list[Problem] = []
    for path, value in values:
        for dose in find_prose_doses(value):
            found.append(
                Problem(
                    path,
                    Severity.ERROR,
                    "prose.dose",
                    f"'{dose.found}' is a dose written in the text",
                    "doses belong in the dosing block, where they are verified: remove the "
                    "amount here (say 'see Dosing' if the text needs it)",
                    dose.start,
                    value,
                )
            )
    return found


def for_publication(diagnostic: Diagnostic) -> Diagnostic:
    """``diagnostic`` as the published build report may show it: without any text quoted
    from a dosing block (a re-sourcing or held-back dose is never published, not even as
    part of a message about it)."""
    if not (diagnostic.field_path.startswith("dosing") or diagnostic.code.startswith("dose.")):
        return diagnostic
    return dataclasses.replace(
        diagnostic,
        message="a problem in the dosing block; run 'clincalc-site check' to see it",
        hint="",
    )


def locate(problems: Iterable[Problem], source_map: SourceMap, text: str) -> list[Diagnostic]:
    """Located diagnostics for ``problems`` in the file ``text`` that ``source_map`` maps."""
    lines = text.splitlines()
    found: list[Diagnostic] = []
    for problem in problems:
        where = source_map.locate(problem.path)
        if problem.offset is not None and problem.value is not None:
            where = locate_in_value(source_map, lines, problem.path, problem.value, problem.offset)
        found.append(
            Diagnostic(
                where,
                problem.severity,
                problem.code,
                problem.message,
                field_path=format_path(problem.path),
                hint=problem.hint,
            )
        )
    return found
