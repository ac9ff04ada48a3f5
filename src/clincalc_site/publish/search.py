"""Search index and offline files for the staged site: what ``BuildConfig.finish`` runs.

Stage: publish/ (docs/architecture.md): the finish step, run on the staged output folder after
every page and static file is written, before the folder is published.

``finish_site`` does, in order:

1. reads the top of every monograph page (the ``<article data-pagefind-body>``: the elements
   marked ``data-pagefind-meta="title"`` and ``"class"``, ``.brand-names`` and ``.summary``)
   into ``search/drugs.json`` (names, brands, classes: what the type-ahead and the results
   rank with typo tolerance; Pagefind itself matches prefixes and stems, not misspellings)
   and ``search/summaries/<n>.json`` (shown with each result, 16 drugs a file);
2. indexes the monograph pages for full-text search with Pagefind, alongside step 1: one
   bundle per partition of the pages, a partition already published unchanged linked, not
   indexed again (``pagefind_index.py``);
3. fills the site's name and colour into ``static/manifest.webmanifest``;
4. names the build by a hash of every file in it and writes ``offline.json`` (every page and
   search file, for "save the whole formulary");
5. moves ``static/sw.js`` to the site root (so its scope is the whole site) with that build
   name and the list of shell files filled in.

Every step is deterministic: the same staged site gives byte-identical output.
A failure raises ``SearchBuildError``; the build then publishes nothing.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from clincalc_site.publish import pagefind_index
from clincalc_site.publish.pagefind_index import PAGEFIND_DIR, start_index
from clincalc_site.publish.site_files import Finish, SiteFiles
from clincalc_site.site.settings import BRAND_STYLESHEET

SEARCH_DIR = "search"
DRUGS_FILE = "search/drugs.json"
SUMMARIES_DIR = "search/summaries"
SUMMARY_SHARD = 16  # summaries a file: a results page fetches only those it shows
DRUG_URL_PREFIX = "drugs/"
OFFLINE_FILE = "offline.json"
SW_SOURCE = "static/sw.js"
SW_FILE = "sw.js"
MANIFEST_FILE = "static/manifest.webmanifest"
# Defined in pagefind_index (below this module), named here as before.
SearchBuildError = pagefind_index.SearchBuildError
PAGEFIND_UNUSED = pagefind_index.PAGEFIND_UNUSED
BUILD_MARKER = '"__CLINCALC_BUILD__"'
SHELL_MARKER = '["__CLINCALC_SHELL__"]'
_VOID = frozenset(  # elements with no end tag
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class DrugRecord:
    """One monograph as the search box sees it (``search/drugs.json``)."""

    name: str
    url: str  # relative to the site root, e.g. "drugs/warfarin/"
    drug_class: str
    brands: tuple[str, ...]
    summary: str
    review: str = ""  # "Reviewed 4 July 2026" or "Draft, not yet reviewed" (data-review)
    status: str = ""  # the formulary status label, when the site has them


class _Done(Exception):
    """Raised by the parser once the summary is read: the rest of the page is not needed."""


class _MonographParser(HTMLParser):
    """Collects name, class, brand names and summary from the top of a monograph article."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: dict[str, list[str]] = {}
        self._open: list[tuple[str, int, bool]] = []  # (field, depth, direct text only)
        self._depth = 0
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            if tag == "br":
                self.handle_data(" ")
            return
        self._depth += 1
        values = {name: value or "" for name, value in attrs}
        if "data-pagefind-body" in values:
            self._in_body = True
            self.text["review"] = [values.get("data-review", "")]
        if not self._in_body:
            return
        metas = {part.strip() for part in values.get("data-pagefind-meta", "").split(",")}
        classes = set(values.get("class", "").split())
        if "title" in metas:
            self._open.append(("name", self._depth, True))  # not "(Specialist drug)"
        elif "class" in metas:
            self._open.append(("drug_class", self._depth, False))
        elif "brand-names" in classes:
            self._open.append(("brands", self._depth, False))
        elif "status" in classes and "data-pagefind-filter" in values:
            self._open.append(("status", self._depth, False))
        elif "summary" in classes:
            self._open.append(("summary", self._depth, False))

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        if self._open and self._open[-1][1] == self._depth:
            field = self._open.pop()[0]
            if field == "summary":
                raise _Done
        self._depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._open:
            return
        field, depth, direct = self._open[-1]
        if not direct or depth == self._depth:
            self.text.setdefault(field, []).append(data)

    def field(self, name: str) -> str:
        return _SPACE.sub(" ", "".join(self.text.get(name, []))).strip()


