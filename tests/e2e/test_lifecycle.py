"""One monograph's whole life in git: added, edited, verified, its source revised, withdrawn.

A real git repository in a temporary folder, one commit a day in October 2026:

1. 1 October: pomalidomide is added, its dose still being re-sourced (3 mg: never shown).
   Version 1, "New monograph".
2. 2 October: its monitoring is edited. Version 2, "Monitoring revised".
3. 3 October: its dose is verified (4 mg) on the clinician-reviewed monograph. Version 3,
   "Dose verified": the page shows the dose.
4. 4 October: only sources.yaml changes: the SmPC the dose was verified against has a new
   revision. The monograph file is the same, yet this is version 4, "Dose held back: source
   revised": the page shows the re-sourcing banner instead of the dose. The archive page of
   version 3 still shows the 4 mg published then (decided with the registry as it stood at
   that commit) and says it is no longer current; versions 1 and 2 never had a dose.
5. 6 October: the file is deleted: the monograph is withdrawn. Its page goes; the archive
   pages of versions 1 to 4 and the history page stay, and say so.

The site is built after step 4 and after step 5, and as of several days (``--as-of``). It is
checked for the version line, the archive pages and their notices, the history page, the
Atom feeds, and the dose rule in every file the build writes (pages, feeds, API, FHIR): 3 mg
in none, 4 mg on the archive page of version 3 only.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import feedparser  # type: ignore[import-untyped]
import pytest
from dose_fixtures import RE_SOURCING_YAML, REVIEWED_POMALIDOMIDE, SOURCES_YAML, VERIFIED_YAML
from sitetools import git, git_formulary, visible_text

from clincalc_site import cli

TODAY = dt.date(2026, 11, 26)
BASE_URL = "https://formulary.northshire.nhs.uk/"
MONOGRAPH = "monographs/pomalidomide.yaml"
RE_SOURCING = RE_SOURCING_YAML
ADDED = REVIEWED_POMALIDOMIDE + RE_SOURCING
MONITORED = ADDED.replace("full blood count.", "full blood count weekly for 8 weeks.")
VERIFIED = MONITORED.replace(RE_SOURCING, VERIFIED_YAML)  # dose: 4 mg, source rev. 2025-03-14
REVISED_SOURCES = SOURCES_YAML.replace("2025-03-14", "2026-10-04")
WITHDRAWN_ON = "2026-10-06"

# The two doses, however a file spells the space: a page keeps "4&nbsp;mg" on one line, JSON
# may escape it. The source's title ("Imnovid 4 mg hard capsules") is shown with the dose.
_GAP = r"(?:\s|&nbsp;|&#160;|\\u00a0)+"
DOSES = {"4 mg": re.compile(rf"\b4{_GAP}mg\b"), "3 mg": re.compile(rf"\b3{_GAP}mg\b")}
ANY_DOSE = re.compile(rf"\b\d+(?:\.\d+)?{_GAP}mg\b")
NO_DOSE = "No dose is shown for this version."
BANNER = "Dosing — being independently re-sourced"
# Compared with a page's visible text: its HTML writes the apostrophe as &#39;.
HELD_BACK = "The source of this drug's dose was revised on 4 October 2026"
VERSION_LINE = re.compile(
    r'<p class="version"[^>]*>Version (\d+), in force since <time datetime="[0-9-]+">([^<]+)</time>'
)
# Each version's feed entry: what changed (the "Changes" list's words), its date, its link (an
# archive page; the version in force links to the monograph's page).
FEED_AFTER_REVISION = [
    ("Pomalidomide — Dose held back: source revised", "2026-10-04", "drugs/pomalidomide/"),
    ("Pomalidomide — Dose verified", "2026-10-03", "drugs/pomalidomide/v/3/"),
    ("Pomalidomide — Monitoring revised", "2026-10-02", "drugs/pomalidomide/v/2/"),
    ("Pomalidomide — New monograph", "2026-10-01", "drugs/pomalidomide/v/1/"),
]


def commit(root: Path, date: str, files: dict[str, str | None]) -> None:
    """Commit ``files`` (path -> text; None deletes the file) on ``date``."""
    for name, text in files.items():
        if text is None:
            git(root, "rm", "-q", name, date=date)
        else:
            (root / name).write_text(text, encoding="utf-8")
            git(root, "add", name, date=date)
    git(root, "commit", "-qm", f"change of {date}", date=date)


@pytest.fixture
def project(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The repository after step 4 (the source revised); ``withdraw`` makes step 5."""
    git_formulary(tmp_path, monkeypatch, TODAY, base_url=BASE_URL, date="2026-09-30")
    # .gitkeep: the folder outlives its one monograph
    commit(tmp_path, "2026-10-01", {MONOGRAPH: ADDED, "monographs/.gitkeep": ""})
    commit(tmp_path, "2026-10-02", {MONOGRAPH: MONITORED})
    commit(tmp_path, "2026-10-03", {MONOGRAPH: VERIFIED})
    commit(tmp_path, "2026-10-04", {"sources.yaml": REVISED_SOURCES})
    return tmp_path


