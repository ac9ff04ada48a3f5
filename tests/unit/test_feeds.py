"""Which entries each Atom feed holds, in which order (``render/feeds.py: site_feeds``).

Pure: index entries and versions as git would give them, no build. The end-to-end test
(tests/e2e/test_feeds.py) builds a site in a real git repository and parses the feeds.
"""

from __future__ import annotations

import datetime as dt

from clincalc_site.content.history import MonographVersion, Withdrawal
from clincalc_site.content.index_entry import DoseState, IndexEntry, ReviewState
from clincalc_site.render.feeds import (
    MAX_ENTRIES,
    MONOGRAPH_ENTRIES,
    Feed,
    FeedEntry,
    feed_id,
    newest_first,
    site_feeds,
)
from clincalc_site.render.site_view import SiteView
from clincalc_site.site.assembly import Site, assemble_site
from clincalc_site.site.settings import SiteSettings


def entry(slug: str, drug_class: str = "Anticoagulant", status: str = "draft") -> IndexEntry:
    return IndexEntry(
        slug, f"monographs/{slug}.yaml", slug.title(), drug_class, (), False, (), None,
        ReviewState(status, dt.date(2026, 1, 1), None), DoseState("re-sourcing", None, None),
    )  # fmt: skip


def versions(*dates: str) -> tuple[MonographVersion, ...]:
    return tuple(
        MonographVersion(n, date, "a" * 40, "New monograph" if n == 1 else "Monitoring revised")
        for n, date in enumerate(dates, start=1)
    )


def site_of(entries: list[IndexEntry], found: dict[str, tuple[MonographVersion, ...]],
            drafts: bool = True) -> Site:  # fmt: skip
    settings = SiteSettings(publish_drafts=drafts)
    site, problems = assemble_site(entries, settings, {}, found)
    assert problems == []
    return site


def by_path(feeds: list[Feed]) -> dict[str, Feed]:
    return {feed.path: feed for feed in feeds}


def test_no_history_no_feeds() -> None:
    assert site_feeds(site_of([entry("apixaban")], {}), {}) == []


def test_newest_first_then_by_slug_then_the_newest_version() -> None:
    site = site_of(
        [entry("apixaban"), entry("warfarin"), entry("bisoprolol", "Beta-blocker")],
        {
            "apixaban": versions("2026-01-01", "2026-03-01"),
            "warfarin": versions("2026-03-01", "2026-03-01"),
            "bisoprolol": versions("2026-02-01"),
        },
    )
    feeds = by_path(site_feeds(site, {}))
    assert sorted(feeds) == [
        "classes/anticoagulant/feed.xml",
        "classes/beta-blocker/feed.xml",
        "drugs/apixaban/feed.xml",
        "drugs/bisoprolol/feed.xml",
        "drugs/warfarin/feed.xml",
        "feed.xml",
    ]
    whole = feeds["feed.xml"]
    assert [(e.date, e.slug, e.number) for e in whole.entries] == [
        ("2026-03-01", "apixaban", 2),
        ("2026-03-01", "warfarin", 2),
        ("2026-03-01", "warfarin", 1),
        ("2026-02-01", "bisoprolol", 1),
        ("2026-01-01", "apixaban", 1),
    ]
    assert whole.updated == "2026-03-01"
    # the version in force links to the page, an earlier one to its archive page
    assert [e.page for e in whole.entries[:3]] == [
        "drugs/apixaban/",
        "drugs/warfarin/",
        "drugs/warfarin/v/1/",
    ]
    assert whole.entries[2].key == "drugs/warfarin/v/1/"
    anticoagulants = feeds["classes/anticoagulant/feed.xml"]
    assert [e.slug for e in anticoagulants.entries] == [
        "apixaban",
        "warfarin",
        "warfarin",
        "apixaban",
    ]
    assert (
        anticoagulants.title == "Anticoagulant" and anticoagulants.page == "classes/anticoagulant/"
    )