# Archive and history pages (build/archive.py): not in the drug list, and never saved for
# offline use with the formulary (10,000 of them at 5,000 monographs): opened when needed.
_EARLIER = re.compile(r"drugs/[^/]+/(?:v/[0-9]+|history)/")


def page_url(relative: str) -> str:
    """'drugs/x/index.html' -> 'drugs/x/'; 'index.html' -> ''; 'a.html' -> 'a.html'.

    Takes a POSIX path string: a ``Path`` per page is costly on a large site."""
    if relative == "index.html":
        return ""
    return relative.removesuffix("index.html")


def read_record(path: Path, site_root: Path) -> DrugRecord | None:
    """Read one page; None when it is not a monograph (has no ``data-pagefind-body``, or
    is an archive or history page, whatever a team's template marks it with)."""
    if _EARLIER.fullmatch(page_url(path.relative_to(site_root).as_posix())):
        return None
    text = path.read_text(encoding="utf-8")
    marker = text.find("data-pagefind-body")
    if marker < 0:
        return None
    parser = _MonographParser()
    try:
        parser.feed(text[text.rfind("<", 0, marker) :])
        parser.close()
    except _Done:
        pass
    relative = path.relative_to(site_root)
    name, drug_class, summary = (parser.field(f) for f in ("name", "drug_class", "summary"))
    missing = [label for label, value in (("title", name), ("class", drug_class)) if not value]
    missing += [] if summary else ["summary"]
    if missing:
        raise SearchBuildError(
            f"{relative}: no {', '.join(missing)} found for the search index; "
            'monograph.html must keep data-pagefind-meta="title"/"class" and class="summary"'
        )
    brand_text = parser.field("brands").partition(":")[2]
    brands = tuple(b.strip() for b in brand_text.split(",") if b.strip())
    url = page_url(relative.as_posix())
    review, status = parser.field("review"), parser.field("status")
    return DrugRecord(name, url, drug_class, brands, summary, review, status)


def html_files(site_root: Path) -> Iterator[Path]:
    return iter(sorted(site_root.rglob("*.html")))


def read_records(site_root: Path) -> list[DrugRecord]:
    records = [r for p in html_files(site_root) if (r := read_record(p, site_root)) is not None]
    return sorted(records, key=lambda r: (r.name.casefold(), r.url))


def write_drug_index(site_root: Path, records: list[DrugRecord]) -> None:
    """``search/drugs.json`` for the type-ahead and the results, ``search/summaries/<n>.json``
    for the results.

    The drug list is compact (about 40 bytes a monograph, 6 gzipped): each drug is a row
    ``[name, slug, class, review, status, *brands]`` where class, review and status are
    positions in the lists beside it and the slug is ``""`` when it is the name in lower
    case; ``expand_drug_index`` reads it back. Summaries are fetched by the results page
    only, and only the files holding the drugs it shows: the drugs in the list's order,
    ``SUMMARY_SHARD`` to a file.
    """
    classes = sorted({r.drug_class for r in records})
    reviews = sorted({r.review for r in records})
    statuses = ["", *sorted({r.status for r in records} - {""})]
    at = {text: i for texts in (classes, reviews, statuses) for i, text in enumerate(texts)}
    rows = [
        [r.name, _short_slug(r), at[r.drug_class], at[r.review], at[r.status], *r.brands]
        for r in records
    ]
    drugs = {
        "classes": classes,
        "reviews": reviews,
        "statuses": statuses,
        "shard": SUMMARY_SHARD,
        "drugs": rows,
    }
    _write_json(site_root / DRUGS_FILE, drugs)
    folder = site_root / SUMMARIES_DIR
    for start in range(0, len(records), SUMMARY_SHARD):
        shard = [r.summary for r in records[start : start + SUMMARY_SHARD]]
        _write_json(folder / f"{start // SUMMARY_SHARD}.json", shard)


