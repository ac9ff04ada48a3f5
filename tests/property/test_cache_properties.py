"""What the build cache and the build report write by hand equals what the plain way writes.

A warm rebuild reads 10,000 records from the manifest and writes 10,000 report lines, so
both skip the general machinery (dataclass constructors, the ``json`` encoder's dict walk);
these properties hold the shortcuts to the definitions for generated input (hypothesis).
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

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
