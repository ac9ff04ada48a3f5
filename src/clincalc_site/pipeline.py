"""Sequence the stages; the only module that does.

Stage: orchestration. May import: every stage module.

``check`` runs load and validate. ``build`` (see ``build_site``) runs load, validate,
assemble, render and write, and stops before writing anything if any error exists.
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass
from pathlib import Path

import jinja2

from .config import SETTINGS_FILE, BuildConfig, load_settings
from .diagnostics import Diagnostic, Location, Severity, has_failures, sort_diagnostics
from .loader import LoadResult, load_monographs
from .output import build_lock, remove_stale, write_site
from .rendering import Renderer, make_site_view, render_site
from .rules import is_overdue
from .site import assemble_site

REPORT_FILE = "build-report.json"


@dataclass(frozen=True)
class CheckReport:
    load: LoadResult
    diagnostics: list[Diagnostic]
    strict: bool

    @property
    def failed(self) -> bool:
        return has_failures(self.diagnostics, strict=self.strict)


def check(config: BuildConfig) -> CheckReport:
    """Load and validate all content and the site settings; never raises for bad content."""
    _, settings_problems = load_settings(config.content_dir.parent / SETTINGS_FILE)
    load = load_monographs(config.content_dir, config.today)
    from .dose_lint import lint_entries  # noqa: PLC0415 (added inside check() only, for now)

    dose_problems = lint_entries(load.entries)
    diagnostics = sort_diagnostics([*settings_problems, *load.diagnostics, *dose_problems])
    return CheckReport(load, diagnostics, config.strict)


@dataclass(frozen=True)
class BuildReport:
    """What a build did, for the summary line and ``build-report.json``."""

    diagnostics: list[Diagnostic]
    failed: bool
    files_checked: int = 0
    pages: int = 0
    monographs: int = 0
    drafts: int = 0
    overdue: int = 0
    verified: int = 0
    resourcing: int = 0
    withheld: int = 0
    seconds: float = 0.0

    def as_json(self) -> dict[str, object]:
        return {
            "ok": not self.failed,
            "pages": self.pages,
            "monographs": self.monographs,
            "drafts": self.drafts,
            "overdue_reviews": self.overdue,
            "doses_verified": self.verified,
            "doses_resourcing": self.resourcing,
            "withheld_drafts": self.withheld,
            "diagnostics": [d.as_json() for d in self.diagnostics],
        }


def _template_diagnostic(exc: jinja2.TemplateError, templates_dir: Path) -> Diagnostic:
    name = getattr(exc, "filename", None) or getattr(exc, "name", None) or "templates"
    line = getattr(exc, "lineno", 0) or 0
    return Diagnostic(
        Location(str(name), line, 1 if line else 0),
        Severity.ERROR,
        "template.error",
        f"template error: {exc.message or exc}",
        hint=f"fix the template in {templates_dir}",
    )


def build(config: BuildConfig, version: str = "") -> BuildReport:
    """Check, assemble, render and atomically publish the site; nothing is written on failure.

    Raises:
        output.BuildLocked: another build is writing the same output folder.
        output.OutputError: the output could not be written (the old site is unchanged).
    """
    started = time.perf_counter()
    checked = check(config)
    settings, _ = load_settings(config.content_dir.parent / SETTINGS_FILE)
    settings = config.settings_override(settings)
    if checked.failed:
        return BuildReport(checked.diagnostics, True, checked.load.files)
    site, problems = assemble_site(checked.load.entries, settings)
    diagnostics = sort_diagnostics([*checked.diagnostics, *problems])
    if has_failures(problems, strict=config.strict):
        return BuildReport(diagnostics, True, checked.load.files)
    try:
        view = make_site_view(site, settings, config.today, version)
        pages = render_site(site, Renderer(config.templates_dir, view, config.today))
    except jinja2.TemplateError as exc:
        diagnostics.append(_template_diagnostic(exc, config.templates_dir))
        return BuildReport(diagnostics, True, checked.load.files)
    entries = site.entries
    verified = sum(1 for e in entries if e.monograph.published_dose is not None)
    report = BuildReport(
        diagnostics,
        False,
        checked.load.files,
        pages=len(pages) + 1,
        monographs=len(entries),
        drafts=sum(1 for e in entries if e.monograph.review.status != "clinician-reviewed"),
        overdue=sum(1 for e in entries if is_overdue(e.monograph.review.date, config.today)),
        verified=verified,
        resourcing=len(entries) - verified,
        withheld=len(site.withheld),
    )
    # No timings in the file: the same commit must build byte-identical output.
    report_json = json.dumps(report.as_json(), indent=2, sort_keys=True) + "\n"
    pages.append((REPORT_FILE, report_json.encode("utf-8")))
    with build_lock(config.output_dir):
        remove_stale(config.output_dir)
        write_site(config.output_dir, pages, config.static_dir, config.finish)
    return dataclasses.replace(report, seconds=time.perf_counter() - started)
