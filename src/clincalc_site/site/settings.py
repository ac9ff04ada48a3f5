"""Site settings: ``site.yaml``, what a formulary team sets once for its whole site.

Stage: site/ (docs/architecture.md).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator

from clincalc_site.content.models import StrictModel, _check_url
from clincalc_site.content.schema_errors import diagnostics_from_error
from clincalc_site.content.yaml_source import parse_yaml
from clincalc_site.diagnostics import Diagnostic, Location, Severity

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
