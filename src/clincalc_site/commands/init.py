"""``clincalc-site init [DIR]``: a new formulary repository that builds at once.

Stage: commands/ (docs/architecture.md).

Exit codes: 0 written (files that already existed are kept and named), 2 a usage error (a
name or address that cannot be used, or a folder that cannot be written).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pydantic import ValidationError

from .options import ExitCode


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``init`` subcommand."""
    parser = commands.add_parser(
        "init",
        help="start a new formulary repository: settings, an example monograph, CI",
        description="Write site.yaml (every setting explained), monographs/ with one example "
        "draft, team.yaml and sources.yaml, a .gitignore, a GitHub Actions workflow that "
        "publishes to GitHub Pages, a pre-commit config, requirements.txt and a README. "
        "A file that already exists is never overwritten.",
    )
    parser.add_argument(
        "folder", nargs="?", type=Path, default=Path("."), help="where (default: here)"
    )
    parser.add_argument("--name", help="the formulary's name (default: from the folder's name)")
    parser.add_argument(
        "--base-url",
        help="the address the site will be published at, e.g. https://formulary.example.nhs.uk/ "
        "(default: none yet; the GitHub Pages workflow supplies it)",
    )
    parser.set_defaults(handler=run)


def _default_name(folder: Path) -> str:
    words = folder.resolve().name.replace("-", " ").replace("_", " ").split()
    return " ".join(word[:1].upper() + word[1:] for word in words) or "Formulary"


def run(args: argparse.Namespace) -> int:
    """Write every starter file that does not exist yet."""
    from clincalc_site.build.config import today_from_environment
    from clincalc_site.content.loader import display_path
    from clincalc_site.editor.starter_repo import starter_files
    from clincalc_site.site.settings import SiteSettings

    folder: Path = args.folder
    name = args.name if args.name is not None else _default_name(folder)
    try:
        checked = SiteSettings.model_validate({"site_name": name, "base_url": args.base_url})
    except ValidationError as exc:
        problem = "; ".join(f"{e['loc'][0]} {e['msg']}" for e in exc.errors())
        print(f"clincalc-site init: {problem}", file=sys.stderr)
        return ExitCode.USAGE
    files = starter_files(name, checked.base_url, today_from_environment().isoformat())
    written: list[str] = []
    kept: list[str] = []
    try:
        for relative, text in files.items():
            path = folder / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                # Mode "x" creates the file or fails: never over a file of the team's.
                with path.open("x", encoding="utf-8", newline="\n") as handle:
                    handle.write(text)
                written.append(relative)
            except FileExistsError:
                kept.append(relative)
    except OSError as exc:
        print(f"clincalc-site init: cannot write in {display_path(folder)}: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    where = str(folder)  # as the user typed it, for the "cd" they will type next
    for relative in written:
        print(f"created {relative}")
    for relative in kept:
        print(f"kept {relative} (it exists; not overwritten)")
    if ".gitignore" in kept:
        ignored = (folder / ".gitignore").read_text(encoding="utf-8", errors="replace").split()
        missing = [line for line in ("_site/", ".clincalc/") if line not in ignored]
        if missing:
            print(f"  add to your .gitignore: {' '.join(missing)} (what a build leaves)")
    if "requirements.txt" in written:
        print("  requirements.txt says how CI installs clincalc-site: check it (docs/ci.md)")
    go = "" if where == "." else f"cd {where} && "
    print(f"next: {go}clincalc-site serve   (see the site as you edit)")
    if checked.base_url is None:
        print("      set base_url in site.yaml before `clincalc-site build --strict`")
    return ExitCode.OK
