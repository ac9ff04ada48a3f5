"""Formulary status in the organisation's own vocabulary: declared in site.yaml, carried by
monographs, shown as a labelled badge, explained on a legend page, marked in every list and in
search, counted on the dashboard. Without a vocabulary none of it appears."""

from __future__ import annotations

import datetime as dt
import json
import re
from html import unescape
from pathlib import Path

import pytest

from clincalc_site import cli
from clincalc_site.publish.search import expand_drug_index

TODAY = dt.date(2026, 11, 26)
VOCABULARY = """\
base_url: https://formulary.northshire.nhs.uk/
formulary:
  note: These statuses are an **example**, not any organisation's decisions.
  statuses:
    - id: red
      label: Red — specialist only
      meaning: Prescribed only by the specialist service.
      colour: "#b42318"
    - id: green
      label: Green
      meaning: Any prescriber may start it.
      colour: "#067647"
  flags:
    - id: shared-care
      label: Shared care
      meaning: Continued in primary care under a shared care protocol.
"""
MONOGRAPH = """\
name: {name}
drug_class: Test class
summary: A test drug.
mechanism: It works.
review:
  status: {status}
  date: 2026-07-04
"""
FORMULARY = """\
formulary:
  status: red
  flags: [shared-care]
  line: second
  restrictions: Started by the **specialist** team only.
  approved_by: Drug and Therapeutics Committee
  approved_on: 2026-05-12
  protocol: {label: Shared care protocol, url: "https://northshire.nhs.uk/scp.pdf"}
  notes: Supplied by the hospital pharmacy.
"""


@pytest.fixture
def project(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    midnight = dt.datetime.combine(TODAY, dt.time(), tzinfo=dt.UTC)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(midnight.timestamp())))
    monkeypatch.chdir(tmp_path)
    content = tmp_path / "monographs"
    content.mkdir()
    write(tmp_path, "testamol", MONOGRAPH.format(name="Testamol", status="draft") + FORMULARY)
    write(tmp_path, "otherol", MONOGRAPH.format(name="Otherol", status="in-review"))
    return tmp_path


def write(project: Path, slug: str, text: str) -> None:
    (project / "monographs" / f"{slug}.yaml").write_text(text, encoding="utf-8")


def read(project: Path, path: str) -> str:
    return (project / "_site" / path).read_text(encoding="utf-8")


def text_of(html: str) -> str:
    inline = re.sub(r"</?(?:strong|em|code)>", "", html)  # words, as a reader reads them
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", inline)).split())


def test_a_declared_status_is_shown_explained_listed_and_counted(project: Path) -> None:
    (project / "site.yaml").write_text(VOCABULARY, encoding="utf-8")

    assert cli.main(["build", "--strict"]) == 0  # with search: the status is a Pagefind filter

    page = read(project, "drugs/testamol/index.html")
    assert (
        '<p class="formulary-status">Formulary status: <a class="status status-red" '
        'href="/formulary-status/#status-red" data-pagefind-filter="status">'
        "Red — specialist only</a>"
    ) in page
    words = text_of(page)
    assert "Shared care Second line" in words
    assert "Restrictions Started by the specialist team only." in words
    assert "Shared care protocol" in words and "Local notes Supplied by the hospital" in words
    assert "Approved by Drug and Therapeutics Committee on 12 May 2026." in words
    assert ".status-red { --status: #b42318; }" in read(project, "brand.css")

    legend = text_of(read(project, "formulary-status/index.html"))
    assert "These statuses are an example, not any organisation's decisions." in legend
    assert "Red — specialist only Prescribed only by the specialist service. Testamol" in legend
    assert "Green Any prescriber may start it. No monograph has this status yet." in legend
    assert "Shared care Continued in primary care" in legend
    assert "formulary-status/" in read(project, "sitemap.xml")

    letter_t = text_of(read(project, "a-z/t/index.html"))  # the A–Z, a page a letter
    assert "Testamol Test class Red — specialist only Draft, not yet reviewed" in letter_t
    assert "Otherol Test class In review, not yet signed off" in text_of(
        read(project, "a-z/o/index.html")
    )
    klass = text_of(read(project, "classes/test-class/index.html"))
    assert "Testamol Red — specialist only Draft, not yet reviewed" in klass

    index = json.loads(read(project, "search/drugs.json"))
    drugs = {d["name"]: d for d in expand_drug_index(index)}
    assert drugs["Testamol"]["status"] == "Red — specialist only"
    assert drugs["Testamol"]["review"] == "Draft, not yet reviewed"
    assert "status" not in drugs["Otherol"]
    assert list((project / "_site" / "pagefind").glob("*/filter/*"))  # a bundle per partition

    dashboard = text_of(read(project, "editorial/index.html"))
    assert "Formulary status: Red — specialist only 1; Green 0; none yet 1" in dashboard


def test_without_a_vocabulary_nothing_of_it_appears(project: Path) -> None:
    write(project, "testamol", MONOGRAPH.format(name="Testamol", status="draft"))

    assert cli.main(["build", "--no-search"]) == 0

    site = project / "_site"
    assert not (site / "formulary-status").exists() and not (site / "brand.css").exists()
    for path in site.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        assert "Formulary status" not in html and "formulary-status" not in html, path
    # The lists still say, in words, which monographs no clinician has reviewed.
    assert "Testamol Test class Draft, not yet reviewed" in text_of(
        read(project, "a-z/t/index.html")
    )


@pytest.mark.parametrize(
    ("settings", "change", "expected"),
    [
        (VOCABULARY, ("status: red", "status: amber"),
         "testamol.yaml:9:11: error: 'amber' is not a formulary status of this site "
         "(use one of the statuses site.yaml declares: red, green) [formulary.unknown_status"),
        (VOCABULARY, ("[shared-care]", "[shared-care, high-cost]"),
         "testamol.yaml:10:24: error: 'high-cost' is not a formulary flag of this site "
         "(use one of the flags site.yaml declares: shared-care) [formulary.unknown_flag"),
        ("base_url: https://formulary.northshire.nhs.uk/\n", ("", ""),
         "testamol.yaml:9:11: error: 'red' is not a formulary status of this site (site.yaml "
         "declares no formulary statuses: add them under 'formulary:' there)"),
        (VOCABULARY.replace("#067647", "#7fb3e6"), ("", ""),
         "site.yaml:12:15: error: 'colour' #7fb3e6 has a contrast of 2.21:1 against white; "
         "status labels need at least 4.5:1"),
        (VOCABULARY.replace("id: green", "id: red"), ("", ""),
         "each status and flag needs its own id; used twice: red"),
    ],
    ids=["unknown-status", "unknown-flag", "no-vocabulary", "low-contrast", "same-id"],
)  # fmt: skip
def test_a_status_mistake_is_located_and_lists_what_is_allowed(
    project: Path,
    settings: str,
    change: tuple[str, str],
    expected: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (project / "site.yaml").write_text(settings, encoding="utf-8")
    text = MONOGRAPH.format(name="Testamol", status="draft") + FORMULARY
    write(project, "testamol", text.replace(*change))

    assert cli.main(["check"]) == 1
    assert expected in capsys.readouterr().out
    assert cli.main(["build", "--no-search"]) == 1
    assert not (project / "_site").exists()