def withdraw(root: Path) -> None:
    """Step 5: the monograph's file is deleted."""
    commit(root, WITHDRAWN_ON, {MONOGRAPH: None})


def build(*flags: str) -> None:
    assert cli.main(["build", "--no-search", *flags]) == 0


def page(site: Path, path: str) -> str:
    """The HTML at ``/<path>/``; the test fails, saying so, if there is none."""
    file = site / path / "index.html"
    assert file.is_file(), f"no page at /{path}/"
    return file.read_text(encoding="utf-8")


def doses_in(text: str) -> set[str]:
    return {dose for dose, pattern in DOSES.items() if pattern.search(text)}


def version_line(html: str) -> tuple[str, str] | None:
    """("4", "4 October 2026") from "Version 4, in force since 4 October 2026"."""
    found = VERSION_LINE.findall(html)
    assert len(found) <= 1
    return found[0] if found else None


def archive(site: Path, number: int) -> tuple[str, str]:
    """The archive page of version ``number``: the visible text of its notice, and its HTML."""
    html = page(site, f"drugs/pomalidomide/v/{number}")
    assert '<meta name="robots" content="noindex">' in html, number
    notice = re.search(r'<div class="[^"]*\barchive-notice\b[^"]*"[^>]*>(.*?)</div>', html, re.S)
    assert notice is not None, number
    return visible_text(notice.group(1)), html


def history_rows(site: Path) -> list[tuple[int, str, str]]:
    """The history page's rows in order: (version, visible text, HTML)."""
    html = page(site, "drugs/pomalidomide/history")
    assert '<meta name="robots" content="noindex">' in html
    rows = re.findall(r'<li id="v(\d+)">(.*?)</li>', html, re.S)
    return [(int(number), visible_text(row), row) for number, row in rows]


def parsed(site: Path, path: str) -> Any:
    feed = feedparser.parse((site / path).read_bytes())
    assert not feed.bozo, (path, feed.get("bozo_exception"))
    return feed


def entries(feed: Any) -> list[tuple[str, str, str]]:
    """(title, date, link without the site's address) of each entry, in feed order."""
    return [(e.title, e.updated[:10], e.link.removeprefix(BASE_URL)) for e in feed.entries]


def test_a_revised_source_makes_version_4_and_holds_the_dose_back(project: Path) -> None:
    build()
    site = project / "_site"
    current = page(site, "drugs/pomalidomide")
    assert version_line(current) == ("4", "4 October 2026")
    assert doses_in(current) == set()
    assert BANNER in visible_text(current) and HELD_BACK in visible_text(current)
    changes = re.findall(r"<li><time[^>]*>([0-9-]+)</time>: ([^<]+)</li>", current)
    assert changes[0] == ("2026-10-04", "Dose held back: source revised")

    for number, superseded, shown in [
        (1, "2 October 2026", set()),
        (2, "3 October 2026", set()),
        (3, "4 October 2026", {"4 mg"}),  # published then: shown, as it was
    ]:
        notice, html = archive(site, number)
        assert notice.startswith(f"Superseded on {superseded} — see the current version."), notice
        assert doses_in(html) == shown, number
        if shown:
            assert "The dose shown on this page is no longer current." in notice
        else:
            assert NO_DOSE in notice and BANNER in html
    assert not (site / "drugs/pomalidomide/v/4").exists()  # in force: the page itself


