"""The full-text index in partitions (publish/pagefind_index.py): what a rebuild reuses, and
that searching the site it publishes finds what searching a cold build finds.

The starter formulary (47 monographs) is indexed in 8 partitions here (``PARTITION_PAGES``
made small), so that one edit changes one partition among several, as at 10,000 monographs.
The searches run Pagefind's own JavaScript in headless Chromium, merging the bundles that
``pagefind/bundles.json`` lists as static/js/results.js does.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime as dt
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from browser.support import CHROMIUM, CHROMIUM_ARGS, serve
from sitetools import REPO_ROOT, snapshot

from clincalc_site.build import pipeline
from clincalc_site.build.config import BuildConfig
from clincalc_site.build.pipeline import BuildOptions
from clincalc_site.publish import pagefind_index
from clincalc_site.publish.pagefind_index import (
    BUNDLES_FILE,
    PAGEFIND_DIR,
    PAGEFIND_UNUSED,
    RUNTIME_FILES,
    partition_count,
    partition_of,
    plan_partitions,
)
from clincalc_site.publish.search import make_finisher

T = TypeVar("T")
TODAY = dt.date(2026, 12, 1)
MAX_RESULTS = 30  # static/js/results.js
QUERIES = ["warfarin", "bleeding", "renal impairment", "serotonin", "liver", "pregnancy",
           "thalidomide", "hypoglycaemia", "cough", "monitoring"]  # fmt: skip
# static/js/results.js's own fullText, on every query; [url, excerpt] of each hit.
SEARCH_SCRIPT = """async (queries) => {
  const root = new URL("/", location.href);
  const { fullText } = await import(new URL("static/js/results.js", root).href);
  const found = {};
  for (const query of queries) {
    found[query] = (await fullText(query, root, "")).map((hit) => [hit.url, hit.excerpt]);
  }
  return found;
}"""


@pytest.fixture
def small_partitions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pagefind_index, "PARTITION_PAGES", 6)


def project(root: Path) -> Path:
    """A copy of the starter formulary (monographs, site.yaml, team.yaml, sources.yaml)."""
    shutil.copytree(REPO_ROOT / "monographs", root / "monographs")
    for name in ("site.yaml", "team.yaml", "sources.yaml"):
        if (REPO_ROOT / name).is_file():
            shutil.copy(REPO_ROOT / name, root / name)
    return root / "monographs"


def build(content: Path, out: Path, *, cache: bool = True) -> None:
    config = BuildConfig(content_dir=content, output_dir=out, today=TODAY, finish=make_finisher())
    report = pipeline.build(config, "test", BuildOptions(use_cache=cache))
    assert not report.failed, [str(d) for d in report.diagnostics]


def edit(content: Path) -> None:
    path = content / "warfarin.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("summary: ", "summary: Zyxquasar checked. ", 1), "utf-8")


def bundles_of(site: Path) -> list[str]:
    listed: list[str] = json.loads((site / BUNDLES_FILE).read_text(encoding="utf-8"))["bundles"]
    return listed


def test_partitions_are_stable_and_keyed_by_their_pages() -> None:
    assert [partition_count(n) for n in (0, 1, 320, 321, 640, 641, 10_000)] == [
        1, 1, 1, 2, 2, 4, 32,
    ]  # fmt: skip
    assert partition_of("drugs/warfarin/index.html", 32) == partition_of(
        "drugs/warfarin/index.html", 32
    )
    names = [f"drugs/d{i:04d}/index.html" for i in range(2000)] + ["index.html", "drugs/x.html"]
    digests = dict.fromkeys(names, b"a")
    before = plan_partitions(names, digests.__getitem__, "1")
    assert sum(len(p.members) for p in before) == 2000  # monograph pages only
    assert len(before) == partition_count(2000) == 8
    digests["drugs/d0007/index.html"] = b"b"
    after = plan_partitions(names, digests.__getitem__, "1")
    changed = [a.number for a, b in zip(before, after, strict=True) if a.key != b.key]
    assert changed == [partition_of("drugs/d0007/index.html", 8)]
    assert plan_partitions(names, digests.__getitem__, "2")[0].key != after[0].key  # version


@pytest.mark.slow
def test_a_rebuild_indexes_only_the_changed_partition_and_equals_a_cold_build(
    tmp_path: Path, small_partitions: None
) -> None:
    content = project(tmp_path / "a")
    site = tmp_path / "a" / "_site"
    build(content, site)
    first = bundles_of(site)
    assert len(first) > 4
    primary = site / PAGEFIND_DIR / first[0]
    assert all((primary / name).is_file() for name in RUNTIME_FILES)
    for bundle in first:
        folder = site / PAGEFIND_DIR / bundle
        assert not [n for n in PAGEFIND_UNUSED if (folder / n).exists()]
        if bundle != first[0]:
            assert not [n for n in RUNTIME_FILES if (folder / n).exists()]
    offline = json.loads((site / "offline.json").read_text(encoding="utf-8"))
    assert f"{PAGEFIND_DIR}/{first[0]}pagefind.js" in offline["assets"]
    assert BUNDLES_FILE in offline["assets"]

    edit(content)
    build(content, site)  # incremental, on the cache and the spare folder
    second = bundles_of(site)
    assert len(set(second) - set(first)) == 1  # one partition indexed again
    build(content, site)  # nothing changed
    assert bundles_of(site) == second
    edit_back = content / "warfarin.yaml"
    edit_back.write_text(edit_back.read_text("utf-8").replace("Zyxquasar checked. ", ""), "utf-8")
    build(content, site)  # back to the first version: its bundle again, from nowhere
    assert bundles_of(site) == first
    edit(content)
    build(content, site)

    cold = tmp_path / "a" / "_cold"  # the same project: the build report names its files
    build(content, cold, cache=False)
    assert snapshot(site) == snapshot(cold)


def in_own_thread(work: Callable[[], T]) -> T:
    """Run ``work`` in a thread of its own: Playwright's sync API refuses a thread where an
    event loop already runs (the browser suite's session-wide Chromium, in a full run)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


def search_all(served_root: Path) -> dict[str, list[list[str]]]:
    return in_own_thread(lambda: _search_all(served_root))


def _search_all(served_root: Path) -> dict[str, list[list[str]]]:
    from playwright.sync_api import sync_playwright

    with contextlib.contextmanager(serve)(served_root) as served, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(served.url("about/") if (served_root / "about").is_dir() else served.url())
            found: dict[str, list[list[str]]] = page.evaluate(SEARCH_SCRIPT, QUERIES)
            return found
        finally:
            browser.close()


def chromium_or_skip() -> None:
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")


@pytest.mark.browser
@pytest.mark.slow
def test_search_after_a_rebuild_finds_what_it_finds_after_a_cold_build(
    tmp_path: Path, small_partitions: None
) -> None:
    chromium_or_skip()
    content = project(tmp_path / "a")
    site = tmp_path / "a" / "_site"
    build(content, site)
    edit(content)
    build(content, site)
    cold = tmp_path / "a" / "_cold"
    build(content, cold, cache=False)
    assert snapshot(site) == snapshot(cold)
    incremental, from_cold = search_all(site), search_all(cold)
    assert incremental == from_cold
    assert incremental["warfarin"][0][0] == "/drugs/warfarin/"
    assert all(incremental[q] for q in ("warfarin", "bleeding", "thalidomide"))


@pytest.mark.browser
@pytest.mark.slow
def test_partitioned_search_finds_the_pages_one_index_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Recall is unchanged: every query matches the same pages in 8 bundles as in one."""
    chromium_or_skip()
    content = project(tmp_path / "a")
    one = tmp_path / "a" / "_site"
    build(content, one, cache=False)
    assert len(bundles_of(one)) == 1
    monkeypatch.setattr(pagefind_index, "PARTITION_PAGES", 6)
    many = tmp_path / "b" / "_site"
    build(project(tmp_path / "b"), many, cache=False)
    assert len(bundles_of(many)) > 4
    single, merged = search_all(one), search_all(many)
    for query in QUERIES:
        if len(single[query]) < MAX_RESULTS:  # all it found (else the first 30, by rank)
            assert sorted(u for u, _ in merged[query]) == sorted(u for u, _ in single[query])
        else:
            assert len(merged[query]) == MAX_RESULTS
    assert merged["warfarin"][0][0] == single["warfarin"][0][0] == "/drugs/warfarin/"


def wait_for(condition: Any, seconds: float = 60) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def preview(tmp_path: Path, small_partitions: None) -> Iterator[tuple[Any, str, Path]]:
    from clincalc_site.preview.server import running_preview

    content = project(tmp_path)
    config = BuildConfig(content_dir=content, today=TODAY)
    with running_preview(config, port=0) as (running, server):
        yield running, f"http://127.0.0.1:{server.server_address[1]}/", content


@pytest.mark.browser
@pytest.mark.slow
def test_serve_has_search_kept_current_on_save(preview: tuple[Any, str, Path]) -> None:
    chromium_or_skip()
    in_own_thread(lambda: _serve_keeps_search_current(preview))


def _serve_keeps_search_current(preview: tuple[Any, str, Path]) -> None:
    running, base, content = preview
    assert running.wait_for_search(60)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(base)
            found = page.evaluate(SEARCH_SCRIPT, ["warfarin", "zyxquasar"])
            assert found["warfarin"][0][0] == "/drugs/warfarin/"
            assert found["zyxquasar"] == []
            assert (running.config.output_dir / "search" / "drugs.json").is_file()
            built = running.state.number
            edit(content)
            wait_for(lambda: running.state.number > built)
            assert running.state.ok
            assert running.wait_for_search(60)
            page.goto(base)  # a new page: the bundles it merges are the new list's
            found = page.evaluate(SEARCH_SCRIPT, ["zyxquasar"])
            assert [url for url, _ in found["zyxquasar"]] == ["/drugs/warfarin/"]
        finally:
            browser.close()
