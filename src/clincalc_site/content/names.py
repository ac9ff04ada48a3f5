"""How names are compared, sorted and turned into addresses: one place for every fold.

Stage: content/ (docs/architecture.md). Pure.

``fold`` drops accents and case (sorting, the A–Z letter); ``ascii_slug`` makes a file name
or page address of it; ``name_key`` also folds what a reader cannot tell apart (look-alike
letters of other scripts, invisible characters), for finding two monographs of one drug.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Characters that render as nothing: two names differing only by these look identical. All
# format characters (Cf: zero-width, bidi controls, tags), the other default-ignorable code
# points of Unicode's DerivedCoreProperties (variation selectors, Hangul fillers, Khmer
# inherent vowels, the combining grapheme joiner) and the blank braille pattern.
_BLANK_RANGES = (
    (0x034F, 0x034F),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x2800, 0x2800),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFFA0, 0xFFA0),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
_INVISIBLE = dict.fromkeys(
    [cp for cp in range(0x10000) if unicodedata.category(chr(cp)) == "Cf"]
    + [cp for first, last in _BLANK_RANGES for cp in range(first, last + 1)]
)
# Letters of other scripts that look like Latin ones (Unicode TR39 confusables): Cyrillic,
# Greek, Armenian, Cherokee capitals, and Latin IPA letters and small capitals.
_LOOKALIKES = str.maketrans(
    "аеорсухіјѕԁԛԝӏАВЕКМНОРСТХІЈЅαβεικνορτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ"
    "һҺӀүҮѡѵԍԌԚԜϲϹϳͿօՕոսՍհզցՏıɑɡɩȷʀǀᴀᴏ"
    "ᎪᏴᏟᎬᎻᎳᎷᎢᏚᏔᏒᏢᏦᏞᏃᏙᎫᏀᎥᎠ",
    "aeopcyxijsdqwlABEKMHOPCTXIJSaBeikvoptuxABEZHIKMNOPTYX"
    "hHIyYwvgGQWcCjJoOnuUhqgSiagijRlAo"
    "ABCEHWMTSWRPKLZVJGiD",
)


@functools.lru_cache(maxsize=1 << 16)  # pure; a preview server sorts every name on each reload
def fold(text: str) -> str:
    """Accents dropped and case folded: 'Émile' -> 'emile'."""
    if text.isascii():  # NFKD leaves ASCII as it is and it has no combining marks
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


_NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")


def ascii_slug(text: str) -> str:
    """Lower-case ASCII letters and digits joined by '-' ('' if none): the folded text with
    every letter that has no ASCII form dropped (callers that must not lose one check
    ``non_ascii_letters`` first)."""
    ascii_text = fold(text).encode("ascii", "ignore").decode("ascii")
    return _NOT_ALPHANUMERIC.sub("-", ascii_text).strip("-")


def non_ascii_letters(text: str) -> list[str]:
    """The letters and digits of ``text`` that have no ASCII form once folded ('β')."""
    return sorted({ch for ch in fold(text) if ch.isalnum() and not ch.isascii()})


@functools.lru_cache(maxsize=1 << 16)  # pure; a preview server folds every name on each reload
def name_key(name: str) -> str:
    """Fold a name so that names a reader cannot tell apart compare equal."""
    # Look-alikes are folded before NFKC too: it turns the lunate sigma 'ϲ' into 'ς'.
    visible = unicodedata.normalize("NFKC", name.translate(_LOOKALIKES)).translate(_INVISIBLE)
    folded = visible.translate(_LOOKALIKES)
    stripped = "".join(
        ch for ch in unicodedata.normalize("NFD", folded) if not unicodedata.combining(ch)
    )
    return " ".join(stripped.casefold().split())
