"""The deploy build: --strict refuses every kind of warning and leaves the published site as it
was; and readers of the published folder never see a page missing or cut short, however many
builds replace it.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from dose_fixtures import VERIFIED_YAML, write_registry
from sitetools import snapshot

from clincalc_site import cli
from clincalc_site.build import pipeline
from clincalc_site.build.config import BuildConfig
from clincalc_site.build.pipeline import BuildOptions

TODAY = dt.date(2026, 11, 26)
ADDRESS = "https://formulary.northshire.nhs.uk/"
GOOD = """\
name: {name}
drug_class: Immunomodulator (thalidomide analogue)
summary: {summary}
mechanism: Modulates the immune system through cereblon-mediated protein degradation.
review:
  status: clinician-reviewed
  date: {date}
"""
RESOURCING_BD = """\
dosing:
  status: re-sourcing
  regimens:
    - {indication: Myeloma, population: Adults, route: Oral, dose: 4 mg, frequency: bd}
"""
# Each kind of warning, as one more file in a site that builds cleanly under --strict.
WARNINGS = {
    "review.overdue": GOOD.format(name="Old", summary="An old monograph.", date="2023-01-01"),
    "content.placeholder": GOOD.format(
        name="Hinted", summary="'TODO: one paragraph.'", date="2026-07-04"
    ),
    "dose.latin_abbreviation": GOOD.format(
        name="Latin", summary="A working dose.", date="2026-07-04"
    )
    + RESOURCING_BD,
    "dosing.source_revised": GOOD.format(
        name="Revised", summary="A dose whose SmPC changed.", date="2026-07-04"
    )
    + VERIFIED_YAML.replace("revision: 2025-03-14", "revision: 2025-01-02"),
}


@pytest.fixture
def project(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    midnight = dt.datetime.combine(TODAY, dt.time(), tzinfo=dt.UTC)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(midnight.timestamp())))
    monkeypatch.chdir(tmp_path)
    write_registry(tmp_path)
    (tmp_path / "site.yaml").write_text(f"base_url: {ADDRESS}\n", encoding="utf-8")
    content = tmp_path / "monographs"
    content.mkdir()
    (content / "pomalidomide.yaml").write_text(
        GOOD.format(name="Pomalidomide", summary="A drug.", date="2026-07-04") + VERIFIED_YAML,
        encoding="utf-8",
    )
    return tmp_path


@pytest.mark.parametrize("code", sorted(WARNINGS))
def test_strict_build_fails_on_each_kind_of_warning_and_keeps_the_published_site(
    project: Path, code: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["build", "--no-search", "--strict"]) == 0
    published = snapshot(project / "_site")
    assert published, "the first build published a site"
    (project / "monographs" / "warned.yaml").write_text(WARNINGS[code], encoding="utf-8")
    capsys.readouterr()

    assert cli.main(["build", "--no-search", "--strict"]) == 1

    out = capsys.readouterr().out
    assert "warning: " in out and f"[{code}" in out
    assert snapshot(project / "_site") == published
    # The same content without --strict builds: it is the flag that refused it.
    assert cli.main(["build", "--no-search"]) == 0
    assert snapshot(project / "_site") != published


@pytest.mark.parametrize(
    ("settings", "code"),
    [
        ("site_name: Northshire Formulary\n", "settings.no_base_url"),
        ("base_url: https://example.org/\n", "settings.placeholder_base_url"),
        ("base_url: https://formulary.invalid/\n", "settings.placeholder_base_url"),
    ],
)
def test_the_published_build_needs_the_sites_real_address(
    project: Path, settings: str, code: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A sitemap of example.org addresses sends search engines nowhere: --strict refuses it,
    a draft build makes no sitemap rather than a wrong one."""
    assert cli.main(["build", "--no-search", "--strict"]) == 0
    published = snapshot(project / "_site")
    assert f"<loc>{ADDRESS}drugs/pomalidomide/</loc>".encode() in published["sitemap.xml"]
    (project / "site.yaml").write_text(settings, encoding="utf-8")
    capsys.readouterr()

    assert cli.main(["build", "--no-search", "--strict"]) == 1

    out = capsys.readouterr().out
    assert "site.yaml: error: " in out and f"[{code}]" in out
    assert snapshot(project / "_site") == published
    assert cli.main(["build", "--no-search"]) == 0
    draft = snapshot(project / "_site")
    pages = {path: data for path, data in draft.items() if path != "build-report.json"}
    assert not any(b"example.org" in data for data in pages.values())
    if "formulary.invalid" not in settings:  # no address, or example.org: no sitemap
        assert "sitemap.xml" not in draft and b"Sitemap:" not in draft["robots.txt"]


def test_readers_never_see_a_page_missing_or_cut_short_through_many_rebuilds(
    project: Path,
) -> None:
    content = project / "monographs"
    for index in range(30):
        (content / f"drug-{index:02d}.yaml").write_text(
            GOOD.format(name=f"Drug {index:02d}", summary="Version 0.", date="2026-07-04"),
            encoding="utf-8",
        )
    config = BuildConfig(content_dir=content, output_dir=project / "_site", today=TODAY)
    assert not pipeline.build(config, options=BuildOptions(jobs=1)).failed
    pages = sorted(p for p in snapshot(project / "_site") if p.endswith(".html"))
    problems: list[str] = []
    reads = 0
    done = threading.Event()

    def read_forever() -> None:
        nonlocal reads
        while not done.is_set():
            for page in pages:
                try:
                    text = (project / "_site" / page).read_text(encoding="utf-8")
                except OSError as exc:
                    problems.append(f"{page}: {exc}")
                    continue
                reads += 1
                if not text.rstrip().endswith("</html>"):
                    problems.append(f"{page}: cut short ({len(text)} characters)")

    reader = threading.Thread(target=read_forever)
    reader.start()
    try:
        for version in range(1, 16):
            for index in range(0, 30, 3):
                path = content / f"drug-{index:02d}.yaml"
                text = path.read_text(encoding="utf-8")
                path.write_text(text.replace(f"Version {version - 1}.", f"Version {version}."))
            # Cached rebuilds publish the spare folder; every fifth build is a cold one.
            options = BuildOptions(jobs=1, use_cache=version % 5 != 0)
            assert not pipeline.build(config, options=options).failed
    finally:
        done.set()
        reader.join()

    assert problems == []
    assert reads > 1000
    assert "Version 15." in (project / "_site" / "drugs" / "drug-00" / "index.html").read_text()
