"""The dosing banner and the verified-dose block, checked on each page a team's templates made.

Stage: render/ (docs/architecture.md). No I/O.

A team may replace any packaged template with its own (``templates/`` beside site.yaml). The
dose rule cannot be replaced with it: a monograph page without a published dose must show the
banner, and a page with one must say who verified it against which source. A rendered page
that does not is refused, with the template to mend. Only what a reader would see counts:
text in comments, scripts, ``hidden`` or ``aria-hidden`` elements and closed ``<details>``
does not. (A stylesheet can still hide an element; that is outside what HTML alone shows,
so docs/site-settings.md asks teams not to restyle ``.dosing``.)

The packaged templates are not checked here on every page (the golden and end-to-end tests
hold them to the rule), so a build without overrides pays nothing for this.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html.parser import HTMLParser

BANNER_CLASS = "dosing-banner"
VERIFIED_CLASS = "dosing-verified"
BANNER_HEADING = "Dosing — being independently re-sourced"
BANNER_ADVICE = (
    "Confirm all doses against the product SmPC and your local formulary before prescribing."
)
_HIDING_TAGS = frozenset({"script", "style", "template", "noscript", "head", "title"})
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
     "track", "wbr"}
)  # fmt: skip
_SPACE = re.compile(r"\s+")


class _Element:
    __slots__ = ("classes", "folded", "hidden", "tag", "text")

    def __init__(self, tag: str, classes: frozenset[str], hidden: bool, folded: bool) -> None:
        self.tag = tag
        self.classes = classes
        self.hidden = hidden  # a reader does not see it
        self.folded = folded  # a closed <details>: only its <summary> shows
        self.text: list[str] = []


class _VisibleSections(HTMLParser):
    """Collects the visible text of every element carrying one of ``wanted`` classes."""

    def __init__(self, wanted: frozenset[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.wanted = wanted
        self.stack: list[_Element] = []
        self.found: dict[str, list[str]] = {name: [] for name in wanted}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        values = dict(attrs)
        parent = self.stack[-1] if self.stack else None
        hidden = (
            tag in _HIDING_TAGS
            or "hidden" in values
            or (values.get("aria-hidden") or "").strip().lower() == "true"
            or (parent is not None and parent.hidden)
            or (parent is not None and parent.folded and tag != "summary")
        )
        classes = frozenset((values.get("class") or "").split())
        folded = tag == "details" and "open" not in values
        self.stack.append(_Element(tag, classes, hidden, folded))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth].tag == tag:  # as browsers do, a stray end tag is ignored
                for element in reversed(self.stack[depth:]):
                    self._close(element)
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        if not self.stack or self.stack[-1].hidden or self.stack[-1].folded:
            return
        for element in self.stack:
            element.text.append(data)

    def close(self) -> None:
        super().close()
        for element in reversed(self.stack):
            self._close(element)
        self.stack.clear()

    def _close(self, element: _Element) -> None:
        if element.hidden:
            return
        for name in element.classes & self.wanted:
            self.found[name].append(_SPACE.sub(" ", "".join(element.text)).strip())


def visible_sections(html: str) -> dict[str, list[str]]:
    """The visible text of each banner and verified-dose element in ``html``, by class."""
    parser = _VisibleSections(frozenset({BANNER_CLASS, VERIFIED_CLASS}))
    parser.feed(html)
    parser.close()
    return parser.found


def dosing_problem(html: str, required: Sequence[str] | None) -> str | None:
    """What the page's dosing section lacks, in a reader's words, or None.

    ``required``: None for a page without a published dose (it needs the banner); else the
    texts its verified-dose block must show (verifier, source, each dose).
    """
    sections = visible_sections(html.replace("\xa0", " "))
    if required is None:
        if any(BANNER_HEADING in text and BANNER_ADVICE in text for text in sections[BANNER_CLASS]):
            return None
        return (
            "the page would be published without the dosing banner ('"
            f"{BANNER_HEADING} … {BANNER_ADVICE}'), which every page without a verified dose "
            "must show"
        )
    blocks = sections[VERIFIED_CLASS]
    missing = [t for t in required if not any(t in block for block in blocks)]
    if blocks and not missing:
        return None
    lacking = "; ".join(f"'{t}'" for t in missing) if blocks else "the whole block"
    return (
        "the page would show a verified dose without its verified-dose block "
        f"(which doses, who verified them, against which source); it lacks {lacking}"
    )
