"""Turn editor Markdown into a safe HTML fragment.

Stage: render/ (docs/architecture.md).

Two layers, because a defaced drug page is a patient-safety incident: Python-Markdown runs
with its raw-HTML passthrough removed (``<script>`` in a monograph becomes visible text), and
its output is then sanitised by nh3 (Rust's ammonia) with a small allow-list of tags and only
http(s), mailto and relative link targets.

Text written only with paragraphs, ``- `` lists, ``**bold**`` and ``[links](https://...)``
skips Python-Markdown (``fastmark``: same bytes, far faster); the sanitiser
runs on every result.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from html import escape
from typing import Any

import markdown
import nh3

from clincalc_site.render import fastmark

ALLOWED_TAGS = frozenset(
    {"p", "a", "em", "strong", "code", "ul", "ol", "li", "br", "blockquote", "sub", "sup"}
)
# What may sit inside a <p> (the page summary) or an <li> without breaking the HTML.
PHRASING_TAGS = frozenset({"a", "em", "strong", "code", "br", "sub", "sup"})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
_ANCHOR_WITHOUT_HREF = re.compile(r'<a(?![^>]* href=")[^>]*>(.*?)</a>', re.DOTALL)


class MarkupRenderer:
    """One configured Markdown converter; create one per build (or per worker process)."""

    def __init__(self) -> None:
        self._md = markdown.Markdown(extensions=[], output_format="html")
        # Raw HTML from editors is never passed through: it is shown as text.
        self._md.preprocessors.deregister("html_block")
        self._md.inlinePatterns.deregister("html")
        # fastmark matches exactly this configuration; any other turns the shortcut off.
        self._fast = processor_names(self._md) == fastmark.CHECKED_PROCESSORS

    def block(self, text: str) -> str:
        """Render Markdown paragraphs and lists to sanitised HTML."""
        html = fastmark.convert(text) if self._fast else None
        if html is None:
            html = self._convert(text)
        return sanitise(html)

    def _convert(self, text: str) -> str:
        try:
            return self._md.reset().convert(text)
        except RecursionError:
            # Python-Markdown recurses once per nesting level: "1. " repeated a few thousand
            # times exhausts the stack. Such text is shown as the escaped words it is.
            return f"<p>{escape(text)}</p>"

    def inline(self, text: str) -> str:
        """Render one paragraph of inline Markdown without the wrapping ``<p>``.

        Text that Markdown turns into blocks (a blank line, a list, a quote) keeps its words
        and inline formatting but loses the block tags: the result goes inside ``<p>``, where
        a ``<p>`` or ``<ul>`` would be invalid HTML.
        """
        html = self.block(text).strip()
        if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
            return html[3:-4]
        return sanitise(html, PHRASING_TAGS).strip()


def processor_names(md: markdown.Markdown) -> tuple[tuple[str, ...], ...]:
    """The names of every processor a converter runs, stage by stage."""
    registries = (
        md.preprocessors,
        md.parser.blockprocessors,
        md.treeprocessors,
        md.inlinePatterns,
        md.postprocessors,
    )
    # Registry has no public list of names; ``_priority`` is its sorted list of (name, priority).
    return tuple(
        tuple(item.name for item in vars(registry)["_priority"]) for registry in registries
    )


@functools.cache
def _cleaner(tags: frozenset[str]) -> Callable[[str], str]:
    """One configured sanitiser per tag set (nh3.Cleaner: the options are converted once,
    not on every call)."""
    options: dict[str, Any] = {
        "tags": set(tags),
        "clean_content_tags": {"script", "style"},
        "attributes": {tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        "url_schemes": set(URL_SCHEMES),
        "link_rel": "noopener noreferrer",
        "strip_comments": True,
    }
    cleaner = getattr(nh3, "Cleaner", None)  # nh3 0.2.18 and later
    if cleaner is None:
        return functools.partial(nh3.clean, **options)
    clean: Callable[[str], str] = cleaner(**options).clean
    return clean


def sanitise(html: str, tags: frozenset[str] = ALLOWED_TAGS) -> str:
    """Keep only the allowed tags, attributes and link schemes."""
    cleaned = _cleaner(tags)(html)
    # A link whose target was refused (javascript:, data:, ftp:) keeps its words, not its
    # <a>: an <a> without href may not carry rel, so it would be invalid HTML. A regex is
    # exact here because nh3 escapes <, > and " inside attribute values and text.
    return _ANCHOR_WITHOUT_HREF.sub(r"\1", cleaned)
