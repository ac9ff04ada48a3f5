"""The content as it stood in git at the end of a day: what ``build --as-of`` builds.

Stage: content/ (docs/architecture.md): an input edge, like ``history``.

"The end of the day" is 23:59:59 UTC, and the content is that of the last commit made by
then on the checked-out branch. Only the monographs folder and the files beside it that
decide what is published (site.yaml, team.yaml, sources.yaml) come from that commit; the
templates are this build's.
"""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

CONTENT_FILES = ("site.yaml", "team.yaml", "sources.yaml")


class SnapshotError(Exception):
    """The content cannot be taken from git for that day; the message says why."""


@dataclass(frozen=True)
class Snapshot:
    commit: str  # full id of the commit the content comes from
    committed_on: dt.date  # its commit date
    content_dir: Path  # the monographs folder, extracted


def _git(folder: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", "-C", str(folder), *args], capture_output=True, timeout=120, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise SnapshotError(f"cannot run git: {exc}") from None


def commit_at_end_of(content_dir: Path, day: dt.date) -> tuple[str, dt.date]:
    """The last commit made by the end of ``day`` (UTC), and its date."""
    found = _git(
        content_dir, "log", "-1", "--format=%H %cs", f"--before={day.isoformat()}T23:59:59+00:00"
    )
    if found.returncode != 0:
        raise SnapshotError(f"{content_dir} is not in a git repository: --as-of needs its history")
    words = found.stdout.decode().split()
    if len(words) != 2:
        raise SnapshotError(f"the repository has no commit made by the end of {day.isoformat()}")
    return words[0], dt.date.fromisoformat(words[1])


def take_snapshot(content_dir: Path, day: dt.date, into: Path) -> Snapshot:
    """Extract the content of the end of ``day`` into the empty folder ``into``."""
    commit, committed_on = commit_at_end_of(content_dir, day)
    top = _git(content_dir, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise SnapshotError(f"{content_dir} is not in a git repository")
    repository = Path(top.stdout.decode().strip())
    try:
        content = PurePosixPath(content_dir.resolve().relative_to(repository.resolve()).as_posix())
    except ValueError:
        raise SnapshotError(f"{content_dir} is outside its git repository") from None
    root = content.parent
    paths = [str(content), *(str(root / name) for name in CONTENT_FILES)]
    listed = _git(repository, "ls-tree", "--name-only", commit, "--", *paths)
    wanted = [name for name in listed.stdout.decode().split("\n") if name]
    if str(content) not in wanted:
        raise SnapshotError(
            f"{content} did not exist yet at the end of {day.isoformat()} (commit {commit[:12]})"
        )
    archive = _git(repository, "archive", "--format=tar", commit, "--", *wanted)
    if archive.returncode != 0:
        raise SnapshotError(f"git could not export commit {commit[:12]}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")  # no links out, no absolute paths
    return Snapshot(commit, committed_on, into / content)
