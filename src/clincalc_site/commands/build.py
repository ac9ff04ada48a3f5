"""``clincalc-site build``: check, render and atomically publish the site.

Stage: commands/ (docs/architecture.md).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from pydantic import ValidationError

from clincalc_site.build import pipeline
from clincalc_site.build.config import BuildConfig
from clincalc_site.build.progress import DELAY, TerminalProgress, terminal_progress
from clincalc_site.build.report import REPORT_FILE, BuildReport
from clincalc_site.build.workers import ContentChanged
from clincalc_site.diagnostics import format_build_text, format_report
from clincalc_site.publish.output_folder import OutputError
from clincalc_site.site.settings import SiteSettings

from .options import ExitCode, content_option, format_option, strict_option

# Seconds a build runs before its progress bar appears (default 1); 0 shows it at once.
DELAY_VARIABLE = "CLINCALC_PROGRESS_DELAY"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("build", help="check, render and publish the site atomically")
    content_option(parser)
    strict_option(parser)
    parser.add_argument(
        "--out",
        type=Path,
        help="output folder (default: _site/, or _site-as-of-<day>/ with --as-of); replaced "
        "only on success",
    )
    parser.add_argument(
        "--as-of",
        type=_day,
        metavar="YYYY-MM-DD",
        help="build the site as it stood at the end of that day (UTC): the content from git "
        "at that time, this build's templates, every page marked as not current",
    )
    parser.add_argument("--base-url", help="absolute URL the site is published at (sitemap)")
    parser.add_argument(
        "--no-search",
        action="store_true",
        help="skip the search index (faster previews and benchmarks)",
    )
    format_option(parser)
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="ignore the build cache: load and render everything (a cold build)",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        help="build cache folder (default: .clincalc/cache/ beside the output folder)",
    )
    parser.add_argument(
        "--jobs",
        type=_positive,
        help="worker processes for large sites (default: one per core; 1: none)",
    )
    parser.set_defaults(handler=run)


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def _positive(text: str) -> int:
    value = int(text) if text.isdigit() else 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def content_version(content_dir: Path) -> str:
    """The git commit of the content, when it is in a git checkout ('' otherwise)."""
    try:
        result = subprocess.run(
            ["git", "-C", str(content_dir), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return result.stdout.strip() if result.returncode == 0 else ""


def make_config(args: argparse.Namespace, *, history: bool = True) -> BuildConfig:
    from clincalc_site.build.config import today_from_environment
    from clincalc_site.build.manifest import cache_dir_for
    from clincalc_site.content.history import GitHistory, read_git_history
    from clincalc_site.publish.search import make_finisher

    # What each pair of versions of a file says is kept beside the build cache (not with
    # --no-cache: a cold build describes every change afresh).
    history_cache = None if args.no_cache else cache_dir_for(args.out, args.cache_dir)
    found = read_git_history(args.content, history_cache) if history else GitHistory()
    return BuildConfig(
        content_dir=args.content,
        output_dir=args.out,
        today=today_from_environment(),
        strict=args.strict,
        base_url=args.base_url,
        # Pagefind index, drug list, web app manifest and service worker, on the staged site.
        finish=make_finisher(index_search=not args.no_search),
        # "Changes" on each page and the dashboard's last change: what changed in each
        # monograph, worked out from its versions in git (empty outside git); and the versions,
        # numbered, for "Version 4, in force since ..." (the same pass).
        history=tuple(sorted(found.changes.items())),
        versions=tuple(sorted(found.versions.items())),
        withdrawals=tuple(sorted(found.withdrawals.items())),
    )


def progress_bar() -> TerminalProgress | None:
    """A progress bar on stderr when stderr is a terminal (never in CI logs or pipes)."""
    try:
        delay = float(os.environ.get(DELAY_VARIABLE, DELAY))
    except ValueError:  # a typo in a cosmetic setting must not stop the build
        delay = DELAY
    if not delay >= 0:  # negative or NaN
        delay = DELAY
    return terminal_progress(sys.stderr, delay=delay)


def build_site(
    config: BuildConfig,
    options: pipeline.BuildOptions,
    progress: TerminalProgress | None,
    version: str | None = None,
) -> BuildReport:
    """``pipeline.build``, with the bar erased however the build ends: whatever is printed
    next (problems, the summary, an error, a traceback) starts on a clean line.
    ``version``: the content's commit (default: the checkout's)."""
    if version is None:
        version = content_version(config.content_dir)
    try:
        return pipeline.build(config, version, options)
    finally:
        if progress is not None:
            progress.clear()


def run(args: argparse.Namespace) -> int:
    if args.base_url is not None:
        try:
            SiteSettings(base_url=args.base_url)
        except ValidationError:
            print(
                f"clincalc-site: --base-url must be an http(s) URL, got {args.base_url!r}",
                file=sys.stderr,
            )
            return ExitCode.USAGE
    if args.out is None:
        args.out = Path(f"_site-as-of-{args.as_of}" if args.as_of else "_site")
    if args.as_of is not None:
        return build_as_of(args)
    return build_and_report(args, make_config(args))


def build_as_of(args: argparse.Namespace) -> int:
    """Build the content of the end of ``args.as_of`` from git, with this build's templates."""
    from clincalc_site.content.git_snapshot import SnapshotError, take_snapshot
    from clincalc_site.content.history import read_git_history

    current = BuildConfig(content_dir=args.content)
    with tempfile.TemporaryDirectory(prefix="clincalc-as-of-") as folder:
        try:
            snapshot = take_snapshot(args.content, args.as_of, Path(folder))
        except SnapshotError as exc:
            print(f"clincalc-site build --as-of: {exc}", file=sys.stderr)
            return ExitCode.USAGE
        # This build's own templates and static files, not those of that day
        overrides = [*current.template_folders[:-1], *current.static_folders[1:]]
        for override in overrides:
            shutil.copytree(override, snapshot.content_dir.parent / override.name)
        found = read_git_history(args.content, until=snapshot.commit)
        config = dataclasses.replace(
            make_config(args, history=False),
            content_dir=snapshot.content_dir,
            today=args.as_of,
            as_of=args.as_of,
            git_dir=args.content,
            history=tuple(sorted(found.changes.items())),
            versions=tuple(sorted(found.versions.items())),
            withdrawals=tuple(sorted(found.withdrawals.items())),
        )
        return build_and_report(args, config, version=snapshot.commit[:12])


