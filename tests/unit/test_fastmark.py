"""fastmark must give Python-Markdown's exact output whenever it accepts a text.

The oracle is a plain ``markdown.Markdown`` configured as ``MarkupRenderer`` configures it.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import markdown
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from clincalc_site.content.loader import load_file
from clincalc_site.render import fastmark
from clincalc_site.render.markup import MarkupRenderer, processor_names

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "benchmarks" / "generate_corpus.py"


def oracle() -> markdown.Markdown:
    md = markdown.Markdown(extensions=[], output_format="html")
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md


ORACLE = oracle()


def python_markdown(text: str) -> str:
    return ORACLE.reset().convert(text)


def test_the_renderer_runs_the_configuration_fastmark_was_checked_against() -> None:
    assert processor_names(ORACLE) == fastmark.CHECKED_PROCESSORS
    assert MarkupRenderer()._fast


def test_another_configuration_turns_the_shortcut_off() -> None:
    md = oracle()
    md.inlinePatterns.deregister("em_strong")
    assert processor_names(md) != fastmark.CHECKED_PROCESSORS


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Plain words, digits 5 mg and (brackets).", id="plain"),
        pytest.param("Some **bold text** here.\n\nSecond paragraph.", id="bold-paragraphs"),
        pytest.param("Intro.\n\n- one item\n- **two** items\n\nOutro.", id="list"),
        pytest.param("See the [SmPC](https://example.org/smpc?x=1#d).", id="link"),
        pytest.param("**Warning:** take with food.", id="leading-bold"),
        pytest.param("Café ≥ 2 µg — naïve “quotes” ‘ok’…", id="typography"),
    ],
)
def test_subset_text_is_converted_like_python_markdown(text: str) -> None:
    converted = fastmark.convert(text)

    assert converted is not None
    assert converted == python_markdown(text)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("an *emphasis*", id="single-star"),
        pytest.param("snake_case", id="underscore"),
        pytest.param("x ***y*** z", id="triple-star"),
        pytest.param("**a****b**", id="adjacent-strong"),
        pytest.param("1. numbered", id="ordered-list"),
        pytest.param("# heading", id="heading"),
        pytest.param("- a\n\n- b", id="loose-list"),
        pytest.param("line one\nline two", id="wrapped-line"),
        pytest.param("a < b & c", id="html-characters"),
        pytest.param("`code`", id="code"),
        pytest.param("[ref][1]", id="reference-link"),
        pytest.param("[x](javascript:alert(1))", id="script-link"),
        pytest.param("a\tb", id="tab"),
        pytest.param("", id="empty"),
        pytest.param(" leading space", id="leading-space"),
    ],
)
def test_anything_else_is_left_to_python_markdown(text: str) -> None:
    assert fastmark.convert(text) is None


WORD = st.sampled_from(
    ["dose", "Renal", "5", "mg/kg", "(daily)", "naïve", "≥", "µg", "a", "e.g.", "x-ray", "'s"]
)
NOISE = st.sampled_from(["*", "**", "_", "[", "]", "(", ")", "#", "-", "1.", "<", "&", "\n", " "])
LINK = st.builds(
    lambda label, path: f"[{label}](https://example.org/{path})",
    st.sampled_from(["SmPC", "NICE guidance", "product information"]),
    st.sampled_from(["smpc", "a/b?c=1", "x#y"]),
)


# Words a paragraph or list item may start with: the subset starts every block with a letter.
FIRST_WORD = st.sampled_from(["dose", "Renal", "naïve", "a", "e.g.", "x-ray"])


def _sentence(first: str, words: list[str], bold: bool, link: str | None) -> str:
    words = [first, *words]
    if bold and len(words) >= 2:
        words = [*words[:1], f"**{words[1]}**", *words[2:]]
    text = " ".join(words)
    return f"{text} {link}" if link else text


SENTENCE = st.builds(
    _sentence,
    FIRST_WORD,
    st.lists(WORD, max_size=7),
    st.booleans(),
    st.one_of(st.none(), LINK),
)
LIST = st.lists(SENTENCE.map(lambda s: f"- {s}"), min_size=1, max_size=4).map("\n".join)


def _blocks(parts: list[tuple[str, str | None]]) -> str:
    """A paragraph, then optionally a list, repeated: a list never follows a list."""
    return "\n\n".join(text for pair in parts for text in pair if text is not None)


# Text written only with the subset fastmark promises to convert (see its docstring).
SUBSET_TEXT = st.lists(st.tuples(SENTENCE, st.one_of(st.none(), LIST)), min_size=1, max_size=3).map(
    _blocks
)
NOISY_TEXT = st.lists(st.one_of(WORD, NOISE, LINK), min_size=1, max_size=14).map("".join)


@settings(max_examples=200, deadline=None)
@given(SUBSET_TEXT)
@example("Aa **b** c\n\n- d\n- e\n\nf")
def test_generated_subset_text_is_converted_exactly_like_python_markdown(text: str) -> None:
    converted = fastmark.convert(text)

    assert converted is not None, "fastmark declined text of its own subset"
    assert converted == python_markdown(text)


@settings(max_examples=300, deadline=None)
@given(st.one_of(NOISY_TEXT, st.text(max_size=40)))
def test_noisy_text_is_either_refused_or_matches(text: str) -> None:
    converted = fastmark.convert(text)

    if converted is not None:
        assert converted == python_markdown(text)


def _fragments(folder: Path) -> list[str]:
    texts: list[str] = []
    for path in sorted(folder.glob("*.yaml")):
        entry, _ = load_file(path, dt.date(2026, 6, 1))
        if entry is None:
            continue
        mono = entry.monograph
        texts += [mono.summary, mono.mechanism, *mono.prescribing, *mono.counselling]
        texts += [text for text in (mono.monitoring, mono.evidence) if text]
    return texts


def test_every_fragment_of_the_corpora_matches(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    subprocess.run([sys.executable, str(GENERATOR), "60", str(corpus)], check=True)
    texts = _fragments(corpus) + _fragments(ROOT / "monographs")
    texts += _fragments(ROOT / "tests" / "data" / "site" / "monographs")
    accepted = 0
    for text in texts:
        converted = fastmark.convert(text)
        if converted is not None:
            accepted += 1
            assert converted == python_markdown(text), text
    assert accepted > len(texts) // 2  # the shortcut is actually taken
