"""``clincalc-site build``: check, render and atomically publish the site.

Stage: commands/ (docs/architecture.md).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
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
        default=Path("_site"),
        help="output folder (default: _site/); replaced only on success",
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


def make_config(args: argparse.Namespace) -> BuildConfig:
    from clincalc_site.build.config import today_from_environment
    from clincalc_site.build.manifest import cache_dir_for
    from clincalc_site.content.history import read_history
    from clincalc_site.publish.search import make_finisher

    # What each pair of versions of a file says is kept beside the build cache (not with
    # --no-cache: a cold build describes every change afresh).
    history_cache = None if args.no_cache else cache_dir_for(args.out, args.cache_dir)
    return BuildConfig(
        content_dir=args.content,
        output_dir=args.out,
        today=today_from_environment(),
        strict=args.strict,
        base_url=args.base_url,
        # Pagefind index, drug list, web app manifest and service worker, on the staged site.
        finish=make_finisher(index_search=not args.no_search),
        # "Changes" on each page and the dashboard's last change: what changed in each
        # monograph, worked out from its versions in git (empty outside git).
        history=tuple(sorted(read_history(args.content, history_cache).items())),
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
    config: BuildConfig, options: pipeline.BuildOptions, progress: TerminalProgress | None
) -> BuildReport:
    """``pipeline.build``, with the bar erased however the build ends: whatever is printed
    next (problems, the summary, an error, a traceback) starts on a clean line."""
    try:
        return pipeline.build(config, content_version(config.content_dir), options)
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
    progress = progress_bar()  # its clock starts here, with the build
    config = make_config(args)
    options = pipeline.BuildOptions(
        use_cache=not args.no_cache, cache_dir=args.cache_dir, jobs=args.jobs, progress=progress
    )
    try:
        report = build_site(config, options, progress)
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
        f"{counts.monographs} monographs ({counts.drafts} drafts, {counts.overdue} overdue "
        f"reviews), doses {counts.verified} shown / {counts.resourcing} not shown"
        + (f", {counts.withheld} drafts withheld" if counts.withheld else "")
        + f"; monograph pages rendered {report.rendered}, reused {report.reused}",
        file=sys.stderr,
    )
    return ExitCode.OK
