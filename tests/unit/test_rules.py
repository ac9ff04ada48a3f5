"""Content rules beyond the schema: review age, future dates, related links, duplicate names."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from clincalc_site.content.index_entry import IndexEntry, index_entry
from clincalc_site.content.loader import Entry
from clincalc_site.content.models import Monograph
from clincalc_site.content.names import name_key
from clincalc_site.content.rules import (
    REVIEW_MAX_MONTHS,
    check_monograph,
    is_overdue,
    months_before,
)
from clincalc_site.content.yaml_source import SourceMap, parse_yaml
from clincalc_site.diagnostics import Diagnostic, Location, Severity
from clincalc_site.site.crossref import check_collection

TODAY = dt.date(2026, 11, 26)


def monograph_text(*, name: str = "Pomalidomide", status: str = "clinician-reviewed",
                   date: str = "2026-07-04", extra: str = "") -> str:  # fmt: skip
    return (
        f"name: {name}\n"
        "drug_class: Immunomodulator\n"
        "summary: Oral immunomodulator.\n"
        "mechanism: Cereblon.\n"
        "review:\n"
        f"  status: {status}\n"
        f"  date: {date}\n"
        f"{extra}"
    )


@dataclass(frozen=True)
class Parsed:
    """A monograph with its slug and source map."""

    slug: str
    monograph: Monograph
    source_map: SourceMap


def parse(text: str, slug: str = "pomalidomide") -> Parsed:
    parsed = parse_yaml(text, f"{slug}.yaml")
    assert parsed.diagnostics == []
    return Parsed(slug, Monograph.model_validate(parsed.data), parsed.source_map)


def check(text: str) -> list[tuple[Severity, str, int, int]]:
    entry = parse(text)
    return [
        (d.severity, d.code, d.location.line, d.location.column)
        for d in check_monograph(entry.monograph, entry.source_map, TODAY)
    ]


# --- months_before / is_overdue ------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        pytest.param(dt.date(2026, 11, 26), 24, dt.date(2024, 11, 26), id="two-years"),
        pytest.param(dt.date(2026, 1, 15), 1, dt.date(2025, 12, 15), id="across-new-year"),
        pytest.param(dt.date(2026, 3, 31), 1, dt.date(2026, 2, 28), id="31st-to-february"),
        pytest.param(dt.date(2024, 3, 31), 1, dt.date(2024, 2, 29), id="31st-to-leap-february"),
        pytest.param(dt.date(2026, 5, 31), 1, dt.date(2026, 4, 30), id="31st-to-30-day-month"),
        pytest.param(dt.date(2028, 2, 29), 12, dt.date(2027, 2, 28), id="29-feb-to-common-year"),
        pytest.param(dt.date(2028, 2, 29), 48, dt.date(2024, 2, 29), id="29-feb-to-leap-year"),
        pytest.param(dt.date(2026, 12, 31), 0, dt.date(2026, 12, 31), id="zero"),
        pytest.param(dt.date(2026, 12, 31), 12 * 30, dt.date(1996, 12, 31), id="decades"),
    ],
)
def test_months_before(day: dt.date, months: int, expected: dt.date) -> None:
    assert months_before(day, months) == expected


def test_review_is_overdue_only_when_older_than_24_months() -> None:
    assert REVIEW_MAX_MONTHS == 24
    assert not is_overdue(dt.date(2024, 11, 26), TODAY)
    assert is_overdue(dt.date(2024, 11, 25), TODAY)
    assert not is_overdue(TODAY, TODAY)


def test_review_on_29_february_is_overdue_from_1_march_two_years_later() -> None:
    review = dt.date(2024, 2, 29)

    assert not is_overdue(review, dt.date(2026, 2, 28))
    assert is_overdue(review, dt.date(2026, 3, 1))


# --- check_monograph -----------------------------------------------------------------------


def test_recent_clinician_review_has_no_diagnostics() -> None:
    assert check(monograph_text()) == []


def test_overdue_review_is_a_warning_at_the_review_date() -> None:
    entry = parse(monograph_text(date="2024-11-25"))

    (warning,) = check_monograph(entry.monograph, entry.source_map, TODAY)

    assert (warning.severity, warning.code) == (Severity.WARNING, "review.overdue")
    assert warning.location == Location("pomalidomide.yaml", 7, 9)
    assert warning.field_path == "review.date"
    assert "review overdue" in warning.message
    assert warning.hint


def test_future_review_date_is_an_error() -> None:
    assert check(monograph_text(date="2026-11-27")) == [
        (Severity.ERROR, "review.future_date", 7, 9)
    ]


def test_review_dated_today_is_fine() -> None:
    assert check(monograph_text(date="2026-11-26")) == []


@pytest.mark.parametrize("status", ["draft", "in-review"])
def test_unreviewed_status_is_a_note_never_an_error(status: str) -> None:
    assert check(monograph_text(status=status)) == [(Severity.NOTE, "review.draft", 6, 11)]


# --- name_key ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param("Pomalidomide", "POMALIDOMIDE", id="case"),
        pytest.param("Co-amoxiclav", " co-amoxiclav  ", id="surrounding-space"),
        pytest.param("Sodium valproate", "Sodium  valproate", id="inner-space"),
        pytest.param("Ménière", "Meniere", id="accents"),
        pytest.param("Ménière", "Me\u0301nie\u0300re", id="decomposed"),
        pytest.param("Warfarin", "W\u0430rfarin", id="cyrillic-a"),
        pytest.param("Warfarin", "War\u200bfarin", id="zero-width-space"),
        pytest.param("Straße", "STRASSE", id="casefold"),
    ],
)
def test_names_a_reader_cannot_tell_apart_share_a_key(first: str, second: str) -> None:
    assert name_key(first) == name_key(second)


def test_different_names_have_different_keys() -> None:
    assert name_key("Lenalidomide") != name_key("Pomalidomide")


# --- check_collection ----------------------------------------------------------------------


def indexed(text: str, slug: str = "pomalidomide") -> IndexEntry:
    """The file's index entry: what the cross-file rules read."""
    parsed = parse(text, slug)
    return index_entry(Entry(slug, f"{slug}.yaml", parsed.monograph, parsed.source_map))


