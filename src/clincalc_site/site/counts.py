"""What a site holds, counted once: for the build summary, build-report.json, the pages'
``site`` view and the editorial dashboard.

Stage: site/ (docs/architecture.md). Pure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from clincalc_site.content.rules import is_overdue
from clincalc_site.site.assembly import Site


@dataclass(frozen=True)
class SiteCounts:
    """What a built site holds; a build that changes nothing reports the last build's."""

    monographs: int = 0  # published
    drafts: int = 0  # published but not clinician-reviewed
    overdue: int = 0  # reviews older than the review interval
    verified: int = 0  # doses shown
    resourcing: int = 0  # doses not shown
    withheld: int = 0  # drafts left out (publish_drafts: false)


def count_site(site: Site, today: dt.date) -> SiteCounts:
    """The published monographs counted by review and dose state, and the withheld drafts."""
    entries = site.entries
    shown = sum(1 for e in entries if e.dose.shown)
    return SiteCounts(
        monographs=len(entries),
        drafts=sum(1 for e in entries if e.review.status != "clinician-reviewed"),
        overdue=sum(1 for e in entries if is_overdue(e.review.date, today)),
        verified=shown,
        resourcing=len(entries) - shown,
        withheld=len(site.withheld),
    )
