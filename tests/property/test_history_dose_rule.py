"""The dose rule across versions (hypothesis): for any generated git history of a monograph,
no dose that is not published appears in any file the build writes, and an archive page shows
a dose only when that version published it.

Each step of a history is one commit of ``monographs/pomalidomide.yaml`` in a real git
repository, in one of four dose states: a verified dose that the rule publishes (reviewed, its
source's current revision), a verified dose on a draft (held back), a verified dose against a
since-revised source (held back), or a dose being re-sourced (draft regimens, never shown).
Every step's dose carries an indication of its own ("Marker indication N"), so its text can be
looked for in every file of the site: pages (current and archive), history pages, feeds, the
JSON API, FHIR and the JSON-LD. Each step also edits the monitoring text, so that every commit
is a version. The archive notice must say whether the dose it shows is still the current one.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from dose_fixtures import write_registry
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clincalc_site import cli

PUBLISHED, NOT_REVIEWED, SOURCE_REVISED, RE_SOURCING = states = (
    "published",
    "not-reviewed",
    "source-revised",
    "re-sourcing",
)
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


def git(root: Path, *args: str, day: int = 1) -> None:
    stamp = f"2026-10-{day:02d}T12:00:00+00:00"
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Editor",
        "GIT_AUTHOR_EMAIL": "editor@example.org",
        "GIT_COMMITTER_NAME": "Editor",
        "GIT_COMMITTER_EMAIL": "editor@example.org",
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_DATE": stamp,
    }
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=env)


def build_history(root: Path, steps: list[Step]) -> Path:
    """Commit each step (one a day), build the site from the repository; its folder."""
    content = root / "monographs"
    content.mkdir()
    write_registry(root)
    (root / "site.yaml").write_text("base_url: https://formulary.northshire.nhs.uk/\n")
    git(root, "init", "-q")
    for number, step in enumerate(steps, start=1):
        (content / f"{SLUG}.yaml").write_text(monograph(step, number), encoding="utf-8")
        git(root, "add", ".", day=number)
        git(root, "commit", "-qm", f"step {number}", day=number)
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


histories = st.lists(
    st.builds(Step, st.sampled_from(states), st.integers(min_value=1, max_value=2)),
    min_size=2,
    max_size=4,
)


def allowed_markers(name: str, steps: list[Step]) -> set[str]:
    """The dose texts file ``name`` may show: an archive page, its version's dose if that
    version published it; a history page none (it says what changed in words); any other
    file, the current version's dose if it is published."""
    if name.endswith("/history/index.html"):
        return set()
    step = steps[-1]
    prefix = f"drugs/{SLUG}/v/"
    if name.startswith(prefix):
        step = steps[int(name.removeprefix(prefix).split("/")[0]) - 1]
    return {step.marker} if step.state == PUBLISHED else set()


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(steps=histories)
def test_each_file_shows_only_the_dose_its_version_published(steps: list[Step]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        files = texts(build_history(Path(folder), steps))
    markers = {step.marker for step in steps}
    for name, text in files.items():
        shown = {marker for marker in markers if marker in text}
        assert shown <= allowed_markers(name, steps), (name, shown, steps)
    for number, step in enumerate(steps[:-1], start=1):
        archive = files.get(archive_page(number))
        assert archive is not None, f"no archive page for version {number}"
        assert '<meta name="robots" content="noindex">' in archive
        assert (step.marker in archive) == (step.state == PUBLISHED), (number, steps)
        # ... and says whether that dose is the one the current page publishes
        still = step.state == PUBLISHED and steps[-1] == Step(PUBLISHED, step.dose)
        if step.state != PUBLISHED:
            assert "No dose is shown for this version." in archive
        elif still:
            assert "The dose shown on this page is still the current dose." in archive
        else:
            assert "The dose shown on this page is no longer current." in archive
    assert archive_page(len(steps)) not in files  # the version in force has none
