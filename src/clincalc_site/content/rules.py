"""Content rules beyond the schema: dates, review age, cross-file links and duplicate names.

Stage: content/ (docs/architecture.md). No I/O.
"""

from __future__ import annotations

import datetime as dt

from clincalc_site.content.models import Monograph, prose_of
from clincalc_site.content.yaml_source import SourceMap, format_path
from clincalc_site.diagnostics import Diagnostic, Severity

REVIEW_MAX_MONTHS = 24


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` earlier (the 29th of Feb falls back to the 28th)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month + 1, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


def is_overdue(review_date: dt.date, today: dt.date) -> bool:
    return review_date < months_before(today, REVIEW_MAX_MONTHS)


PLACEHOLDER = "TODO:"


def find_placeholders(monograph: Monograph, source_map: SourceMap) -> list[Diagnostic]:
    """Warn about scaffold hints ('TODO: …') left in text that would be published."""
    places = [path for path, text in prose_of(monograph) if PLACEHOLDER in text]
    return [
        Diagnostic(
            source_map.locate(place),
            Severity.WARNING,
            "content.placeholder",
            "a 'TODO:' hint from `clincalc-site new` is still in the text",
            field_path=format_path(place),
            hint="write the section, or remove it if it does not apply",
        )
        for place in places
    ]


def check_monograph(
    monograph: Monograph, source_map: SourceMap, today: dt.date
) -> list[Diagnostic]:
    """Rules on one monograph that depend on today's date."""
    found: list[Diagnostic] = find_placeholders(monograph, source_map)
    review = monograph.review
    if review.date > today:
        found.append(
            Diagnostic(
                source_map.locate(("review", "date")),
                Severity.ERROR,
                "review.future_date",
                f"review date {review.date} is in the future (today is {today})",
                field_path="review.date",
                hint="use the date the review actually happened",
            )
        )
    elif is_overdue(review.date, today):
        found.append(
            Diagnostic(
                source_map.locate(("review", "date")),
                Severity.WARNING,
                "review.overdue",
                f"review overdue: last reviewed {review.date}, "
                f"more than {REVIEW_MAX_MONTHS} months ago",
                field_path="review.date",
                hint="re-review the monograph and update review.date",
            )
        )
    if review.status != "clinician-reviewed":
        found.append(
            Diagnostic(
                source_map.locate(("review", "status")),
                Severity.NOTE,
                "review.draft",
                f"status '{review.status}': published with a 'not yet reviewed' notice",
                field_path="review.status",
                hint="set 'status: clinician-reviewed' once a clinician has reviewed it",
            )
        )
    return found