def build_and_report(
    args: argparse.Namespace, config: BuildConfig, version: str | None = None
) -> int:
    progress = progress_bar()  # its clock starts here, with the build
    options = pipeline.BuildOptions(
        use_cache=not args.no_cache, cache_dir=args.cache_dir, jobs=args.jobs, progress=progress
    )
    try:
        report = build_site(config, options, progress, version)
    except (OutputError, ContentChanged) as exc:
        print(f"clincalc-site: {exc}", file=sys.stderr)
        return ExitCode.CONTENT
    except OSError as exc:  # the disk, not the program: a plain message and exit 1
        print(
            f"clincalc-site: build failed, {config.output_dir} was not changed: {exc}",
            file=sys.stderr,
        )
        return ExitCode.CONTENT
    if args.format == "text":
        written = None if report.failed else str(config.output_dir / REPORT_FILE)
        text = format_build_text(report.diagnostics, written)
    else:
        text = format_report(report.diagnostics, args.format)
    if text:
        print(text)
    if report.failed:
        print(f"build failed: {config.output_dir} was not changed", file=sys.stderr)
        return ExitCode.CONTENT
    counts = report.counts
    print(
        f"built {report.pages} pages into {config.output_dir} in {report.seconds:.2f} s: "
        f"{_many(counts.monographs, 'monograph')} ({_many(counts.drafts, 'draft')}, "
        f"{_many(counts.overdue, 'overdue review')}), "
        f"doses {counts.verified} shown / {counts.resourcing} not shown"
        + (f", {_many(counts.withheld, 'draft')} withheld" if counts.withheld else "")
        + f"; monograph pages rendered {report.rendered}, reused {report.reused}"
        + (
            f"; archive and history pages rendered {report.archive_rendered}, "
            f"reused {report.archive_pages - report.archive_rendered}"
            if report.archive_pages
            else ""
        ),
        file=sys.stderr,
    )
    return ExitCode.OK


def _many(count: int, thing: str) -> str:
    """'1 monograph', '2 monographs'."""
    return f"{count} {thing}{'' if count == 1 else 's'}"
