"""A formulary's own vocabulary of statuses and flags (site.yaml), and monographs held to it.

Stage: site/ (docs/architecture.md). Pure.

Each organisation defines who may prescribe a drug in its own words (netFormulary sites use
red, amber, green and grey; others use other names), so nothing here knows any status: the
team declares them in site.yaml, and every monograph's ``formulary:`` must use those ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator, model_validator

from clincalc_site.content.index_entry import IndexEntry
from clincalc_site.content.models import NonEmpty, StrictModel, VocabularyId
from clincalc_site.content.yaml_source import PathKey, format_path
from clincalc_site.diagnostics import Diagnostic, Severity
from clincalc_site.site.colours import readable_colour

Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


class FormularyStatus(StrictModel):
    """One status of the vocabulary: who may prescribe a drug that has it."""

    id: VocabularyId = Field(description="What monographs write in formulary: status:.")
    label: Label = Field(
        description="Shown on pages, e.g. 'Amber — specialist initiation'.",
        examples=["Red — specialist only"],
    )
    meaning: NonEmpty = Field(
        description="One sentence saying what it means for a prescriber (the legend page).",
        examples=["Prescribed and supplied only by the specialist service."],
    )
    colour: str = Field(
        description="The label's colour, '#rrggbb' in quotes; at least 4.5:1 against white "
        "(the label is always written out too, never colour alone).",
        examples=["#b42318"],
    )

    @field_validator("colour")
    @classmethod
    def _readable(cls, value: str) -> str:
        return readable_colour(value, "status labels")


class FormularyFlag(StrictModel):
    """A flag a monograph may carry besides its status (e.g. shared care, high cost)."""

    id: VocabularyId = Field(description="What monographs write in formulary: flags:.")
    label: Label = Field(description="Shown on pages.", examples=["Shared care"])
    meaning: NonEmpty = Field(description="One sentence for the legend page.")


class FormularyVocabulary(StrictModel):
    """``formulary:`` in site.yaml: the statuses and flags this organisation uses."""

    note: str = Field(
        default="",
        max_length=2000,
        description="Markdown shown above the legend: who decides the statuses, or that "
        "they are an example.",
    )
    statuses: list[FormularyStatus] = Field(
        min_length=1, description="Every status, in the order the legend shows them."
    )
    flags: list[FormularyFlag] = Field(default_factory=list, description="Optional flags.")

    @model_validator(mode="after")
    def _unique_ids(self) -> FormularyVocabulary:
        ids = [s.id for s in self.statuses] + [f.id for f in self.flags]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(
                f"each status and flag needs its own id; used twice: {', '.join(repeated)}"
            )
        return self

    def status(self, status_id: str) -> FormularyStatus | None:
        return next((s for s in self.statuses if s.id == status_id), None)

    def flag(self, flag_id: str) -> FormularyFlag | None:
        return next((f for f in self.flags if f.id == flag_id), None)


def vocabulary_problems(
    entries: Sequence[IndexEntry], vocabulary: FormularyVocabulary | None
) -> list[Diagnostic]:
    """A located error for each monograph status or flag that site.yaml does not declare."""
    problems: list[Diagnostic] = []
    statuses = [s.id for s in vocabulary.statuses] if vocabulary else []
    flags = [f.id for f in vocabulary.flags] if vocabulary else []
    for entry in entries:
        if entry.formulary_status is None:
            continue
        if entry.formulary_status not in statuses:
            problems.append(
                _unknown(entry, ("formulary", "status"), "status", entry.formulary_status, statuses)
            )
        for index, flag in enumerate(entry.formulary_flags):
            if flag not in flags:
                problems.append(_unknown(entry, ("formulary", "flags", index), "flag", flag, flags))
    return problems


def _unknown(
    entry: IndexEntry, key: PathKey, kind: str, value: str, allowed: list[str]
) -> Diagnostic:
    plural = {"status": "statuses", "flag": "flags"}[kind]
    if allowed:
        hint = f"use one of the {plural} site.yaml declares: {', '.join(allowed)}"
    else:
        hint = f"site.yaml declares no formulary {plural}: add them under 'formulary:' there"
    return Diagnostic(
        entry.locate(key),
        Severity.ERROR,
        f"formulary.unknown_{kind}",
        f"'{value}' is not a formulary {kind} of this site",
        field_path=format_path(key),
        hint=hint,
    )
