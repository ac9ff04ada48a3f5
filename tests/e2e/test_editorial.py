"""The editorial dashboard (/editorial/) and each page's "Changes" list from git history."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from oracle import reference_build

from clincalc_site.build import pipeline
from clincalc_site.build.config import DEFAULT_STATIC, DEFAULT_TEMPLATES, BuildConfig
from clincalc_site.build.pipeline import BuildOptions
from clincalc_site.content.history import Change

DATA = Path(__file__).resolve().parents[1] / "data" / "site"
TODAY = dt.date(2026, 11, 26)
HISTORY = (
    ("bisoprolol", (Change("2026-11-20", "Dose verified"),
                    Change("2026-10-01", "Monograph added"))),
    ("atenolol", (Change("2023-01-01", "Summary <b>bold</b> revised"),)),
)  # fmt: skip


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def config(tmp_path: Path) -> BuildConfig:
    shutil.copytree(DATA, tmp_path / "site")
    return BuildConfig(
        content_dir=tmp_path / "site" / "monographs",
        output_dir=tmp_path / "out",
        templates_dir=DEFAULT_TEMPLATES,
        static_dir=DEFAULT_STATIC,
        today=TODAY,
        history=HISTORY,
    )


def test_dashboard_lists_every_monograph_with_its_review_and_dose_state(
    config: BuildConfig,
) -> None:
    report = pipeline.build(config, options=BuildOptions(jobs=1))
    assert not report.failed
    html = (config.output_dir / "editorial" / "index.html").read_text(encoding="utf-8")
    rows = html.split("<tbody>")[1].split("</tbody>")[0].strip().splitlines()
    assert len(rows) == report.counts.monographs
    bisoprolol = next(r for r in rows if "/drugs/bisoprolol/" in r)
    # status, review date, age in days, overdue, dose, last change (newest first)
    assert "<td>verified and shown</td>" in bisoprolol
    apixaban = next(r for r in rows if "/drugs/apixaban/" in r)
    assert "<td>verified, held back: monograph not yet reviewed</td>" in apixaban
    assert "2026-11-20: Dose verified" in bisoprolol
    atenolol = next(r for r in rows if "/drugs/atenolol/" in r)
    assert "<td>2023-01-01</td>" in atenolol
    assert f"<td>{(TODAY - dt.date(2023, 1, 1)).days}</td>" in atenolol
    assert "<td>overdue</td>" in atenolol
    assert "&lt;b&gt;bold&lt;/b&gt;" in atenolol  # what changed is text, never markup
    assert "not in git history" in next(r for r in rows if "/drugs/warfarin/" in r)
    assert f"<li>{report.counts.monographs} monographs</li>" in html
    assert f"{report.counts.overdue} review" in html
    assert f"<li>{report.counts.verified} verified dose" in html


def queue_text(config: BuildConfig) -> str:
    html = (config.output_dir / "editorial" / "index.html").read_text(encoding="utf-8")
    queue = html.split('id="dose-queue"')[1]
    return " ".join(re.sub(r"<[^>]+>", " ", queue).split())


def test_the_resourcing_queue_counts_dose_states_by_class_and_by_source(
    config: BuildConfig,
) -> None:
    assert not pipeline.build(config, options=BuildOptions(jobs=1)).failed
    text = queue_text(config)
    assert "1 verified and shown" in text
    assert "1 verified, held back: monograph not yet reviewed" in text
    assert "0 verified, held back: source revised since" in text
    assert "5 re-sourcing" in text
    assert "Sources revised since" not in text
    # class rows: shown, held (not reviewed), held (source revised), re-sourcing
    assert "Anticoagulant 0 1 0 1" in text
    assert "Beta-blocker 1 0 0 3" in text
    assert "bisoprolol-smpc 1 0 0 0" in text
    assert "eliquis-smpc 0 1 0 0" in text


def test_a_newer_source_revision_moves_its_doses_to_held_back_in_the_queue(
    config: BuildConfig,
) -> None:
    sources = config.content_dir.parent / "sources.yaml"
    text = sources.read_text(encoding="utf-8").replace("2026-09-01", "2026-11-02")
    sources.write_text(text, encoding="utf-8")

    report = pipeline.build(config, options=BuildOptions(jobs=1))

    assert not report.failed
    assert [d.code for d in report.diagnostics if d.severity == "warning"].count(
        "dosing.source_revised"
    ) == 1
    queue = queue_text(config)
    assert "0 verified and shown" in queue
    assert "1 verified, held back: source revised since" in queue
    assert "bisoprolol-smpc : revised 2 November 2026; 1 dose held back" in queue
    page = (config.output_dir / "drugs" / "bisoprolol" / "index.html").read_text("utf-8")
    assert "dosing-verified" not in page
    assert "revised on 2 November 2026" in page


def test_dashboard_is_kept_out_of_search_and_the_sitemap(config: BuildConfig) -> None:
    assert not pipeline.build(config, options=BuildOptions(jobs=1)).failed
    html = (config.output_dir / "editorial" / "index.html").read_text(encoding="utf-8")
    assert '<meta name="robots" content="noindex">' in html
    assert "data-pagefind-body" not in html  # Pagefind indexes only pages that have it
    assert "editorial" not in (config.output_dir / "sitemap.xml").read_text(encoding="utf-8")


def test_monograph_pages_list_their_changes(config: BuildConfig) -> None:
    assert not pipeline.build(config, options=BuildOptions(jobs=1)).failed
    page = (config.output_dir / "drugs" / "bisoprolol" / "index.html").read_text(encoding="utf-8")
    changes = page.split('id="changes-heading"')[1].split("</section>")[0]
    assert changes.index("Dose verified") < changes.index("Monograph added")
    assert '<time datetime="2026-11-20">2026-11-20</time>' in changes
    warfarin = (config.output_dir / "drugs" / "warfarin" / "index.html").read_text("utf-8")
    assert "changes-heading" not in warfarin  # no history: no empty heading


def test_a_new_commit_re_renders_its_page_and_matches_a_cold_build(
    config: BuildConfig, tmp_path: Path
) -> None:
    assert not pipeline.build(config, options=BuildOptions(jobs=1)).failed
    newer = (("warfarin", (Change("2026-11-25", "Summary revised"),)), *HISTORY)
    changed = dataclasses.replace(config, history=newer)
    report = pipeline.build(changed, options=BuildOptions(jobs=1))
    assert (report.loaded, report.rendered) == (0, 1)  # only warfarin's page, from the cache
    cold = dataclasses.replace(changed, output_dir=tmp_path / "cold")
    assert not reference_build(cold).failed
    assert tree(changed.output_dir) == tree(cold.output_dir)
    editorial = (changed.output_dir / "editorial" / "index.html").read_bytes()
    assert b"2026-11-25: Summary revised" in editorial


def test_build_command_reads_history_from_a_real_git_checkout(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    shutil.copytree(DATA, tmp_path / "site")
    git("init", "-q")
    git("config", "user.email", "editor@example.org")
    git("config", "user.name", "Editor")
    git("add", ".")
    git("commit", "-qm", "Import the formulary")
    target = tmp_path / "site" / "monographs" / "warfarin.yaml"
    target.write_text(target.read_text(encoding="utf-8") + "monitoring: INR.\n", "utf-8")
    git("commit", "-qam", "Reword warfarin monitoring")
    target.write_text(target.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    git("commit", "-qam", "Tidy warfarin")  # nothing a reader sees: no entry
    env = {"SOURCE_DATE_EPOCH": "1795651200", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "clincalc_site", "build", "--no-search",
         "--content", "site/monographs", "--out", "out"],
        cwd=tmp_path, capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "out" / "drugs" / "warfarin" / "index.html").read_text(encoding="utf-8")
    changes = page.split('id="changes-heading"')[1].split("</section>")[0]
    assert re.findall(r"</time>: ([^<]*)</li>", changes) == ["Monitoring added", "Monograph added"]
    for subject in ("Reword warfarin monitoring", "Tidy warfarin", "Import the formulary"):
        assert subject not in page
