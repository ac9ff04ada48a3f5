"""Command line: ``clincalc-site check|build|...``.

Stage: top level (docs/architecture.md). Every command lives in ``commands/``;
this module parses the arguments, runs the chosen command and turns a bug into exit 2.

Exit codes: ``commands.ExitCode`` (0 success, 1 content errors or warnings under --strict,
2 usage or internal error).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import NoReturn

from .commands import ExitCode, register_all

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clincalc-site",
        description="Build a drug formulary website from YAML monographs. "
        "Exit codes: 0 success, 1 content errors, 2 usage or internal error.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    register_all(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (callable from tests)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code) if isinstance(exc.code, int) else ExitCode.USAGE
    handler: Handler = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return ExitCode.USAGE
    except Exception:  # a bug, never bad content: say so plainly and exit 2
        traceback.print_exc()
        print("clincalc-site: internal error (this is a bug; please report it)", file=sys.stderr)
        return ExitCode.USAGE


def run() -> NoReturn:
    """The ``clincalc-site`` command: ``main``, then exit without tearing the heap down.

    A rebuild leaves a large heap that the interpreter would free object by object on the
    way out (docs/performance.md, "Micro-optimisations"). Everything a command writes is
    closed and renamed into place before ``main`` returns, its child processes are joined,
    and output is flushed here; if flushing fails (a closed pipe), the usual exit reports it.
    """
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(code)
    os._exit(code)


if __name__ == "__main__":
    run()
