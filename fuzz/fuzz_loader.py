"""Coverage-guided fuzzing of the loader and the Markdown sanitiser with atheris (libFuzzer).

Each input is the bytes of one monograph file. The harness checks the two promises the
site makes about hostile content:

1. loading is total: bytes give a monograph or a located error, never an exception
   (``decode`` -> ``load_text``: encoding, YAML events, schema, rules);
2. rendering is inert: the decoded text itself, and every Markdown field of a monograph
   that loads, renders to HTML with no script, no event handler and no link or source that
   is not http(s), mailto or relative. (Mutated inputs rarely stay valid monographs, so the
   whole text is also rendered as Markdown: that keeps the sanitiser under the fuzzer.)

Any exception, or an ``AssertionError`` from a broken promise, is a crash: libFuzzer writes
the input to ``crash-<sha1>`` and stops. See docs/fuzzing.md for how to run it.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from html.parser import HTMLParser

import atheris

with atheris.instrument_imports():
    from clincalc_site.content.loader import decode, load_text
    from clincalc_site.content.models import Monograph
    from clincalc_site.diagnostics import Severity
    from clincalc_site.render.markup import MarkupRenderer

TODAY = dt.date(2026, 6, 1)
SAFE_SCHEMES = {"http", "https", "mailto"}
LIVE_TAGS = {"script", "style", "iframe", "svg", "math", "object", "embed", "img"}
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
MARKUP = MarkupRenderer()


class _Inert(HTMLParser):
    """Fails on any live construct in a sanitised fragment."""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag not in {"script", "style", "iframe", "svg", "math", "object", "embed", "img"}, (
            tag
        )
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            if name in {"href", "src", "action", "formaction", "srcset"} and value is not None:
                cleaned = re.sub(r"[\t\n\r]", "", value).strip("".join(map(chr, range(0x21))))
                match = _SCHEME.match(cleaned)
                assert match is None or match.group(1).lower() in SAFE_SCHEMES, value


def check_inert(html: str) -> None:
    parser = _Inert(convert_charrefs=True)
    parser.feed(html)
    parser.close()


def markdown_fields(monograph: Monograph) -> list[str]:
    singles = (monograph.summary, monograph.mechanism, monograph.monitoring, monograph.evidence)
    return [text for text in singles if text] + [*monograph.prescribing, *monograph.counselling]


def test_one_input(data: bytes) -> None:
    text, problem = decode(data, "fuzz.yaml")
    if text is None:
        assert problem is not None and problem.severity is Severity.ERROR
        return
    check_inert(MARKUP.block(text))
    check_inert(MARKUP.inline(text))
    entry, diagnostics = load_text(text, "fuzz.yaml", "fuzz", TODAY)
    if entry is None:
        assert any(d.severity is Severity.ERROR for d in diagnostics), diagnostics
        return
    for field in markdown_fields(entry.monograph):
        check_inert(MARKUP.block(field))
        check_inert(MARKUP.inline(field))


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
