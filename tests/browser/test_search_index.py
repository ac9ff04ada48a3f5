"""The build's search and offline files (``publish.search``), checked without a browser."""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path

import pytest

from clincalc_site.publish import search
from clincalc_site.publish.search import SearchBuildError, finish_site, read_record

from .support import BANNER, REPO, build_site

MONOGRAPH = """<!DOCTYPE html><html lang="en-GB"><head><title>T</title></head><body>
<header><p data-pagefind-meta="title">Not this</p></header>
<main><article class="monograph" data-pagefind-body>
<p class="drug-class"><a href="/c/" data-pagefind-meta="class">Immunomodulator &amp; co</a></p>
<h1 data-pagefind-meta="title">Pomalidomide <span class="specialist">(Specialist drug)</span></h1>
<p class="brand-names">Brand names: Imnovid, Pomalyst</p>
<p class="summary">An <em>oral</em> agent<br>for myeloma.</p>
<section><h2>Dosing</h2></section>
</article></main></body></html>
"""


def write(root: Path, relative: str, text: str) -> Path:
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_record_is_read_from_the_monograph_article(tmp_path: Path) -> None:
    page = write(tmp_path, "drugs/pomalidomide/index.html", MONOGRAPH)
    record = read_record(page, tmp_path)
    assert record == search.DrugRecord(
        name="Pomalidomide",
        url="drugs/pomalidomide/",
        drug_class="Immunomodulator & co",
        brands=("Imnovid", "Pomalyst"),
        summary="An oral agent for myeloma.",
    )


def test_pages_without_a_search_body_are_not_drugs(tmp_path: Path) -> None:
    page = write(tmp_path, "classes/index.html", "<html><body><h1>Classes</h1></body></html>")
    assert read_record(page, tmp_path) is None


def test_monograph_without_a_summary_fails_the_build(tmp_path: Path) -> None:
    page = write(
        tmp_path, "drugs/x/index.html", MONOGRAPH.replace('class="summary"', 'class="lead"')
    )
    with pytest.raises(SearchBuildError, match=r"drugs/x/index.html: no summary"):
        read_record(page, tmp_path)


def test_page_urls() -> None:
    assert search.page_url("index.html") == ""
    assert search.page_url("drugs/x/index.html") == "drugs/x/"
    assert search.page_url("404.html") == "404.html"


