"""Site settings: ``site.yaml``, what a formulary team sets once for its whole site.

Stage: site/ (docs/architecture.md). Every field is documented for editors in
docs/site-settings.md and carried into ``clincalc-site schema`` by its description.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, ValidationInfo, field_validator

from clincalc_site.content.models import StrictModel, _check_url
from clincalc_site.content.schema_errors import diagnostics_from_error
from clincalc_site.content.yaml_source import parse_yaml
from clincalc_site.diagnostics import Diagnostic, Location, Severity
from clincalc_site.site.colours import MIN_CONTRAST, readable_colour
from clincalc_site.site.formulary import FormularyVocabulary

SETTINGS_FILE = "site.yaml"
# The folders beside site.yaml whose files replace the packaged ones of the same name.
OVERRIDE_TEMPLATES = "templates"
OVERRIDE_STATIC = "static"
DEFAULT_COLOUR = "#0b4f9c"  # the packaged stylesheet's link and button colour
# Made by the build when a team chooses a colour; at the root, since static/ holds only
# copied files (each build replaces that folder whole).
BRAND_STYLESHEET = "brand.css"
LOGO_TYPES = (".svg", ".png", ".webp", ".jpg", ".jpeg")
# Addresses that stand for "no address yet": a sitemap that lists them sends search
# engines nowhere, so a strict build refuses them (RFC 2606 names and local machines).
_PLACEHOLDER_HOSTS = re.compile(
    r"(^|\.)(example\.(org|com|net)|invalid|test|localhost|example)$|^127\.|^0\.0\.0\.0$"
)


def is_documentation_address(url: str) -> bool:
    """True for example.org, .com and .net (RFC 2606): addresses never to publish."""
    host = (urlsplit(url).hostname or "").lower()
    return bool(re.search(r"(^|\.)example\.(org|com|net)$", host))


def is_placeholder_address(url: str) -> bool:
    """True for example.org, .invalid, .test, localhost and the like."""
    return bool(_PLACEHOLDER_HOSTS.search((urlsplit(url).hostname or "").lower()))


class SiteSettings(StrictModel):
    """What a formulary team sets once for its whole site, in ``site.yaml``."""

    site_name: str = Field(
        default="ClinCalc Pro",
        min_length=1,
        max_length=80,
        description="The formulary's name, shown in the header and the title of every page.",
    )
    organisation: str = Field(
        default="",
        max_length=120,
        description="Who publishes the formulary, e.g. a trust's pharmacy department; the "
        "footer says 'Published by …'. Leave empty to leave that line out.",
    )
    banner_name: str = Field(
        default="",
        max_length=120,
        description="The name the dosing banner uses ('… is rebuilding its dose data'). "
        "Empty: the organisation, or else the site name.",
    )
    base_url: str | None = Field(
        default=None,
        description="The address the site is published at, e.g. "
        "https://formulary.example.nhs.uk/ (canonical links, sitemap, robots.txt). Required "
        "by --strict builds; without it there is no sitemap.",
    )
    logo: str | None = Field(
        default=None,
        description="A logo image in the static/ folder beside site.yaml, e.g. 'logo.svg' "
        "(svg, png, webp or jpg), shown in the header beside the site name.",
    )
    brand_colour: str | None = Field(
        default=None,
        description=f"The colour of links and buttons, as #rrggbb (default {DEFAULT_COLOUR}). "
        f"It must have a contrast of at least {MIN_CONTRAST}:1 against white.",
    )
    footer: str = Field(
        default="",
        max_length=2000,
        description="Extra footer text in Markdown (links allowed; HTML is shown as text), e.g. "
        "who to contact about the formulary.",
    )
    report_problem: str | None = Field(
        default=None,
        description="Where a reader reports a problem with a page: a mailto: address or an "
        "https:// form. Each monograph page links to it, naming the drug and the page's "
        "address (mailto: subject and body; https: the query parameters 'drug' and 'page').",
    )
    formulary: FormularyVocabulary | None = Field(
        default=None,
        description="The formulary statuses (who may prescribe a drug) and flags this "
        "organisation uses, each with a label, a one-sentence meaning and (statuses) a "
        "colour. Monographs then carry 'formulary: status: …'. None: nothing of it appears.",
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
    def _normalise_base_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        checked = _check_url(value) or value
        # The path becomes the prefix of every root-relative link: '//evil.example/' (or
        # '/\\evil.example/', which browsers read the same way) would send them to another host.
        parts = urlsplit(checked)
        if any(mark in checked for mark in "?#\\") or "@" in parts.netloc or "//" in parts.path:
            raise ValueError(
                "must be a plain site address: no '?', '#', user name, backslash or '//' in it"
            )
        return checked if checked.endswith("/") else checked + "/"

    @field_validator("brand_colour")
    @classmethod
    def _readable_colour(cls, value: str | None) -> str | None:
        if value is None:  # written, but empty: `brand_colour: #1d5c8f` reads as a comment
            raise ValueError(
                'is empty: write the colour in quotes, e.g. brand_colour: "#1d5c8f" (without '
                "quotes YAML reads everything from '#' as a comment)"
            )
        return readable_colour(value, "links and buttons")

    @field_validator("report_problem")
    @classmethod
    def _report_address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.startswith("mailto:"):
            if re.fullmatch(r"mailto:[^@\s?&]+@[^@\s?&/]+", value) is None:
                raise ValueError("must be one address, e.g. 'mailto:formulary@example.nhs.uk'")
            return value
        if not value.startswith("https://"):
            raise ValueError("must start with mailto: or https://")
        return _check_url(value)

    @field_validator("logo")
    @classmethod
    def _logo_exists(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        path = PurePosixPath(value)
        if path.is_absolute() or ".." in path.parts or "\\" in value:
            raise ValueError("must be a file name inside the static/ folder, e.g. 'logo.svg'")
        if path.suffix.lower() not in LOGO_TYPES:
            raise ValueError(f"must be an image: {', '.join(LOGO_TYPES)}")
        present: frozenset[str] = (info.context or {}).get("static_files", frozenset())
        if path.as_posix() not in present:
            raise ValueError(
                f"there is no file static/{path.as_posix()} beside site.yaml: put the logo "
                "there, or correct the name"
            )
        return path.as_posix()


def static_files(root: Path) -> frozenset[str]:
    """The files under ``root/static`` (POSIX paths relative to it); links are not followed."""
    folder = root / OVERRIDE_STATIC
    if not folder.is_dir():
        return frozenset()
    return frozenset(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and not p.is_symlink()
    )


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
                "site.yaml is a group of fields, each 'name: value' from the left margin",
            )
        ]
    try:
        context = {"static_files": static_files(path.parent)}
        # warnings: text a ' #' cut short, as in monographs
        return SiteSettings.model_validate(data, context=context), list(parsed.warnings)
    except ValidationError as exc:
        problems = diagnostics_from_error(exc, data, parsed.source_map, SiteSettings)
        return SiteSettings(), [*problems, *parsed.warnings]


def base_url_problems(settings: SiteSettings, path: Path, *, strict: bool) -> list[Diagnostic]:
    """No real site address: a note for a draft build, an error for a --strict one (the
    build that is published), since its sitemap and canonical links need the address."""
    shown = str(path)
    severity = Severity.ERROR if strict else Severity.NOTE
    if settings.base_url is None:
        return [
            Diagnostic(
                Location(shown),
                severity,
                "settings.no_base_url",
                "the site's address (base_url) is not set, so pages have no canonical "
                "address and the site has no sitemap",
                hint="add 'base_url: https://…/' to site.yaml, or pass --base-url",
            )
        ]
    if is_placeholder_address(settings.base_url):
        return [
            Diagnostic(
                Location(shown),
                severity,
                "settings.placeholder_base_url",
                f"base_url {settings.base_url} is a placeholder, not the site's address",
                hint="set base_url in site.yaml (or pass --base-url) to where the site is "
                "published",
            )
        ]
    return []
