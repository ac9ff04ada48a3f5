"""Site settings (``site.yaml``) and the per-run build configuration.

Stage: shared. May import: diagnostics, yaml_source, models, schema_errors, pydantic.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator

from .diagnostics import Diagnostic, Location, Severity
from .history import Change
from .models import StrictModel, _check_url
from .schema_errors import diagnostics_from_error
from .yaml_source import parse_yaml

if TYPE_CHECKING:
    from .output import Finish

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TEMPLATES = PACKAGE_ROOT / "templates"
DEFAULT_STATIC = PACKAGE_ROOT / "static"
SETTINGS_FILE = "site.yaml"


class SiteSettings(StrictModel):
    """What a formulary team sets once for its whole site, in ``site.yaml``."""

    site_name: str = Field(
        default="ClinCalc Pro",
        min_length=1,
        max_length=80,
        description="Shown in the header of every page.",
    )
    base_url: str = Field(
        default="https://example.org/",
        description="Absolute address the site is published at (sitemap).",
    )
    publish_drafts: bool = Field(
        default=True,
        description="false leaves draft and in-review monographs out of the build.",
    )
    language: str = Field(
        default="en-GB",
        pattern=r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$",
        description="The pages' lang attribute.",
    )

    @field_validator("base_url")
    @classmethod
    def _normalise_base_url(cls, value: str) -> str:
        checked = _check_url(value) or value
        # The path becomes the prefix of every root-relative link: '//evil.example/' (or
        # '/\\evil.example/', which browsers read the same way) would send them to another host.
        parts = urlsplit(checked)
        if any(mark in checked for mark in "?#\\") or "@" in parts.netloc or "//" in parts.path:
            raise ValueError(
                "must be a plain site address: no '?', '#', user name, backslash or '//' in it"
            )
        return checked if checked.endswith("/") else checked + "/"


@dataclass(frozen=True)
class BuildConfig:
    """Everything one run needs; passed explicitly, never held globally."""

    content_dir: Path
    output_dir: Path = Path("_site")
    templates_dir: Path = DEFAULT_TEMPLATES
    static_dir: Path = DEFAULT_STATIC
    today: dt.date = dt.date(1970, 1, 1)
    strict: bool = False
    base_url: str | None = None  # --base-url, overrides site.yaml
    finish: Finish | None = None  # post-processing of the staged site (search)
    # git changes per monograph slug, newest first (read at the CLI edge; empty: no history)
    history: tuple[tuple[str, tuple[Change, ...]], ...] = ()

    def settings_override(self, settings: SiteSettings) -> SiteSettings:
        """Apply command-line overrides to the settings read from site.yaml."""
        if self.base_url is None:
            return settings
        return SiteSettings.model_validate({**settings.model_dump(), "base_url": self.base_url})


def load_settings(path: Path) -> tuple[SiteSettings, list[Diagnostic]]:
    """Read ``site.yaml``; a missing file means all defaults."""
    if not path.is_file():
        return SiteSettings(), []
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return SiteSettings(), [
            Diagnostic(
                Location(shown),
                Severity.ERROR,
                "settings.unreadable",
                f"cannot read site settings: {exc}",
            )
        ]
    parsed = parse_yaml(text, shown)
    if parsed.diagnostics:
        return SiteSettings(), parsed.diagnostics
    data = parsed.data if parsed.data is not None else {}
    if not isinstance(data, dict):
        return SiteSettings(), [
            Diagnostic(
                Location(shown, 1, 1),
                Severity.ERROR,
                "schema.not_a_mapping",
                "site settings must be a mapping of fields",
            )
        ]
    try:
        return SiteSettings.model_validate(data), []
    except ValidationError as exc:
        return SiteSettings(), diagnostics_from_error(exc, data, parsed.source_map, SiteSettings)


def today_from_environment() -> dt.date:
    """Build date: SOURCE_DATE_EPOCH when set (reproducible builds), else today (UTC).

    Called only by the command line (the edge that owns the clock); stages take ``today``.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    return dt.datetime.now(tz=dt.UTC).date()