def test_drug_list_has_every_monograph(real_site: Path) -> None:
    data = json.loads((real_site / "search" / "drugs.json").read_text(encoding="utf-8"))
    drugs = search.expand_drug_index(data)
    slugs = sorted(p.name for p in (real_site / "drugs").iterdir())
    assert sorted(d["url"] for d in drugs) == [f"drugs/{s}/" for s in slugs]
    pomalidomide = next(d for d in drugs if d["url"] == "drugs/pomalidomide/")
    assert pomalidomide == {
        "name": "Pomalidomide",
        "url": "drugs/pomalidomide/",
        "class": "Immunomodulator (thalidomide analogue)",
        "brands": ["Imnovid"],
        "review": "Reviewed 4 July 2026",  # the words lists and search results show
        "status": "Red — specialist only",  # site.yaml's example vocabulary
    }
    summaries: list[str] = []  # 16 a file, in the drug list's order
    for shard in range((len(drugs) + data["shard"] - 1) // data["shard"]):
        path = real_site / "search" / "summaries" / f"{shard}.json"
        summaries += json.loads(path.read_text(encoding="utf-8"))
    assert len(summaries) == len(drugs)
    assert summaries[drugs.index(pomalidomide)].startswith("Pomalidomide is an oral")
    assert [d["name"] for d in drugs] == sorted((d["name"] for d in drugs), key=str.casefold)


def test_pagefind_index_is_published_without_its_ui_bundles(real_site: Path) -> None:
    """One Pagefind bundle a partition, listed in pagefind/bundles.json; together they index
    every monograph page once."""
    listed = json.loads((real_site / "pagefind" / "bundles.json").read_text(encoding="utf-8"))
    bundles = [real_site / "pagefind" / name for name in listed["bundles"]]
    assert bundles
    pages = 0
    for bundle in bundles:
        assert (bundle / "pagefind.js").is_file()
        entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
        pages += sum(lang["page_count"] for lang in entry["languages"].values())
        assert not [n for n in search.PAGEFIND_UNUSED if (bundle / n).exists()]
    assert pages == len(list((real_site / "drugs").iterdir()))


def test_service_worker_is_at_the_root_with_this_build(real_site: Path) -> None:
    assert not (real_site / "static" / "sw.js").exists()
    worker = (real_site / "sw.js").read_text(encoding="utf-8")
    assert "__CLINCALC_" not in worker
    offline = json.loads((real_site / "offline.json").read_text(encoding="utf-8"))
    assert f'const BUILD = "{offline["build"]}";' in worker
    shell_match = re.search(r"const SHELL = (\[.*?\]);", worker)
    assert shell_match
    shell = json.loads(shell_match.group(1))
    assert "" in shell and "static/site.css" in shell
    assert not [p for p in shell if p.startswith(("pagefind/", "search/"))]  # fetched when used
    for path in shell[1:]:
        assert (real_site / path).is_file(), path


def test_offline_list_names_every_page_and_search_file(real_site: Path) -> None:
    offline = json.loads((real_site / "offline.json").read_text(encoding="utf-8"))
    pages = {
        search.page_url(p.relative_to(real_site).as_posix())
        for p in real_site.rglob("*.html")
        if p.name != "404.html"
    }
    # Earlier versions and history pages are opened when needed, never saved with the
    # formulary (two or more a monograph); in a git checkout the real site has them.
    earlier = {page for page in pages if re.fullmatch(r"drugs/[^/]+/(v/[0-9]+|history)/", page)}
    assert set(offline["pages"]) == pages - earlier
    assert "drugs/pomalidomide/" in pages and "" in pages
    assets = set(offline["assets"])
    bundles = json.loads((real_site / "pagefind" / "bundles.json").read_text("utf-8"))["bundles"]
    wanted = {"search/drugs.json", "search/summaries/0.json", "pagefind/bundles.json"}
    assert wanted | {f"pagefind/{b}pagefind.js" for b in bundles} <= assets
    assert all((real_site / a).is_file() for a in assets if a)


def test_manifest_names_the_site_and_has_real_icons(real_site: Path) -> None:
    manifest = json.loads(
        (real_site / "static" / "manifest.webmanifest").read_text(encoding="utf-8")
    )
    title = re.search(r"<title>(.*?)</title>", (real_site / "index.html").read_text("utf-8"))
    assert title and manifest["name"] == title.group(1)
    assert manifest["start_url"] == manifest["scope"] == "../"  # the site root
    assert manifest["lang"] == "en-GB"
    sizes = set()
    for icon in manifest["icons"]:
        data = (real_site / "static" / icon["src"]).read_bytes()
        if icon["type"] == "image/png":
            assert data.startswith(b"\x89PNG\r\n\x1a\n")
            width, height = struct.unpack(">II", data[16:24])
            assert icon["sizes"] == f"{width}x{height}"
            sizes.add((width, icon["purpose"]))
    assert {(192, "any"), (512, "any"), (512, "maskable")} <= sizes


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    """Pagefind's index included: the same content gives the same bytes."""
    first = tree(build_site(REPO / "monographs", tmp_path / "one"))
    second = tree(build_site(REPO / "monographs", tmp_path / "two"))
    assert first.keys() == second.keys()
    assert any(name.startswith("pagefind/") for name in first)
    assert [name for name in first if first[name] != second[name]] == []


def test_build_name_changes_when_any_file_does(tmp_path: Path) -> None:
    def build_name(site: Path) -> str:
        return str(json.loads((site / "offline.json").read_text(encoding="utf-8"))["build"])

    names = []
    for summary in ("First.", "Second."):
        site = tmp_path / summary
        write(site, "index.html", "<html lang='en'><title>T</title></html>")
        write(site, "drugs/a/index.html", MONOGRAPH.replace("for myeloma.", summary))
        write(site, "static/sw.js", (REPO / "static" / "sw.js").read_text(encoding="utf-8"))
        finish_site(site, index_search=False)
        assert (site / "sw.js").is_file() and not (site / "pagefind").exists()
        names.append(build_name(site))
    assert names[0] != names[1]


def test_service_worker_without_its_markers_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "index.html", "<html></html>")
    write(tmp_path, "static/sw.js", "const BUILD = 'x';")
    with pytest.raises(SearchBuildError, match=r"static/sw\.js must contain"):
        finish_site(tmp_path, index_search=False)


def test_no_search_flag_skips_the_index(tmp_path: Path) -> None:
    from clincalc_site.cli import main

    content = tmp_path / "monographs"
    write(content, "warfarin.yaml", BANNER)
    out = tmp_path / "_site"
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("SOURCE_DATE_EPOCH", raising=False)
        assert main(["build", "--content", str(content), "--out", str(out), "--no-search"]) == 0
    assert not (out / "pagefind").exists()
    assert sorted(p.name for p in (out / "search").iterdir()) == ["index.html"]  # the page
    assert (out / "sw.js").is_file()
