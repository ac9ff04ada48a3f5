"""Convert the plain subset of editor Markdown without Python-Markdown, byte for byte.

Stage: render/ (docs/architecture.md).

Python-Markdown costs about a millisecond per paragraph of text (it runs some twenty regular
expressions and a tree pass over every block), which made Markdown most of a build's time.
Almost all monograph text uses only four constructs: paragraphs, ``- `` bullet lists,
``**bold**`` and ``[a link](https://...)``. For text written *only* with those, checked
strictly and conservatively, ``convert`` returns exactly what ``markdown.Markdown.convert``
returns in ``markup.MarkupRenderer``'s configuration; for anything else (emphasis with one
star or underscores, code, headings, numbered lists, quotes, HTML, entities, tabs, nested or
loose lists, wrapped lines, ...) it returns ``None`` and the caller uses Python-Markdown.
The sanitiser still runs on the result either way.

Why the subset is safe, construct by construct (Python-Markdown 3.x, no extensions, raw HTML
off):

* No character that starts an inline pattern appears except ``**`` pairs and the one link
  form: backtick, backslash, ``!``, ``<``, ``>``, ``&``, ``_`` and single ``*`` are refused,
  and ``[``/``]`` only occur as ``[label](url)``.
* A block is one line (paragraph) or consecutive ``- item`` lines (a tight list); blocks are
  separated by exactly one blank line, a list never follows a list (Python-Markdown would
  merge the two into one loose list), and every paragraph or item starts with a letter or
  ``**`` + letter, so no block can be read as a heading, rule, quote, code, numbered list or
  reference definition.
* ``**x**`` with no star inside and none around is what ``STRONG_RE`` matches; the
  serializer escapes nothing because ``&``, ``<``, ``>`` and ``"`` never occur in the output.

``tests/unit/test_fastmark.py`` compares ``convert`` with Python-Markdown on generated text
(hypothesis) and on every text field of the fixture and benchmark corpora.
"""

from __future__ import annotations

import re

# What ``markup.MarkupRenderer`` runs, stage by stage (Python-Markdown 3, no extensions, raw
# HTML off); ``convert`` was checked against exactly this and is not used with anything else.
CHECKED_PROCESSORS = (
    ("normalize_whitespace",),
    (
        "empty",
        "indent",
        "code",
        "hashheader",
        "setextheader",
        "hr",
        "olist",
        "ulist",
        "quote",
        "reference",
        "paragraph",
    ),
    ("inline", "prettify", "unescape"),
    (
        "backtick",
        "escape",
        "reference",
        "link",
        "image_link",
        "image_reference",
        "short_reference",
        "short_image_ref",
        "autolink",
        "automail",
        "linebreak",
        "entity",
        "em_strong",
    ),
    ("raw_html", "amp_substitute"),
)
# Letters and digits (``\\w`` less the underscore, checked apart) and inert punctuation; the
# same without the space; a ``**strong**`` or link text (no space at either end); one line.
_CHARS = r"\w.,;:'?%/+=()\-–—‘’“”…±×÷≤≥°·•µ"
_TEXT = rf"[{_CHARS}](?:[ {_CHARS}]*[{_CHARS}])?"
_URL = r"https?://[A-Za-z0-9._~:/?#=%+-]+"
# Atomic groups keep a failed match linear (no retrying every split of a long text).
_LINE = re.compile(rf"(?>[ {_CHARS}]+|\*\*{_TEXT}\*\*|\[{_TEXT}\]\({_URL}\))*")
_LINK = re.compile(rf"\[({_TEXT})\]\(({_URL})\)")
_STRONG = re.compile(r"\*\*([^*]+)\*\*")


def _starts_well(text: str) -> bool:
    """A letter first, or '**' and a letter: never a list, heading, rule or number."""
    if text.startswith("**"):
        return len(text) > 2 and text[2].isalpha()
    return bool(text) and text[0].isalpha()


def convert_inline(text: str) -> str | None:
    """The HTML Python-Markdown makes of one line of subset text, or None.

    The line must be plain text, ``**strong**`` spans and ``[text](http(s) URL)`` links and
    nothing else: no underscore, no star outside a strong pair, no '***' (where other
    emphasis rules apply, as in '**a****b**').
    """
    if "_" in text or "***" in text or _LINE.fullmatch(text) is None:
        return None
    linked = _LINK.sub(r'<a href="\2">\1</a>', text) if "[" in text else text
    return _STRONG.sub(r"<strong>\1</strong>", linked) if "*" in text else linked


def _block(block: str, after_list: bool) -> tuple[str, bool] | None:
    lines = block.split("\n")
    if len(lines) == 1 and not block.startswith("- "):
        if not _starts_well(block) or block != block.strip():
            return None
        inline = convert_inline(block)
        return (f"<p>{inline}</p>", False) if inline is not None else None
    if after_list:
        return None
    items: list[str] = []
    for line in lines:
        item = line[2:]
        if not line.startswith("- ") or not _starts_well(item) or item != item.strip():
            return None
        inline = convert_inline(item)
        if inline is None:
            return None
        items.append(f"<li>{inline}</li>")
    return "<ul>\n" + "\n".join(items) + "\n</ul>", True


def convert(text: str) -> str | None:
    """Python-Markdown's output for subset text (before sanitising), or None if not subset."""
    if not text or text != text.strip() or "\n\n\n" in text:
        return None
    parts: list[str] = []
    after_list = False
    for block in text.split("\n\n"):
        converted = _block(block, after_list)
        if converted is None:
            return None
        html, after_list = converted
        parts.append(html)
    return "\n".join(parts)
