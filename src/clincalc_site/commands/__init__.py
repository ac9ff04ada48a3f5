"""Every subcommand, one module each; this package also holds what they share.

Stage: interface. Each command module may import pipeline and feature modules, never cli.

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


def register_all(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add every subcommand's parser; modules are imported here so ``check`` stays light."""
    from . import build, check, new, schema, serve

    check.register(commands)
    build.register(commands)
    serve.register(commands)
    new.register(commands)
    schema.register(commands)
