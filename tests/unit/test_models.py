"""The content model: what a monograph may hold, and that an unverified dose is never published."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from dose_fixtures import REGIMEN, verified
from pydantic import ValidationError

from clincalc_site.content.models import (
    DosingUnderReview,
    Monograph,
    Reference,
    Regimen,
    Review,
    SourceDocument,
    VerifiedDosing,
)

SOURCE = {"document": "imnovid-smpc", "section": "4.2", "revision": dt.date(2025, 3, 14)}


def monograph(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Pomalidomide",
        "drug_class": "Immunomodulator",
        "summary": "Oral immunomodulator.",
        "mechanism": "Cereblon-mediated degradation.",
        "review": {"status": "clinician-reviewed", "date": dt.date(2026, 7, 4)},
    }
    data.update(changes)
    return data


def error_types(excinfo: pytest.ExceptionInfo[ValidationError]) -> set[tuple[Any, ...]]:
    return {(tuple(e["loc"]), e["type"]) for e in excinfo.value.errors()}


# --- Dosing: the safety rule ---------------------------------------------------------------


def test_verified_dose_is_read_as_a_verified_block() -> None:
    mono = Monograph.model_validate(monograph(dosing=verified()))

    assert isinstance(mono.dosing, VerifiedDosing)
    assert mono.dosing.regimens[0].dose == "4 mg"
    assert mono.dosing.source.document == "imnovid-smpc"
    assert mono.dosing.prepared_by == "bjones"


def test_dose_being_resourced_keeps_its_working_data() -> None:
    dosing = {"status": "re-sourcing", "regimens": [REGIMEN], "source": SOURCE}

    mono = Monograph.model_validate(monograph(dosing=dosing))

    assert isinstance(mono.dosing, DosingUnderReview)
    assert mono.dosing.regimens[0].dose == "4 mg"  # kept for editors (dose_rules never shows it)


@pytest.mark.parametrize(
    "missing",
    ["source", "prepared_by", "prepared_on", "verified_by", "verified_on", "regimens"],
    ids=lambda m: f"no-{m}",
)
def test_verified_dosing_cannot_be_built_without_each_part(missing: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        VerifiedDosing.model_validate(verified(**{missing: None}))

    assert error_types(excinfo) == {((missing,), "missing")}


def test_verified_dosing_needs_at_least_one_regimen() -> None:
    with pytest.raises(ValidationError) as excinfo:
        VerifiedDosing.model_validate(verified(regimens=[]))

    assert error_types(excinfo) == {(("regimens",), "too_short")}


def test_verified_dosing_cannot_be_built_in_python_without_a_source() -> None:
    with pytest.raises(ValidationError):
        VerifiedDosing(  # type: ignore[call-arg]
            status="verified",
            regimens=[Regimen.model_validate(REGIMEN)],
            prepared_by="bjones",
            prepared_on=dt.date(2026, 6, 20),
            verified_by="asmith",
            verified_on=dt.date(2026, 6, 30),
        )


def test_the_old_label_and_address_source_is_not_a_source() -> None:
    old = {"label": "Imnovid SmPC", "url": "https://www.medicines.org.uk/emc/product/9064/smpc"}
    with pytest.raises(ValidationError):
        VerifiedDosing.model_validate(verified(source=old))


def test_dosing_status_chooses_the_type_and_nothing_else_is_accepted() -> None:
    with pytest.raises(ValidationError) as excinfo:
        Monograph.model_validate(monograph(dosing={"status": "approved"}))

    assert error_types(excinfo) == {(("dosing",), "union_tag_invalid")}


def test_resourcing_dose_needs_only_its_status() -> None:
    mono = Monograph.model_validate(monograph(dosing={"status": "re-sourcing"}))

    assert mono.dosing == DosingUnderReview(status="re-sourcing")


# --- Strictness: no unknown fields, no coercion --------------------------------------------


def test_unknown_field_is_rejected() -> None:
    with pytest.raises(ValidationError) as excinfo:
        Monograph.model_validate(monograph(monitorng="FBC"))

    assert error_types(excinfo) == {(("monitorng",), "extra_forbidden")}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("brand_names", [False], id="NO-read-as-false"),
        pytest.param("rxcui", 83, id="rxcui-number"),
        pytest.param("specialist", "true", id="bool-as-text"),
        pytest.param("summary", 5.0, id="text-as-number"),
        pytest.param("related", "lenalidomide", id="list-as-text"),
    ],
)
def test_values_are_not_coerced_to_the_expected_type(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as excinfo:
        Monograph.model_validate(monograph(**{field: value}))

    assert {loc[0] for loc, _ in error_types(excinfo)} == {field}


def test_models_are_frozen() -> None:
    mono = Monograph.model_validate(monograph())

    with pytest.raises(ValidationError):
        mono.name = "Thalidomide"  # type: ignore[misc]


@pytest.mark.parametrize("text", ["", "   ", "\n\t"], ids=["empty", "spaces", "whitespace"])
def test_text_fields_must_not_be_blank(text: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        Monograph.model_validate(monograph(summary=text))

    assert error_types(excinfo) == {(("summary",), "string_too_short")}


def test_text_is_stripped_of_surrounding_whitespace() -> None:
    assert Monograph.model_validate(monograph(name="  Pomalidomide\n")).name == "Pomalidomide"


def test_optional_fields_default_to_empty() -> None:
    mono = Monograph.model_validate(monograph())

    assert mono.specialist is False
    assert mono.brand_names == mono.prescribing == mono.counselling == mono.related == []
    assert mono.references == []
    assert mono.monitoring is None
    assert mono.evidence is None
    assert mono.rxcui is None
    assert mono.dosing is None


# --- Field formats -------------------------------------------------------------------------


@pytest.mark.parametrize("rxcui", ["1369713", "0123", "1"])
def test_rxcui_accepts_digits(rxcui: str) -> None:
    assert Monograph.model_validate(monograph(rxcui=rxcui)).rxcui == rxcui


@pytest.mark.parametrize("rxcui", ["RX1369713", "13 69", "", "12345678901", "١٢٣"])
def test_rxcui_rejects_anything_but_ascii_digits(rxcui: str) -> None:
    with pytest.raises(ValidationError):
        Monograph.model_validate(monograph(rxcui=rxcui))


@pytest.mark.parametrize(
    "url",
    ["https://www.nice.org.uk/guidance/ta427", "http://example.org", "HTTPS://EXAMPLE.ORG/a?b#c"],
)
def test_reference_urls_may_be_http_or_https(url: str) -> None:
    assert Reference(label="NICE", url=url).url == url


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("javascript:alert(1)", id="javascript"),
        pytest.param("ftp://example.org/a", id="ftp"),
        pytest.param("data:text/html,<script>", id="data"),
        pytest.param("//example.org", id="scheme-relative"),
        pytest.param("www.example.org", id="no-scheme"),
        pytest.param("https://", id="no-host"),
        pytest.param("https://example.org/a b", id="space"),
        pytest.param("https://example.org\n", id="trailing-newline"),
        pytest.param("https://example.org\njavascript:x", id="second-line"),
    ],
)
def test_reference_and_source_urls_reject_other_schemes(url: str) -> None:
    with pytest.raises(ValidationError):
        Reference(label="x", url=url)
    with pytest.raises(ValidationError):
        SourceDocument(title="x", url=url, revision=dt.date(2025, 1, 1))


def test_reference_url_is_optional_but_source_url_is_not() -> None:
    assert Reference(label="SmPC").url is None
    with pytest.raises(ValidationError):
        SourceDocument.model_validate({"title": "SmPC", "revision": dt.date(2025, 1, 1)})


@pytest.mark.parametrize("slug", ["lenalidomide", "co-amoxiclav", "vitamin-b12"])
def test_related_accepts_slugs(slug: str) -> None:
    assert Monograph.model_validate(monograph(related=[slug])).related == [slug]


@pytest.mark.parametrize("slug", ["Lenalidomide", "co_amoxiclav", "-x", "x-", "a--b", "x.yaml"])
def test_related_rejects_anything_but_slugs(slug: str) -> None:
    with pytest.raises(ValidationError):
        Monograph.model_validate(monograph(related=[slug]))


@pytest.mark.parametrize("status", ["draft", "in-review", "clinician-reviewed"])
def test_review_status_choices(status: str) -> None:
    assert Review(status=status, date=dt.date(2026, 1, 1)).status == status  # type: ignore[arg-type]


@pytest.mark.parametrize("status", ["reviewed", "Draft", "in review", ""])
def test_review_status_rejects_anything_else(status: str) -> None:
    with pytest.raises(ValidationError):
        Review.model_validate({"status": status, "date": dt.date(2026, 1, 1)})


# --- Dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [dt.date(2026, 7, 4), "2026-07-04"], ids=["date", "quoted"])
def test_dates_may_be_written_bare_or_quoted(value: object) -> None:
    assert Review.model_validate({"status": "draft", "date": value}).date == dt.date(2026, 7, 4)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(0, id="zero-is-not-1970"),
        pytest.param(1782950400, id="unix-timestamp"),
        pytest.param("1782950400", id="quoted-timestamp"),
        pytest.param("2026-02-30", id="impossible"),
        pytest.param("04/07/2026", id="slashes"),
        pytest.param("2026-07-04T00:00:00", id="with-time"),
        pytest.param(dt.datetime(2026, 7, 4, 9, 30), id="datetime"),
    ],
)
def test_dates_reject_everything_else(value: object) -> None:
    with pytest.raises(ValidationError):
        Review.model_validate({"status": "draft", "date": value})
