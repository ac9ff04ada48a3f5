"""``clincalc-site check``: validate every monograph and report every problem, located.

Stage: commands/ (docs/architecture.md).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from clincalc_site.build import pipeline
from clincalc_site.build.config import BuildConfig, today_from_environment
from clincalc_site.content.loader import display_path
from clincalc_site.diagnostics import (
    Diagnostic,
    format_counting_notes,
    format_report,
    has_failures,
    sort_diagnostics,
    summary_line,
)

from .options import ExitCode, content_option, format_option, strict_option


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("check", help="validate every monograph; report all problems")
    content_option(parser)
    strict_option(parser)
    format_option(parser)
    parser.add_argument(
        "--notes",
        action="store_true",
        help="list every note (e.g. each draft monograph); by default notes are counted",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        help="monograph files or folders to check (default: the --content folder); a file is "
        "checked with the rest of its folder, so that links between monographs resolve",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    today = today_from_environment()
    targets = args.paths or [args.content]
    # A missing --content folder is a located content error (below); a named path, a typo.
    missing = [str(path) for path in args.paths if not path.exists()]
    if missing:
        print(f"clincalc-site check: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return ExitCode.USAGE
    diagnostics: list[Diagnostic] = []
    files = 0
    for folder, named in _by_folder(targets):
        config = BuildConfig(content_dir=folder, today=today, strict=args.strict)
        report = pipeline.check(config, only=named)
        diagnostics += report.diagnostics
        files += report.files
    diagnostics = sort_diagnostics(diagnostics)
    if args.format == "text" and not args.notes:
        text = format_counting_notes(diagnostics, "shown by `clincalc-site check --notes`")
    else:
        text = format_report(diagnostics, args.format)
    if args.format == "json":
        print(text)
    else:
        if text:
            print(text)
        elapsed = time.perf_counter() - started
        print(f"{summary_line(diagnostics, files)} in {elapsed:.2f} s", file=sys.stderr)
    failed = has_failures(diagnostics, strict=args.strict)
    return ExitCode.CONTENT if failed else ExitCode.OK


def _by_folder(paths: list[Path]) -> list[tuple[Path, set[str] | None]]:
    """Each content folder to load, with the files named in it (None: all of them)."""
    folders: dict[Path, set[str] | None] = {}
    for path in paths:
        if path.is_dir() or not path.exists():
            folders[path] = None
            continue
        named = folders.setdefault(path.parent, set())
        if named is not None:
            named.add(display_path(path))
    return list(folders.items())