def _short_slug(record: DrugRecord) -> str:
    """The page's slug, or "" when it is the name in lower case (most are)."""
    slug = record.url.removeprefix(DRUG_URL_PREFIX).removesuffix("/")
    if record.url != f"{DRUG_URL_PREFIX}{slug}/":
        raise SearchBuildError(f"{record.url}: a monograph page must be under {DRUG_URL_PREFIX}")
    return "" if slug == record.name.lower() else slug


def _write_json(target: Path, data: object) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    target.write_text(payload + "\n", encoding="utf-8")


def expand_drug_index(data: dict[str, Any]) -> list[dict[str, Any]]:
    """``search/drugs.json`` as one dict a drug (name, url, class, brands, review, status
    when it has one): what static/js/match.js ``readDrugIndex`` makes of it."""
    drugs: list[dict[str, Any]] = []
    for name, slug, drug_class, review, status, *brands in data["drugs"]:
        drug: dict[str, Any] = {
            "name": name,
            "url": f"{DRUG_URL_PREFIX}{slug or name.lower()}/",
            "class": data["classes"][drug_class],
            "brands": brands,
            "review": data["reviews"][review],
        }
        if status:
            drug["status"] = data["statuses"][status]
        drugs.append(drug)
    return drugs


def write_manifest(site_root: Path) -> None:
    """Name the web app after the site (the home page's <title>), its language and colour."""
    manifest_path = site_root / MANIFEST_FILE
    home = site_root / "index.html"
    if not manifest_path.is_file() or not home.is_file():
        return
    page = home.read_text(encoding="utf-8")
    title = re.search(r"<title>(.*?)</title>", page, re.DOTALL)
    lang = re.search(r'<html lang="([^"]+)"', page)
    colour = re.search(r'<meta name="theme-color" content="(#[0-9a-f]{6})">', page)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if title:
        manifest["name"] = manifest["short_name"] = html.unescape(title.group(1)).strip()
    if lang:
        manifest["lang"] = lang.group(1)
    if colour:
        manifest["theme_color"] = colour.group(1)
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", "utf-8")


def build_id(files: SiteFiles, names: list[str]) -> str:
    """A name for this build: a hash of every path and its bytes (changes when anything does)."""
    digest = hashlib.sha256()
    for name in names:
        digest.update(name.encode("utf-8") + b"\0")
        digest.update(files.sha256(name))
    return digest.hexdigest()[:12]


