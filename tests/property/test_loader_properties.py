"""Loader totality: valid monographs always load; damaged files only ever give located diagnostics.

Invariants (style guide 3.5, "loader totality"):
1. Any monograph the model accepts, written with ``yaml.safe_dump``, loads with no error and
   gives back the same monograph, with every value in the source map, unless a content rule
   beyond the schema (the dose contract, doses in prose) rejects it with located errors.
2. Any edit of a valid file (characters inserted, deleted or replaced, truncation, random
   bytes) never raises: ``load_text`` and ``load_file`` return diagnostics located in that file.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clincalc_site.content.loader import decode, display_path, load_file, load_text
from clincalc_site.content.models import Monograph
from clincalc_site.content.yaml_source import parse_yaml
from clincalc_site.diagnostics import Diagnostic

TODAY = dt.date(2026, 11, 26)
SHOWN = "monographs/pomalidomide.yaml"
BOUNDED = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_CODE = re.compile(r"[a-z]+\.[a-z_]+")
_YAML_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")

# --- A strategy for valid monographs, as plain data ----------------------------------------

# NEL (U+0085) is left out: PyYAML's emitter writes it raw inside quotes and every YAML
# reader (PyYAML's, libyaml, ours) then folds it to a space, so it cannot round-trip.
text = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters="\x85"),
    min_size=1,
    max_size=60,
).filter(lambda value: value.strip() != "")
short_text = text.filter(lambda value: len(value) < 30)
slug = st.from_regex(r"[a-z0-9]+(?:-[a-z0-9]+)*", fullmatch=True).filter(lambda s: len(s) < 40)
url = st.from_regex(
    r"https?://[a-z0-9][a-z0-9.-]{0,30}(/[A-Za-z0-9_./?=&%-]{0,30})?", fullmatch=True
)
past_date = st.dates(min_value=dt.date(2000, 1, 1), max_value=TODAY)
source = st.fixed_dictionaries(
    {"document": short_text, "section": short_text, "revision": past_date}
)


def optional(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Dicts with any subset of the given optional fields."""
    return st.fixed_dictionaries({}, optional=fields)


regimen = st.builds(
    lambda required, extra: {**required, **extra},
    st.fixed_dictionaries(
        {"indication": text, "population": text, "route": short_text, "dose": short_text}
    ),
    optional(frequency=text, duration=text, max_dose=short_text, notes=text),
)
verified = st.fixed_dictionaries(
    {
        "status": st.just("verified"),
        "regimens": st.lists(regimen, min_size=1, max_size=3),
        "source": source,
        "prepared_by": short_text,
        "prepared_on": past_date,
        "verified_by": short_text,
        "verified_on": past_date,
    }
)
resourcing = st.builds(
    lambda extra: {"status": "re-sourcing", **extra},
    optional(
        regimens=st.lists(regimen, max_size=2),
        source=source,
        verified_by=short_text,
        verified_on=past_date,
    ),
)
monographs = st.builds(
    lambda required, extra: {**required, **extra},
    st.fixed_dictionaries(
        {
            "name": short_text,
            "drug_class": text,
            "summary": text,
            "mechanism": text,
            "review": st.builds(
                lambda status, date, extra: {"status": status, "date": date, **extra},
                st.sampled_from(["draft", "in-review", "clinician-reviewed"]),
                past_date,
                optional(reviewer=short_text),
            ),
        }
    ),
    optional(
        specialist=st.booleans(),
        brand_names=st.lists(short_text, max_size=3),
        dosing=st.one_of(verified, resourcing),
        prescribing=st.lists(text, max_size=3),
        monitoring=text,
        counselling=st.lists(text, max_size=3),
        evidence=text,
        references=st.lists(
            st.builds(
                lambda label, extra: {"label": label, **extra}, short_text, optional(url=url)
            ),
            max_size=3,
        ),
        rxcui=st.from_regex(r"[0-9]{1,10}", fullmatch=True),
        related=st.lists(slug, max_size=3),
    ),
)


def dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def leaf_paths(value: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in leaf_paths(item, (*path, key))]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in leaf_paths(item, (*path, index))]
    return [path]


def assert_located(diagnostics: list[Diagnostic], text: str, shown: str = SHOWN) -> None:
    lines = len(_YAML_LINE_BREAK.split(text)) + 1
    for diagnostic in diagnostics:
        location = diagnostic.location
        assert location.path == shown
        assert 0 <= location.line <= lines, diagnostic
        assert location.column >= 0
        assert (location.line == 0) == (location.column == 0), diagnostic
        assert _CODE.fullmatch(diagnostic.code), diagnostic.code
        assert diagnostic.message


# --- 1. Valid monographs load ---------------------------------------------------------------


