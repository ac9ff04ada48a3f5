"""Property-based fuzzing with a fixed budget (CI-sized; fuzz/fuzz_loader.py runs longer).

* The loader is total: arbitrary text, arbitrary bytes and arbitrary YAML documents (built
  with ``st.recursive``, also grafted into a valid monograph) give either a monograph or
  located errors, never an exception.
* A build of generated monographs with hostile text succeeds, shows each name verbatim and
  publishes no live markup.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clincalc_site.content.loader import decode, load_text
from clincalc_site.diagnostics import Severity

from .support import (
    TEXT_FIELDS,
    TODAY,
    audit_html,
    audit_site,
    build,
    dump,
    monograph_doc,
    with_value,
    write_project,
)

FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
BUILD_FUZZ = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Text that stresses YAML, Markdown and HTML at once.
HOSTILE = st.lists(
    st.one_of(
        st.sampled_from(list("<>&\"'`=/\\:;!#*_[](){}|-.~%$@\t\n ")),
        st.sampled_from(["javascript:", "<script>", "{{", "{%", "]]>", "<!--", "\u202e", "\u200b"]),
        st.characters(codec="utf-8"),
    ),
    max_size=40,
).map("".join)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
    HOSTILE,
)
FIELD_NAMES = st.sampled_from(list(monograph_doc()))
DOCUMENTS = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(
            st.one_of(HOSTILE, st.sampled_from(list(monograph_doc()))), children, max_size=5
        ),
    ),
    max_leaves=30,
)


def assert_total(text: str) -> None:
    """Loading gives a monograph or at least one error, each naming the file."""
    entry, diagnostics = load_text(text, "fuzz.yaml", "fuzz", TODAY)
    for diagnostic in diagnostics:
        assert diagnostic.location.path == "fuzz.yaml"
        assert diagnostic.location.line >= 0 and diagnostic.location.column >= 0
    if entry is None:
        assert any(d.severity is Severity.ERROR for d in diagnostics), diagnostics


@FUZZ
@given(st.text())
def test_loader_is_total_on_arbitrary_text(text: str) -> None:
    assert_total(text)


@FUZZ
@given(st.binary(max_size=400))
def test_loader_is_total_on_arbitrary_bytes(raw: bytes) -> None:
    text, problem = decode(raw, "fuzz.yaml")
    if text is None:
        assert problem is not None and problem.severity is Severity.ERROR
    else:
        assert_total(text)


@FUZZ
@given(DOCUMENTS)
def test_loader_is_total_on_arbitrary_yaml(document: Any) -> None:
    assert_total(yaml.safe_dump(document, allow_unicode=True))


@FUZZ
@given(st.sampled_from(sorted(TEXT_FIELDS)), DOCUMENTS)
def test_loader_is_total_on_a_monograph_with_one_field_replaced(field: str, value: Any) -> None:
    doc = with_value(monograph_doc(), TEXT_FIELDS[field], value)
    assert_total(dump(doc))


@FUZZ
@given(st.text(alphabet="[]{}:,-?&*!|>'\"#% \n\tab0", max_size=200))
def test_loader_is_total_on_yaml_punctuation_soup(text: str) -> None:
    assert_total(text)


NAMES = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cc"]), min_size=1, max_size=40
).filter(lambda name: name.strip() != "")


@st.composite
def hostile_monographs(draw: st.DrawFn) -> list[dict[str, Any]]:
    docs = []
    for index in range(draw(st.integers(min_value=1, max_value=3))):
        doc = monograph_doc(f"{draw(NAMES)} #{index}", draw(NAMES))
        for field in draw(st.lists(st.sampled_from(sorted(TEXT_FIELDS)), max_size=6)):
            if not field.endswith(".url") and field not in ("name",):
                doc = with_value(doc, TEXT_FIELDS[field], f"{draw(HOSTILE)} x")
        docs.append(doc)
    return docs


@BUILD_FUZZ
@given(hostile_monographs())
def test_build_of_generated_monographs_publishes_no_live_markup(
    docs: list[dict[str, Any]],
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        content = write_project(root, {f"m-{i}": doc for i, doc in enumerate(docs)})
        result = build(content, root / "_site")
        errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
        if result.failed:
            # Only a reasoned refusal: two names folding together or classes sharing a page.
            assert errors and all(d.location.line >= 1 for d in errors), errors
            return
        assert audit_site(root / "_site") == {}
        for i, doc in enumerate(docs):
            page = (root / "_site" / "drugs" / f"m-{i}" / "index.html").read_text("utf-8")
            assert doc["name"].strip() in audit_html(page).text
