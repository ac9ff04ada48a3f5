"""The dose-table filter: escaped text, numbers kept on one line with their units."""

from __future__ import annotations

import pytest

from clincalc_site.render.templates import keep_units


@pytest.mark.parametrize(
    ("text", "html"),
    [
        pytest.param("1.25 mg", "1.25&nbsp;mg", id="decimal-dose"),
        pytest.param("20 mg daily", "20&nbsp;mg daily", id="only-the-number-binds"),
        pytest.param("2.5 micrograms/kg", "2.5&nbsp;micrograms/kg", id="unit-word"),
        pytest.param("10 %", "10&nbsp;%", id="percent"),
        pytest.param("<b>5 mg</b>", "&lt;b&gt;5&nbsp;mg&lt;/b&gt;", id="escapes-markup"),
        pytest.param("4 mg & 5 mg", "4&nbsp;mg &amp; 5&nbsp;mg", id="escapes-ampersand"),
        pytest.param("Once daily", "Once daily", id="no-number"),
        pytest.param("1 - 2 tablets", "1 - 2&nbsp;tablets", id="range-dash-untouched"),
    ],
)
def test_keep_units(text: str, html: str) -> None:
    assert str(keep_units(text)) == html
