"""Atom feeds of what changed (issue 22): the whole formulary, each class, each monograph.

A real git repository in a temporary folder: pomalidomide is added with a dose being
re-sourced, its monitoring edited, its dose verified (held back: the page is a draft) and its
review completed; a draft in another class carries a verified dose held back for review; a
third monograph is added and then deleted (withdrawn). The feeds must parse as Atom with no
"bozo" flag, list the versions newest first in the words of the "Changes" list, link each to
its version's page, say "Withdrawn" for the deleted file, carry no dose, be advertised by the
pages they follow, and be the same bytes after a rebuild as after a cold build.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import feedparser  # type: ignore[import-untyped]
import pytest
from dose_fixtures import VERIFIED_YAML, write_registry
from oracle import reference_build
from sitetools import git, git_formulary

from clincalc_site import cli
from clincalc_site.build.config import BuildConfig
from clincalc_site.content.history import read_git_history

TODAY = dt.date(2026, 11, 26)
BASE_URL = "https://formulary.northshire.nhs.uk/"
CLASS = "Immunomodulator (thalidomide analogue)"
CLASS_SLUG = "immunomodulator-thalidomide-analogue"
RE_SOURCING = """\
dosing:
  status: re-sourcing
  regimens:
    - indication: Resourcing indication text
      population: Adults
      route: Oral
      dose: 2.5 mg
      frequency: Three times daily
"""
ADDED = f"""\
name: Pomalidomide
drug_class: {CLASS}
summary: Oral immunomodulator used for relapsed and refractory multiple myeloma.
mechanism: Modulates the immune system through cereblon-mediated protein degradation.
monitoring: Monitor the full blood count.
review:
  status: draft
  date: 2026-07-04
