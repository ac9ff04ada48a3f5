"""The dose rule across versions (hypothesis): for any generated git history of a monograph
and its sources, no dose that is not published appears in any file the build writes, and an
archive page shows a dose only when that version published it.

Each step of a history is one commit in a real git repository: either of
``monographs/pomalidomide.yaml``, in one of four dose states (a verified dose that the rule
publishes: reviewed, its source's current revision; a verified dose on a draft, held back; a
verified dose against a since-revised source, held back; a dose being re-sourced: draft
regimens, never shown), or of ``sources.yaml`` alone, revising the SmPC the first two
states cite (or taking the revision back). Every monograph step's dose carries an indication
of its own ("Marker indication N"), so its text can be looked for in every file of the site:
pages (current and archive), history pages, feeds, the JSON API, FHIR and the JSON-LD. Each
monograph step also edits the monitoring text, so that it is a version; a sources step is a
version exactly when it changes what the dosing section shows (``expected_versions``). The
archive notice must say whether the dose it shows is still the current one.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from dose_fixtures import SOURCES_YAML, write_registry
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sitetools import git

from clincalc_site import cli

PUBLISHED, NOT_REVIEWED, SOURCE_REVISED, RE_SOURCING = states = (
    "published",
    "not-reviewed",
    "source-revised",
    "re-sourcing",
)
# sources.yaml steps: imnovid-smpc (cited by PUBLISHED and NOT_REVIEWED doses, checked
# against its 2025-03-14 revision) gets a newer revision, or its old one back.
REVISE, RESTORE = "sources-revised", "sources-restored"
NEW_REVISION = "2026-09-01"
SLUG = "pomalidomide"
TEXT_SUFFIXES = {".html", ".json", ".xml", ".txt", ".js", ".webmanifest"}


@dataclass(frozen=True)
class Step:
    state: str
    dose: int  # which dose text: two steps with the same number state the same dose

    @property
    def marker(self) -> str:
        return f"Marker indication {self.dose}"


def monograph(step: Step, number: int) -> str:
    review = "draft" if step.state == NOT_REVIEWED else "clinician-reviewed"
    # eliquis-smpc's current revision is 2026-01-10: a dose checked against 2025-03-14 of it
    # is held back (its source was revised since)
    document, revision = (
        ("eliquis-smpc", "2025-03-14")
        if step.state == SOURCE_REVISED
        else ("imnovid-smpc", "2025-03-14")
    )
    regimen = f"""\
    - indication: {step.marker}
      population: Adults
      route: Oral
      dose: 4 mg
      frequency: Once daily
"""
    if step.state == RE_SOURCING:
        dosing = "dosing:\n  status: re-sourcing\n  regimens:\n" + regimen
    else:
        dosing = f"""\
dosing:
  status: verified
  regimens:
{regimen}  source:
    document: {document}
    section: "4.2"
    revision: {revision}
  prepared_by: bjones
  prepared_on: 2026-06-20
  verified_by: asmith
  verified_on: 2026-06-30
"""
    return f"""\
