"""Page-weight and request budgets, checked on the built real site (no browser needed).

- a monograph page's HTML plus its stylesheets: at most 14 KB gzip-compressed in total;
- no render-blocking script: every script is external and defer, async or a module;
- no third-party request: every resource a page, stylesheet or manifest loads is same-origin;
- no web fonts.
"""

from __future__ import annotations

import gzip
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

BUDGET_BYTES = 14 * 1000  # HTML + CSS of one monograph page, gzip level 6, files added up
SITE_ORIGIN = "https://budget.test"
# Attributes that make the browser fetch something (links to other pages do not count).
RESOURCE_RELS = {"stylesheet", "icon", "apple-touch-icon", "manifest", "preload", "modulepreload"}
FONT_FILES = (".woff", ".woff2", ".ttf", ".otf", ".eot")


class ResourceParser(HTMLParser):
    """Collects the URLs a page loads, its scripts and inline event handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.resources: list[str] = []
        self.stylesheets: list[str] = []
        self.scripts: list[dict[str, str | None]] = []
        self.inline_code: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.inline_code += [name for name, _ in attrs if name.startswith("on")]
        if "style" in values:
            self.inline_code.append(f"style attribute on <{tag}>")
        # schema.org JSON-LD is data the browser never runs: no script, no request, no CSP
        json_ld = values.get("type") == "application/ld+json" and "src" not in values
        if tag == "script" and not json_ld:
            self.scripts.append(values)
            self._in_script = True
        rels = set((values.get("rel") or "").split())
        if tag == "link" and rels & RESOURCE_RELS and values.get("href"):
            self.resources.append(values["href"] or "")
            if "stylesheet" in rels:
                self.stylesheets.append(values["href"] or "")
        for name in ("src", "data", "poster"):
            if values.get(name):
                self.resources.append(values[name] or "")
        if values.get("srcset"):
            self.resources += [part.split()[0] for part in (values["srcset"] or "").split(",")]

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_code.append(f"inline script: {data.strip()[:40]}")


def parse(page: Path) -> ResourceParser:
    parser = ResourceParser()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def url_of(site: Path, file: Path) -> str:
    return f"{SITE_ORIGIN}/{file.relative_to(site).as_posix()}"


def local_file(site: Path, url: str) -> Path:
    """The built file behind a same-origin URL."""
    path = urlsplit(url).path.lstrip("/")
    target = site / path
    return target / "index.html" if target.is_dir() else target


def gzip_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6, mtime=0))


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def page_weights(site: Path) -> dict[str, int]:
    """Each monograph page's HTML plus its stylesheets, gzip bytes, by slug."""
    monographs = sorted((site / "drugs").glob("*/index.html"))
    assert monographs
    weights = {}
    for page in monographs:
        sheets = [
            local_file(site, urljoin(url_of(site, page), href)) for href in parse(page).stylesheets
        ]
        assert sheets, f"{page}: no stylesheet"
        weights[page.parent.name] = sum(gzip_size(f.read_bytes()) for f in [page, *sheets])
    return weights


def test_monograph_pages_are_within_the_weight_budget(real_site: Path) -> None:
    weights = page_weights(real_site)
    heaviest = max(weights, key=weights.__getitem__)
    assert weights[heaviest] <= BUDGET_BYTES, f"{heaviest}: {weights[heaviest]} bytes gzip"
    assert weights["pomalidomide"] <= BUDGET_BYTES


def test_a_page_with_every_section_is_within_the_weight_budget(full_site: Path) -> None:
    """A verified dose, every safety section and a formulary block, with brand.css."""
    page = (full_site / "drugs" / "pomalidomide" / "index.html").read_text(encoding="utf-8")
    assert "brand.css" in page and "<h3>Adverse effects</h3>" in page and "dosing-verified" in page
    assert page_weights(full_site)["pomalidomide"] <= BUDGET_BYTES


@pytest.mark.parametrize("kind", ["scripts", "resources"])
def test_every_page_keeps_the_rules(real_site: Path, kind: str) -> None:
    problems = []
    for page in html_pages(real_site):
        found = parse(page)
        name = page.relative_to(real_site).as_posix()
        if kind == "scripts":
            problems += [f"{name}: {code}" for code in found.inline_code]
            for script in found.scripts:
                blocking = not (
                    "defer" in script or "async" in script or script.get("type") == "module"
                )
                if not script.get("src") or blocking:
                    problems.append(f"{name}: render-blocking or inline script {script}")
        else:
            for reference in found.resources:
                absolute = urljoin(url_of(real_site, page), reference)
                if not absolute.startswith(SITE_ORIGIN + "/"):
                    problems.append(f"{name}: third-party resource {reference}")
                elif not local_file(real_site, absolute).is_file():
                    problems.append(f"{name}: missing resource {reference}")
    assert not problems, problems[:10]


def test_stylesheets_load_nothing_else_and_no_fonts(real_site: Path) -> None:
    for sheet in sorted(real_site.rglob("*.css")):
        css = sheet.read_text(encoding="utf-8")
        assert "@font-face" not in css, sheet
        assert "@import" not in css, sheet
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", css):
            assert url.startswith("data:") or not urlsplit(url).netloc, (sheet, url)
    fonts = [p for p in real_site.rglob("*") if p.suffix.lower() in FONT_FILES]
    assert fonts == []


def test_manifest_icons_are_same_origin(real_site: Path) -> None:
    manifest_path = real_site / "static" / "manifest.webmanifest"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    base = url_of(real_site, manifest_path)
    for icon in manifest["icons"]:
        absolute = urljoin(base, icon["src"])
        assert absolute.startswith(SITE_ORIGIN + "/"), icon
        assert local_file(real_site, absolute).is_file(), icon
