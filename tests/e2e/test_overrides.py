"""A team's own look without a fork: branding in site.yaml, templates/ and static/ overrides.

Each test is a formulary team's project folder (site.yaml, monographs/, the dose registry)
built with the command line. The dose rule holds whatever the team's templates say: a page
that would hide the banner, or a verified dose without its provenance, is never published.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from dose_fixtures import VERIFIED_YAML, write_registry
from sitetools import snapshot

from clincalc_site import cli
from clincalc_site.render.page_safety import BANNER_ADVICE, BANNER_HEADING
from clincalc_site.site.colours import contrast_with_white

TODAY = dt.date(2026, 11, 26)
ADDRESS = "https://formulary.northshire.nhs.uk/"
REVIEWED = """\
name: Pomalidomide
drug_class: Immunomodulator (thalidomide analogue)
summary: Oral immunomodulator used for relapsed and refractory multiple myeloma.
mechanism: Modulates the immune system through cereblon-mediated protein degradation.
review:
  status: clinician-reviewed
  date: 2026-07-04
"""
DRAFT = """\
name: Atenolol
drug_class: Beta blocker
summary: A cardioselective beta blocker.
mechanism: Blocks beta-1 adrenoceptors.
review:
  status: draft
  date: 2026-07-04
"""
PACKAGED = Path(__file__).resolve().parents[2] / "templates"


@pytest.fixture
def project(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    midnight = dt.datetime.combine(TODAY, dt.time(), tzinfo=dt.UTC)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(midnight.timestamp())))
    monkeypatch.chdir(tmp_path)
    write_registry(tmp_path)
    (tmp_path / "site.yaml").write_text(f"base_url: {ADDRESS}\n", encoding="utf-8")
    content = tmp_path / "monographs"
    content.mkdir()
    (content / "pomalidomide.yaml").write_text(REVIEWED + VERIFIED_YAML, encoding="utf-8")
    (content / "atenolol.yaml").write_text(DRAFT, encoding="utf-8")
    return tmp_path


def build(*flags: str) -> int:
    return cli.main(["build", "--no-search", "--strict", *flags])


def page(project: Path, slug: str) -> str:
    return (project / "_site" / "drugs" / slug / "index.html").read_text("utf-8")


def override(project: Path, name: str, text: str) -> Path:
    path = project / "templates" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def packaged(name: str) -> str:
    return (PACKAGED / name).read_text(encoding="utf-8")


def test_one_template_and_one_stylesheet_override_the_packaged_ones(project: Path) -> None:
    footer = packaged("base.html").replace(
        '<footer class="site-footer">', '<footer class="site-footer">\n<p>Ward 7 edition</p>'
    )
    override(project, "base.html", footer)
    (project / "static").mkdir()
    (project / "static" / "site.css").write_text("body { color: #111; }\n", encoding="utf-8")

    assert build() == 0

    assert "<p>Ward 7 edition</p>" in page(project, "atenolol")
    assert "<p>Ward 7 edition</p>" in (project / "_site" / "index.html").read_text("utf-8")
    site = project / "_site" / "static"
    assert (site / "site.css").read_text("utf-8") == "body { color: #111; }\n"
    assert (site / "print.css").is_file(), "files not overridden still come from the package"
    # An edit to an override is picked up by the next (incremental) build.
    override(project, "base.html", footer.replace("Ward 7", "Ward 8"))
    assert build() == 0
    assert "<p>Ward 8 edition</p>" in page(project, "atenolol")


def test_a_broken_override_is_located_in_the_teams_file_and_publishes_nothing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert build() == 0
    published = snapshot(project / "_site")
    text = packaged("monograph.html").replace(
        "{% endblock %}\n{% block content %}",
        "{% endblock %}\n{% block content %}\n{{ page.nmae }}",
        1,
    )
    override(project, "monograph.html", text)
    capsys.readouterr()

    assert build() == 1

    out = capsys.readouterr().out
    line = text.splitlines().index("{{ page.nmae }}") + 1
    assert f"templates/monograph.html:{line}:1: error: template error: " in out
    assert "nmae" in out and "not found in search path" not in out
    assert snapshot(project / "_site") == published


def test_an_include_that_exists_nowhere_says_where_it_looked(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    override(project, "404.html", '{% extends "base.html" %}\n{% include "partials/nav.html" %}\n')

    assert build() == 1

    out = capsys.readouterr().out
    assert "templates/404.html:2:1: error: template error: there is no template " in out
    assert "'partials/nav.html' in templates or the packaged templates" in out


BANNER = packaged("partials/dosing_banner.html")
HOSTILE_BANNERS = {
    "banner removed": "",
    "banner in a comment": f"<!-- {BANNER} -->",
    "banner hidden": BANNER.replace("<section ", "<section hidden ", 1),
    "banner aria-hidden": BANNER.replace("<section ", '<section aria-hidden="true" ', 1),
    "banner folded away": f"<details><summary>Dosing</summary>{BANNER}</details>",
    "banner in a template element": f"<template>{BANNER}</template>",
    "banner advice cut": BANNER.replace(BANNER_ADVICE, "See the SmPC."),
    "banner text outside the banner": f"<p>{BANNER_HEADING} {BANNER_ADVICE}</p>",
}


@pytest.mark.parametrize("text", HOSTILE_BANNERS.values(), ids=HOSTILE_BANNERS.keys())
def test_an_override_cannot_remove_the_dosing_banner(
    project: Path, text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert build() == 0
    published = snapshot(project / "_site")
    override(project, "partials/dosing_banner.html", text)
    capsys.readouterr()

    assert build() == 1

    out = capsys.readouterr().out
    assert "templates/partials/dosing_banner.html: error: Atenolol: the page would be " in out
    assert "without the dosing banner" in out and "[template.dosing_removed]" in out
    assert snapshot(project / "_site") == published
    assert cli.main(["build", "--no-search"]) == 1, "not even a draft build publishes it"


def test_a_monograph_template_that_drops_the_dosing_section_is_refused(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = packaged("monograph.html").replace("{% include page.dosing_partial %}", "")
    override(project, "monograph.html", text)

    assert build() == 1

    out = capsys.readouterr().out
    assert "templates/monograph.html: error: " in out and "[template.dosing_removed]" in out
    assert not (project / "_site").exists()


def test_a_verified_dose_cannot_be_shown_without_who_verified_it_against_what(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = packaged("partials/dose_table.html")
    provenance = re.search(r'<p class="provenance">.*?</p>', table, re.DOTALL)
    assert provenance is not None
    override(project, "partials/dose_table.html", table.replace(provenance.group(0), ""))

    assert build() == 1

    out = capsys.readouterr().out
    assert "templates/partials/dose_table.html: error: Pomalidomide: the page would show " in out
    assert "'verified by" in out and "[template.dosing_removed]" in out


def test_an_override_that_restyles_around_the_banner_is_published(project: Path) -> None:
    override(project, "partials/dosing_banner.html", f'<div class="ward-box">\n{BANNER}</div>\n')

    assert build() == 0

    assert '<div class="ward-box">' in page(project, "atenolol")
    assert BANNER_HEADING in page(project, "atenolol")


BRANDED = f"""\
site_name: Northshire Formulary
organisation: Northshire NHS Trust Pharmacy
base_url: {ADDRESS}
logo: logo.svg
brand_colour: "#1D5C8F"
footer: "Questions? Ask [medicines information](https://mi.northshire.nhs.uk/). <b>bold</b>"
report_problem: mailto:formulary@northshire.nhs.uk
"""


def test_branding_from_site_yaml_reaches_every_page(project: Path) -> None:
    (project / "site.yaml").write_text(BRANDED, encoding="utf-8")
    (project / "static").mkdir()
    (project / "static" / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>\n")

    assert build() == 0

    html = page(project, "atenolol")
    assert '<img class="site-logo" src="/static/logo.svg" alt="" height="40">' in html
    assert (project / "_site" / "static" / "logo.svg").is_file()
    assert '<meta name="theme-color" content="#1d5c8f">' in html
    assert '<link rel="stylesheet" href="/brand.css">' in html
    brand = (project / "_site" / "brand.css").read_text("utf-8")
    assert brand == ":root { --link: #1d5c8f; --accent: #1d5c8f; }\n"
    assert "<p>Northshire NHS Trust Pharmacy is rebuilding its dose data" in html
    assert "Published by Northshire NHS Trust Pharmacy." in html
    assert '<a href="https://mi.northshire.nhs.uk/" rel="noopener noreferrer">' in html
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert (
        '<a href="mailto:formulary@northshire.nhs.uk?subject=Problem%20with%20the%20Atenolol'
        "%20page&amp;body=Page%3A%20https%3A%2F%2Fformulary.northshire.nhs.uk%2Fdrugs%2F"
        'atenolol%2F%0A%0A">Report a problem with this page</a>'
    ) in html


def test_a_report_form_address_gets_the_drug_and_page_as_parameters(project: Path) -> None:
    (project / "site.yaml").write_text(
        f"base_url: {ADDRESS}\nreport_problem: https://forms.northshire.nhs.uk/f?id=7\n"
    )

    assert build() == 0

    assert (
        'href="https://forms.northshire.nhs.uk/f?id=7&amp;drug=Atenolol&amp;page='
        'https%3A%2F%2Fformulary.northshire.nhs.uk%2Fdrugs%2Fatenolol%2F"'
    ) in page(project, "atenolol")


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ('brand_colour: "#7fb3e6"', "site.yaml:2:15: error: 'brand_colour' #7fb3e6 has a contrast of 2.21:1 against white"),  # noqa: E501
        ('brand_colour: "#777777"', "#777777 has a contrast of 4.48:1 against white; links and buttons need at least 4.5:1"),  # noqa: E501
        ("brand_colour: blue", "site.yaml:2:15: error: 'brand_colour' must be a colour written as # and six"),  # noqa: E501
        ("logo: crest.png", "site.yaml:2:7: error: 'logo' there is no file static/crest.png beside site.yaml"),  # noqa: E501
        ("logo: ../secret.svg", "'logo' must be a file name inside the static/ folder"),
        ("brand_colour: #1d5c8f", "site.yaml:2:14: error: 'brand_colour' is empty: write the colour in quotes"),  # noqa: E501
        ("organisation: Northshire #NHS", "site.yaml:2:26: warning: text after ' #' was treated as a comment"),  # noqa: E501
        ("report_problem: http://forms.example/", "'report_problem' must start with mailto: or https://"),
    ],
)  # fmt: skip
def test_a_branding_mistake_is_located_and_explained(
    project: Path, setting: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "site.yaml").write_text(f"base_url: {ADDRESS}\n{setting}\n", encoding="utf-8")

    assert build() == 1

    assert expected in capsys.readouterr().out
    assert not (project / "_site").exists()


@pytest.mark.parametrize(
    ("colour", "ratio"),
    [("#ffffff", 1.0), ("#000000", 21.0), ("#767676", 4.54), ("#777777", 4.48), ("#0b4f9c", 8.04)],
)
def test_contrast_is_the_wcag_ratio(colour: str, ratio: float) -> None:
    assert round(contrast_with_white(colour), 2) == pytest.approx(ratio, abs=0.01)
