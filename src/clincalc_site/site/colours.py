"""Colours a team chooses (site.yaml), held to WCAG 2 contrast against the white page.

Stage: site/ (docs/architecture.md). Pure.
"""

from __future__ import annotations

import re

MIN_CONTRAST = 4.5  # WCAG 2 AA for body text: links, buttons and status labels are body text
_HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def contrast_with_white(colour: str) -> float:
    """WCAG 2 contrast ratio of ``#rrggbb`` against white: 1.0 (white) to 21.0 (black)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


def readable_colour(value: str, used_for: str) -> str:
    """``value`` in lowercase, or ValueError saying why it cannot be used (pydantic shows it
    at the field's line)."""
    if not _HEX_COLOUR.fullmatch(value):
        raise ValueError(
            "must be a colour written as # and six hexadecimal digits, e.g. '#0b4f9c' "
            "(put it in quotes: '#' starts a comment in YAML)"
        )
    ratio = contrast_with_white(value)
    if ratio < MIN_CONTRAST:
        raise ValueError(
            f"{value} has a contrast of {ratio:.2f}:1 against white; {used_for} need at least "
            f"{MIN_CONTRAST}:1 to be readable (WCAG AA): choose a darker shade"
        )
    return value.lower()
