"""Lower bounds that ``run.py`` compares clincalc-site against.

Usage:
    python benchmarks/baselines.py plain CONTENT OUT [--jobs 2]
    python benchmarks/baselines.py write SRC DST

``plain`` is the least a Python generator can do with the same input: libyaml's C loader,
Python-Markdown, one Jinja template, two worker processes, no validation, no sanitising, no
atomic publish. ``write`` reads every file of an already built site into memory (not timed),
then writes them all to DST and prints the seconds the writing took, as JSON: the floor set
by the file system alone.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import jinja2
import markdown
import yaml

TEMPLATE = """<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><main><article>
{% if drug_class %}<p class="drug-class">
<a href="/classes/{{ class_slug }}/">{{ drug_class }}</a></p>{% endif %}
<h1>{{ title }}</h1>
{% for heading, html in sections %}{% if heading %}<h2>{{ heading }}</h2>{% endif %}
{{ html | safe }}
{% endfor %}
{% if members %}<ul>{% for slug, name in members %}
<li><a href="/drugs/{{ slug }}/">{{ name }}</a></li>{% endfor %}</ul>{% endif %}
</article></main></body></html>
"""
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def class_slug(name: str) -> str:
    return "-".join("".join(ch if ch.isalnum() else " " for ch in name.lower()).split())


def _bullets(items: list[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


def _sections(data: dict[str, object]) -> list[tuple[str, str]]:
    def text(key: str) -> str:
        value = data.get(key)
        if isinstance(value, list):
            return _bullets([str(item) for item in value])
        return str(value) if value else ""

    return [
        ("", text("summary")),
        ("How it works", text("mechanism")),
        ("Prescribing in practice", text("prescribing")),
        ("Monitoring", text("monitoring")),
        ("Counselling the patient", text("counselling")),
        ("Evidence & guidelines", text("evidence")),
    ]


def _render_chunk(job: tuple[list[str], str]) -> list[tuple[str, str, str]]:
    """Worker: load, convert and write one chunk of monographs; return (slug, name, class)."""
    paths, out = job
    template = jinja2.Environment(autoescape=True).from_string(TEMPLATE)
    converter = markdown.Markdown()
    found: list[tuple[str, str, str]] = []
    for name in paths:
        path = Path(name)
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=Loader)
        sections = [
            (heading, converter.reset().convert(text)) for heading, text in _sections(data) if text
        ]
        drug_class = str(data["drug_class"])
        html = template.render(
            title=data["name"],
            drug_class=drug_class,
            class_slug=class_slug(drug_class),
            sections=sections,
            members=[],
        )
        target = Path(out, "drugs", path.stem, "index.html")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
        found.append((path.stem, str(data["name"]), drug_class))
    return found


def build_plain(content: Path, out: Path, jobs: int) -> int:
    """Build monograph and class pages; return the number of pages written."""
    paths = sorted(str(path) for path in content.glob("*.yaml"))
    chunks = [(paths[start::jobs], str(out)) for start in range(jobs)]
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        results = [item for chunk in pool.map(_render_chunk, chunks) for item in chunk]
    classes: dict[str, list[tuple[str, str]]] = {}
    for slug, name, drug_class in results:
        classes.setdefault(drug_class, []).append((slug, name))
    template = jinja2.Environment(autoescape=True).from_string(TEMPLATE)
    for drug_class, members in sorted(classes.items()):
        target = out / "classes" / class_slug(drug_class) / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        html = template.render(
            title=drug_class, drug_class="", sections=[], members=sorted(members)
        )
        target.write_text(html, encoding="utf-8")
    return len(results) + len(classes)


def write_from_memory(src: Path, dst: Path) -> float:
    """Read every file under ``src``, then time writing them all under ``dst``."""
    files = [
        (path.relative_to(src), path.read_bytes())
        for path in sorted(src.rglob("*"))
        if path.is_file()
    ]
    started = time.perf_counter()
    for relative, content in files:
        target = dst / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Baselines for benchmarks/run.py.")
    commands = parser.add_subparsers(dest="command", required=True)
    plain = commands.add_parser("plain", help="minimal Python generator")
    plain.add_argument("content", type=Path)
    plain.add_argument("out", type=Path)
    plain.add_argument("--jobs", type=int, default=2)
    write = commands.add_parser("write", help="write an existing site's files from memory")
    write.add_argument("src", type=Path)
    write.add_argument("dst", type=Path)
    args = parser.parse_args(argv)
    if args.command == "plain":
        pages = build_plain(args.content, args.out, args.jobs)
        print(json.dumps({"pages": pages}))
    else:
        print(json.dumps({"seconds": write_from_memory(args.src, args.dst)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
