"""A readable word-by-word comparison of two texts, as HTML, for the history pages.

Stage: render/ (docs/architecture.md). Pure: stdlib ``difflib`` over words.

Removed words are wrapped in ``<del>``, added words in ``<ins>``, each starting with a
visually hidden "removed:" / "added:" so that a screen reader (which does not announce
``del`` and ``ins``) says what happened; everything else is escaped text. Only prose goes
in: the history page never compares dosing data (its changes are said in words).
"""

from __future__ import annotations

import difflib
import re

from markupsafe import Markup, escape

_TOKENS = re.compile(r"\s+|[\w'’-]+|[^\w\s]")
REMOVED = '<del><span class="visually-hidden">removed: </span>{}</del>'
ADDED = '<ins><span class="visually-hidden">added: </span>{}</ins>'


def tokens(text: str) -> list[str]:
    """Words, each mark of punctuation and the whitespace between them, in order: joined,
    they give ``text`` back ("weekly." and "weekly for 8 weeks." differ by three words)."""
    return _TOKENS.findall(text)


def diff_words(old: str, new: str) -> Markup:
    """``new`` as escaped HTML, with what ``old`` had and ``new`` has not in ``<del>`` and
    what is new in ``<ins>``. Whitespace-only differences are not marked."""
    before, after = tokens(old), tokens(new)
    # Compared as words: any run of spaces or line breaks is the same as any other.
    old_keys, new_keys = _keys(before), _keys(after)
    # The words both share at the start and the end are set aside first: an edit is
    # usually in one place, and ``SequenceMatcher`` costs about the product of the lengths.
    head = 0
    while head < min(len(before), len(after)) and old_keys[head] == new_keys[head]:
        head += 1
    tail = 0
    while tail < min(len(before), len(after)) - head and old_keys[-1 - tail] == new_keys[-1 - tail]:
        tail += 1
    middle = difflib.SequenceMatcher(
        None, old_keys[head : len(before) - tail], new_keys[head : len(after) - tail],
        autojunk=False,
    )  # fmt: skip
    parts: list[str] = [str(escape("".join(after[:head])))]
    for op, *span in middle.get_opcodes():
        old_start, old_end, new_start, new_end = (place + head for place in span)
        if op == "equal":
            parts.append(str(escape("".join(after[new_start:new_end]))))
            continue
        removed = "".join(before[old_start:old_end])
        added = "".join(after[new_start:new_end])
        if removed.strip() == added.strip():  # only the spacing changed
            parts.append(str(escape(added)))
            continue
        parts.append(_marked(REMOVED, removed))
        parts.append(_marked(ADDED, added))
    parts.append(str(escape("".join(after[len(after) - tail :]))))
    return Markup("".join(parts))


def _keys(parts: list[str]) -> list[str]:
    return [" " if part.isspace() else part for part in parts]


def _marked(wrapper: str, text: str) -> str:
    """``text`` wrapped, the spaces around it left outside (a struck-through space reads as
    a stray mark); '' when there is no word."""
    core = text.strip()
    if not core:
        return str(escape(text))
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    return str(escape(lead)) + wrapper.format(escape(core)) + str(escape(trail))


def changed(old: str, new: str) -> bool:
    """Whether the words differ (not only their spacing)."""
    return old.split() != new.split()
