"""Incremental and parallel builds write exactly the bytes of a cold, serial build.

One site goes through a sequence of edits, built incrementally (cache and spare folder) after
each; a cold build of the same content, from scratch and without the cache, must match it
file for file. Builds in worker processes must match builds in this process.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from oracle import reference_build, reference_check
from sitetools import snapshot

from clincalc_site.build import manifest as cache
from clincalc_site.build import pipeline
from clincalc_site.build.config import DEFAULT_STATIC, DEFAULT_TEMPLATES, BuildConfig
from clincalc_site.build.pipeline import BuildOptions
from clincalc_site.build.session import Session
from clincalc_site.cli import main
from clincalc_site.publish.search import make_finisher

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "site"
GENERATOR = ROOT / "benchmarks" / "generate_corpus.py"
TODAY = dt.date(2026, 11, 26)
PARALLEL = BuildOptions(jobs=2, threshold=1)  # worker processes even for a small site


def generated_site(root: Path, count: int) -> Path:
    """A generated corpus of ``count`` monographs (plus one real one) in ``root``."""
    content = root / "monographs"
    subprocess.run([sys.executable, str(GENERATOR), str(count), str(content)], check=True)
    shutil.copy(DATA / "monographs" / "warfarin.yaml", content)
    return content


class Project:
    def __init__(self, root: Path, content: Path) -> None:
        shutil.copytree(DEFAULT_TEMPLATES, root / "templates")
        shutil.copytree(DEFAULT_STATIC, root / "static")
        self.root, self.content = root, content

    def config(self, out: Path, *, finish: bool = False) -> BuildConfig:
        return BuildConfig(
            content_dir=self.content,
            output_dir=out,
            templates_dir=self.root / "templates",
            static_dir=self.root / "static",
            today=TODAY,
            finish=make_finisher(index_search=False) if finish else None,
        )

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.root / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, (relative, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")


Edit = Callable[[Project], object]


def _first(project: Project) -> str:
    return sorted(p.name for p in project.content.glob("*.yaml"))[0]


def _add_verified(project: Project) -> None:
    """bisoprolol (a verified dose, clinician-reviewed) with the team and sources it names."""
    text = (DATA / "monographs" / "bisoprolol.yaml").read_text(encoding="utf-8")
    text = text.replace("related: [warfarin, betaxolol]", "related: [warfarin]")
    (project.content / "bisoprolol.yaml").write_text(text, encoding="utf-8")
    for registry in ("team.yaml", "sources.yaml"):
        shutil.copy(DATA / registry, project.root / registry)


def _reverify(project: Project) -> None:
    """Checked against the new revision by the same two people: shown again."""
    for old, new in [
        ("revision: 2026-09-01", "revision: 2026-11-02"),
        ("prepared_on: 2026-09-20", "prepared_on: 2026-11-10"),
        ("verified_on: 2026-10-01", "verified_on: 2026-11-12"),
    ]:
        project.edit("monographs/bisoprolol.yaml", old, new)


EDITS: list[tuple[str, Edit]] = [
    ("summary", lambda p: p.edit("monographs/warfarin.yaml", "summary: ", "summary: New. ")),
    (
        "rename",
        lambda p: p.edit(f"monographs/{_first(p)}", "name: ", "name: Renamed "),
    ),
    (
        "class",
        lambda p: p.edit(
            f"monographs/{_first(p)}", "drug_class: Synthetic class", "drug_class: Moved class"
        ),
    ),
    (
        "add",
        lambda p: shutil.copy(DATA / "monographs" / "atenolol.yaml", p.content / "atenolol.yaml"),
    ),
    ("remove", lambda p: (p.content / "atenolol.yaml").unlink()),
    ("add-verified", _add_verified),
    (
        "verifier-renamed",
        lambda p: p.edit("team.yaml", "A. Pharmacist, MPharm", "A. Pharmacist, MPharm, MSc"),
    ),
    ("source-revised", lambda p: p.edit("sources.yaml", "2026-09-01", "2026-11-02")),
    ("source-reverified", _reverify),
    ("draft", lambda p: p.edit("monographs/warfarin.yaml", "clinician-reviewed", "draft")),
    ("template", lambda p: p.edit("templates/base.html", "Skip to content", "Skip to main")),
    ("static", lambda p: (p.root / "static" / "print.css").write_text("p {}\n")),
    ("nothing", lambda p: None),
]


DOSE_SHOWN = {
    "add-verified": True,
    "verifier-renamed": True,
    "source-revised": False,
    "source-reverified": True,
}


@pytest.mark.parametrize("finish", [False, True], ids=["plain", "with-finish"])
def test_incremental_builds_match_cold_builds_after_every_edit(
    tmp_path: Path, finish: bool
) -> None:
    project = Project(tmp_path, generated_site(tmp_path, 30))
    incremental = tmp_path / "incremental"
    first = pipeline.build(project.config(incremental, finish=finish), options=PARALLEL)
    assert not first.failed

    for name, edit in EDITS:
        edit(project)
        cold = tmp_path / f"cold-{name}"
        reference = pipeline.build(
            project.config(cold, finish=finish), options=BuildOptions(use_cache=False, jobs=1)
        )
        report = pipeline.build(project.config(incremental, finish=finish), options=PARALLEL)

        assert not report.failed and not reference.failed, name
        assert snapshot(incremental) == snapshot(cold), name
        assert report.rendered + report.reused == reference.rendered, name
        if name in DOSE_SHOWN:  # the registry is an input of every page: edits reach them
            page = (incremental / "drugs" / "bisoprolol" / "index.html").read_text("utf-8")
            assert ("dosing-verified" in page) is DOSE_SHOWN[name], name
            renamed = name in ("verifier-renamed", "source-reverified")
            assert ("MPharm, MSc" in page) is renamed, name


def _edit_and_build(project: Project, out: Path) -> None:
    project.edit("monographs/warfarin.yaml", "summary: ", "summary: Elsewhere. ")
    assert not pipeline.build(project.config(out), options=BuildOptions(jobs=1)).failed


@pytest.mark.parametrize("persist", [True, False], ids=["manifest-on-disk", "in-memory"])
def test_a_preview_session_builds_what_a_cold_build_does_after_every_edit(
    tmp_path: Path, persist: bool
) -> None:
    """``serve`` keeps a ``Session`` (manifest, stand-ins, site, page keys) between builds;
    whatever it reuses, each build's output is the cold build's, byte for byte."""
    project = Project(tmp_path, generated_site(tmp_path, 30))
    preview = tmp_path / "preview"
    session = Session(persist=persist)
    serial = BuildOptions(jobs=1)
    assert not pipeline.build(project.config(preview), options=serial, session=session).failed

    broken: list[tuple[str, Edit]] = [
        ("break", lambda p: p.edit("monographs/warfarin.yaml", "name: ", "name: [")),
        ("mend", lambda p: p.edit("monographs/warfarin.yaml", "name: [", "name: ")),
        # an edit built outside the session: its manifest is no longer the one on disk
        ("other build", lambda p: _edit_and_build(p, preview)),
    ]
    for name, edit in [*EDITS[:3], *broken, *EDITS[3:]]:
        edit(project)
        report = pipeline.build(project.config(preview), options=serial, session=session)
        if name == "break":
            assert report.failed
            continue
        cold = tmp_path / f"cold-{name}"
        reference = pipeline.build(
            project.config(cold), options=BuildOptions(use_cache=False, jobs=1)
        )
        assert not report.failed and not reference.failed, name
        assert snapshot(preview) == snapshot(cold), name
        assert report.diagnostics == reference.diagnostics, name


def test_parallel_and_serial_builds_are_identical(tmp_path: Path) -> None:
    project = Project(tmp_path, generated_site(tmp_path, 40))

    serial = pipeline.build(project.config(tmp_path / "serial"), options=BuildOptions(jobs=1))
    parallel = pipeline.build(project.config(tmp_path / "parallel"), options=PARALLEL)
    plain = reference_build(project.config(tmp_path / "plain"))

    assert serial.diagnostics == parallel.diagnostics == plain.diagnostics
    assert (
        snapshot(tmp_path / "serial")
        == snapshot(tmp_path / "parallel")
        == snapshot(tmp_path / "plain")
    )


def test_build_and_check_report_the_same_problems(tmp_path: Path) -> None:
    content = generated_site(tmp_path, 5)
    bad = (DATA / "monographs" / "bisoprolol.yaml").read_text(encoding="utf-8")
    (content / "bisoprolol.yaml").write_text(bad.replace("mg", "mcg"), encoding="utf-8")
    config = BuildConfig(content_dir=content, output_dir=tmp_path / "out", today=TODAY)

    checked = pipeline.check(config)
    built = pipeline.build(config, options=PARALLEL)

    assert any(d.code.startswith("dose.") for d in checked.diagnostics)
    # The site's address is the build's concern only (check needs none to check content).
    about_content = [d for d in built.diagnostics if d.code != "settings.no_base_url"]
    assert about_content == checked.diagnostics


def test_the_cli_takes_cache_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content = generated_site(tmp_path, 3)
    out, cache_dir = tmp_path / "out", tmp_path / "the-cache"
    common = ["build", "--content", str(content), "--out", str(out), "--no-search"]

    assert main([*common, "--cache-dir", str(cache_dir), "--jobs", "1"]) == 0
    assert (cache_dir / cache.MANIFEST).is_file()
    assert main([*common, "--cache-dir", str(cache_dir)]) == 0
    assert "rendered 0, reused 4" in capsys.readouterr().err
    assert main([*common, "--no-cache"]) == 0
    assert "rendered 4, reused 0" in capsys.readouterr().err
    assert main([*common, "--jobs", "0"]) == 2


def test_check_in_worker_processes_reports_what_check_in_process_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = generated_site(tmp_path, 6)
    for name in ("bisoprolol.yaml", "apixaban.yaml", "atenolol.yaml"):
        shutil.copy(DATA / "monographs" / name, content)  # dose lint, future dates, overdue
    (content / "broken.yaml").write_text("name: [\n", encoding="utf-8")
    config = BuildConfig(content_dir=content, output_dir=tmp_path / "out", today=TODAY)
    monkeypatch.setattr(pipeline, "PARALLEL_THRESHOLD", 1)

    in_workers = pipeline.check(config, jobs=2)
    in_process = reference_check(config)

    assert in_workers.diagnostics == in_process.diagnostics
    assert in_workers.files == in_process.files
    assert in_workers.failed and in_process.failed


def test_command_line_rebuilds_match_cold_builds(tmp_path: Path) -> None:
    """The command in a process of its own: one thread, so the published and spare folders
    are scanned by a forked child (pytest's own process may have threads, and not fork)."""
    project = Project(tmp_path, generated_site(tmp_path, 30))

    def build(out: Path, *extra: str) -> str:
        command = [sys.executable, "-m", "clincalc_site", "build", "--content",
                   str(project.content), "--out", str(out), "--no-search", *extra]  # fmt: skip
        result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
        return result.stderr

    incremental = tmp_path / "incremental"
    build(incremental)
    # (the command uses the default templates and static files, not the project's copies)
    for name, edit in [(n, e) for n, e in EDITS if n not in ("template", "static")]:
        edit(project)
        said = build(incremental)
        if name == "summary":
            assert "rendered 1, reused 30" in said, said  # the cache and spare were used
        cold = tmp_path / f"cold-{name}"
        build(cold, "--no-cache", "--cache-dir", str(tmp_path / "cold-cache"))  # not ours
        assert snapshot(incremental) == snapshot(cold), name
    # Published pages changed or deleted by hand are put back (seen in the child's scan),
    # and so is a deleted published folder.
    pages = sorted(incremental.glob("drugs/*/index.html"))
    pages[0].write_text("edited by hand", encoding="utf-8")
    pages[1].unlink()
    build(incremental)
    assert snapshot(incremental) == snapshot(cold)
    shutil.rmtree(incremental)
    build(incremental)
    assert snapshot(incremental) == snapshot(cold)