name: Pomalidomide
drug_class: Immunomodulator
summary: Oral immunomodulator for multiple myeloma (test fixture).
mechanism: Cereblon-mediated protein degradation (test fixture).
monitoring: Full blood count, schedule number {number} (test fixture).
review:
  status: {review}
  date: 2026-07-04
{dosing}"""


def build_history(root: Path, steps: list[Step]) -> Path:
    """Commit each step (one a day), build the site from the repository; its folder."""
    content = root / "monographs"
    content.mkdir()
    write_registry(root)
    (root / "site.yaml").write_text("base_url: https://formulary.northshire.nhs.uk/\n")
    git(root, "init", "-q")
    for number, step in enumerate(steps, start=1):
        if step.state in (REVISE, RESTORE):
            revision = NEW_REVISION if step.state == REVISE else "2025-03-14"
            sources = SOURCES_YAML.replace("revision: 2025-03-14", f"revision: {revision}")
            (root / "sources.yaml").write_text(sources, encoding="utf-8")
        else:
            (content / f"{SLUG}.yaml").write_text(monograph(step, number), encoding="utf-8")
        git(root, "add", ".", date=f"2026-10-{number:02d}")
        git(root, "commit", "--allow-empty", "-qm", f"step {number}", date=f"2026-10-{number:02d}")
    out = root / "_site"
    code = cli.main(["build", "--content", str(content), "--out", str(out)])
    assert code == 0
    return out


def texts(site: Path) -> dict[str, str]:
    return {
        path.relative_to(site).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(site.rglob("*"))
        if path.is_file() and path.suffix in TEXT_SUFFIXES
    }


def archive_page(number: int) -> str:
    return f"drugs/{SLUG}/v/{number}/index.html"


monograph_steps = st.builds(Step, st.sampled_from(states), st.integers(min_value=1, max_value=2))
source_steps = st.builds(Step, st.sampled_from((REVISE, RESTORE)), st.just(0))
histories = st.builds(
    lambda first, rest: [first, *rest],
    monograph_steps,
    st.lists(st.one_of(monograph_steps, source_steps), min_size=1, max_size=4),
)


@dataclass(frozen=True)
class Version:
    step: Step  # the monograph step in force
    shows: str  # what its dosing section shows: the decision's state

    @property
    def published(self) -> bool:
        return self.shows == "published"


def shows(step: Step, revised: bool) -> str:
    """The dose state of ``step``'s monograph, with imnovid-smpc revised or not."""
    if step.state in (RE_SOURCING, SOURCE_REVISED):
        return step.state  # unaffected: no source, or eliquis-smpc (revised already)
    return "source-revised" if revised else step.state


def expected_versions(steps: list[Step]) -> list[Version]:
    """Every monograph step is a version; a sources step is one when it changes what the
    dosing section of the monograph in force shows."""
    found: list[Version] = []
    revised = False
    for step in steps:
        if step.state in (REVISE, RESTORE):
            revised = step.state == REVISE
            if found and shows(found[-1].step, revised) != found[-1].shows:
                found.append(Version(found[-1].step, shows(found[-1].step, revised)))
        else:
            found.append(Version(step, shows(step, revised)))
    return found


def allowed_markers(name: str, versions: list[Version]) -> set[str]:
    """The dose texts file ``name`` may show: an archive page, its version's dose if that
    version published it; a history page none (it says what changed in words); any other
    file, the current version's dose if it is published."""
    if name.endswith("/history/index.html"):
        return set()
    version = versions[-1]
    prefix = f"drugs/{SLUG}/v/"
    if name.startswith(prefix):
        version = versions[int(name.removeprefix(prefix).split("/")[0]) - 1]
    return {version.step.marker} if version.published else set()


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(steps=histories)
def test_each_file_shows_only_the_dose_its_version_published(steps: list[Step]) -> None:
    versions = expected_versions(steps)
    with tempfile.TemporaryDirectory() as folder:
        files = texts(build_history(Path(folder), steps))
    markers = {step.marker for step in steps}
    for name, text in files.items():
        shown = {marker for marker in markers if marker in text}
        assert shown <= allowed_markers(name, versions), (name, shown, steps)
    current = versions[-1]
    for number, version in enumerate(versions[:-1], start=1):
        archive = files.get(archive_page(number))
        assert archive is not None, f"no archive page for version {number}"
        assert '<meta name="robots" content="noindex">' in archive
        assert (version.step.marker in archive) == version.published, (number, steps)
        # ... and says whether that dose is the one the current page publishes
        still = version.published and current.published and current.step.dose == version.step.dose
        if not version.published:
            assert "No dose is shown for this version." in archive
        elif still:
            assert "The dose shown on this page is still the current dose." in archive
        else:
            assert "The dose shown on this page is no longer current." in archive
    assert archive_page(len(versions)) not in files  # the version in force has none
    assert archive_page(len(versions) + 1) not in files  # no version more than expected
