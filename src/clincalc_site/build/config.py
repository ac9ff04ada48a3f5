"""The per-run build configuration, and the clock read at the command-line edge.

Stage: build/ (docs/architecture.md).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from clincalc_site.content.history import Change, MonographVersion, Withdrawal
from clincalc_site.site.settings import OVERRIDE_STATIC, OVERRIDE_TEMPLATES, SiteSettings

if TYPE_CHECKING:
    from clincalc_site.publish.site_files import Finish

# An installed wheel carries the default templates and static files in the package
# (setup.py copies them); a source checkout uses them where they are, at its top.
PACKAGED_DEFAULTS = Path(__file__).resolve().parents[1] / "defaults"
SOURCE_TREE = Path(__file__).resolve().parents[3]


def _default(name: str) -> Path:
    packaged = PACKAGED_DEFAULTS / name
    return packaged if packaged.is_dir() else SOURCE_TREE / name


DEFAULT_TEMPLATES = _default("templates")
DEFAULT_STATIC = _default("static")


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
    # each monograph's versions from git, oldest first (read with ``history``; empty: none)
    versions: tuple[tuple[str, tuple[MonographVersion, ...]], ...] = ()
    # each monograph file's deletions in git, oldest first, for the feeds (read with ``history``)
    withdrawals: tuple[tuple[str, tuple[Withdrawal, ...]], ...] = ()
    # build --as-of: the day the content was taken from git at (``today`` is that day too)
    as_of: dt.date | None = None
    # where git is asked for the blobs of ``versions`` (None: content_dir; build --as-of
    # builds from a snapshot outside the checkout: the checkout's content folder)
    git_dir: Path | None = None

    @property
    def versions_shown(self) -> tuple[tuple[str, MonographVersion], ...]:
        """Each monograph's version in force: all the pages show of ``versions``, and so all
        the build's keys hash (the whole list grows with the history; pages showing older
        versions would need it in their keys)."""
        return tuple((slug, found[-1]) for slug, found in self.versions if found)

    @property
    def template_folders(self) -> tuple[Path, ...]:
        """Where templates are looked up, first match wins: the ``templates/`` folder beside
        site.yaml (a team's overrides, file by file), then the packaged templates."""
        return _layered(self.content_dir.parent / OVERRIDE_TEMPLATES, self.templates_dir)

    @property
    def static_folders(self) -> tuple[Path, ...]:
        """The static folders copied into the site, later ones replacing earlier files of the
        same name: the packaged static files, then the ``static/`` folder beside site.yaml."""
        return _layered(self.content_dir.parent / OVERRIDE_STATIC, self.static_dir)[::-1]

    def settings_override(self, settings: SiteSettings) -> SiteSettings:
        """Apply command-line overrides to the settings read from site.yaml."""
        if self.base_url is None:
            return settings
        # Only the address is checked again: the rest was checked with site.yaml's folder.
        checked = SiteSettings.model_validate({"base_url": self.base_url}).base_url
        return settings.model_copy(update={"base_url": checked})


def _layered(override: Path, default: Path) -> tuple[Path, ...]:
    """``(override, default)``, or ``(default,)`` when there is no separate override folder
    (this project's own site keeps its defaults beside site.yaml)."""
    if override.is_dir() and override.resolve() != default.resolve():
        return (override, default)
    return (default,)


def today_from_environment() -> dt.date:
    """Build date: SOURCE_DATE_EPOCH when set (reproducible builds), else today (UTC).

    Called only by the command line (the edge that owns the clock); stages take ``today``.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    return dt.datetime.now(tz=dt.UTC).date()
