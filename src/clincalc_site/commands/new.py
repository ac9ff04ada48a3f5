"""``clincalc-site new "Drug name" --class "…"``: start a monograph from a draft that validates.

Stage: commands/ (docs/architecture.md).

Exit codes: 0 written, 1 refused because the file already exists or the content folder is
missing, 2 the name or class cannot be used (a usage error, as argparse's own).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from clincalc_site.content.loader import display_path
from clincalc_site.editor.scaffold import InvalidName, render_draft

from .options import ExitCode, content_option

DEFAULT_CONTENT = Path("monographs")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``new`` subcommand."""
    parser = commands.add_parser(
        "new",
        help="start a new monograph: writes <content>/<slug>.yaml as a draft that validates",
        description="Write a draft monograph with every section and a hint of what belongs "
        "there. It never overwrites a file. Exit codes: 0 written, 1 file exists or content "
        "folder missing, 2 unusable name.",
    )
    parser.add_argument("name", help='the drug\'s name, e.g. "Co-amoxiclav"')
    parser.add_argument(
        "--class",
        dest="drug_class",
        required=True,
        metavar="CLASS",
        help='the drug class line, e.g. "Penicillin with beta-lactamase inhibitor"',
    )
    content_option(parser)
    parser.add_argument(
        "--specialist", action="store_true", help="mark it '(Specialist drug)' after the name"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Write the draft next to the other monographs, refusing to overwrite anything."""
    from clincalc_site.build.config import today_from_environment

    try:
        draft = render_draft(
            args.name, args.drug_class, specialist=args.specialist, today=today_from_environment()
        )
    except InvalidName as exc:
        print(f"clincalc-site new: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    if not args.content.is_dir():
        shown = display_path(args.content)
        print(
            f"clincalc-site new: content folder {shown}/ not found "
            f"(create it, or pass --content DIR)",
            file=sys.stderr,
        )
        return ExitCode.CONTENT
    path = args.content / draft.file_name
    shown = display_path(path)
    try:
        # Mode "x" creates the file or fails: no check-then-write race, no overwrite.
        with path.open("x", encoding="utf-8", newline="\n") as handle:
            handle.write(draft.text)
    except FileExistsError:
        print(
            f"clincalc-site new: {shown} already exists; not overwritten "
            "(edit it, or choose another name)",
            file=sys.stderr,
        )
        return ExitCode.CONTENT
    content = "" if args.content == DEFAULT_CONTENT else f" --content {display_path(args.content)}"
    print(f"created {shown}")
    print(f"next: edit it, then run clincalc-site check{content}")
    return ExitCode.OK