def test_the_history_page_has_every_version_and_what_changed(project: Path) -> None:
    build()
    rows = history_rows(project / "_site")
    assert [(number, text.partition(". ")[0]) for number, text, _ in rows] == [
        (4, "Version 4, 4 October 2026 (current) Dose held back: source revised"),
        (3, "Version 3, 3 October 2026 to 4 October 2026 Dose verified"),
        (2, "Version 2, 2 October 2026 to 3 October 2026 Monitoring revised"),
        (1, "Version 1, 1 October 2026 to 2 October 2026 New monograph"),
    ]
    links = [re.findall(r'<a href="([^"]+)"', html)[0] for _, _, html in rows]
    assert links == [
        "/drugs/pomalidomide/",
        "/drugs/pomalidomide/v/3/",
        "/drugs/pomalidomide/v/2/",
        "/drugs/pomalidomide/v/1/",
    ]
    monitoring_edit = rows[2][2]
    added = '<ins><span class="visually-hidden">added: </span>weekly for 8 weeks</ins>.'
    assert f"Monitor the full blood count {added}" in monitoring_edit
    for number, text, html in rows:
        assert doses_in(html) == set(), number  # a change of dose is said in words only
        assert ("Word by word" in text) is (number == 2), number


def test_a_withdrawn_monograph_keeps_every_version(project: Path) -> None:
    withdraw(project)
    build()
    site = project / "_site"
    assert not (site / "drugs/pomalidomide/index.html").exists()
    assert not (site / "drugs/pomalidomide/feed.xml").exists()

    for number, ended, shown in [
        (1, "Superseded on 2 October 2026; this monograph has since been withdrawn.", set()),
        (2, "Superseded on 3 October 2026; this monograph has since been withdrawn.", set()),
        (3, "Superseded on 4 October 2026; this monograph has since been withdrawn.", {"4 mg"}),
        (4, "Withdrawn on 6 October 2026: this monograph is no longer in the formulary.", set()),
    ]:
        notice, html = archive(site, number)
        assert notice.startswith(ended), notice
        assert doses_in(html) == shown, number
        if shown:
            assert "The dose shown on this page is no longer current." in notice
        else:
            assert NO_DOSE in notice
    _, fourth = archive(site, 4)
    assert f'Withdrawn on <time datetime="{WITHDRAWN_ON}">6 October 2026</time>' in fourth

    history = page(site, "drugs/pomalidomide/history")
    assert "This monograph has been withdrawn: it is no longer in the formulary." in history
    rows = history_rows(site)
    assert [number for number, _, _ in rows] == [4, 3, 2, 1]
    assert rows[0][1].startswith(
        "Version 4, 4 October 2026 to 6 October 2026, withdrawn Dose held back: source revised."
    )
    assert 'href="/drugs/pomalidomide/v/4/"' in rows[0][2]


