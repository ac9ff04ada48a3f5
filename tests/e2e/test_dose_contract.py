"""The dose contract from the command line, as an editor and CI meet it.

The example that opened the dose-verification issue ("60", verified by "TODO: name") is
refused with located errors; a properly verified dose is published with who prepared and
verified it, against what; raising the source's revision in sources.yaml holds it back.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from dose_fixtures import VERIFIED_YAML, write_registry
from sitetools import snapshot

from clincalc_site import cli

TODAY = dt.date(2026, 11, 26)
ISSUE_EXAMPLE = """\
name: Testdrug
drug_class: Anticoagulant
summary: A test drug.
mechanism: It works.
dosing:
  status: verified
  regimens:
    - {indication: Atrial fibrillation, population: Adults, route: Oral, dose: "60", frequency: Twice daily}
  source: {label: TODO, url: https://example.org}
  verified_by: "TODO: name"
  verified_on: 2026-11-01
review:
  status: draft
  date: 2026-11-01
"""  # noqa: E501 (the issue's example, verbatim)
HEAD = """\
name: Pomalidomide
drug_class: Immunomodulator (thalidomide analogue)
summary: Oral immunomodulator used for relapsed and refractory multiple myeloma.
mechanism: Modulates the immune system through cereblon-mediated protein degradation.
review:
  status: clinician-reviewed
  date: 2026-07-04
"""
LOCATED = re.compile(r"^monographs/\w+\.yaml:(\d+):(\d+): error: .* \[([a-z_.]+)", re.MULTILINE)


@pytest.fixture(autouse=True)
def in_a_project(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    midnight = dt.datetime.combine(TODAY, dt.time(), tzinfo=dt.UTC)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(midnight.timestamp())))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "monographs").mkdir()
    write_registry(tmp_path)
    (tmp_path / "site.yaml").write_text("base_url: https://formulary.northshire.nhs.uk/\n")


def test_the_issue_example_fails_check_with_located_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "monographs" / "testdrug.yaml").write_text(ISSUE_EXAMPLE, encoding="utf-8")

    assert cli.main(["check"]) == 1

    out = capsys.readouterr().out
    found = {(int(line), int(col), code) for line, col, code in LOCATED.findall(out)}
    assert len(found) >= 4, out
    assert {
        (8, 81, "dose.no_unit"),
        (9, 11, "dosing.old_source_form"),
        (10, 17, "dosing.placeholder"),
    } <= found
    assert {code for _, _, code in found} >= {"dosing.incomplete_verification"}
    assert "quote" not in out.split("dose.no_unit")[0].splitlines()[-1]


def test_the_issue_example_is_never_published(tmp_path: Path) -> None:
    (tmp_path / "monographs" / "testdrug.yaml").write_text(ISSUE_EXAMPLE, encoding="utf-8")

    assert cli.main(["build", "--no-search"]) == 1
    assert not (tmp_path / "_site").exists()


def page_text(tmp_path: Path) -> str:
    html = (tmp_path / "_site" / "drugs" / "pomalidomide" / "index.html").read_text("utf-8")
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&nbsp;", " ").split())


def test_a_verified_dose_is_published_with_its_provenance_then_held_back_by_a_new_revision(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "monographs" / "pomalidomide.yaml").write_text(
        HEAD + VERIFIED_YAML, encoding="utf-8"
    )
    assert cli.main(["check", "--strict"]) == 0
    assert cli.main(["build", "--no-search", "--strict"]) == 0
    text = page_text(tmp_path)
    assert "Dosing — being independently re-sourced" not in text
    assert "Relapsed and refractory multiple myeloma Adults Oral 4 mg Once daily" in text
    assert (
        "Prepared by B. Jones on 20 June 2026; independently verified by A. Smith, MPharm on "
        "30 June 2026, against Imnovid 4 mg hard capsules — SmPC , section 4.2 (revision of "
        "14 March 2025)." in text
    )
    published = snapshot(tmp_path / "_site")
    capsys.readouterr()

    # The SmPC is revised: one line in sources.yaml.
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        sources.read_text("utf-8").replace("revision: 2025-03-14", "revision: 2026-11-02"),
        encoding="utf-8",
    )
    assert cli.main(["check"]) == 0
    assert "dosing.source_revised" in capsys.readouterr().out
    assert cli.main(["check", "--strict"]) == 1
    # The deploy build refuses it and leaves the published site as it was...
    assert cli.main(["build", "--no-search", "--strict"]) == 1
    assert snapshot(tmp_path / "_site") == published
    # ...and a normal build shows the banner, with why.
    assert cli.main(["build", "--no-search"]) == 0
    text = page_text(tmp_path)
    assert "Dosing — being independently re-sourced" in text
    assert "revised on 2 November 2026; the dose is being verified again" in text
    assert "4 mg" not in text and "A. Smith" not in text
    report = (tmp_path / "_site" / "build-report.json").read_text("utf-8")
    assert "dosing.source_revised" in report
    assert "4 mg" not in report
