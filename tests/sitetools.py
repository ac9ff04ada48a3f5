"""Helpers for tests that build a whole site: copy the fixture site, build it, read pages.

Import it as ``from sitetools import build_fixture_site``: ``tests/`` is not a package, and
pytest puts it on ``sys.path`` for every test package below it (and for ``tests/conftest.py``).
Builds go through ``pipeline.build`` with an explicit ``today``, so every run gives the same
output.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from dose_fixtures import write_registry

from clincalc_site.build import pipeline
from clincalc_site.build.config import BuildConfig
from clincalc_site.build.report import BuildReport

TESTS_DIR = Path(__file__).resolve().parent
REPO_ROOT = TESTS_DIR.parent
FIXTURE_SITE = TESTS_DIR / "data" / "site"
# The fixture's build date: atenolol (reviewed 2023-01-01) is overdue, nothing is in the future.
FIXTURE_TODAY = dt.date(2026, 11, 26)
FIXTURE_BASE_URL = "https://formulary.example.test/"

# Elements that start a new line of visible text; everything else is inline.
_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "br",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "html",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)
_BLOCK_BREAK = "\x00"  # never in page text (HTML forbids NUL), so a safe separator
_INVISIBLE_TAGS = frozenset({"head", "script", "style", "template", "noscript"})


def copy_fixture_site(destination: Path) -> Path:
    """Copy ``tests/data/site`` to ``destination``; return its ``monographs`` folder."""
    shutil.copytree(FIXTURE_SITE, destination)
    return destination / "monographs"


def build(
    content_dir: Path,
    output_dir: Path,
    *,
    today: dt.date = FIXTURE_TODAY,
    base_url: str | None = None,
) -> BuildReport:
    """Run the whole pipeline (load, validate, assemble, render, write) once."""
    config = BuildConfig(
        content_dir=content_dir, output_dir=output_dir, today=today, base_url=base_url
    )
    return pipeline.build(config)


def build_fixture_site(root: Path, *, base_url: str | None = None) -> Path:
    """Copy the fixture site under ``root``, build it into ``root/_site``; return that folder."""
    content_dir = copy_fixture_site(root / "site")
    output_dir = root / "_site"
    report = build(content_dir, output_dir, base_url=base_url)
    assert not report.failed, [d.format_text() for d in report.diagnostics]
    return output_dir


def write_files(root: Path, files: dict[str, str]) -> Path:
    """Write ``{"monographs/x.yaml": "..."}`` under ``root`` (folders created); return root."""
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative POSIX path, with its bytes."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def read_page(site_dir: Path, url_path: str) -> str:
    """The HTML served at ``url_path`` ('' is the home page, 'drugs/x/' a monograph)."""
    relative = url_path + "index.html" if url_path == "" or url_path.endswith("/") else url_path
    return (site_dir / relative).read_text(encoding="utf-8")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _INVISIBLE_TAGS:
            self._hidden_depth += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(_BLOCK_BREAK)

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLE_TAGS:
            self._hidden_depth = max(0, self._hidden_depth - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append(_BLOCK_BREAK)

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self.parts.append(data)


def visible_lines(html: str) -> list[str]:
    """The page's text as a reader sees it: one entry per block, whitespace collapsed."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    chunks = "".join(extractor.parts).split(_BLOCK_BREAK)
    lines = (" ".join(chunk.split()) for chunk in chunks)
    return [line for line in lines if line]


def visible_text(html: str) -> str:
    """The page's visible text on one line, whitespace collapsed."""
    return " ".join(visible_lines(html))


class _TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def start_tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    """Every start tag in document order, with its attributes (values unescaped)."""
    collector = _TagCollector()
    collector.feed(html)
    collector.close()
    return collector.tags


def links(html: str) -> list[str]:
    """Every ``<a href>`` target in document order."""
    return [
        attrs["href"] or "" for tag, attrs in start_tags(html) if tag == "a" and "href" in attrs
    ]


def elements_with_class(html: str, tag: str, css_class: str) -> int:
    """How many ``<tag>`` elements carry ``css_class``."""
    return sum(
        1
        for name, attrs in start_tags(html)
        if name == tag and css_class in (attrs.get("class") or "").split()
    )


def section_html(html: str, css_class: str) -> str:
    """The markup of the first ``<section>`` whose class includes ``css_class`` (no nesting)."""
    match = re.search(
        rf'<section class="[^"]*\b{re.escape(css_class)}\b[^"]*".*?</section>', html, re.DOTALL
    )
    assert match, f"no <section class={css_class!r}>"
    return match.group(0)


JSON_LD_TYPE = "application/ld+json"


def is_json_ld(tag: str, attrs: dict[str, str | None]) -> bool:
    """A schema.org data block: a ``<script>`` the browser never runs (so CSP allows it)."""
    return tag == "script" and attrs.get("type") == JSON_LD_TYPE and "src" not in attrs


class _JsonLdCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[bool, str]] = []  # (inside <head>, the text)
        self._in_head = False
        self._open: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_head = self._in_head or tag == "head"
        if is_json_ld(tag, dict(attrs)):
            self._open = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self._in_head = False
        if tag == "script" and self._open is not None:
            self.blocks.append((self._in_head, "".join(self._open)))
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open.append(data)


def json_ld_blocks(html: str) -> list[tuple[bool, str]]:
    """Each JSON-LD block of a page, in order: whether it is in ``<head>``, and its text."""
    collector = _JsonLdCollector()
    collector.feed(html)
    collector.close()
    return collector.blocks


def git(root: Path, *args: str, date: str = "2026-10-01") -> None:
    """Run git in ``root`` as a developer would, every commit dated ``date`` at noon UTC,
    with no global or system configuration (tests of history read the commit dates)."""
    stamp = f"{date}T12:00:00+00:00"
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Dev Eloper",
        "GIT_AUTHOR_EMAIL": "dev@example.org",
        "GIT_COMMITTER_NAME": "Dev Eloper",
        "GIT_COMMITTER_EMAIL": "dev@example.org",
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_DATE": stamp,
    }
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


def git_formulary(
    root: Path,
    monkeypatch: pytest.MonkeyPatch,
    today: dt.date,
    *,
    base_url: str = "https://formulary.northshire.nhs.uk/",
    subject: str = "registry",
    date: str = "2026-10-01",
) -> Path:
    """A formulary in a new git repository at ``root``, as the tests of history start one:
    builds run from ``root`` and dated ``today`` (SOURCE_DATE_EPOCH at its midnight, UTC), an
    empty ``monographs/``, and site.yaml, team.yaml and sources.yaml in a first commit
    (``subject``, on ``date``)."""
    midnight = dt.datetime.combine(today, dt.time(), tzinfo=dt.UTC)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(midnight.timestamp())))
    monkeypatch.chdir(root)
    (root / "monographs").mkdir()
    write_registry(root)
    (root / "site.yaml").write_text(f"base_url: {base_url}\n", encoding="utf-8")
    git(root, "init", "-q")
    git(root, "add", "site.yaml", "team.yaml", "sources.yaml")
    git(root, "commit", "-qm", subject, date=date)
    return root
