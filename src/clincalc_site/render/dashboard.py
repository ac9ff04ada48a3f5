"""The editorial dashboard's rows, totals and re-sourcing queue.

Stage: render/ (docs/architecture.md). Pure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from clincalc_site.content.history import Change
from clincalc_site.content.rules import is_overdue
from clincalc_site.render.templates import long_date
from clincalc_site.site.assembly import Site
from clincalc_site.site.counts import count_site


@dataclass(frozen=True)
class DashboardRow:
    """One monograph on the editorial dashboard."""

    slug: str
    name: str
    status: str
    review_date: str
    age_days: int
    overdue: bool
    verified: bool
    last_change: Change | None
    drug_class: str = ""
    dose_state: str = "re-sourcing"  # DoseDecision.state
    document: str = ""  # the source document the dose cites, if any


def dashboard(site: Site, today: dt.date) -> tuple[list[DashboardRow], dict[str, int]]:
    """Rows (A–Z) and totals for /editorial/: review state, dose state, last change."""
    rows: list[DashboardRow] = []
    for entry in site.entries:
        review = entry.review
        changes = site.history.get(entry.slug, ())
        rows.append(
            DashboardRow(
                slug=entry.slug,
                name=entry.name,
                status=review.status,
                review_date=review.date.isoformat(),
                age_days=(today - review.date).days,
                overdue=is_overdue(review.date, today),
                verified=entry.dose.shown,
                last_change=changes[0] if changes else None,
                drug_class=entry.drug_class,
                dose_state=entry.dose.state,
                document=entry.dose.document or "",
            )
        )
    counts = count_site(site, today)
    totals = {
        "monographs": counts.monographs,
        "reviewed": counts.monographs - counts.drafts,
        "drafts": counts.drafts,
        "overdue": counts.overdue,
        "verified": counts.verified,
        "resourcing": counts.resourcing,
    }
    return rows, totals


DOSE_STATE_LABELS = {
    "published": "verified and shown",
    "held-not-reviewed": "verified, held back: monograph not yet reviewed",
    "held-source-revised": "verified, held back: source revised since",
    "re-sourcing": "re-sourcing",
}


@dataclass(frozen=True)
class DoseQueue:
    """The re-sourcing queue on /editorial/: every dose state, counted three ways."""

    by_state: tuple[tuple[str, int], ...]  # (label, count), in DOSE_STATE_LABELS order
    by_class: tuple[tuple[str, dict[str, int]], ...]  # class -> state -> count, A–Z
    by_document: tuple[tuple[str, dict[str, int]], ...]  # source id -> state -> count
    revised: tuple[tuple[str, str, int], ...]  # (source id, revised on, doses held back)


def dose_queue(rows: list[DashboardRow], revised_on: dict[str, dt.date]) -> DoseQueue:
    """Count the rows' dose states; ``revised_on``: document -> its newer revision."""
    states = list(DOSE_STATE_LABELS)

    def tally(key: str) -> tuple[tuple[str, dict[str, int]], ...]:
        groups: dict[str, dict[str, int]] = {}
        for row in rows:
            group = getattr(row, key)
            if not group:
                continue
            counts = groups.setdefault(group, dict.fromkeys(states, 0))
            counts[row.dose_state] += 1
        return tuple(sorted(groups.items(), key=lambda item: item[0].casefold()))

    held = [row.document for row in rows if row.dose_state == "held-source-revised"]
    return DoseQueue(
        by_state=tuple(
            (DOSE_STATE_LABELS[state], sum(1 for row in rows if row.dose_state == state))
            for state in states
        ),
        by_class=tally("drug_class"),
        by_document=tally("document"),
        revised=tuple(
            (document, long_date(revised_on[document]), held.count(document))
            for document in sorted(set(held))
            if document in revised_on
        ),
    )
