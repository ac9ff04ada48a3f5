"""Pydantic errors become located diagnostics an editor can act on."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from clincalc_site.content.loader import load_text
from clincalc_site.content.schema_errors import allowed_fields, data_path, suggest

HEAD = """\
name: Pomalidomide
drug_class: Immunomodulator
summary: Oral immunomodulator.
mechanism: Cereblon.
review: {status: clinician-reviewed, date: 2026-07-04}
"""


def problems(extra: str) -> list[tuple[str, int, int, str, str, str]]:
    entry, found = load_text(HEAD + extra, "p.yaml", "p", dt.date(2026, 11, 26))
    assert entry is None
    return [
        (d.code, d.location.line, d.location.column, d.field_path, d.message, d.hint) for d in found
    ]


def test_quoting_is_advised_when_yaml_turned_text_into_something_else() -> None:
    ((code, line, col, path, message, hint),) = problems("brand_names: [Imnovid, NO]\n")

    assert (code, line, col, path) == ("yaml.unquoted_value", 6, 24, "brand_names[1]")
    assert message == "'NO' was read by YAML as the boolean False, but text is expected"
    assert hint == 'put it in quotes: "NO"'


def test_unquoted_date_in_a_text_field_is_shown_as_a_date() -> None:
    ((code, *_, message, _hint),) = problems("evidence: 2026-07-04\n")

    assert code == "yaml.unquoted_value"
    assert "the date 2026-07-04," in message


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        pytest.param("specialist: 1\n", "true or false", id="number-for-bool"),
        pytest.param("brand_names: 42\n", "a list", id="number-for-list"),
        pytest.param("references: [2026-01-01]\n", "a group of fields", id="date-for-group"),
    ],
)
def test_quoting_is_not_advised_where_quotes_cannot_help(extra: str, expected: str) -> None:
    ((code, *_, message, hint),) = problems(extra)

    assert code == "schema.type"
    assert expected in message
    assert "put it in quotes" not in hint


def test_text_with_a_colon_is_told_to_be_quoted() -> None:
    """'- Note: avoid ...' is a field and its value to YAML; the cure is quotes, said plainly."""
    ((code, line, col, path, message, hint),) = problems(
        "brand_names:\n  - Imnovid\n  - Note: capsules only\n"
    )

    assert (code, line, col, path) == ("yaml.unquoted_value", 8, 5, "brand_names[1]")
    assert message == (
        "text that contains ': ' must be in quotes: YAML read 'Note:' as the name of a field"
    )
    assert hint == 'write the line as: - "Note: capsules only"'


@pytest.mark.parametrize(
    ("extra", "hint"),
    [
        pytest.param(
            "brand_names: [Imnovid, Note: capsules]\n",
            'put it in quotes: "Note: capsules"',
            id="in-brackets",
        ),
        pytest.param(
            "evidence:\n  MM-003: longer survival\n",
            'write it on one line as: evidence: "MM-003: longer survival"',
            id="on-the-line-below",
        ),
        pytest.param(
            'counselling:\n  - Warning: never "crush"\n',
            'write the line as: - "Warning: never \\"crush\\""',
            id="quotes-inside",
        ),
        pytest.param(
            "counselling:\n  - Caution:\n",
            'write the line as: - "Caution:"',
            id="nothing-after-the-colon",
        ),
    ],
)
def test_the_fix_for_text_with_a_colon_is_the_line_as_it_should_be(extra: str, hint: str) -> None:
    ((code, *_, message, got),) = problems(extra)

    assert code == "yaml.unquoted_value"
    assert message.startswith("text that contains ': ' must be in quotes")
    assert got == hint


def test_a_related_drug_written_by_its_name_is_pointed_to_its_file_name() -> None:
    ((code, line, col, path, _message, hint),) = problems("related: [Warfarin]\n")

    assert (code, line, col, path) == ("schema.invalid_slug", 6, 11, "related[0]")
    assert hint == "did you mean 'warfarin'? Write the monograph's file name, without .yaml"


def test_a_related_drug_written_with_spaces_gets_hyphens() -> None:
    ((*_, message, hint),) = problems("related: [Sodium Valproate]\n")

    assert message.startswith("'Sodium Valproate' is not a monograph's file name")
    assert hint.startswith("did you mean 'sodium-valproate'?")


def test_empty_value_is_reported_as_empty() -> None:
    ((code, line, col, path, message, _),) = problems("brand_names:\n")

    assert (code, line, col, path) == ("schema.empty", 6, 13, "brand_names")
    assert message == "'brand_names' is empty"


def test_list_entry_of_the_wrong_type_is_named_by_its_position() -> None:
    ((code, *_, path, message, _),) = problems("references:\n  - SmPC\n")

    assert (code, path) == ("schema.type", "references[0]")
    assert message == (
        "'references[0]' must be a group of fields (indented 'name: value' lines), not text"
    )


def test_missing_field_hint_says_where_to_add_it() -> None:
    text = HEAD.replace("date: 2026-07-04", "reviewer: A. Jones")

    entry, found = load_text(text, "p.yaml", "p", dt.date(2026, 11, 26))

    assert entry is None

    (problem,) = found
    assert (problem.code, problem.field_path) == ("schema.missing_field", "review.date")
    assert problem.hint == "add 'date: …' under 'review'"


def test_errors_in_every_field_are_all_reported() -> None:
    found = problems("rxcui: 0123\nspecialist: maybe\nrelated: [Lenalidomide]\nmonitorng: x\n")

    assert sorted((line, code) for code, line, *_ in found) == [
        (6, "yaml.unquoted_value"),
        (7, "schema.type"),
        (8, "schema.invalid_slug"),
        (9, "schema.unknown_field"),
    ]


def test_data_path_drops_the_union_tag_pydantic_adds() -> None:
    data = {"dosing": {"status": "verified", "regimens": [{"dose": 5.0}]}}

    assert data_path(("dosing", "verified", "regimens", 0, "dose"), data) == (
        "dosing",
        "regimens",
        0,
        "dose",
    )


def test_data_path_keeps_a_real_key_that_happens_to_equal_the_status() -> None:
    data = {"dosing": {"status": "verified", "verified": 1}}

    assert data_path(("dosing", "verified"), data) == ("dosing", "verified")


def test_allowed_fields_follow_the_model_into_lists_and_unions() -> None:
    assert "indication" in allowed_fields(("dosing", "regimens", 0))
    assert {"status", "source", "verified_by"} <= set(allowed_fields(("dosing",)))
    assert allowed_fields(("references", 3)) == ["label", "url"]


def test_suggest_only_close_words() -> None:
    assert suggest("monitorng", ["monitoring", "mechanism"]) == "did you mean 'monitoring'?"
    assert suggest("xyz", ["monitoring", "mechanism"]) == ""


# --- Fields left at the margin below the group they belong to ---------------------------------

BODY = """\
name: Pomalidomide
drug_class: Immunomodulator
summary: Oral immunomodulator.
mechanism: Cereblon.
"""


def body_problems(text: str) -> list[tuple[str, int, int, str, str, str]]:
    entry, found = load_text(BODY + text, "p.yaml", "p", dt.date(2026, 11, 26))
    assert entry is None
    return [
        (d.code, d.location.line, d.location.column, d.field_path, d.message, d.hint) for d in found
    ]


def test_an_unindented_group_is_one_indentation_error_not_empty_and_unknown() -> None:
    found = body_problems("review:\nstatus: draft\ndate: 2026-07-04\n")

    ((code, line, col, path, message, hint),) = found
    assert (code, line, col, path) == ("yaml.indentation", 6, 1, "review.status")
    assert message == (
        "'status' is not indented under 'review:'; to belong to review it must start at "
        "column 3 (indent it by two spaces)"
    )
    assert hint.startswith("indent 'date' (line 7) the same way; ")


def test_a_field_left_at_the_margin_after_its_group_replaces_missing_and_unknown() -> None:
    found = body_problems("review:\n    status: draft\ndate: 2026-07-04\n")

    ((code, line, col, path, message, _),) = found
    assert (code, line, col, path) == ("yaml.indentation", 7, 1, "review.date")
    assert "it must start at column 5 (indent it by four spaces)" in message


def test_a_field_left_at_the_margin_after_a_list_belongs_to_its_last_entry() -> None:
    text = "review: {status: draft, date: 2026-07-04}\nreferences:\n  - label: SmPC\nurl: x\n"

    ((code, line, col, path, message, _),) = body_problems(text)

    assert (code, line, col, path) == ("yaml.indentation", 8, 1, "references[0].url")
    assert message.startswith("'url' is not indented under the last entry of 'references:'")
    assert "must start at column 5" in message


def test_an_unindented_dosing_status_is_not_a_missing_status() -> None:
    text = "review: {status: draft, date: 2026-07-04}\ndosing:\n  regimens: []\nstatus: verified\n"

    ((code, *_, path, _message, _hint),) = body_problems(text)

    assert (code, path) == ("yaml.indentation", "dosing.status")


def test_an_unknown_field_after_a_group_that_cannot_hold_it_is_still_unknown() -> None:
    found = body_problems("review:\nstatus: draft\nmonitorng: x\n")

    assert [code for code, *_ in found] == ["yaml.indentation", "schema.unknown_field"]


def test_messages_use_no_parser_words() -> None:
    found = body_problems("review: x\nspecialist: [1]\nbrand_names: {a: 1}\nrelated: 5\n")

    said = " ".join(f"{message} {hint}" for *_, message, hint in found)
    assert len(found) == 4
    assert not re.search(r"\b(string|mapping|scalar|dict|str|NoneType|sequence)\b", said)
