"""Sequence the stages; the only module that does.

Stage: orchestration. May import: every stage module.

``check`` runs load and validate. ``build`` (see ``build_site``) runs load, validate,
assemble, render and write, and stops before writing anything if any error exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from .config import SETTINGS_FILE, BuildConfig, load_settings
from .diagnostics import Diagnostic, has_failures, sort_diagnostics
from .loader import LoadResult, load_monographs


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
    diagnostics = sort_diagnostics([*settings_problems, *load.diagnostics])
    return CheckReport(load, diagnostics, config.strict)
