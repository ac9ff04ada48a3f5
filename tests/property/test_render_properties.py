"""Safety properties of the published site, for generated monographs (hypothesis).

For any set of monographs (no dosing, a dose still being re-sourced with draft regimens, or a
verified dose, on a reviewed or unreviewed monograph, against a current or a since-revised
source) and any editor text (markup, quotes, ampersands, RTL and combining marks):

* a page shows the re-sourcing banner exactly when it publishes no dose, and a dose is
  published exactly when it is verified, its source current and the monograph reviewed;
* no text from an unpublished dosing block appears in any file of the output folder;
* editor text never becomes live markup: no injected elements, no event-handler attributes,
  no unsafe link schemes, and plain-text fields read back exactly as written.

Each example is written as YAML and built by the real pipeline, as an editor's files would be.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sitetools import (
    FIXTURE_TODAY,
    build,
    is_json_ld,
    json_ld_blocks,
    snapshot,
    start_tags,
    visible_lines,
)

from clincalc_site.content.prose_dose import find_prose_doses

BANNER_HEADING = "Dosing — being independently re-sourced"
REGIMEN_FIELDS = ("indication", "population", "route")
OPTIONAL_REGIMEN_FIELDS = ("frequency", "duration", "notes")
TEAM = """\
people:
  - {id: prep, name: P. Preparer, role: Technician}
  - {id: chk, name: C. Checker, role: Pharmacist, verifier: true}