def codes(found: list[Diagnostic]) -> list[tuple[str, str, int, int, str]]:
    return [
        (d.location.path, d.code, d.location.line, d.location.column, d.field_path) for d in found
    ]


def test_related_links_between_existing_monographs_are_fine() -> None:
    entries = [
        indexed(monograph_text(extra="related: [lenalidomide]\n")),
        indexed(
            monograph_text(name="Lenalidomide", extra="related: [pomalidomide]\n"),
            "lenalidomide",
        ),
    ]

    assert check_collection(entries) == []


def test_unknown_related_target_suggests_a_close_slug() -> None:
    entries = [
        indexed(monograph_text(extra="related: [lenalidomid]\n")),
        indexed(monograph_text(name="Lenalidomide"), "lenalidomide"),
    ]

    (problem,) = check_collection(entries)

    assert codes([problem]) == [("pomalidomide.yaml", "xref.unknown_target", 8, 11, "related[0]")]
    assert problem.hint == "did you mean 'lenalidomide'?"


def test_unknown_related_target_never_suggests_the_monograph_itself() -> None:
    (problem,) = check_collection([indexed(monograph_text(extra="related: [pomalidomid]\n"))])

    assert problem.code == "xref.unknown_target"
    assert "pomalidomide" not in problem.hint


def test_link_to_a_file_that_exists_but_failed_to_load_is_not_reported_again() -> None:
    entries = [indexed(monograph_text(extra="related: [lenalidomide]\n"))]

    assert codes(check_collection(entries)) == [
        ("pomalidomide.yaml", "xref.unknown_target", 8, 11, "related[0]")
    ]
    assert check_collection(entries, known_slugs=["lenalidomide", "pomalidomide"]) == []


def test_self_link_and_repeated_link_are_errors() -> None:
    entries = [
        indexed(monograph_text(extra="related: [lenalidomide, pomalidomide, lenalidomide]\n")),
        indexed(monograph_text(name="Lenalidomide"), "lenalidomide"),
    ]

    assert codes(check_collection(entries)) == [
        ("pomalidomide.yaml", "xref.self_link", 8, 25, "related[1]"),
        ("pomalidomide.yaml", "xref.duplicate_link", 8, 39, "related[2]"),
    ]


def test_same_name_in_two_files_is_reported_once_on_the_later_slug() -> None:
    entries = [
        indexed(monograph_text(name="pomalidomide"), "pomalidomide-caps"),
        indexed(monograph_text(name="Lenalidomide"), "lenalidomide"),
        indexed(monograph_text(name="Pomalidomide")),
    ]

    (problem,) = check_collection(entries)

    assert codes([problem]) == [("pomalidomide-caps.yaml", "xref.duplicate_name", 1, 7, "name")]
    assert "already used by pomalidomide.yaml" in problem.message
    assert problem.severity is Severity.ERROR