@BOUNDED
@given(monographs)
def test_any_valid_monograph_loads_without_errors_and_unchanged(data: dict[str, Any]) -> None:
    expected = Monograph.model_validate(data)
    text = dump(data)

    entry, diagnostics = load_text(text, SHOWN, "pomalidomide", TODAY)

    errors = [d for d in diagnostics if d.severity == "error"]
    # Random text may break the dose contract (no registry here) or hold a dose in prose.
    assert [d for d in errors if not d.code.startswith(("dosing.", "dose.", "prose."))] == []
    assert_located(diagnostics, text)
    assert parse_yaml(text, SHOWN).data == yaml.safe_load(text)
    if errors:
        assert entry is None
        return
    assert entry is not None
    assert entry.monograph == expected
    assert entry.dose.published is None  # no registry: nothing can be published
    lines = text.count("\n") + 1
    for path in leaf_paths(data):
        info = entry.source_map.info(path)
        assert info is not None, path
        assert 1 <= info.line <= lines


# --- 2. Damaged files never raise -----------------------------------------------------------

VALID = dump(
    {
        "name": "Pomalidomide",
        "drug_class": "Immunomodulator (thalidomide analogue)",
        "specialist": True,
        "brand_names": ["Imnovid"],
        "summary": "Oral immunomodulatory agent for relapsed multiple myeloma.",
        "dosing": {
            "status": "verified",
            "regimens": [
                {
                    "indication": "Multiple myeloma",
                    "population": "Adults",
                    "route": "Oral",
                    "dose": "4 mg",
                    "frequency": "Once daily, days 1 to 21 of a 28-day cycle",
                }
            ],
            "source": {"label": "Imnovid SmPC", "url": "https://www.medicines.org.uk/emc"},
            "verified_by": "J. Smith, MPharm",
            "verified_on": dt.date(2026, 6, 30),
        },
        "mechanism": "Cereblon-mediated degradation of Ikaros and Aiolos.",
        "prescribing": ["Teratogenic: Pregnancy Prevention Programme."],
        "references": [{"label": "NICE TA427", "url": "https://www.nice.org.uk/guidance/ta427"}],
        "rxcui": "1369713",
        "review": {"status": "clinician-reviewed", "date": dt.date(2026, 7, 4)},
        "related": ["lenalidomide", "thalidomide"],
    }
)
# Characters that mean something to YAML, or to our checks, and a few awkward ones.
SPECIAL = [
    *":-[]{}#&*!|>'\"%@`,?\n\r\t \\~",
    "0123",
    "NO",
    "yes",
    "5.0",
    "2026-02-30",
    "2026-07-04T10:00:00",
    "---\n",
    "...\n",
    "&a ",
    "*a",
    "!!python/object:os.system ",
    "<<: ",
    "\x00",
    "\x85",
    "\u2028",
    "\ufeff",
    "\u200b",
    "é",
]
insertion = st.one_of(st.sampled_from(SPECIAL), st.text(min_size=1, max_size=3))


@st.composite
def edited_text(draw: st.DrawFn) -> str:
    chars = list(VALID)
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, len(chars)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        if action == "insert":
            chars.insert(position, draw(insertion))
        elif chars:
            index = min(position, len(chars) - 1)
            if action == "delete":
                del chars[index : index + draw(st.integers(1, 20))]
            else:
                chars[index] = draw(insertion)
    edited = "".join(chars)
    if draw(st.booleans()):
        edited = edited[: draw(st.integers(0, len(edited)))]
    return edited


@BOUNDED
@given(edited_text())
def test_edited_text_only_ever_gives_located_diagnostics(text: str) -> None:
    entry, diagnostics = load_text(text, SHOWN, "pomalidomide", TODAY)

    assert_located(diagnostics, text)
    if entry is None:
        assert any(d.severity == "error" for d in diagnostics)


@BOUNDED
@given(st.text(max_size=300))
def test_arbitrary_text_only_ever_gives_located_diagnostics(text: str) -> None:
    entry, diagnostics = load_text(text, SHOWN, "pomalidomide", TODAY)

    assert entry is None
    assert diagnostics
    assert_located(diagnostics, text)


@st.composite
def edited_bytes(draw: st.DrawFn) -> bytes:
    raw = bytearray(VALID.encode())
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, len(raw)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        if action == "insert":
            raw[position:position] = draw(st.binary(min_size=1, max_size=4))
        elif raw:
            index = min(position, len(raw) - 1)
            if action == "delete":
                del raw[index : index + draw(st.integers(1, 20))]
            else:
                raw[index] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        raw = raw[: draw(st.integers(0, len(raw)))]
    return bytes(raw)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("monographs") / "pomalidomide.yaml"


@BOUNDED
@given(
    st.one_of(
        edited_bytes(),
        st.binary(max_size=300),
        st.builds(lambda b: b"\xff\xfe" + b, st.binary(max_size=100)),
        st.builds(lambda b: b"\xef\xbb\xbf" + b, st.binary(max_size=100)),
    )
)
def test_damaged_file_only_ever_gives_located_diagnostics(scratch: Path, raw: bytes) -> None:
    scratch.write_bytes(raw)
    shown = display_path(scratch)

    entry, diagnostics = load_file(scratch, TODAY)

    text, _ = decode(raw, shown)
    # Undecodable bytes are located by counting newline bytes; latin-1 keeps one char a byte.
    assert_located(diagnostics, raw.decode("latin-1") if text is None else text, shown)
    if entry is None:
        assert any(d.severity == "error" for d in diagnostics)
