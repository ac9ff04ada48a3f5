"""Every subcommand, one module each (``options`` holds what they share).

Stage: commands/ (docs/architecture.md). A command module may import every stage, never cli.
"""

from __future__ import annotations

import argparse

from .options import ExitCode

__all__ = ["ExitCode", "register_all"]


def register_all(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add every subcommand's parser; modules are imported here so ``check`` stays light."""
    from . import build, check, init, new, schema, serve

    init.register(commands)
    check.register(commands)
    build.register(commands)
    serve.register(commands)
    new.register(commands)
    schema.register(commands)
