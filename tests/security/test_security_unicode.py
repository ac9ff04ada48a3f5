"""Unicode: names render exactly and escaped; names a reader cannot tell apart are duplicates.

Invisible characters (zero-width, bidi controls, variation selectors, tag characters, Hangul
fillers) and look-alike letters (Unicode TR39 confusables: Cyrillic, Greek, Armenian,
Cherokee, Latin IPA and small capitals, fullwidth and mathematical forms) must not let two
monographs for one drug coexist: ``xref.duplicate_name`` at the second file's name.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clincalc_site.content.names import name_key
from clincalc_site.diagnostics import Severity

from .support import audit_html, audit_site, build, check, monograph_doc, write_project

NAMES = {
    "decomposed-accents": "Me\u0301nie\u0300re drug",
    "precomposed-accents": "Ménière tablets",
    "greek-beta": "β-lactamase inhibitor",
    "arabic-rtl": "وارفارين",
    "hebrew-rtl": "וורפרין",
    "bidi-override": "Warfarin \u202enirafraw\u202c forte",
    "bidi-isolate": "Dabigatran \u2067عربي\u2069 etexilate",
    "zero-width-joiner": "Apixa\u200dban",
    "homoglyph-cyrillic-a": "Rivаroxaban",
    "emoji": "Pill \U0001f48a",
    "emoji-zwj-sequence": "Team \U0001f469\u200d\u2695\ufe0f",
    "cjk": "ワルファリン",
    "combining-overload": "Z\u0351\u0357\u0358\u0359a\u035c\u035dl\u0346\u0347go",
    "ampersand-quotes": 'Tom & "Jerry\'s" <drug>',
}


def test_names_render_exactly_and_escaped(tmp_path: Path) -> None:
    docs = {f"u-{i}": monograph_doc(name) for i, name in enumerate(NAMES.values())}
    content = write_project(tmp_path, docs)
    output = tmp_path / "_site"
    result = build(content, output)
    assert not result.failed, [d.format_text() for d in result.diagnostics]
    assert audit_site(output) == {}
    # the A–Z: a page a letter
    letters = sorted((output / "a-z").glob("*/index.html"))
    assert letters
    index = "".join(audit_html(p.read_text(encoding="utf-8")).text for p in letters)
    for i, name in enumerate(NAMES.values()):
        html = (output / "drugs" / f"u-{i}" / "index.html").read_bytes().decode("utf-8")
        page = audit_html(html)
        assert name in page.text, name  # the exact code points, not normalised or mangled
        assert f"\x1f{name}\x1f" in page.text or f"{name} \x1f" in page.text, name  # in <h1>
        assert name in index


INVISIBLE = {
    "zero-width-space": "\u200b",
    "zero-width-non-joiner": "\u200c",
    "zero-width-joiner": "\u200d",
    "word-joiner": "\u2060",
    "byte-order-mark": "\ufeff",
    "soft-hyphen": "\u00ad",
    "left-to-right-mark": "\u200e",
    "right-to-left-override": "\u202e",
    "first-strong-isolate": "\u2068",
    "combining-grapheme-joiner": "\u034f",
    "mongolian-vowel-separator": "\u180e",
    "mongolian-variation-selector": "\u180b",
    "variation-selector-16": "\ufe0f",
    "variation-selector-supplement": "\U000e0100",
    "tag-latin-a": "\U000e0041",
    "hangul-filler": "\u3164",
    "hangul-choseong-filler": "\u115f",
    "halfwidth-hangul-filler": "\uffa0",
    "khmer-inherent-vowel": "\u17b4",
    "inhibit-symmetric-swapping": "\u206a",
    "musical-symbol-begin-beam": "\U0001d173",
    "braille-blank": "\u2800",
}

# Letters that look like a Latin letter (Unicode TR39 confusables), with that letter.
LOOKALIKES = {
    "cyrillic-a": ("а", "a"),
    "cyrillic-o": ("о", "o"),
    "cyrillic-shha": ("һ", "h"),
    "cyrillic-capital-shha": ("Һ", "H"),
    "cyrillic-palochka": ("Ӏ", "I"),
    "cyrillic-ue": ("ү", "y"),
    "cyrillic-omega": ("ѡ", "w"),
    "cyrillic-izhitsa": ("ѵ", "v"),
    "cyrillic-komi-sje": ("Ԍ", "G"),
    "greek-omicron": ("ο", "o"),
    "greek-nu": ("ν", "v"),
    "greek-lunate-sigma": ("ϲ", "c"),
    "greek-yot": ("ϳ", "j"),
    "armenian-oh": ("օ", "o"),
    "armenian-vo": ("ո", "n"),
    "armenian-seh": ("ս", "u"),
    "armenian-ho": ("հ", "h"),
    "armenian-za": ("զ", "q"),
    "armenian-co": ("ց", "g"),
    "latin-dotless-i": ("ı", "i"),
    "latin-alpha": ("ɑ", "a"),
    "latin-script-g": ("ɡ", "g"),
    "latin-iota": ("ɩ", "i"),
    "latin-dotless-j": ("ȷ", "j"),
    "latin-small-capital-r": ("ʀ", "R"),
    "latin-dental-click": ("ǀ", "l"),
    "cherokee-a": ("Ꭺ", "A"),
    "cherokee-e": ("Ꭼ", "E"),
    "cherokee-tlo": ("Ꮮ", "L"),
    "cherokee-mu": ("Ꮇ", "M"),
    "cherokee-tsa": ("Ꮓ", "Z"),
    "fullwidth": ("ｗ", "w"),
    "mathematical-bold": ("𝐚", "a"),
    "roman-numeral-one": ("Ⅰ", "I"),
    "script-small-l": ("ℓ", "l"),
}

# Other ways to write the same visible name.
SAME_LOOK = {
    "decomposed": ("Ménière", "Me\u0301nie\u0300re"),
    "case": ("Warfarin", "WARFARIN"),
    "double-space": ("Warfarin sodium", "Warfarin  sodium"),
    "no-break-space": ("Warfarin sodium", "Warfarin\u00a0sodium"),
    "ideographic-space": ("Warfarin sodium", "Warfarin\u3000sodium"),
    "trailing-space": ("Warfarin", "Warfarin "),
}


def duplicate_errors(tmp_path: Path, first: str, second: str) -> list[str]:
    content = write_project(
        tmp_path, {"aaa-first": monograph_doc(first), "zzz-second": monograph_doc(second)}
    )
    found = [d for d in check(content).diagnostics if d.severity is Severity.ERROR]
    assert all(d.location.line >= 1 for d in found)
    return [f"{Path(d.location.path).name}:{d.code}" for d in found]


@pytest.mark.parametrize("character", list(INVISIBLE.values()), ids=list(INVISIBLE))
def test_an_invisible_character_does_not_make_a_new_name(tmp_path: Path, character: str) -> None:
    for second in (f"War{character}farin", f"Warfarin{character}", f"{character}Warfarin"):
        assert name_key(second) == name_key("Warfarin"), repr(second)
    errors = duplicate_errors(tmp_path, "Warfarin", f"War{character}farin")
    assert errors == ["zzz-second.yaml:xref.duplicate_name"]


@pytest.mark.parametrize(("lookalike", "latin"), list(LOOKALIKES.values()), ids=list(LOOKALIKES))
def test_a_lookalike_letter_does_not_make_a_new_name(
    tmp_path: Path, lookalike: str, latin: str
) -> None:
    first = f"Dr{latin}gname"
    second = f"Dr{lookalike}gname"
    assert name_key(first) == name_key(second), (hex(ord(lookalike)), name_key(second))
    assert duplicate_errors(tmp_path, first, second) == ["zzz-second.yaml:xref.duplicate_name"]


@pytest.mark.parametrize(("first", "second"), list(SAME_LOOK.values()), ids=list(SAME_LOOK))
def test_the_same_name_written_differently_is_a_duplicate(
    tmp_path: Path, first: str, second: str
) -> None:
    assert duplicate_errors(tmp_path, first, second) == ["zzz-second.yaml:xref.duplicate_name"]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Warfarin", "Warfarin sodium"),
        ("Co-amoxiclav", "Co amoxiclav 2"),
        ("Ciclosporin", "Cyclosporine"),
        ("Prednisolone", "Prednisone"),
    ],
)
def test_different_names_are_not_duplicates(tmp_path: Path, first: str, second: str) -> None:
    assert duplicate_errors(tmp_path, first, second) == []
