"""How long reading every monograph's "Changes" from git takes, cold and warm.

Usage:
    python benchmarks/history.py [--monographs 2000] [--commits 5] [--repeat 3] [--work-dir DIR]

Makes a git repository of ``--monographs`` monographs, each changed by ``--commits`` commits
(the first adds it; then monitoring, counselling, the review, a re-formatting no reader sees,
in turn), in a temporary folder, and times ``read_history``: cold (no history cache: every
pair of versions read with ``git cat-file --batch`` and compared) and warm (the cache of the
cold run present: only ``git log``). Prints the median, min and max of ``--repeat`` runs
of each. Run on purpose, not by the test suite; on a shared machine compare medians.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from clincalc_site.content.history import CACHE_FILE, read_history  # noqa: E402

MONOGRAPH = """\
name: Drug {n}
drug_class: Class {group}
summary: Drug {n} is an example medicine used in benchmarks of the change history.
mechanism: >-
  It binds receptor {n} and lowers something measurable, in a dose-dependent way,
  over days to weeks.
monitoring: Monitor renal function at baseline.
counselling:
  - Take with food.
review:
  status: draft
  date: 2026-01-01
"""
EDITS = (
    ("Monitor renal function at baseline.", "Monitor renal function at baseline and yearly."),
    ("  - Take with food.\n", "  - Take with food.\n  - Report a rash.\n"),
    ("status: draft", "status: clinician-reviewed"),
    ("review:\n", "# reviewed by the panel\nreview:\n"),  # no reader sees it
)


def git(repo: Path, *args: str, stdin: str | None = None) -> str:
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    result = subprocess.run(
        ["git", "-C", str(repo), *args], input=stdin, capture_output=True, text=True, env=env,
        check=True,
    )  # fmt: skip
    return result.stdout


def make_repository(repo: Path, monographs: int, commits: int) -> None:
    """One commit per round of edits (each touches every monograph), like a formulary team
    working through its files; written with ``git fast-import`` to be quick."""
    content = repo / "monographs"
    content.mkdir(parents=True)
    git(repo, "init", "-q")
    texts = [MONOGRAPH.format(n=n, group=n % 40) for n in range(monographs)]
    stream: list[str] = []
    for round_ in range(commits):
        if round_:
            old, new = EDITS[(round_ - 1) % len(EDITS)]
            texts = [text.replace(old, new, 1) for text in texts]
            if round_ > len(EDITS):  # a later round: a new sentence, so each commit changes
                texts = [text.replace("weeks.", f"weeks ({round_}).", 1) for text in texts]
        stamp = 1767225600 + round_ * 86400
        stream.append(f"commit refs/heads/main\ncommitter Bench <b@example.org> {stamp} +0000\n")
        message = f"round {round_}"
        stream.append(f"data {len(message)}\n{message}\n")
        for n, text in enumerate(texts):
            data = text.encode()
            stream.append(f"M 100644 inline monographs/drug-{n}.yaml\ndata {len(data)}\n{text}\n")
    git(repo, "fast-import", "--quiet", stdin="".join(stream))
    git(repo, "symbolic-ref", "HEAD", "refs/heads/main")
    git(repo, "checkout", "-q", "-f", "main")


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def report(label: str, seconds: list[float]) -> None:
    print(
        f"{label}: median {statistics.median(seconds) * 1000:.0f} ms "
        f"(min {min(seconds) * 1000:.0f}, max {max(seconds) * 1000:.0f}; "
        + ", ".join(f"{s * 1000:.0f}" for s in seconds)
        + ")"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--monographs", type=int, default=2000)
    parser.add_argument("--commits", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work-dir", type=Path, help="where to make the repository (kept)")
    args = parser.parse_args()
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="clincalc-history-"))
    try:
        repo = work / "repo"
        start = time.perf_counter()
        make_repository(repo, args.monographs, args.commits)
        print(
            f"{args.monographs} monographs x {args.commits} commits in {repo} "
            f"(made in {time.perf_counter() - start:.1f} s)"
        )
        content, cache = repo / "monographs", work / "cache"
        cold: list[float] = []
        for _ in range(args.repeat):
            shutil.rmtree(cache, ignore_errors=True)
            cold.append(timed(lambda: read_history(content, cache)))
        warm = [timed(lambda: read_history(content, cache)) for _ in range(args.repeat)]
        history = read_history(content, cache)
        entries = sum(len(changes) for changes in history.values())
        size = (cache / CACHE_FILE).stat().st_size
        print(f"{len(history)} monographs with {entries} changes shown; cache {size:,} bytes")
        print("e.g. drug-0:", "; ".join(f"{c.date} {c.what}" for c in history["drug-0"]))
        report("cold (no cache)", cold)
        report("warm (cache present)", warm)
    finally:
        if args.work_dir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
