"""``clincalc-site schema [--kind KIND] [--out FILE]``: print or write a JSON Schema.

Kinds: ``monograph`` (monographs/*.yaml, the default), ``team`` (team.yaml) and ``sources``
(sources.yaml).

Stage: commands/ (docs/architecture.md). Never cli.

Exit codes: 0 printed or written, 2 the file could not be written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .options import ExitCode


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``schema`` subcommand."""
    parser = commands.add_parser(
        "schema",
        help="print the JSON Schema of a content file (for editors and CI)",
        description="Print the JSON Schema (Draft 2020-12) generated from the content model, "
        "or write it to a file. The repository keeps them in schema/ (monograph, team and "
        "sources, site); regenerate them after changing models.py.",
    )
    parser.add_argument(
        "--kind",
        choices=("monograph", "team", "sources", "site"),
        default="monograph",
        help="which file's schema: a monograph (default), team.yaml, sources.yaml or site.yaml",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="write the schema to FILE instead of printing it (e.g. schema/monograph.schema.json)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print the schema, or write it to ``--out`` (unchanged files are left untouched)."""
    from clincalc_site.editor.schema_export import missing_descriptions, render_schema

    for name in missing_descriptions():
        print(f"clincalc-site schema: warning: {name} has no description", file=sys.stderr)
    text = render_schema(args.kind)
    if args.out is None:
        sys.stdout.write(text)
        return ExitCode.OK
    out: Path = args.out
    try:
        if out.is_file() and out.read_text(encoding="utf-8") == text:
            print(f"{out} is up to date", file=sys.stderr)
            return ExitCode.OK
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8", newline="\n")
    except OSError as exc:
        print(f"clincalc-site schema: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return ExitCode.USAGE
    print(f"wrote {out}", file=sys.stderr)
    return ExitCode.OK
