"""What the build cache and the build report write by hand equals what the plain way writes.

A warm rebuild reads 10,000 records from the manifest and writes 10,000 report lines, so
both skip the general machinery (dataclass constructors, the ``json`` encoder's dict walk);
these properties hold the shortcuts to the definitions for generated input (hypothesis).
"""

from __future__ import annotations

import dataclasses
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from clincalc_site.build import manifest as cache
from clincalc_site.build.records import FileRecord
from clincalc_site.content.index_entry import DoseState, IndexEntry, ReviewState
from clincalc_site.content.yaml_source import NodeInfo
from clincalc_site.diagnostics import Diagnostic, Location, Severity

# Every character class JSON escapes: quotes, backslashes, controls, non-ASCII, surrogates.
TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=30)


@st.composite
def diagnostics(draw: st.DrawFn) -> Diagnostic:
    return Diagnostic(
        Location(draw(TEXT), draw(st.integers(0, 10**7)), draw(st.integers(0, 10**4))),
        draw(st.sampled_from(list(Severity))),
        draw(TEXT),
        draw(TEXT),
        field_path=draw(TEXT),
        hint=draw(TEXT),
    )


@settings(max_examples=300, deadline=None)
@given(diagnostics())
def test_a_report_line_is_the_sorted_json_of_the_diagnostic(diagnostic: Diagnostic) -> None:
    line = diagnostic.json_line()

    assert line == json.dumps(diagnostic.as_json(), sort_keys=True)
    assert "\n" not in line  # one diagnostic per line of build-report.json


DOSE_STATES = ["published", "held-not-reviewed", "held-source-revised", "re-sourcing"]


@st.composite
def records(draw: st.DrawFn) -> FileRecord:
    node = st.builds(
        NodeInfo, st.integers(0, 10**6), st.integers(0, 999), st.integers(0, 10**6),
        st.integers(0, 999), st.none() | TEXT, st.booleans(), st.sampled_from(["string", "map"]),
    )  # fmt: skip
    keys = st.tuples(TEXT) | st.tuples(TEXT, st.integers(0, 9))
    entry = None
    if draw(st.booleans()):
        entry = IndexEntry(
            draw(TEXT), draw(TEXT), draw(TEXT), draw(TEXT),
            tuple(draw(st.lists(TEXT, max_size=3))), draw(st.booleans()),
            tuple(draw(st.lists(TEXT, max_size=3))), draw(st.none() | TEXT),
            ReviewState(draw(TEXT), draw(st.dates()), draw(st.none() | TEXT)),
            DoseState(draw(st.sampled_from(DOSE_STATES)), draw(st.none() | TEXT),
                      draw(st.none() | st.dates())),
            draw(st.none() | TEXT), tuple(draw(st.lists(TEXT, max_size=2))),
            draw(st.dictionaries(keys, node, max_size=4)),
        )  # fmt: skip
    return FileRecord(
        draw(TEXT), draw(TEXT), draw(TEXT), tuple(draw(st.lists(diagnostics(), max_size=3))),
        entry, draw(TEXT),
    )  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(records())
def test_a_record_read_back_from_the_manifest_equals_the_record_stored(
    record: FileRecord,
) -> None:
    restored = cache._record_from_plain(cache._record_to_plain(record))

    assert restored == record
    assert hash(restored.diagnostics) == hash(record.diagnostics)
    assert restored.entry_id == record.entry_id  # stored, not worked out again
    assert [d.severity for d in restored.diagnostics] == [d.severity for d in record.diagnostics]
    assert all(type(d.severity) is Severity for d in restored.diagnostics)


def test_restored_classes_have_nothing_their_constructor_would_have_done() -> None:
    """cache._restore fills an instance's __dict__: right only for plain frozen dataclasses."""
    for cls in (Location, Diagnostic, IndexEntry, ReviewState, DoseState, FileRecord):
        params = getattr(cls, "__dataclass_params__", None)
        assert dataclasses.is_dataclass(cls) and params is not None and params.frozen, cls
        assert not hasattr(cls, "__post_init__") and not hasattr(cls, "__slots__"), cls
