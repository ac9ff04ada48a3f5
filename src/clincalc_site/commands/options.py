"""What every command shares: exit codes and the common options.

Exit codes, for every command: 0 success; 1 the content has errors (or warnings under
``--strict``), or ``new`` refused to overwrite; 2 usage, an output that cannot be written, or
an internal error.
"""

from __future__ import annotations

import argparse
from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    """What a command's exit status means (the same for every command)."""

    OK = 0
    CONTENT = 1  # errors in the content (or warnings under --strict); `new` refused
    USAGE = 2  # bad arguments, an unwritable output, an internal error


def content_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--content",
        type=Path,
        default=Path("monographs"),
        help="folder of monograph YAML files (default: monographs/)",
    )


def strict_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--strict", action="store_true", help="treat warnings (e.g. review overdue) as errors"
    )


def format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=("text", "json", "github"),
        default="text",
        help="how to print problems: text (default), json, or GitHub Actions annotations",
    )
