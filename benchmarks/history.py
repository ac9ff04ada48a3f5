"""How long reading every monograph's "Changes" from git takes, cold and warm.

Usage:
    python benchmarks/history.py [--monographs 2000] [--commits 5] [--repeat 3] [--work-dir DIR]

Makes a git repository of ``--monographs`` monographs, each changed by ``--commits`` commits
(the first adds it; then monitoring, counselling, the review, a re-formatting no reader sees,
in turn), in a temporary folder, and times ``read_history``: cold (no history cache: every
pair of versions read with ``git cat-file --batch`` and compared) and warm (the cache of the
cold run present: only ``git log``). Prints the median, min and max of ``--repeat`` runs
of each. Run on purpose, not by the test suite; on a shared machine compare medians.

``--source-revisions R`` gives every other monograph a verified dose citing one of
``--documents`` documents in sources.yaml (20), and adds R commits after the rounds, each
revising one document in sources.yaml alone (in turn): each holds back the doses citing it,
a version of each of those monographs (content/registry_history.py).
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

from clincalc_site.content.history import read_git_history, read_history  # noqa: E402
from clincalc_site.content.history_store import CACHE_FILE  # noqa: E402

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
DOSING = """\
dosing:
  status: verified
  regimens:
    - indication: Example indication
      population: Adults
      route: Oral
      dose: 4 mg
      frequency: Once daily
  source:
    document: smpc-{document}
    section: "4.2"
    revision: 2025-03-14
  prepared_by: bjones
  prepared_on: 2025-06-20
  verified_by: asmith
  verified_on: 2025-06-30
"""
TEAM = """\
people:
  - id: asmith
    name: A. Smith (fictitious)
    role: Pharmacist
    verifier: true
  - id: bjones
    name: B. Jones (fictitious)
    role: Technician
    verifier: false
"""


def sources(revised: dict[int, str], documents: int) -> str:
    """sources.yaml: document k at its revision in ``revised``, else 2025-03-14."""
    return "".join(
        f"smpc-{k}:\n  title: Example product {k} SmPC\n"
        f"  url: https://www.medicines.org.uk/emc/\n  revision: {revised.get(k, '2025-03-14')}\n"
        for k in range(documents)
    )


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


def make_repository(
    repo: Path, monographs: int, commits: int, revisions: int = 0, documents: int = 20
) -> None:
    """One commit per round of edits (each touches every monograph), like a formulary team
    working through its files; written with ``git fast-import`` to be quick. With
    ``revisions``, the registry files come with the first round and are revised after."""
    content = repo / "monographs"
    content.mkdir(parents=True)
    git(repo, "init", "-q")
    texts = [MONOGRAPH.format(n=n, group=n % 40) for n in range(monographs)]
    if revisions:
        texts = [
            text + DOSING.format(document=n % documents) if n % 2 == 0 else text
            for n, text in enumerate(texts)
        ]
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
        if revisions and not round_:
            stream.append(_file("team.yaml", TEAM) + _file("sources.yaml", sources({}, documents)))
    revised: dict[int, str] = {}
    for number in range(revisions):
        day = 1767225600 + (commits + number) * 86400
        revised[number % documents] = time.strftime("%Y-%m-%d", time.gmtime(day))
        stream.append(f"commit refs/heads/main\ncommitter Bench <b@example.org> {day} +0000\n")
        stream.append(f"data 8\nrevision\n{_file('sources.yaml', sources(revised, documents))}")
    git(repo, "fast-import", "--quiet", stdin="".join(stream))
    git(repo, "symbolic-ref", "HEAD", "refs/heads/main")
    git(repo, "checkout", "-q", "-f", "main")


def _file(name: str, text: str) -> str:
    return f"M 100644 inline {name}\ndata {len(text.encode())}\n{text}\n"


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
    parser.add_argument("--source-revisions", type=int, default=0)
    parser.add_argument("--documents", type=int, default=20)
    parser.add_argument("--work-dir", type=Path, help="where to make the repository (kept)")
    args = parser.parse_args()
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="clincalc-history-"))
    try:
        repo = work / "repo"
        start = time.perf_counter()
        make_repository(repo, args.monographs, args.commits, args.source_revisions, args.documents)
        print(
            f"{args.monographs} monographs x {args.commits} commits, "
            f"{args.source_revisions} source revisions in {repo} "
            f"(made in {time.perf_counter() - start:.1f} s)"
        )
        content, cache = repo / "monographs", work / "cache"
        cold: list[float] = []
        for _ in range(args.repeat):
            shutil.rmtree(cache, ignore_errors=True)
            cold.append(timed(lambda: read_history(content, cache)))
        warm = [timed(lambda: read_history(content, cache)) for _ in range(args.repeat)]
        found = read_git_history(content, cache)
        history = found.changes
        entries = sum(len(changes) for changes in history.values())
        held = sum(
            1 for versions in found.versions.values() for v in versions if v.what.startswith("Dose")
        )
        print(f"versions made by a revision in sources.yaml: {held}")
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