"""
MONITORING = ADDED.replace("full blood count.", "full blood count weekly for 8 weeks.")
VERIFIED = MONITORING + VERIFIED_YAML
REVIEWED = VERIFIED.replace(
    "  status: draft\n  date: 2026-07-04", "  status: clinician-reviewed\n  date: 2026-10-20"
)
COUNSELLED = REVIEWED.replace(
    "monitoring:", "counselling:\n  - Report any signs of infection.\nmonitoring:"
)
OTHER = ADDED.replace("Pomalidomide", "Otheramide")
# A verified dose on a draft, in another class: held back (7 mg is on no page)
HELD = ADDED.replace("Pomalidomide", "Heldoxaban").replace(
    CLASS, "Anticoagulant"
) + VERIFIED_YAML.replace("dose: 4 mg", "dose: 7 mg").replace("4 mg daily", "7 mg daily")
# Dose text: re-sourcing and held back (never on a page), and the one pomalidomide shows
DOSE_TEXT = ("2.5 mg", "Three times daily", "Resourcing indication", "7 mg", "4 mg", "Once daily")
SITE_FEED = [
    ("Otheramide — Withdrawn", "2026-10-25", "drugs/otheramide/history/"),
    ("Pomalidomide — Status: draft → clinician-reviewed", "2026-10-20", "drugs/pomalidomide/"),
    ("Pomalidomide — Dose verified", "2026-10-12", "drugs/pomalidomide/v/3/"),
    ("Pomalidomide — Monitoring revised", "2026-10-05", "drugs/pomalidomide/v/2/"),
    ("Heldoxaban — New monograph", "2026-10-03", "drugs/heldoxaban/"),
    ("Pomalidomide — New monograph", "2026-10-01", "drugs/pomalidomide/v/1/"),
]


def commit(root: Path, date: str, name: str, text: str | None) -> None:
    """Commit ``monographs/<name>.yaml`` as ``text``; None deletes it."""
    path = root / "monographs" / f"{name}.yaml"
    if text is None:
        path.unlink()
    else:
        path.write_text(text, encoding="utf-8")
    git(root, "add", "-A", "monographs", date=date)
    git(root, "commit", "-qm", f"zzqx edit {name}", date=date)


@pytest.fixture
def project(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    git_formulary(tmp_path, monkeypatch, TODAY, base_url=BASE_URL)
    commit(tmp_path, "2026-10-01", "pomalidomide", ADDED + RE_SOURCING)
    commit(tmp_path, "2026-10-02", "otheramide", OTHER)
    commit(tmp_path, "2026-10-03", "heldoxaban", HELD)
    commit(tmp_path, "2026-10-05", "pomalidomide", MONITORING + RE_SOURCING)
    commit(tmp_path, "2026-10-12", "pomalidomide", VERIFIED)
    commit(tmp_path, "2026-10-20", "pomalidomide", REVIEWED)
    commit(tmp_path, "2026-10-25", "otheramide", None)
    return tmp_path


def build(capsys: pytest.CaptureFixture[str], *flags: str) -> int:
    """Build; the number of pages the summary counted."""
    assert cli.main(["build", "--no-search", *flags]) == 0
    said = re.search(r"built (\d+) pages", capsys.readouterr().err)
    assert said is not None
    return int(said.group(1))


def feeds_of(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*.xml"))}


def parsed(site: Path, path: str) -> Any:
    feed = feedparser.parse((site / path).read_bytes())
    assert feed.bozo == 0, (path, feed.get("bozo_exception"))
    return feed


def entries(feed: Any) -> list[tuple[str, str, str]]:
    """(title, date, link without the site's address) of each entry, in feed order."""
    return [(e.title, e.updated[:10], e.link.removeprefix(BASE_URL)) for e in feed.entries]


def alternates(html: str) -> list[str]:
    return re.findall(r'<link rel="alternate" type="application/atom\+xml" href="([^"]+)"', html)


def test_the_feeds_say_what_changed_newest_first(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = project / "_site"
    pages = build(capsys, "--strict")

    feeds = sorted(path for path in feeds_of(site) if path.endswith("feed.xml"))
    assert feeds == [
        "classes/anticoagulant/feed.xml",
        f"classes/{CLASS_SLUG}/feed.xml",
        "drugs/heldoxaban/feed.xml",
        "drugs/pomalidomide/feed.xml",
        "feed.xml",
    ]  # none for the withdrawn monograph: its page is gone too
    for path in feeds:
        parsed(site, path)  # valid Atom: no bozo flag

    whole = parsed(site, "feed.xml")
    assert entries(whole) == SITE_FEED
    assert whole.feed.title == "ClinCalc Pro: what changed"
    assert whole.feed.id == BASE_URL + "feed.xml"
    assert whole.feed.updated == "2026-10-25T00:00:00Z"  # the newest commit, not the build
    ids = [e.id for e in whole.entries]
    assert ids[:3] == [
        BASE_URL + "drugs/otheramide/v/1/#withdrawn",
        BASE_URL + "drugs/pomalidomide/v/4/",  # in force, linked to its page
        BASE_URL + "drugs/pomalidomide/v/3/",
    ]
    assert len(set(ids)) == len(ids)
    assert whole.entries[0].tags[0].label == CLASS

    cls = parsed(site, f"classes/{CLASS_SLUG}/feed.xml")
    assert entries(cls) == [e for e in SITE_FEED if not e[0].startswith("Heldoxaban")]
    assert entries(parsed(site, "classes/anticoagulant/feed.xml")) == [SITE_FEED[4]]
    own = parsed(site, "drugs/pomalidomide/feed.xml")
    assert entries(own) == [e for e in SITE_FEED if e[0].startswith("Pomalidomide")]
    assert own.feed.title == "Pomalidomide — ClinCalc Pro: what changed"

    # every entry links to a page of the site (archive and history pages: when the build
    # makes them, another part of issue 22)
    archive = (site / "drugs" / "pomalidomide" / "history").is_dir()
    for _, _, link in SITE_FEED:
        is_page = link.count("/") == 2
        assert (site / link / "index.html").is_file() or not (is_page or archive), link
    # the pages advertise their feeds
    assert alternates((site / "index.html").read_text("utf-8")) == ["/feed.xml"]
    class_page = (site / "classes" / CLASS_SLUG / "index.html").read_text("utf-8")
    assert alternates(class_page) == [f"/classes/{CLASS_SLUG}/feed.xml"]
    page = (site / "drugs" / "pomalidomide" / "index.html").read_text("utf-8")
    assert alternates(page) == ["/drugs/pomalidomide/feed.xml"]
    if archive:  # an archive page is not the monograph's page: it advertises no feed
        archived = site / "drugs" / "pomalidomide" / "v" / "3" / "index.html"
        assert alternates(archived.read_text("utf-8")) == []

    # not pages: not counted, not in the sitemap nor in the offline list
    html = [p for p in site.rglob("*.html") if not re.search(r"/(v/\d+|history)/", str(p))]
    assert pages == len(html) + len(["sitemap.xml", "robots.txt", "build-report.json"])
    assert "feed.xml" not in (site / "sitemap.xml").read_text("utf-8")
    assert "feed.xml" not in (site / "offline.json").read_text("utf-8")


def test_no_dose_is_in_any_feed(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = project / "_site"
    build(capsys, "--strict")
    page = (site / "drugs" / "pomalidomide" / "index.html").read_text("utf-8")
    assert "4 mg" in page  # shown on the reviewed page: still not in its feeds
    held = (site / "drugs" / "heldoxaban" / "index.html").read_text("utf-8")
    assert "7 mg" not in held
    for path, text in feeds_of(site).items():
        if path.endswith("feed.xml"):
            found = [dose for dose in DOSE_TEXT if dose.encode() in text]
            assert found == [], path


def test_a_rebuild_writes_what_a_cold_build_writes_and_only_what_changed(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = project / "_site"
    build(capsys, "--strict")
    untouched = site / "drugs" / "heldoxaban" / "feed.xml"
    before = untouched.stat()
    commit(project, "2026-10-28", "pomalidomide", COUNSELLED)
    build(capsys, "--strict")
    rebuilt = feeds_of(site)
    assert entries(parsed(site, "feed.xml"))[0] == (
        "Pomalidomide — Counselling the patient added",
        "2026-10-28",
        "drugs/pomalidomide/",
    )
    assert entries(parsed(site, "drugs/pomalidomide/feed.xml"))[1][2] == "drugs/pomalidomide/v/4/"
    after = untouched.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # reused

    build(capsys, "--strict", "--no-cache")
    assert feeds_of(site) == rebuilt
    # and what the plain reference build writes, from the same history
    found = read_git_history(project / "monographs")
    plain = BuildConfig(
        content_dir=project / "monographs",
        output_dir=project / "plain",
        today=TODAY,
        strict=True,
        history=tuple(sorted(found.changes.items())),
        versions=tuple(sorted(found.versions.items())),
        withdrawals=tuple(sorted(found.withdrawals.items())),
    )
    assert not reference_build(plain).failed
    assert {p: b for p, b in feeds_of(project / "plain").items() if p.endswith("feed.xml")} == {
        p: b for p, b in rebuilt.items() if p.endswith("feed.xml")
    }


def test_without_a_site_address_ids_are_urns_and_links_are_relative(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "site.yaml").write_text("site_name: Draft Formulary\n", encoding="utf-8")
    build(capsys)
    site = project / "_site"
    whole = parsed(site, "feed.xml")
    assert whole.feed.id.startswith("urn:uuid:")
    assert [e.id[:9] for e in whole.entries] == ["urn:uuid:"] * len(SITE_FEED)
    raw = (site / "feed.xml").read_text("utf-8")
    assert '<link rel="alternate" type="text/html" href="/drugs/pomalidomide/"/>' in raw
    # the same path gives the same id in every build
    build(capsys, "--no-cache")
    assert parsed(site, "feed.xml").feed.id == whole.feed.id


def test_outside_git_there_are_no_feeds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "monographs").mkdir()
    write_registry(tmp_path)
    (tmp_path / "monographs" / "pomalidomide.yaml").write_text(ADDED, encoding="utf-8")
    build(capsys)
    site = tmp_path / "_site"
    assert not list(site.rglob("feed.xml"))
    assert alternates((site / "index.html").read_text("utf-8")) == []
