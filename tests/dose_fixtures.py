"""A fictitious team and source registry, and verified dosing blocks that satisfy the contract.

Shared by the tests that need a dose that is (or is nearly) publishable. The people are
fictitious; the source's address is the real eMC page of the product, its revision is
illustrative.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from clincalc_site.content.models import Monograph, Person, Registry, SourceDocument

TEAM_YAML = """\
people:
  - id: asmith
    name: A. Smith, MPharm
    role: Formulary pharmacist (fictitious)
    verifier: true
  - id: bjones
    name: B. Jones
    role: Pharmacy technician (fictitious)
    verifier: false
  - id: cwhite
    name: C. White, MPharm
    role: Medicines information pharmacist (fictitious)
    verifier: true
"""
SOURCES_YAML = """\
imnovid-smpc:
  title: Imnovid 4 mg hard capsules — SmPC
  url: https://www.medicines.org.uk/emc/product/9064/smpc
  revision: 2025-03-14
eliquis-smpc:
  title: Eliquis 5 mg film-coated tablets — SmPC
  url: https://www.medicines.org.uk/emc/product/2878/smpc
  revision: 2026-01-10
"""
REVISION = dt.date(2025, 3, 14)
# A reviewed pomalidomide monograph with no dosing block yet, and a dose still being re-sourced
# (its 3 mg is never shown): the first versions of the history tests' monograph.
REVIEWED_POMALIDOMIDE = """\
name: Pomalidomide
drug_class: Immunomodulator (thalidomide analogue)
summary: Oral immunomodulator used for relapsed and refractory multiple myeloma.
mechanism: Modulates the immune system through cereblon-mediated protein degradation.
monitoring: Monitor the full blood count.
review:
  status: clinician-reviewed
  date: 2026-07-04
"""
RE_SOURCING_YAML = """\
dosing:
  status: re-sourcing
  regimens:
    - indication: Relapsed and refractory multiple myeloma
      population: Adults
      route: Oral
      dose: 3 mg
      frequency: Once daily
"""
REGISTRY = Registry(
    people={
        "asmith": Person(id="asmith", name="A. Smith, MPharm", role="Pharmacist", verifier=True),
        "bjones": Person(id="bjones", name="B. Jones", role="Technician", verifier=False),
        "cwhite": Person(id="cwhite", name="C. White, MPharm", role="Pharmacist", verifier=True),
    },
    sources={
        "imnovid-smpc": SourceDocument(
            title="Imnovid 4 mg hard capsules — SmPC",
            url="https://www.medicines.org.uk/emc/product/9064/smpc",
            revision=REVISION,
        ),
        "eliquis-smpc": SourceDocument(
            title="Eliquis 5 mg film-coated tablets — SmPC",
            url="https://www.medicines.org.uk/emc/product/2878/smpc",
            revision=dt.date(2026, 1, 10),
        ),
    },
)
REGIMEN: dict[str, Any] = {
    "indication": "Relapsed and refractory multiple myeloma",
    "population": "Adults",
    "route": "Oral",
    "dose": "4 mg",
    "frequency": "Once daily",
    "duration": "Days 1 to 21 of each 28-day cycle",
    "max_dose": "4 mg daily",
}
VERIFIED_YAML = """\
dosing:
  status: verified
  regimens:
    - indication: Relapsed and refractory multiple myeloma
      population: Adults
      route: Oral
      dose: 4 mg
      frequency: Once daily
      duration: Days 1 to 21 of each 28-day cycle
      max_dose: 4 mg daily
  source:
    document: imnovid-smpc
    section: "4.2"
    revision: 2025-03-14
  prepared_by: bjones
  prepared_on: 2026-06-20
  verified_by: asmith
  verified_on: 2026-06-30
"""


def verified(**changes: Any) -> dict[str, Any]:
    """A verified dosing block as data; a change to None removes that field."""
    dosing: dict[str, Any] = {
        "status": "verified",
        "regimens": [REGIMEN],
        "source": {"document": "imnovid-smpc", "section": "4.2", "revision": REVISION},
        "prepared_by": "bjones",
        "prepared_on": dt.date(2026, 6, 20),
        "verified_by": "asmith",
        "verified_on": dt.date(2026, 6, 30),
    }
    dosing.update(changes)
    return {key: value for key, value in dosing.items() if value is not None}


def write_registry(folder: Path) -> None:
    """Write team.yaml and sources.yaml into ``folder`` (the folder above monographs/)."""
    (folder / "team.yaml").write_text(TEAM_YAML, encoding="utf-8")
    (folder / "sources.yaml").write_text(SOURCES_YAML, encoding="utf-8")


def monograph(
    dosing: dict[str, Any] | None = None, status: str = "clinician-reviewed"
) -> Monograph:
    data: dict[str, Any] = {
        "name": "Pomalidomide",
        "drug_class": "Immunomodulator",
        "summary": "Oral immunomodulator.",
        "mechanism": "Cereblon-mediated degradation.",
        "review": {"status": status, "date": dt.date(2026, 7, 4)},
    }
    if dosing is not None:
        data["dosing"] = dosing
    """A reviewed (by default) pomalidomide monograph with ``dosing``, validated."""
    return Monograph.model_validate(data)


# A monograph with every optional part at once (a verified dose, every safety section, a
# formulary block) in a site with a formulary vocabulary: the heaviest page the templates
# make, for the page-weight budget, axe-core and the Nu Html Checker. Fixture text only.
FULL_SITE_YAML = """\
formulary:
  note: A test vocabulary.
  statuses:
    - id: amber
      label: Amber — specialist initiation
      meaning: Started by a specialist, then continued under a shared care protocol.
      colour: "#93370d"
  flags:
    - id: shared-care
      label: Shared care
      meaning: Continued in primary care under a shared care protocol.
"""
_SECTION = "Test fixture text of a realistic length for this section, {what}. " * 3
FULL_MONOGRAPH = (
    """\
name: Pomalidomide
drug_class: Immunomodulator (thalidomide analogue)
brand_names: [Imnovid]
summary: Oral immunomodulator used for relapsed and refractory multiple myeloma (test fixture).
mechanism: Modulates the immune system through cereblon-mediated protein degradation.
prescribing:
  - Dispensed only under a pregnancy prevention programme (test fixture).
monitoring: Full blood count before and during treatment (test fixture).
counselling:
  - Report any signs of infection or bleeding (test fixture).
evidence: Test fixture evidence line.
"""
    + "".join(
        f"{name}: {_SECTION.format(what=name.replace('_', ' '))}\n"
        for name in ("contraindications", "cautions", "renal_impairment",
                     "hepatic_impairment", "pregnancy", "breastfeeding", "adverse_effects")
    )
    + "interactions:\n"
    + "".join(f"  - {_SECTION.format(what=f'interaction {n}')}\n" for n in range(1, 5))
    + """\
formulary:
  status: amber
  flags: [shared-care]
  line: second
  restrictions: Started by the haematology team only (test fixture).
  approved_by: Drug and Therapeutics Committee
  approved_on: 2026-05-12
  protocol: {label: Shared care protocol, url: "https://www.northshire.nhs.uk/scp.pdf"}
  notes: Supplied by the hospital pharmacy only (test fixture).
review:
  status: clinician-reviewed
  date: 2026-07-04
"""
    + VERIFIED_YAML
)  # fmt: skip