def write_offline_files(site_root: Path, listed: SiteFiles) -> None:
    """Write ``offline.json`` and the service worker at the root, both naming this build."""
    source = site_root / SW_SOURCE
    if not source.is_file():
        return
    files = [f for f in listed.names() if f not in (OFFLINE_FILE, SW_FILE)]
    build = build_id(listed, files)
    pages = [page_url(f) for f in files if f.endswith(".html") and f != "404.html"]
    pages = [url for url in pages if not _EARLIER.fullmatch(url)]  # not for the bedside
    # The shell is fetched when the worker installs: what every page needs, nothing for search
    # (that is fetched, and kept, when the search box is first used, or by "save all").
    shell = [
        "",
        *(
            f
            for f in files
            if (f.startswith("static/") and f != SW_SOURCE) or f == BRAND_STYLESHEET
        ),
    ]
    search = [f for f in files if f.startswith((SEARCH_DIR + "/", PAGEFIND_DIR + "/"))]
    offline = {"build": build, "pages": pages, "assets": [*shell, *search]}
    (site_root / OFFLINE_FILE).write_text(json.dumps(offline, indent=0) + "\n", "utf-8")
    listed.changed(OFFLINE_FILE)
    code = source.read_text(encoding="utf-8")
    for marker in (BUILD_MARKER, SHELL_MARKER):
        if code.count(marker) != 1:
            raise SearchBuildError(f"{SW_SOURCE} must contain {marker} exactly once")
    code = code.replace(BUILD_MARKER, json.dumps(build))
    code = code.replace(SHELL_MARKER, json.dumps(shell))
    (site_root / SW_FILE).write_text(code, encoding="utf-8")
    source.unlink()
    for name in (SW_FILE, SW_SOURCE):
        listed.changed(name)


@functools.cache
def _records_memo_key() -> str:
    """What a stored record depends on besides its page: this module's code and the
    record's fields (a record read by other code is read again)."""
    code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
    return f"search-records {code} {','.join(f.name for f in dataclasses.fields(DrugRecord))}"


def known_records(site_root: Path, files: SiteFiles) -> list[DrugRecord]:
    """``read_records``, reading only the pages the build before did not read as they are.

    What each page gave (a record, or none) is kept in ``files.new_memo`` by the page's
    path and sha256 (the file's digest is known without reading it when it was reused);
    a page the memo of the published build holds with the same sha256 is not read again
    (reading and parsing all 10,000 pages took 1.5 s: docs/performance.md).
    """
    key = _records_memo_key()
    known: dict[str, tuple[bytes, tuple[object, ...]]] = files.memo.get(key) or {}
    kept: dict[str, tuple[bytes, tuple[object, ...]]] = {}
    records = []
    for name in files.names():
        if not name.endswith(".html"):
            continue
        sha = files.sha256(name)
        stored = known.get(name)
        if stored is not None and stored[0] == sha:
            plain = stored[1]
            record = DrugRecord(*plain) if plain else None  # type: ignore[arg-type]
        else:
            record = read_record(site_root / name, site_root)
            plain = dataclasses.astuple(record) if record is not None else ()
        kept[name] = (sha, plain)
        if record is not None:
            records.append(record)
    files.new_memo[key] = kept
    return sorted(records, key=lambda r: (r.name.casefold(), r.url))


def finish_site(
    site_root: Path, site_files: SiteFiles | None = None, *, index_search: bool = True
) -> None:
    """Add the search index, web app manifest and offline files to a staged site.

    Raises:
        SearchBuildError: Pagefind failed or a monograph page lacks what search needs.
    """
    files = site_files or SiteFiles(site_root)
    if index_search:
        job = start_index(site_root, files)  # Pagefind indexes while the drug list is read
        try:
            write_drug_index(site_root, known_records(site_root, files))
        except BaseException:
            job.close()
            raise
        job.finish()
        files.note_folder(SEARCH_DIR + "/")
    write_manifest(site_root)
    files.changed(MANIFEST_FILE)
    write_offline_files(site_root, files)


def finish_preview(site_root: Path, site_files: SiteFiles | None = None) -> None:
    """The finish step of ``serve``: the drug list only (pages changed since the last
    reload are read, the others are known). The full-text index is made apart, after the
    reload, by preview/server.py; the offline files are not needed in a preview."""
    files = site_files or SiteFiles(site_root)
    write_drug_index(site_root, known_records(site_root, files))
    files.note_folder(SEARCH_DIR + "/")


def make_finisher(*, index_search: bool = True) -> Finish:
    """The ``BuildConfig.finish`` hook for ``clincalc-site build`` (``--no-search`` skips 1-2)."""
    return functools.partial(finish_site, index_search=index_search)
