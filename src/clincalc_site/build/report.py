"""What ``check`` and ``build`` report: counts, diagnostics and ``build-report.json``.

Stage: build/ (docs/architecture.md).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field

from clincalc_site.content.dose_rules import for_publication
from clincalc_site.content.index_entry import IndexEntry
from clincalc_site.diagnostics import Diagnostic, has_failures
from clincalc_site.site.counts import SiteCounts

REPORT_FILE = "build-report.json"


@dataclass(frozen=True)
class CheckReport:
    """What ``check`` found: the monographs that loaded, how many files, every diagnostic."""

    entries: list[IndexEntry]
    files: int
    diagnostics: list[Diagnostic]
    strict: bool

    @property
    def failed(self) -> bool:
        return has_failures(self.diagnostics, strict=self.strict)


@dataclass(frozen=True)
class BuildReport:
    """What a build did, for the summary line and ``build-report.json``."""

    diagnostics: list[Diagnostic]
    failed: bool
    files_checked: int = 0
    pages: int = 0
    counts: SiteCounts = field(default_factory=SiteCounts)
    rendered: int = 0  # monograph pages rendered by this build
    reused: int = 0  # monograph pages taken unchanged from the last build
    loaded: int = 0  # monograph files loaded (the others came from the build cache)
    archive_pages: int = 0  # archive and history pages published (not in ``pages``)
    archive_rendered: int = 0  # of which rendered by this build (the others reused)
    seconds: float = 0.0

    def as_json(self) -> dict[str, object]:
        return {
            "ok": not self.failed,
            "pages": self.pages,
            "monographs": self.counts.monographs,
            "drafts": self.counts.drafts,
            "overdue_reviews": self.counts.overdue,
            "doses_verified": self.counts.verified,
            "doses_resourcing": self.counts.resourcing,
            "withheld_drafts": self.counts.withheld,
            "diagnostics": [d.as_json() for d in self.diagnostics],
        }


def report_json(report: BuildReport) -> bytes:
    """``build-report.json``: sorted keys, one diagnostic per line.

    It is published with the site, so text quoted from a dosing block is left out of it
    (``dose_rules.for_publication``). No timings: the same commit must build byte-identical
    output. Not ``indent=``, which makes ``json`` use its pure-Python encoder (slow on a
    preview reload with thousands of diagnostics); each value is encoded by the C encoder.
    """
    fields = dataclasses.replace(report, diagnostics=[]).as_json()
    lines = []
    for name in sorted(fields):
        if name == "diagnostics" and report.diagnostics:
            shown = map(for_publication, report.diagnostics)
            items = ",\n".join(f"    {d.json_line()}" for d in shown)
            lines.append(f'  "{name}": [\n{items}\n  ]')
        else:
            lines.append(f"  {json.dumps(name)}: {json.dumps(fields[name])}")
    return ("{\n" + ",\n".join(lines) + "\n}\n").encode("utf-8")