"""
CURRENT = dt.date(2020, 1, 1)  # sources.yaml's revision of 'current-smpc'
SOURCES = """\
current-smpc: {title: Current SmPC, url: "https://www.medicines.org.uk/emc/1", revision: 2020-01-01}
revised-smpc: {title: Revised SmPC, url: "https://www.medicines.org.uk/emc/2", revision: 2020-06-01}
"""
CLASSES = ('Class <b>A</b> & "co"', "Klasse \u202eB\u202c", "Ωmega <script>x</script>")
# Elements editor text tries to inject; none of them is used by the templates.
INJECTED_TAGS = frozenset({"b", "img", "iframe", "svg", "style", "object", "marquee"})
ADVERSARIAL = (
    "<script>alert(1)</script>",
    "</p></li></ul><script src=https://evil.example/x.js></script>",
    '"><img src=x onerror=alert(1)>',
    "' autofocus onfocus='alert(1)",
    "<svg onload=alert(1)>",
    "<iframe src=javascript:alert(1)>",
    "<style>body{display:none}</style>",
    "<b>bold</b>",
    "[link](javascript:alert(1))",
    "[data](data:text/html,<script>alert(1)</script>)",
    "<marquee>",
    "&amp; &lt;p&gt; & &#60;script&#62;",
    "{{ site.name }} {% if 1 %}",
    "\u202eRTL override\u202c",
    "\u200fשלום\u200f",
    "e\u0301\u0301 a\u0308\u0323",
    "`<code>`",
    "**bold** _em_",
    "- a list\n- item",
    "1. one",
    "> quote",
)
SAFE_CHARS = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Co", "Cn"))
TEXT = (
    st.lists(
        st.one_of(st.sampled_from(ADVERSARIAL), st.text(SAFE_CHARS, max_size=8)),
        min_size=1,
        max_size=3,
    )
    .map(lambda parts: "t " + " ".join(parts))
    # Random characters can spell a dose ("0g"), which prose may not hold (tested elsewhere).
    .filter(lambda text: not find_prose_doses(text))
)
TOKEN_RE = re.compile(r"(?:HIDDEN|SHOWN)Z\w+?ZEND")
DATES = st.dates(min_value=dt.date(2020, 1, 1), max_value=FIXTURE_TODAY)


@dataclass(frozen=True)
class Generated:
    """One generated monograph: its YAML data and the dose tokens that must (not) appear."""

    slug: str
    data: dict[str, Any]
    verified: bool  # a dose is published on its page
    hidden_tokens: tuple[str, ...]  # from an unpublished dosing block: never published
    shown_tokens: tuple[str, ...]  # from a published dose: on its page


def token(kind: str, index: int, *parts: object) -> str:
    """A marker that survives escaping unchanged and is unique in the whole build."""
    return f"{kind}Z{index}Z" + "Z".join(str(p) for p in parts) + "ZEND"


@st.composite
def regimens(draw: st.DrawFn, kind: str, index: int, min_size: int) -> list[dict[str, str]]:
    """Free-text fields carry editor text and a token; amounts are well formed (and unique)."""

    def text() -> str:
        # Markup and quotes, but no example domain, '?' or Latin abbreviation, which a
        # verified dose refuses as placeholders or unsafe notation.
        shown = [a for a in ADVERSARIAL[:12] if "example" not in a]
        return draw(st.sampled_from(shown)) if kind == "SHOWN" else draw(TEXT)

    rows = []
    for row in range(draw(st.integers(min_size, 3))):
        regimen = {name: f"{text()} {token(kind, index, row, name)}" for name in REGIMEN_FIELDS}
        regimen["dose"] = f"{1000 + index * 10 + row} mg"
        for name in OPTIONAL_REGIMEN_FIELDS:
            if draw(st.booleans()):
                regimen[name] = f"{text()} {token(kind, index, row, name)}"
        rows.append(regimen)
    return rows


@st.composite
def dosing(draw: st.DrawFn, index: int) -> dict[str, Any] | None:
    status = draw(st.sampled_from(["none", "re-sourcing", "verified"]))
    if status == "none":
        return None
    if status == "verified":
        # Which tokens must show is decided with the review status (see monographs()).
        return {
            "status": "verified",
            "regimens": draw(regimens("SHOWN", index, 1)),
            "source": {
                "document": draw(st.sampled_from(["current-smpc", "revised-smpc"])),
                "section": f"4.2 {token('SHOWN', index, 'section')}",
                "revision": CURRENT,
            },
            "prepared_by": "prep",
            "prepared_on": dt.date(2020, 2, 1),
            "verified_by": "chk",
            "verified_on": draw(st.dates(min_value=dt.date(2020, 2, 1), max_value=FIXTURE_TODAY)),
        }
    block: dict[str, Any] = {
        "status": "re-sourcing",
        "regimens": draw(regimens("HIDDEN", index, 0)),
    }
    if draw(st.booleans()):
        block["source"] = {
            "document": "current-smpc",
            "section": f"{draw(TEXT)} {token('HIDDEN', index, 'section')}",
            "revision": CURRENT,
        }
    if draw(st.booleans()):
        block["verified_by"] = f"{draw(TEXT)} {token('HIDDEN', index, 'by')}"
    if draw(st.booleans()):
        block["verified_on"] = draw(DATES)
    return block


def tokens_in(value: object) -> list[str]:
    """Every marker in a nested dosing block."""
    if isinstance(value, dict):
        return [t for item in value.values() for t in tokens_in(item)]
    if isinstance(value, list):
        return [t for item in value for t in tokens_in(item)]
    if isinstance(value, str):
        return TOKEN_RE.findall(value)
    return []


@st.composite
def monographs(draw: st.DrawFn) -> list[Generated]:
    generated = []
    count = draw(st.integers(1, 3))
    for index in range(count):
        slug = f"drug-{index}"
        data: dict[str, Any] = {
            "name": f"{draw(TEXT)} N{index}",
            "drug_class": draw(st.sampled_from(CLASSES)),
            "specialist": draw(st.booleans()),
            "brand_names": draw(st.lists(TEXT, max_size=2)),
            "summary": draw(TEXT),
            "mechanism": draw(TEXT),
            "prescribing": draw(st.lists(TEXT, max_size=2)),
            "counselling": draw(st.lists(TEXT, max_size=2)),
            "references": [{"label": draw(TEXT)}],
            "review": {
                "status": draw(st.sampled_from(["draft", "in-review", "clinician-reviewed"])),
                "date": draw(DATES),
                "reviewer": draw(TEXT),
            },
            "related": [f"drug-{other}" for other in range(count) if other != index],
        }
        for optional in ("monitoring", "evidence"):
            if draw(st.booleans()):
                data[optional] = draw(TEXT)
        block = draw(dosing(index))
        if block is not None:
            data["dosing"] = block
        verified = (
            block is not None
            and block["status"] == "verified"
            and block["source"]["document"] == "current-smpc"
            and data["review"]["status"] == "clinician-reviewed"
        )
        found = tuple(tokens_in(block))
        generated.append(
            Generated(slug, data, verified, () if verified else found, found if verified else ())
        )
    return generated


def build_generated(root: Path, generated: list[Generated]) -> dict[str, bytes]:
    content = root / "monographs"
    content.mkdir()
    (root / "team.yaml").write_text(TEAM, encoding="utf-8")
    (root / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    for item in generated:
        text = yaml.safe_dump(item.data, allow_unicode=True, sort_keys=False, width=80)
        (content / f"{item.slug}.yaml").write_text(text, encoding="utf-8")
    report = build(content, root / "_site")
    assert not report.failed, [d.format_text() for d in report.diagnostics]
    return snapshot(root / "_site")


def assert_no_live_markup(path: str, html: str) -> None:
    for tag, attrs in start_tags(html):
        assert tag not in INJECTED_TAGS, f"injected <{tag}> in {path}"
        code = tag == "script" and not is_json_ld(tag, attrs)  # JSON-LD: data, never run
        assert not code or (attrs.get("src") or "").startswith("/"), f"script in {path}"
        assert tag != "a" or "href" in attrs, f"<a> without href (invalid HTML) in {path}"
        handlers = [name for name in attrs if name.startswith("on")]
        assert not handlers, f"<{tag} {handlers}> in {path}"
        for name in ("href", "src", "action"):
            if attrs.get(name) is not None:
                scheme = urlsplit(attrs[name] or "").scheme
                assert scheme in ("", "http", "https", "mailto"), f"{name}={attrs[name]!r}"


def plain(text: str) -> str:
    return " ".join(text.split())


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(monographs())
def test_published_site_is_safe_for_any_monographs(generated: list[Generated]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        files = build_generated(Path(folder), generated)

    for index, item in enumerate(generated):
        page = files[f"drugs/{item.slug}/index.html"].decode("utf-8")
        lines = visible_lines(page)
        assert (BANNER_HEADING in lines) is (not item.verified), item.slug
        assert ('class="dosing dosing-verified"' in page) is item.verified, item.slug
        for shown in item.shown_tokens:  # the check below can see dose text when it is there
            assert shown in page, shown
        [(_, json_ld)] = json_ld_blocks(page)
        assert plain(json.loads(json_ld)["name"]) == plain(item.data["name"])  # nothing breaks it
        amounts = [f"{1000 + index * 10 + row} mg" for row in range(3)]
        dose_text = [t for t in [*item.shown_tokens, *amounts] if t in json_ld]
        assert not dose_text, f"a dose in the JSON-LD of {item.slug}"
        heading = plain(item.data["name"])
        if item.data["specialist"]:
            heading += " (Specialist drug)"
        assert heading in lines, "the name must read back exactly as written"
        assert plain(item.data["drug_class"]) in lines

    hidden = [t.encode() for item in generated for t in item.hidden_tokens]
    for path, data in files.items():
        leaked = [t for t in hidden if t in data]
        assert not leaked, f"unpublished dose text {leaked} published in {path}"
        unshown = [f"{1000 + i * 10 + r} mg".encode() for i, item in enumerate(generated)
                   if not item.verified for r in range(3)]  # fmt: skip
        assert not [a for a in unshown if a in data], f"an unpublished amount is in {path}"
        if path.endswith(".html"):
            assert_no_live_markup(path, data.decode("utf-8"))
