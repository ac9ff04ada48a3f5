"""``clincalc-site check``: validate every monograph and report every problem, located.

Stage: commands/ (docs/architecture.md).
"""

from __future__ import annotations

import argparse
import sys
import time

from clincalc_site.build import pipeline
from clincalc_site.build.config import BuildConfig, today_from_environment
from clincalc_site.diagnostics import format_report, summary_line

from .options import ExitCode, content_option, format_option, strict_option


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("check", help="validate every monograph; report all problems")
    content_option(parser)
    strict_option(parser)
    format_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    config = BuildConfig(
        content_dir=args.content, today=today_from_environment(), strict=args.strict
    )
    report = pipeline.check(config)
    text = format_report(report.diagnostics, args.format)
    if args.format == "json":
        print(text)
    else:
        if text:
            print(text)
        elapsed = time.perf_counter() - started
        print(
            f"{summary_line(report.diagnostics, report.files)} in {elapsed:.2f} s",
            file=sys.stderr,
        )
    return ExitCode.CONTENT if report.failed else ExitCode.OK
