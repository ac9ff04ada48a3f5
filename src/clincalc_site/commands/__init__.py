"""Subcommands beyond ``check``: each module adds its parser and handler with ``register``.

Stage: interface. Each command module may import pipeline and feature modules, never cli.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

OptionAdder = Callable[[argparse.ArgumentParser], None]


def register_all(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    content_option: OptionAdder,
    strict_option: OptionAdder,
) -> None:
    """Add every subcommand's parser; modules are imported here so ``check`` stays light."""
    from . import build, new, schema, serve

    build.register(commands, content_option, strict_option)
    serve.register(commands, content_option, strict_option)
    new.register(commands, content_option)
    schema.register(commands)
