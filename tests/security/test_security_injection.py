"""Markup, script, URL and template injection: every payload through every text field.

Each (field, payload) pair becomes one monograph. ``check`` runs on all of them together: a
pair is either refused with a located error (file:line:col) or it is built, and then the
whole built site is parsed with ``html.parser`` and audited (see ``support.PageAudit``).
The site settings (``site_name``, ``base_url``) get the same payloads, one build each.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from clincalc_site.build.report import CheckReport
from clincalc_site.diagnostics import Severity

from .payloads import PAYLOADS
from .support import (
    PLAIN_FIELDS,
    TEXT_FIELDS,
    audit_html,
    audit_site,
    build,
    check,
    monograph_doc,
    run_cli,
    same_origin,
    url_problem,
    with_value,
    write_project,
)

JINJA_IDS = ("jinja-expression", "jinja-raw", "jinja-loop", "other-template")
URL_FIELDS = ("references.url",)
# Parsed strictly (an amount and a unit): every payload is refused, with its location.
STRUCTURED_FIELDS = frozenset({"regimen.dose", "regimen.max_dose"})


def letters(number: int) -> str:
    """0 -> 'a', 25 -> 'z', 26 -> 'ba': slugs and tags without digits (so '49' means 7*7)."""
    text = ""
    while True:
        number, digit = divmod(number, 26)
        text = chr(ord("a") + digit) + text
        if number == 0:
            return text


@dataclass(frozen=True)
class Case:
    """One payload in one field, tagged so its own text can be found on the page."""

    field: str
    payload_id: str
    value: str


@dataclass(frozen=True)
class Injected:
    cases: dict[str, list[Case]]  # built monograph slug -> the cases it carries
    refused: dict[Case, list[str]]  # a case refused on its own -> its located errors
    built: Path


def make_case(field_name: str, payload_id: str, slug: str) -> Case:
    payload = PAYLOADS[payload_id]
    if field_name in URL_FIELDS:
        return Case(field_name, payload_id, payload)
    # The tag keeps names and classes unique and marks whose text is whose; it follows the
    # payload, so the payload itself is untouched.
    tag = f"zq{slug}{letters(list(TEXT_FIELDS).index(field_name))}"
    return Case(field_name, payload_id, f"{payload} {tag}")


def group_doc(slug: str, cases: list[Case]) -> dict[str, object]:
    doc = monograph_doc(name=f"Drug {slug}")
    for case in cases:
        doc = with_value(doc, TEXT_FIELDS[case.field], case.value)
    return doc


def refusals(report: CheckReport) -> dict[str, list[str]]:
    """Slug -> its error lines; a line is kept only when it has a line and a column."""
    found: dict[str, list[str]] = {}
    for diagnostic in report.diagnostics:
        if diagnostic.severity is not Severity.ERROR:
            continue
        located = found.setdefault(Path(diagnostic.location.path).stem, [])
        if diagnostic.location.line >= 1 and diagnostic.location.column >= 1:
            located.append(diagnostic.format_text())
    return found


@pytest.fixture(scope="module")
def injected(tmp_path_factory: pytest.TempPathFactory) -> Injected:
    """Round 1: one monograph per payload with it in every field (URL fields apart).

    Round 2: a group that was refused is split into one monograph per field, so each
    (field, payload) pair ends up either built or refused on its own with its location.
    """
    root = tmp_path_factory.mktemp("injection")
    groups: dict[str, list[Case]] = {}
    for payload_id in PAYLOADS:
        for fields in ([f for f in TEXT_FIELDS if f not in URL_FIELDS], list(URL_FIELDS)):
            slug = f"g{letters(len(groups))}"
            groups[slug] = [make_case(f, payload_id, slug) for f in fields]
    first = refusals(check(write_project(root / "round1", dict_docs(groups))))
    singles: dict[str, list[Case]] = {}
    for slug in first:
        for case in groups.pop(slug):
            single = f"s{letters(len(singles))}"
            singles[single] = [make_case(case.field, case.payload_id, single)]
    second = refusals(check(write_project(root / "round2", dict_docs(singles))))
    refused = {singles.pop(slug)[0]: lines for slug, lines in second.items()}
    accepted = groups | singles
    output = root / "site" / "_site"
    result = build(write_project(root / "site", dict_docs(accepted)), output)
    assert not result.failed, [d.format_text() for d in result.diagnostics][:20]
    return Injected(accepted, refused, output)


def dict_docs(groups: dict[str, list[Case]]) -> dict[str, object]:
    return {slug: group_doc(slug, cases) for slug, cases in groups.items()}


def page(injected: Injected, slug: str) -> str:
    return (injected.built / "drugs" / slug / "index.html").read_text(encoding="utf-8")


def all_cases(injected: Injected) -> list[tuple[str, Case]]:
    return [(slug, case) for slug, cases in injected.cases.items() for case in cases]


def test_corpus_is_big_enough() -> None:
    assert len(PAYLOADS) >= 40
    assert len(TEXT_FIELDS) == 21


def test_every_pair_is_built_or_refused_with_a_location(injected: Injected) -> None:
    seen = {(c.field, c.payload_id) for _, c in all_cases(injected)}
    seen |= {(c.field, c.payload_id) for c in injected.refused}
    assert seen == {(f, p) for f in TEXT_FIELDS for p in PAYLOADS}
    assert [case for case, lines in injected.refused.items() if not lines] == []


def test_built_site_has_no_live_markup(injected: Injected) -> None:
    built = {c.field for _, c in all_cases(injected)}
    # every free-text field carried payloads into the site; amounts refuse them all
    assert built == set(TEXT_FIELDS) - STRUCTURED_FIELDS
    assert {c.field for c in injected.refused} >= STRUCTURED_FIELDS
    assert audit_site(injected.built) == {}


def visible(html: str) -> str:
    # The dose table keeps numbers with their units using no-break spaces; a reader sees the
    # same characters, so compare with ordinary spaces.
    return audit_html(html).text.replace("\xa0", " ")


def test_plain_text_fields_show_the_payload_verbatim(injected: Injected) -> None:
    texts = {slug: visible(page(injected, slug)) for slug in injected.cases}
    missing = [
        case
        for slug, case in all_cases(injected)
        if case.field in PLAIN_FIELDS and case.value.strip() not in texts[slug]
    ]
    assert missing == []


def test_template_syntax_is_never_evaluated(injected: Injected) -> None:
    for slug, case in all_cases(injected):
        if case.payload_id in JINJA_IDS:
            html = page(injected, slug)
            assert "49" not in html, case
            if case.field in PLAIN_FIELDS:
                assert case.value.strip() in visible(html), case


def test_content_never_opens_an_html_comment(injected: Injected) -> None:
    for path in injected.built.rglob("*.html"):
        comments = audit_html(path.read_text(encoding="utf-8")).comments
        assert not [c for c in comments if "x-comment-marker" in c or "alert" in c], path


def test_url_fields_refuse_every_non_http_scheme(injected: Injected) -> None:
    for _, case in all_cases(injected):
        if case.field in URL_FIELDS:
            assert re.match(r"https?://", case.value, re.IGNORECASE), case


# --- site settings ------------------------------------------------------------------------


def nav_problems(html: str, allowed_hosts: set[str]) -> list[str]:
    """Links the templates build from base_url must stay on the site (or on a known host)."""
    problems = []
    for match in re.finditer(r'(?:href|src|action)="([^"]*)"', html):
        value = match.group(1).replace("&amp;", "&")
        if same_origin(value):
            continue
        parts = urlsplit(value)
        if (
            url_problem(value)
            or parts.scheme not in ("http", "https", "mailto")
            or (parts.scheme != "mailto" and parts.hostname not in allowed_hosts)
        ):
            problems.append(value)
    return problems


@pytest.mark.parametrize("setting", ["site_name", "base_url"])
@pytest.mark.parametrize("payload_id", sorted(PAYLOADS))
def test_site_settings_payloads(tmp_path: Path, setting: str, payload_id: str) -> None:
    payload = PAYLOADS[payload_id]
    content = write_project(tmp_path, {"testomycin": monograph_doc()}, {setting: payload})
    report = check(content)
    errors = [d for d in report.diagnostics if d.severity is Severity.ERROR]
    if errors:
        assert all(d.location.path.endswith("site.yaml") for d in errors), errors
        assert all(d.location.line >= 1 and d.location.column >= 1 for d in errors), errors
        return
    output = tmp_path / "_site"
    result = build(content, output)
    assert not result.failed, result.diagnostics
    assert audit_site(output) == {}
    hosts = {"example.org", "www.medicines.org.uk", "mor.nlm.nih.gov"}
    if setting == "base_url":
        hosts.add(urlsplit(payload).hostname or "")
    for path in output.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        assert "49" not in html
        assert nav_problems(html, hosts) == [], path
        if setting == "site_name":
            assert payload.strip() in audit_html(html).text


def test_full_cli_build_with_search_keeps_content_inert(tmp_path: Path) -> None:
    """The real command, search index and offline files included (they carry names as JSON)."""
    chosen = ["script", "attr-breakout-double", "svg-onload", "jinja-expression", "cdata-close"]
    docs = {f"m{i}": monograph_doc(f"{PAYLOADS[p]} {i}") for i, p in enumerate(chosen)}
    site_name = '"}</script><svg onload=alert(1)>\u2028'
    write_project(tmp_path, docs, {"site_name": site_name})
    result = run_cli(["build", "--content", "monographs", "--out", "_site"], tmp_path, timeout=120)
    assert result.code == 0, result.output[-2000:]
    output = tmp_path / "_site"
    assert audit_site(output) == {}
    data = [
        json.loads(path.read_text(encoding="utf-8"))
        for path in output.rglob("*")
        if path.suffix in (".json", ".webmanifest")
    ]
    assert data and site_name.strip() in json.dumps(data, ensure_ascii=False)
    for script in output.rglob("*.js"):
        assert "onload=alert" not in script.read_text(encoding="utf-8", errors="replace")