def test_the_feeds_say_what_changed_newest_first_and_carry_no_dose(project: Path) -> None:
    build()
    site = project / "_site"
    for path in ("feed.xml", "drugs/pomalidomide/feed.xml"):
        feed = parsed(site, path)
        assert entries(feed) == FEED_AFTER_REVISION, path
        for _, _, link in entries(feed):
            assert (site / link / "index.html").is_file(), link
        assert not ANY_DOSE.search((site / path).read_text(encoding="utf-8")), path

    # Withdrawn: the monograph's own feed goes with its page; the site's feed says
    # "Withdrawn" and links to the history page (the versions of a monograph no longer in
    # the formulary drop out of it: feeds.py).
    withdraw(project)
    build()
    whole = parsed(site, "feed.xml")
    assert entries(whole) == [
        ("Pomalidomide — Withdrawn", WITHDRAWN_ON, "drugs/pomalidomide/history/")
    ]
    assert whole.entries[0].id == f"{BASE_URL}drugs/pomalidomide/v/4/#withdrawn"
    assert "version 4 was the last in force" in whole.entries[0].summary
    assert not ANY_DOSE.search((site / "feed.xml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("withdrawn", [False, True], ids=["source-revised", "withdrawn"])
def test_no_dose_is_anywhere_but_on_the_page_that_published_it(
    project: Path, withdrawn: bool
) -> None:
    """Every file the build writes, data exports included: 3 mg in none, 4 mg in one."""
    if withdrawn:
        withdraw(project)
    build()
    site = project / "_site"
    files = {p.relative_to(site).as_posix(): p for p in sorted(site.rglob("*")) if p.is_file()}
    assert any(name.startswith("api/") for name in files)  # the exports were built
    assert any(name.startswith("fhir/") for name in files)
    found = {
        name: doses_in(file.read_bytes().decode("utf-8", "replace")) for name, file in files.items()
    }
    assert {name: doses for name, doses in found.items() if doses} == {
        "drugs/pomalidomide/v/3/index.html": {"4 mg"}
    }


@pytest.mark.parametrize(
    ("day", "version", "shown"),
    [
        ("2026-10-01", ("1", "1 October 2026"), set()),
        ("2026-10-03", ("3", "3 October 2026"), {"4 mg"}),
        ("2026-10-04", ("4", "4 October 2026"), set()),
        ("2026-10-05", ("4", "4 October 2026"), set()),
        ("2026-10-06", None, set()),  # withdrawn that day: no page
    ],
)
def test_the_site_as_of_a_day(
    project: Path, day: str, version: tuple[str, str] | None, shown: set[str]
) -> None:
    withdraw(project)
    build("--as-of", day)
    site = project / f"_site-as-of-{day}"
    if version is None:
        assert not (site / "drugs/pomalidomide/index.html").exists()
        assert "has been withdrawn" in page(site, "drugs/pomalidomide/history")
        return
    current = page(site, "drugs/pomalidomide")
    assert "Not the current formulary" in current
    assert version_line(current) == version
    assert doses_in(current) == shown
    assert (BANNER in current) is not bool(shown)
    assert (HELD_BACK in visible_text(current)) is (day >= "2026-10-04")


def api(site: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Pomalidomide's entry in the API's index, and its own document."""
    index = json.loads((site / "api/v1/drugs.json").read_text(encoding="utf-8"))
    entry = next(drug for drug in index["drugs"] if drug["slug"] == "pomalidomide")
    own = json.loads((site / "api/v1/drugs/pomalidomide.json").read_text(encoding="utf-8"))
    return entry, own


def test_the_api_gives_the_version_in_force_and_a_commit_moves_it(project: Path) -> None:
    build()
    site = project / "_site"
    entry, own = api(site)
    for found in (entry, own):
        assert (found["version"], found["in_force_since"]) == (4, "2026-10-04")
    assert entry["dose_published"] is False and own["dose"] is None  # held back
    # An edit not yet committed is in no version; committed as it is, it is version 5: only
    # the versions differ from the build before, and the index must follow them.
    edited = MONITORED.replace(RE_SOURCING, VERIFIED_YAML).replace("8 weeks", "12 weeks")
    (project / MONOGRAPH).write_text(edited, encoding="utf-8")
    build()
    assert [found["version"] for found in api(site)] == [4, 4]
    commit(project, "2026-10-05", {MONOGRAPH: edited})
    build()
    for found in api(site):
        assert (found["version"], found["in_force_since"]) == (5, "2026-10-05")
    incremental = {p: p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}
    build("--no-cache")
    assert {p: p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()} == incremental
