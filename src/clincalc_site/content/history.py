"""Read each monograph's change history from git, for the "Changes" list and the dashboard.

Stage: content/ (docs/architecture.md): an input edge, like ``loader``.

One ``git log`` over the whole content folder (not one per file: a formulary has thousands),
parsed into slug -> changes, newest first. Outside a git checkout, or without git, there is
simply no history: the pages say so rather than fail the build.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MAX_CHANGES = 10
_RECORD, _FIELD = "\x1e", "\x1f"


@dataclass(frozen=True, order=True)
class Change:
    date: str  # YYYY-MM-DD, the commit date
    subject: str
    commit: str


History = Mapping[str, tuple[Change, ...]]


def parse_log(text: str) -> dict[str, tuple[Change, ...]]:
    """Parse ``git log --format=<RS>%h<US>%cs<US>%s --name-only`` output into slug -> changes."""
    found: dict[str, list[Change]] = {}
    for record in text.split(_RECORD):
        lines = record.strip("\n").split("\n")
        header = lines[0].split(_FIELD)
        if len(header) != 3:
            continue
        commit, date, subject = header
        change = Change(date, subject.strip(), commit)
        for name in lines[1:]:
            path = PurePosixPath(name.strip())
            if path.suffix == ".yaml" and len(path.parts) == 1:
                changes = found.setdefault(path.stem, [])
                if len(changes) < MAX_CHANGES:
                    changes.append(change)
    return {slug: tuple(changes) for slug, changes in found.items()}


def read_history(content_dir: Path) -> dict[str, tuple[Change, ...]]:
    """The git history of every monograph file; empty when not in a git checkout."""
    command = [
        "git",
        "-C",
        str(content_dir),
        "log",
        "--relative",
        "--no-renames",
        "--name-only",
        f"--format={_RECORD}%h{_FIELD}%cs{_FIELD}%s",
        "--",
        ".",
    ]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return {}
    return parse_log(result.stdout) if result.returncode == 0 else {}
