"""``clincalc-site new``: slugs, YAML-safe values, and a draft that the real loader accepts."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import load_monographs

from clincalc_site.build import pipeline
from clincalc_site.build.config import BuildConfig
from clincalc_site.cli import main
from clincalc_site.content.loader import load_text
from clincalc_site.content.models import SAFETY_SECTIONS, DosingUnderReview, Monograph
from clincalc_site.diagnostics import Severity
from clincalc_site.editor.scaffold import (
    SCHEMA_COMMENT,
    InvalidName,
    render_draft,
    slugify,
    yaml_scalar,
)

TODAY = dt.date(2026, 11, 26)
# config.today_from_environment reads the date from SOURCE_DATE_EPOCH when it is set.
TODAY_EPOCH = str(int(dt.datetime(2026, 11, 26, 12, tzinfo=dt.UTC).timestamp()))


def loads_as_draft(text: str, slug: str, today: dt.date = TODAY) -> Monograph:
    """Load ``text`` with the real loader: no errors; the draft note and the TODO warnings.

    The hints are warnings on purpose: the draft loads and previews, but ``check --strict``
    (pre-commit and CI) fails until every section is written.
    """
    entry, diagnostics = load_text(text, f"{slug}.yaml", slug, today)
    codes = {d.code for d in diagnostics}
    assert codes == {"review.draft", "content.placeholder"}, diagnostics
    assert not [d for d in diagnostics if d.severity is Severity.ERROR]
    assert entry is not None
    return entry.monograph


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        pytest.param("Pomalidomide", "pomalidomide", id="plain"),
        pytest.param("Co-amoxiclav 500/125", "co-amoxiclav-500-125", id="slash-and-digits"),
        pytest.param("  Sodium   valproate ", "sodium-valproate", id="spaces"),
        pytest.param("Ménière's remedy", "meniere-s-remedy", id="accents-apostrophe"),
        pytest.param("Insulin (human) -- 100 units/mL", "insulin-human-100-units-ml", id="runs"),
        pytest.param("Straße", "strasse", id="sharp-s"),
        pytest.param("Ｐｏｍａ", "poma", id="full-width"),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        pytest.param("---", "no letters or digits", id="no-letters"),
        pytest.param("β-lactam", "'β'", id="greek"),
        pytest.param("Лизиноприл", "plain-letter", id="cyrillic"),
        pytest.param("a" * 101, "too long", id="too-long"),
    ],
)
def test_slugify_refuses(name: str, reason: str) -> None:
    with pytest.raises(InvalidName, match=reason):
        slugify(name)


@pytest.mark.parametrize(
    "value",
    [
        *("Pomalidomide", "Yes", "no", "2026-01-01", "0123", "a: b", "#x", "- x", "[x]", "'q'"),
        *("*x", "Immunomodulator (thalidomide analogue)", 'say "hi"', "50%", "@home", "!t", "~"),
    ],
)
def test_yaml_scalar_reads_back_as_the_same_text(value: str) -> None:
    assert yaml.safe_load(f"value: {yaml_scalar(value)}") == {"value": value}


def test_yaml_scalar_leaves_plain_names_unquoted() -> None:
    assert yaml_scalar("Co-amoxiclav 500/125") == "Co-amoxiclav 500/125"
    assert yaml_scalar("Yes") == '"Yes"'


@pytest.mark.parametrize(
    ("name", "drug_class", "reason"),
    [
        pytest.param("  ", "Class", "drug name is empty", id="empty-name"),
        pytest.param("Drug", "", "drug class is empty", id="empty-class"),
        pytest.param("Dr\u200bug", "Class", "U+200B", id="zero-width"),
        pytest.param("Drug", "Cl\x07ass", "U+0007", id="control"),
    ],
)
def test_render_draft_refuses(name: str, drug_class: str, reason: str) -> None:
    with pytest.raises(InvalidName, match=re.escape(reason)):
        render_draft(name, drug_class, specialist=False, today=TODAY)


def test_draft_is_correctly_shaped_and_validates() -> None:
    draft = render_draft(
        "Pomalidomide", "Immunomodulator (thalidomide analogue)", specialist=True, today=TODAY
    )
    assert draft.file_name == "pomalidomide.yaml"
    assert draft.text.splitlines()[0] == SCHEMA_COMMENT
    monograph = loads_as_draft(draft.text, draft.slug)
    assert monograph.name == "Pomalidomide"
    assert monograph.drug_class == "Immunomodulator (thalidomide analogue)"
    assert monograph.specialist is True
    assert isinstance(monograph.dosing, DosingUnderReview)
    assert monograph.dosing.regimens == []
    assert [ref.label for ref in monograph.references] == ["SmPC"]
    assert (monograph.review.status, monograph.review.date) == ("draft", TODAY)
    assert "regimens" not in draft.text and "verified_by" not in draft.text  # writes no dose


def test_draft_has_every_section_with_a_hint() -> None:
    draft = render_draft("X", "Y", specialist=False, today=TODAY)
    data = yaml.safe_load(draft.text)
    # Left as comments: rxcui (a placeholder id would fail validation), the optional safety
    # sections and the formulary status (only where site.yaml declares statuses).
    optional = {"rxcui", "formulary", *(name for name, _ in SAFETY_SECTIONS)}
    assert set(data) == set(Monograph.model_fields) - optional
    assert '# rxcui: "' in draft.text
    for name in optional:
        assert f"# {name}:" in draft.text, name
    for section in ("summary", "mechanism", "monitoring", "evidence"):
        assert data[section].startswith("TODO: "), section
    for section in ("prescribing", "counselling"):
        assert [item[:6] for item in data[section]] == ["TODO: "], section


@settings(max_examples=200, deadline=None)
@given(
    name=st.text(st.characters(codec="utf-8"), min_size=1, max_size=40),
    drug_class=st.text(st.characters(codec="utf-8"), min_size=1, max_size=40),
    specialist=st.booleans(),
)
def test_any_accepted_name_gives_a_draft_that_validates(
    name: str, drug_class: str, specialist: bool
) -> None:
    try:
        draft = render_draft(name, drug_class, specialist=specialist, today=TODAY)
    except InvalidName:
        return
    monograph = loads_as_draft(draft.text, draft.slug)
    assert monograph.name == " ".join(unicodedata.normalize("NFC", name).split())
    assert monograph.drug_class == " ".join(unicodedata.normalize("NFC", drug_class).split())
    assert monograph.specialist is specialist
    assert slugify(monograph.name) == draft.slug


# The command, through the real CLI entry point.


@pytest.fixture
def content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", TODAY_EPOCH)
    folder = tmp_path / "monographs"
    folder.mkdir()
    return folder


def test_new_writes_a_draft_that_checks_clean(
    content: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["new", "Co-amoxiclav", "--class", "Penicillin", "--content", str(content)])
    out = capsys.readouterr().out
    assert code == 0
    written = content / "co-amoxiclav.yaml"
    assert written.is_file()
    assert "co-amoxiclav.yaml" in out
    assert "edit it, then run clincalc-site check" in out
    result = load_monographs(content, TODAY)
    assert {d.code for d in result.diagnostics} == {"review.draft", "content.placeholder"}
    assert result.entries[0].monograph.review.date == TODAY
    # It loads and previews, but a strict check (pre-commit, CI) fails until the TODO
    # hints are replaced; replacing them makes it pass.
    assert not pipeline.check(BuildConfig(content_dir=content, today=TODAY)).failed
    assert pipeline.check(BuildConfig(content_dir=content, today=TODAY, strict=True)).failed
    text = written.read_text(encoding="utf-8").replace("TODO:", "Written:")
    written.write_text(text, encoding="utf-8")
    report = pipeline.check(BuildConfig(content_dir=content, today=TODAY, strict=True))
    assert not report.failed
    assert all(d.severity is Severity.NOTE for d in report.diagnostics)


def test_new_specialist_flag(content: Path) -> None:
    assert (
        main(["new", "Thalidomide", "--class", "X", "--specialist", "--content", str(content)]) == 0
    )
    assert "specialist: true" in (content / "thalidomide.yaml").read_text(encoding="utf-8")


def test_new_refuses_to_overwrite(content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    existing = content / "warfarin.yaml"
    existing.write_text("name: Warfarin\n", encoding="utf-8")
    code = main(["new", "Warfarin", "--class", "Anticoagulant", "--content", str(content)])
    assert code == 1
    assert "already exists" in capsys.readouterr().err
    assert existing.read_text(encoding="utf-8") == "name: Warfarin\n"


def test_new_refuses_an_invalid_name(content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "?!", "--class", "X", "--content", str(content)]) == 2
    assert "no letters or digits" in capsys.readouterr().err
    assert list(content.iterdir()) == []


def test_new_needs_the_content_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "X", "--class", "Y", "--content", str(tmp_path / "missing")]) == 1
    assert "not found" in capsys.readouterr().err


def test_new_requires_a_class(content: Path) -> None:
    assert main(["new", "X", "--content", str(content)]) == 2
