"""What versions cost: a cold build with the git history (archive and history pages) against
the same content outside git, and a rebuild after one committed edit.

Usage:
    python benchmarks/archive.py [--monographs 5000] [--versions 3] [--runs 1]
        [--no-search] [--work-dir DIR]

Makes a git repository of ``--monographs`` synthetic monographs (``generate_corpus.py``),
each changed by ``--versions`` commits that a reader sees (the first adds every file; then
monitoring, then the summary of every file gains a sentence), and a copy of the same files
outside git. Times ``clincalc-site build --no-cache`` (a cold build) in each, alternating,
``--runs`` times; then, in the repository, a build that fills the cache, one more commit
editing one monograph and the rebuild after it, printing the archive and history pages it
rendered and reused (the build's summary line). clincalc-site runs from a copy of ``src/``,
``templates/`` and ``static/`` taken at the start (others edit the tree meanwhile). Run on
purpose, never by the test suite.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate_corpus import drug_slug, generate  # noqa: E402

EPOCH = "1769904000"  # 2026-02-01 (after the corpus's reviews): every run builds the same site
SAID = re.compile(r"archive and history pages rendered (\d+), reused (\d+)")


def git(repo: Path, *args: str, stdin: str | None = None) -> None:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    env |= {"GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "b@example.org"}
    env |= {"GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "b@example.org"}
    subprocess.run(
        ["git", "-C", str(repo), *args], input=stdin, capture_output=True, text=True, env=env,
        check=True,
    )  # fmt: skip


def make_repository(repo: Path, texts: list[tuple[str, str]], versions: int) -> None:
    """One commit per round, each changing every file visibly (``git fast-import``)."""
    git(repo, "init", "-q")
    stream: list[str] = []
    for round_ in range(versions):
        if round_ == 1:
            texts = [
                (n, t.replace("monitoring: ", "monitoring: Check weekly. ", 1)) for n, t in texts
            ]
        elif round_ > 1:
            texts = [
                (n, t.replace("summary: ", f"summary: Revised ({round_}). ", 1)) for n, t in texts
            ]
        stamp = int(EPOCH) - (versions - round_) * 86400
        stream.append(f"commit refs/heads/main\ncommitter Bench <b@example.org> {stamp} +0000\n")
        stream.append(f"data 7\nround {round_ % 10}\n")
        for name, text in texts:
            data = text.encode()
            stream.append(f"M 100644 inline monographs/{name}\ndata {len(data)}\n{text}\n")
    git(repo, "fast-import", "--quiet", stdin="".join(stream))
    git(repo, "symbolic-ref", "HEAD", "refs/heads/main")
    git(repo, "checkout", "-q", "-f", "main")


def build(code: Path, project: Path, *flags: str) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (user + system of the build and every process it waited
    for: workers, git, Pagefind; steadier than wall time on a shared machine), and the
    build's summary line."""
    env = {**os.environ, "PYTHONPATH": str(code / "src"), "SOURCE_DATE_EPOCH": EPOCH}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "clincalc_site", "build", *flags], cwd=project, env=env,
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    if done.returncode != 0:
        raise SystemExit(f"build failed in {project}:\n{done.stdout}\n{done.stderr}")
    return seconds, cpu, done.stderr.strip().splitlines()[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--monographs", type=int, default=5000)
    parser.add_argument("--versions", type=int, default=3)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--no-search", action="store_true", help="build with --no-search")
    parser.add_argument("--work-dir", type=Path, help="where to work (kept); default: a temp dir")
    args = parser.parse_args()
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="clincalc-archive-"))
    work.mkdir(parents=True, exist_ok=True)
    code = work / "code"
    shutil.rmtree(code, ignore_errors=True)
    for part in ("src", "templates", "static"):
        shutil.copytree(ROOT / part, code / part)
    repo, plain = work / "repo", work / "plain"
    for folder in (repo, plain):
        shutil.rmtree(folder, ignore_errors=True)
    corpus = work / "corpus"
    shutil.rmtree(corpus, ignore_errors=True)
    paths = generate(args.monographs, corpus)
    texts = [(path.name, path.read_text(encoding="utf-8")) for path in paths]
    repo.mkdir()
    make_repository(repo, texts, args.versions)
    shutil.copytree(repo / "monographs", plain / "monographs")
    flags = ("--no-search",) if args.no_search else ()
    wall: dict[str, list[float]] = {"history": [], "plain": []}
    cpu: dict[str, list[float]] = {"history": [], "plain": []}
    for _ in range(args.runs):  # alternating, so the machine's noise falls on both
        for label, project in (("plain", plain), ("history", repo)):
            seconds, used, said = build(code, project, "--no-cache", *flags)
            wall[label].append(seconds)
            cpu[label].append(used)
            print(f"cold {label}: {seconds:.1f} s wall, {used:.1f} s CPU  ({said})", flush=True)
    for name, series in (("wall", wall), ("CPU", cpu)):
        ratio = statistics.median(series["history"]) / statistics.median(series["plain"])
        print(f"cold with history / without, median {name}: {ratio:.2f}")
    build(code, repo, *flags)  # fills the cache
    edited = repo / "monographs" / f"{drug_slug(0)}.yaml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("summary: ", "summary: New. ", 1))
    git(repo, "commit", "-qam", "one edit")
    seconds, used, said = build(code, repo, *flags)
    found = SAID.search(said)
    counts = f"archive pages rendered {found[1]}, reused {found[2]}" if found else said
    print(f"rebuild after one committed edit: {seconds:.2f} s wall, {used:.2f} s CPU; {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
