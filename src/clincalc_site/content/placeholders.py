"""Recognise text that stands in for something not yet known: "TODO", "TBC", "?", "name".

Stage: content/ (docs/architecture.md). No I/O.

Used wherever such text would reach a reader with authority: every field of a verified dose,
and every person and source in the registries. (Prose sections have their own, gentler rule
for the scaffold's "TODO:" hints: ``rules.find_placeholders``.)
"""

from __future__ import annotations

import re

# Editors' markers, in any case; a question mark anywhere ("5 mg?", "asmith?").
_MARKERS = re.compile(r"(?<![^\W_])(?:TODO|TBC|TBD|TBA|FIXME|XXX+)(?![^\W_])|\?", re.IGNORECASE)
# Reserved example domains (RFC 2606/6761) and template-style slots: "<name>", "[dose]".
_EXAMPLES = re.compile(
    r"(?<![\w-])example\.(?:org|com|net)\b|\.(?:example|test|invalid|localhost)\b"
    r"|[<\[{]\s*(?:your |the )?(?:name|dose|date|person|id|unit|amount|source|section|value"
    r"|title|url|address|revision|\.\.\.|…)\s*[>\]}]|\blorem ipsum\b",
    re.IGNORECASE,
)
# A whole value that is a slot's label rather than its content.
_WHOLE = re.compile(r"(?:your |the )?(?:name|person|someone|unknown|n/?a|none|-+|\.+|x+)")


def placeholder_in(text: str) -> str | None:
    """The placeholder in ``text`` (as written), or None when the text looks like content."""
    stripped = text.strip()
    if _WHOLE.fullmatch(stripped.casefold()):
        return stripped
    for pattern in (_MARKERS, _EXAMPLES):
        found = pattern.search(text)
        if found:
            return found.group(0)
    return None