def test_the_site_and_class_feeds_keep_the_newest_entries_a_monograph_its_newest_ten() -> None:
    days = [f"2026-{1 + n // 28:02d}-{1 + n % 28:02d}" for n in range(MAX_ENTRIES + 5)]
    site = site_of([entry("apixaban")], {"apixaban": versions(*days)})
    feeds = by_path(site_feeds(site, {}))
    whole = feeds["feed.xml"].entries
    assert len(whole) == MAX_ENTRIES and whole[0].number == MAX_ENTRIES + 5
    assert len(feeds["classes/anticoagulant/feed.xml"].entries) == MAX_ENTRIES
    own = feeds["drugs/apixaban/feed.xml"].entries
    assert [e.number for e in own] == list(
        range(MAX_ENTRIES + 5, MAX_ENTRIES + 5 - MONOGRAPH_ENTRIES, -1)
    )


def test_withdrawals_of_monographs_gone_and_back() -> None:
    site = site_of(
        [entry("apixaban"), entry("warfarin")],
        {
            "apixaban": versions("2026-01-01"),
            "warfarin": versions("2026-01-01", "2026-03-01"),  # added again on 1 March
            "edoxaban": versions("2026-01-01"),
            "unnamed": versions("2026-01-01"),
        },
    )
    gone = {
        "warfarin": (Withdrawal("2026-02-01", 1),),
        "edoxaban": (Withdrawal("2026-04-01", 1, "Edoxaban\x0c", "Anticoagulant", "draft"),),
        "unnamed": (Withdrawal("2026-04-02", 1),),  # its last version was not read
        "dabigatran": (Withdrawal("2026-04-03", 2, "Dabigatran", "Gone class", "draft"),),
    }
    feeds = by_path(site_feeds(site, gone))
    assert "drugs/edoxaban/feed.xml" not in feeds  # its page is gone: so is its feed
    whole = feeds["feed.xml"].entries
    assert [(e.slug, e.what, e.class_slug) for e in whole[:2]] == [
        ("dabigatran", "Withdrawn", ""),  # a class with no page: no class feed
        ("edoxaban", "Withdrawn", "anticoagulant"),
    ]
    assert whole[1].name == "Edoxaban"  # no character XML cannot hold
    assert whole[1].page == "drugs/edoxaban/history/"
    assert whole[1].key == "drugs/edoxaban/v/1/#withdrawn"
    assert "unnamed" not in {e.slug for e in whole}
    assert feeds["classes/anticoagulant/feed.xml"].entries[0].slug == "edoxaban"
    own = feeds["drugs/warfarin/feed.xml"].entries
    assert [(e.number, e.what, e.withdrawn) for e in own] == [
        (2, "Monitoring revised", False),
        (1, "Withdrawn", True),
        (1, "New monograph", False),
    ]
    # a site of reviewed pages only leaves out the withdrawal of a draft
    reviewed_only = site_of(
        [entry("apixaban", status="clinician-reviewed")],
        {"apixaban": versions("2026-01-01")},
        drafts=False,
    )
    slugs = {e.slug for e in by_path(site_feeds(reviewed_only, gone))["feed.xml"].entries}
    assert slugs == {"apixaban"}


def test_ids_are_full_addresses_or_stable_urns() -> None:
    view = SiteView("Formulary", "", "/", "en-GB", "2026-01-01", "1", 1, 1, 0)
    urn = feed_id(view, "drugs/apixaban/v/1/")
    assert urn.startswith("urn:uuid:") and urn == feed_id(view, "drugs/apixaban/v/1/")
    assert urn != feed_id(view, "drugs/apixaban/v/2/")
    addressed = SiteView("Formulary", "https://f.nhs.uk/", "/", "en-GB", "2026-01-01", "1", 1, 1, 0)
    assert feed_id(addressed, "feed.xml") == "https://f.nhs.uk/feed.xml"


def test_a_withdrawal_comes_after_the_version_it_ended() -> None:
    version = FeedEntry("a", "A", "", "", 3, "2026-01-01", "Dose verified", "drugs/a/")
    ended = version._replace(what="Withdrawn", withdrawn=True)
    assert newest_first([version, ended]) == [ended, version]
