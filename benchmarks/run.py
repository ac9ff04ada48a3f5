"""Benchmark clincalc-site against peer generators and plain baselines on synthetic corpora.

Usage:
    python benchmarks/run.py --sizes 1000 5000 [--runs 3]
        [--peers hugo,eleventy,pelican,mkdocs,plain] [--only-clincalc] [--timeout 120]
        [--installed] [--work-dir DIR] [--seed S] [--skip-search] [--baseline DIR]
        [--no-reader]

For each size it generates the corpus once (``benchmarks/.work/``), installs the peers on first
use (``benchmarks/.peers/``, pinned versions), and times, as the median of ``--runs`` runs:

* clincalc-site, the default build (search on) first, the headline rows: cold build, rebuild
  with one monograph changed (only when ``build --help`` mentions a cache), no-op rebuild; then
  the same three with ``--no-search`` (all that ``--skip-search`` keeps), ``check``, and the
  search index's cost as the cold build with search minus the cold build without;
* each peer's full build of the same content (per-run timeout, default 120 s); for Hugo also
  "hugo + pagefind", Hugo's build followed by Pagefind over its output: the peer of the
  default build (left out by ``--skip-search``);
* ``plain``: libyaml C loader + Python-Markdown + one Jinja template in 2 processes;
* writing the same files clincalc-site writes, from memory (the file-system floor);
* the reader's side, on the largest size (unless ``--skip-search`` or ``--no-reader``): the
  default build's site served with gzip and read by headless Chromium (``reader.py``: home
  page weight, type-ahead bytes and keystroke latency, results pages for a drug's name, its
  misspelling, a class and a word of the text), one table of medians.

clincalc-site is run from a copy of ``src/``, ``templates/`` and ``static/`` taken at the start
(others edit the tree while a benchmark runs), unless ``--installed`` is given. Each row has
the median wall time, the median CPU time (user + system of the process tree: steadier than
wall time on a shared machine), pages per second, peak RSS (the largest single process in the
tree, from GNU time ``%M`` when ``/usr/bin/time`` exists, else ``getrusage(RUSAGE_CHILDREN)``
from a wrapper process), the peak of the whole run's memory (the summed PSS of every process
it started, sampled from /proc every 50 ms: main process, workers, Pagefind), the ratio to
the same tree's clincalc-site cold build, and the 1-minute
load average when the row started. It prints one Markdown table and writes
``<work-dir>/results-<date>T<time>.json``. It is run on purpose, never by the test suite.

A/B: ``--baseline DIR`` names another checkout of the project (its ``src/``, ``templates/``,
``static/``), copied the same way. Every clincalc-site row is then measured for both trees on
the same corpus, their runs interleaved (baseline run 1, current run 1, baseline run 2, ...) so
that the machine's noise falls on both; each tree builds into a folder of its own (output and
cache), so warm and no-op rebuilds start from that tree's own previous build. The table adds
``clincalc-site (baseline)`` rows and, on the current tree's rows, the ratio current / baseline
of the median wall and CPU times; the results file records the baseline folder and its commit.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / ".work"
TOOL = "clincalc-site"
BASELINE = " (baseline)"  # the tool name's suffix on the rows of the --baseline tree
COLD_STEP = "build, cold"  # the default build (search on); "build, cold, --no-search"
NO_SEARCH = "--no-search"
PEER_CHOICES = ("hugo", "eleventy", "pelican", "mkdocs", "plain")
GNU_TIME = Path("/usr/bin/time")
# Pin "today" so every run renders the same pages (review notices depend on the date).
SOURCE_DATE_EPOCH = str(int(dt.datetime(2026, 6, 1, tzinfo=dt.UTC).timestamp()))
RUSAGE_WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[2:])\n"
    "use = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "open(sys.argv[1], 'w').write(f'{use.ru_utime} {use.ru_stime} {use.ru_maxrss}')\n"
    "sys.exit(code)\n"
)

try:  # the corpus and the peers' inputs need PyYAML: run with the project's venv
    import yaml  # noqa: F401
except ImportError:  # pragma: no cover - depends on how the script is started
    VENV_PYTHON = REPO / ".venv" / "bin" / "python"
    if VENV_PYTHON.exists() and Path(sys.executable) != VENV_PYTHON:
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), *sys.argv])
    raise

sys.path.insert(0, str(HERE))
import peers  # noqa: E402


class BenchError(RuntimeError):
    """A measured command failed (not a timeout)."""


@dataclass
class Sample:
    seconds: float  # wall clock
    rss_kib: int | None
    cpu_seconds: float | None = None  # user + system of the whole process tree
    tree_kib: int | None = None  # peak of the summed PSS of every process of the run (sampled)


@dataclass
class Row:
    """One line of the table: a tool doing one step on one corpus size."""

    size: int
    tool: str
    step: str
    pages: int
    samples: list[Sample] = field(default_factory=list)
    status: str = "ok"  # ok | timeout | failed | n/a
    note: str = ""
    baseline: float | None = None  # its tree's clincalc-site cold build median at this size
    load: float = 0.0  # 1-minute load average when the row started (other users' work)

    @property
    def median(self) -> float | None:
        if self.status != "ok" or not self.samples:
            return None
        return statistics.median(sample.seconds for sample in self.samples)

    @property
    def cpu_median(self) -> float | None:
        values = [s.cpu_seconds for s in self.samples if s.cpu_seconds is not None]
        return statistics.median(values) if values and self.status == "ok" else None

    @property
    def rss_mib(self) -> float | None:
        values = [s.rss_kib for s in self.samples if s.rss_kib is not None]
        return max(values) / 1024 if values else None

    @property
    def tree_mib(self) -> float | None:
        values = [s.tree_kib for s in self.samples if s.tree_kib is not None]
        return max(values) / 1024 if values else None

    def as_json(self) -> dict[str, object]:
        return {
            **{k: v for k, v in asdict(self).items() if k != "samples"},
            "samples": [asdict(sample) for sample in self.samples],
            "median_seconds": self.median,
            "median_cpu_seconds": self.cpu_median,
            "pages_per_second": self.pages / self.median if self.median else None,
            "peak_rss_mib": self.rss_mib,
            "peak_tree_pss_mib": self.tree_mib,
        }


@dataclass(frozen=True)
class Context:
    """Settings shared by every measurement of one invocation."""

    runs: int
    timeout: float
    env: dict[str, str]
    logs: Path


# --- running and measuring ------------------------------------------------------------------


def measure(
    command: Sequence[str],
    ctx: Context,
    *,
    cwd: Path,
    timeout: float | None = None,
    label: str = "run",
) -> Sample | None:
    """Run ``command`` once; return its wall time and peak RSS, or None if it timed out."""
    ctx.logs.mkdir(parents=True, exist_ok=True)
    rss_file = ctx.logs / f"{label}.rss"
    rss_file.unlink(missing_ok=True)
    if GNU_TIME.exists():
        wrapped = [str(GNU_TIME), "-f", "%U %S %M", "-o", str(rss_file), *command]
    else:
        wrapped = [sys.executable, "-c", RUSAGE_WRAPPER, str(rss_file), *command]
    limit = timeout if timeout is not None else ctx.timeout
    with (
        (ctx.logs / f"{label}.out").open("wb") as out,
        (ctx.logs / f"{label}.err").open("wb") as err,
    ):
        started = time.perf_counter()
        process = subprocess.Popen(
            wrapped, cwd=cwd, env=ctx.env, stdout=out, stderr=err, start_new_session=True
        )
        sampler = TreeMemory(process.pid)
        try:
            code = process.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # only the group this call started
            process.wait()
            return None
        finally:
            sampler.stop()
        seconds = time.perf_counter() - started
    if code != 0:
        tail = (ctx.logs / f"{label}.err").read_text(errors="replace")[-2000:]
        raise BenchError(f"{' '.join(command)} exited {code}:\n{tail}")
    return Sample(seconds, *read_usage(rss_file), tree_kib=sampler.peak_kib)


class TreeMemory:
    """The peak of the summed PSS (proportional set size: shared pages split between the
    processes that share them, so forked workers are not counted twice) of every process in
    the session ``leader`` started, sampled every 50 ms from /proc (Linux only; None
    elsewhere). "The whole build" of the memory target: main process, workers, Pagefind."""

    def __init__(self, leader: int) -> None:
        self.leader, self.peak_kib = (
            leader,
            None if not Path("/proc/self/smaps_rollup").exists() else 0,
        )
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        if self.peak_kib is not None:
            self._thread.start()

    def _members(self) -> list[str]:
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                fields = stat[stat.rindex(")") + 2 :].split()
                if int(fields[3]) == self.leader:  # the session id
                    found.append(entry)
        return found

    def _run(self) -> None:
        while not self._done.wait(0.05):
            total = 0
            for pid in self._members():
                try:
                    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                        if line.startswith("Pss:"):
                            total += int(line.split()[1])
                            break
                except OSError:
                    continue
            self.peak_kib = max(self.peak_kib or 0, total)

    def stop(self) -> None:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()


def read_usage(path: Path) -> tuple[int | None, float | None]:
    """(peak RSS KiB, user + system seconds) from the ``%U %S %M`` line, if it is there."""
    lines = path.read_text().strip().splitlines() if path.exists() else []
    fields = lines[-1].split() if lines else []
    try:
        user, system, peak = float(fields[0]), float(fields[1]), int(fields[2])
    except (IndexError, ValueError):
        return None, None
    return peak, user + system


@dataclass
class Job:
    """One row to measure: its command, and the untimed ``prepare(i)`` before run ``i``."""

    row: Row
    ctx: Context
    command: Sequence[str]
    cwd: Path
    prepare: Callable[[int], None] | None = None
    timeout: float | None = None
    seconds_from_stdout: bool = False  # the command times its own measured phase

    @property
    def label(self) -> str:
        return re.sub(r"[^\w.,-]+", "_", f"{self.row.size}-{self.row.tool}-{self.row.step}")


def run_once(job: Job, index: int) -> None:
    """Take sample ``index`` of ``job``; a failure or a timeout ends its row."""
    row, ctx = job.row, job.ctx
    if job.prepare is not None:
        job.prepare(index)
    try:
        sample = measure(job.command, ctx, cwd=job.cwd, timeout=job.timeout, label=job.label)
    except BenchError as exc:
        row.status, row.note = "failed", str(exc).splitlines()[0][:200]
        print(f"  {row.tool} {row.step}: FAILED\n{exc}", file=sys.stderr)
        return
    if sample is None:
        row.status = "timeout"
        row.note = f"> {job.timeout or ctx.timeout:.0f} s (timed out)"
        print(f"  {row.tool} {row.step}: {row.note}", file=sys.stderr)
        return
    if job.seconds_from_stdout:
        reported = json.loads((ctx.logs / f"{job.label}.out").read_text())
        sample.seconds, sample.cpu_seconds = float(reported["seconds"]), None
    row.samples.append(sample)
    print(f"  {row.tool} {row.step}: {sample.seconds:.2f} s", file=sys.stderr)


def interleave(jobs: Sequence[Job]) -> list[Row]:
    """Measure the jobs ``ctx.runs`` times each, sample by sample: 1 of each, then 2, ...

    Rows whose status is not "ok" (n/a, failed, timed out) are not run (any more).
    """
    load = os.getloadavg()[0]
    for job in jobs:
        job.row.load = load
    for index in range(max((job.ctx.runs for job in jobs), default=0)):
        for job in jobs:
            if job.row.status == "ok" and index < job.ctx.runs:
                run_once(job, index)
    return [job.row for job in jobs]


def repeat(
    row: Row,
    ctx: Context,
    command: Sequence[str],
    *,
    cwd: Path,
    prepare: Callable[[int], None] | None = None,
    timeout: float | None = None,
    seconds_from_stdout: bool = False,
) -> Row:
    """Measure ``command`` ``ctx.runs`` times (``prepare(i)`` untimed before each run)."""
    job = Job(row, ctx, command, cwd, prepare, timeout, seconds_from_stdout)
    return interleave([job])[0]


def fresh(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


# --- corpus ---------------------------------------------------------------------------------


def prepare_corpus(size: int, seed: int, work: Path) -> Path:
    """Generate (once) and return the content folder of a corpus of ``size`` monographs."""
    root = work / f"corpus-{size}-seed{seed}"
    content = root / "content"
    generator = HERE / "generate_corpus.py"
    stamp = root / "corpus.json"
    expected = {"size": size, "seed": seed, "generator_mtime": generator.stat().st_mtime_ns}
    if stamp.exists() and json.loads(stamp.read_text()) == expected:
        return content
    print(f"generating {size} monographs into {content}", file=sys.stderr)
    command = [sys.executable, str(generator), str(size), str(content), "--seed", str(seed)]
    subprocess.run([*command, "--force"], check=True)
    stamp.write_text(json.dumps(expected))
    return content


def count_classes(content: Path) -> int:
    names = set()
    for path in content.glob("*.yaml"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("drug_class:"):
                names.add(line.split(":", 1)[1].strip())
                break
    return len(names)


# --- clincalc-site --------------------------------------------------------------------------


def clincalc_binary() -> Path:
    beside = Path(sys.executable).parent / "clincalc-site"
    for candidate in (beside, REPO / ".venv" / "bin" / "clincalc-site"):
        if candidate.exists():
            return candidate
    found = shutil.which("clincalc-site")
    if not found:
        raise SystemExit("clincalc-site not found: install the project (make site) first")
    return Path(found)


@dataclass(frozen=True)
class Clincalc:
    """How to start clincalc-site: the command and the environment it needs."""

    command: list[str]
    env: dict[str, str]
    origin: str  # what is measured, for the results file


def snapshot_clincalc(
    source: Path, target: Path, env: dict[str, str], *, required: bool = False
) -> Clincalc:
    """Copy src/, templates/ and static/ of ``source`` as they are now and run that copy.

    Others edit the tree while a benchmark runs; without a copy, the cold build and the
    rebuild could measure different code. The copy is run with the project's Python. If the
    copy is not what Python imports, the installed clincalc-site is measured instead, or, when
    the copy is ``required`` (the A/B baseline), the benchmark stops.
    """
    fresh(target)
    skip = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for part in ("src", "templates", "static"):
        if (source / part).is_dir():
            shutil.copytree(source / part, target / part, ignore=skip)
    # Byte-compile it now, as an installation is (PYTHONDONTWRITEBYTECODE, set on some of
    # our machines, would otherwise make every run compile every module: 0.3-0.4 s each).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(target / "src")], check=True)
    snapshot_env = {**env, "PYTHONPATH": str(target / "src")}
    probe = subprocess.run(
        [sys.executable, "-c", "import clincalc_site; print(clincalc_site.__file__)"],
        capture_output=True, text=True, env=snapshot_env, check=False,
    )  # fmt: skip
    if not Path(probe.stdout.strip() or "/").is_relative_to(target):
        if required:
            raise SystemExit(f"the copy of {source} in {target} is not imported:\n{probe.stderr}")
        print("warning: the snapshot is not imported; measuring the installed clincalc-site",
              file=sys.stderr)  # fmt: skip
        return Clincalc([str(clincalc_binary())], env, "installed clincalc-site")
    command = [sys.executable, "-m", "clincalc_site"]
    return Clincalc(command, snapshot_env, f"snapshot of {source} in {target}")


def git_state(tree: Path) -> tuple[str | None, list[str]]:
    """The commit checked out in ``tree`` (None outside git) and its edits to what is measured."""
    head = subprocess.run(
        ["git", "-C", str(tree), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    )
    dirty = subprocess.run(
        ["git", "-C", str(tree), "status", "--porcelain", "--", "src", "templates", "static"],
        capture_output=True, text=True, check=False,
    ).stdout.splitlines()  # fmt: skip
    return (head.stdout.strip() or None) if head.returncode == 0 else None, dirty


def build_help(clincalc: Clincalc) -> str:
    result = subprocess.run(
        [*clincalc.command, "build", "--help"],
        capture_output=True, text=True, env=clincalc.env, check=False,
    )  # fmt: skip
    return result.stdout


def clearing(path: Path) -> Callable[[int], None]:
    """A ``prepare`` step that removes ``path`` before each run."""

    def clear(_: int) -> None:
        fresh(path)

    return clear


def is_baseline(tool: str) -> bool:
    return tool.endswith(BASELINE)


class ClincalcBench:
    """The clincalc-site rows of one tree (current or baseline) for one corpus.

    Each tree works in a folder of its own beside the corpus (``clincalc/`` or
    ``clincalc-baseline/``): its output, its cache (beside the output, or where
    ``--cache-dir`` says) and its working directory, so one tree's cache never serves the other.
    """

    def __init__(
        self,
        size: int,
        content: Path,
        pages: int,
        ctx: Context,
        clincalc: Clincalc,
        *,
        baseline: bool = False,
    ) -> None:
        self.size, self.content, self.pages = size, content, pages
        self.ctx = dataclasses.replace(ctx, env=clincalc.env)
        self.clincalc = clincalc
        self.tool = TOOL + BASELINE if baseline else TOOL
        help_text = build_help(clincalc)
        self.no_cache_flag = "--no-cache" in help_text
        self.caches = "cache" in help_text
        self.root = content.parent
        self.home = self.root / ("clincalc-baseline" if baseline else "clincalc")
        self.home.mkdir(parents=True, exist_ok=True)
        self.out = self.home / "out"
        self.build = [*clincalc.command, "build", "--content", str(content), "--out", str(self.out)]
        if "--cache-dir" in help_text:
            self.build += ["--cache-dir", str(self.home / ".clincalc-cache")]
        self.uncached = ["--no-cache"] if self.no_cache_flag else []
        self.long = ctx.timeout * 10  # clincalc-site itself is never cut short
        self.indexed = False  # whether the default build wrote a pagefind/ index

    def row(self, step: str, pages: int | None = None) -> Row:
        return Row(self.size, self.tool, step, self.pages if pages is None else pages)

    def job(
        self, row: Row, command: Sequence[str], prepare: Callable[[int], None] | None = None
    ) -> Job:
        return Job(row, self.ctx, command, self.home, prepare, self.long)

    def cold(self, _: int = 0) -> None:
        fresh(self.out)
        if not self.no_cache_flag:  # the flag does not exist: remove any cache by hand
            for place in (self.home, self.content):
                fresh(place / ".clincalc-cache")

    def flags(self, search: bool) -> list[str]:
        return [] if search else ["--no-search"]

    def step(self, step: str, search: bool) -> str:
        """The default build (search on) has the plain names; ``--no-search`` rows say so."""
        return step if search else f"{step}, {NO_SEARCH}"

    def prebuild(self, search: bool) -> None:
        command = [*self.build, *self.flags(search)]
        subprocess.run(command, cwd=self.home, env=self.ctx.env, capture_output=True, check=True)

    def cold_job(self, search: bool = True) -> Job:
        command = [*self.build, *self.flags(search), *self.uncached]
        return self.job(self.row(self.step(COLD_STEP, search)), command, self.cold)

    def warm_job(self, change_one: Callable[[int], None], search: bool = True) -> Job:
        """Rebuild on this tree's own previous build after ``change_one`` edited a monograph."""
        row = self.row(self.step("rebuild, 1 monograph changed", search))
        if not self.caches:
            row.status, row.note = "n/a", "n/a (no build cache: `build --help` shows none)"
            return self.job(row, [])
        self.prebuild(search)
        return self.job(row, [*self.build, *self.flags(search)], change_one)

    def noop_job(self, search: bool = True) -> Job:
        self.prebuild(search)
        if search:
            self.indexed = (self.out / "pagefind").is_dir()
        row = self.row(self.step("rebuild, nothing changed", search))
        return self.job(row, [*self.build, *self.flags(search)])

    def check_job(self) -> Job:
        command = [*self.clincalc.command, "check", "--content", str(self.content)]
        return Job(self.row("check", self.size), self.ctx, command, self.home)

    def search_cost(self, with_search: Row, cold: Row) -> Row:
        """The index's cost: the median of the build with search minus the cold one without."""
        search = Row(
            self.size,
            "pagefind" + self.tool.removeprefix(TOOL),
            "search index (with − without)",
            self.pages,
        )
        search.load = with_search.load
        indexed = self.indexed
        if with_search.median is not None and cold.median is not None and indexed:
            rss = with_search.rss_mib
            cost = with_search.median - cold.median
            cpu = None
            if with_search.cpu_median is not None and cold.cpu_median is not None:
                cpu = with_search.cpu_median - cold.cpu_median
            search.samples = [Sample(cost, int(rss * 1024) if rss is not None else None, cpu)]
            search.note = "difference of medians; RSS is the whole build with search"
        elif with_search.status == "ok":
            search.status, search.note = "n/a", "n/a (the build wrote no pagefind/ index)"
            with_search.note = "wrote no search index"
        else:
            search.status, search.note = "n/a", "a build it depends on failed"
        return search

    def measure_write_floor(self) -> Row:
        """Write the files of a finished clincalc-site build again, from memory."""
        self.cold()
        command = [*self.build, "--no-search", *self.uncached]
        subprocess.run(command, cwd=self.home, env=self.ctx.env, capture_output=True, check=True)
        copy = self.root / "out-memory"
        row = Row(self.size, "write from memory", "same files as clincalc-site", self.pages)
        command = [sys.executable, str(HERE / "baselines.py"), "write", str(self.out), str(copy)]
        return repeat(row, self.ctx, command, cwd=self.root, prepare=clearing(copy),
                      seconds_from_stdout=True)  # fmt: skip


def measure_warm(benches: Sequence[ClincalcBench], search: bool = True) -> list[Row]:
    """Every tree rebuilds after the same one-monograph edit (each on its own last build)."""
    first = benches[0]
    target = sorted(first.content.glob("*.yaml"))[first.size // 2]
    original = target.read_text(encoding="utf-8")

    def change_one(index: int) -> None:
        edited = original.replace("summary: ", f"summary: Edited {index}. ", 1)
        target.write_text(edited, encoding="utf-8")

    try:
        return interleave([bench.warm_job(change_one, search) for bench in benches])
    finally:
        target.write_text(original, encoding="utf-8")


def clincalc_rows_of(benches: Sequence[ClincalcBench], search: bool = True) -> list[Row]:
    """Every clincalc-site row of each tree (baseline first), runs interleaved across trees.

    The headline rows are the default build, search on (cold, one monograph changed, nothing
    changed); then the same with ``--no-search`` (all that ``--skip-search`` measures),
    ``check``, and the search index's cost (cold with − cold without). The write floor is
    measured on the last tree (the current one) only.
    """
    modes = [True, False] if search else [False]
    rows: list[Row] = []
    cold: dict[bool, list[Row]] = {}
    for mode in modes:
        cold[mode] = interleave([bench.cold_job(mode) for bench in benches])
        rows += cold[mode]
        rows += measure_warm(benches, mode)
        rows += interleave([bench.noop_job(mode) for bench in benches])
    rows += interleave([bench.check_job() for bench in benches])
    if search:
        pairs = zip(benches, cold[True], cold[False], strict=True)
        rows += [bench.search_cost(built, plain) for bench, built, plain in pairs]
    rows.append(benches[-1].measure_write_floor())
    tree_cold = {is_baseline(row.tool): row.median for row in cold[modes[0]]}
    for row in rows:
        row.baseline = tree_cold[is_baseline(row.tool)]
    return rows


# --- peers ----------------------------------------------------------------------------------


def bench_peers(
    size: int, content: Path, pages: int, names: Sequence[str], ctx: Context, *, search: bool = True
) -> list[Row]:
    root = content.parent
    corpus = peers.load_corpus(content) if any(n in peers.SITE_WRITERS for n in names) else []
    rows = []
    for name in names:
        out = root / f"out-{name}"
        if name == "plain":
            command = [sys.executable, str(HERE / "baselines.py"), "plain", str(content), str(out)]
            row = Row(size, "plain Python", "yaml C + markdown + jinja, 2 procs", pages)
            rows.append(repeat(row, ctx, command, cwd=root, prepare=clearing(out)))
            continue
        binary = peers.INSTALLERS[name]()
        project = root / "peers" / name
        fresh(project)
        peers.SITE_WRITERS[name](corpus, project)
        command = peers.build_command(name, binary, project, out)
        row = Row(size, name, "full build", pages, note=peers.version_of(name, binary))
        rows.append(repeat(row, ctx, command, cwd=project, prepare=clearing(out)))
        if name == "hugo" and search:  # the peer of the default build: Hugo, then Pagefind
            indexed = [*command, "&&", *pagefind_command(out)]
            row = Row(size, "hugo + pagefind", "full build, then pagefind --site", pages,
                      note=f"{row.note}; pagefind {peers_pagefind_version()}")  # fmt: skip
            shell = ["sh", "-c", " ".join(shlex.quote(c) if c != "&&" else c for c in indexed)]
            rows.append(repeat(row, ctx, shell, cwd=project, prepare=clearing(out)))
    return rows


def pagefind_command(site: Path) -> list[str]:
    """Pagefind over a whole built site, as clincalc-site ran it before partitions."""
    from pagefind_bin import get_executable  # type: ignore[import-untyped]  # noqa: PLC0415

    return [str(get_executable()), "--site", str(site), "--silent"]


def peers_pagefind_version() -> str:
    from importlib import metadata  # noqa: PLC0415

    return metadata.version("pagefind_bin")


# --- report ---------------------------------------------------------------------------------


def machine() -> dict[str, object]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    commit, dirty = git_state(REPO)
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": os.getloadavg(),
        "commit": (commit or "")[:12],
        "uncommitted_changes_measured": dirty,
        "rss_method": "GNU time %M" if GNU_TIME.exists() else "getrusage(RUSAGE_CHILDREN)",
    }


def format_seconds(row: Row) -> str:
    if row.status == "timeout":
        return row.note
    if row.status in ("failed", "n/a"):
        return row.status
    median = row.median or 0.0
    spread = ""
    if len(row.samples) > 1:
        low = min(s.seconds for s in row.samples)
        high = max(s.seconds for s in row.samples)
        spread = f" ({low:.2f}–{high:.2f})"
    return f"{median:.2f}{spread}"


def headline_cold(rows: Sequence[Row]) -> str:
    """The cold row the ratios are to: the default build's, else (--skip-search) without."""
    steps = {row.step for row in rows}
    return COLD_STEP if COLD_STEP in steps else f"{COLD_STEP}, {NO_SEARCH}"


def ratio(value: float | None, reference: float | None) -> str:
    return f"{value / reference:.2f}" if value is not None and reference else "–"


def table(rows: Sequence[Row]) -> str:
    """The Markdown table; with baseline rows, a column current / baseline (wall / CPU)."""
    versus = any(is_baseline(row.tool) for row in rows)
    lines = [
        "| N | tool | step | median wall s (min–max) | CPU s | pages/s | peak RSS MiB "
        "| × cold (wall) | × cold (CPU) | load | peak tree PSS MiB |"
        + (" × baseline (wall / CPU) |" if versus else ""),
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" if versus else ""),
    ]
    cold_cpu = {
        (row.size, is_baseline(row.tool)): row.cpu_median
        for row in rows
        if row.tool.removesuffix(BASELINE) == TOOL and row.step == headline_cold(rows)
    }
    before = {
        (r.size, r.tool.removesuffix(BASELINE), r.step): r for r in rows if is_baseline(r.tool)
    }
    for row in rows:
        median, cpu_median = row.median, row.cpu_median
        rate = f"{row.pages / median:,.0f}" if median and median > 0 else "–"
        rss = f"{row.rss_mib:.0f}" if row.rss_mib else "–"
        cpu = f"{cpu_median:.2f}" if cpu_median is not None else "–"
        cpu_ratio = ratio(cpu_median, cold_cpu.get((row.size, is_baseline(row.tool))))
        load = f"{row.load:.1f}" if row.load else "–"
        tree = f"{row.tree_mib:.0f}" if row.tree_mib else "–"
        line = (
            f"| {row.size:,} | {row.tool} | {row.step} | {format_seconds(row)} | {cpu} | {rate} "
            f"| {rss} | {ratio(median, row.baseline)} | {cpu_ratio} | {load} | {tree} |"
        )
        other = before.get((row.size, row.tool, row.step))
        if versus and other is not None:
            line += f" {ratio(median, other.median)} / {ratio(cpu_median, other.cpu_median)} |"
        elif versus:
            line += " – |"
        lines.append(line)
    return "\n".join(lines)


def rows_from_json(path: Path) -> list[Row]:
    """The rows of a results file written by an earlier run (to re-print its table)."""
    payload = json.loads(path.read_text(encoding="utf-8"))
    fields = {f.name for f in dataclasses.fields(Row)} - {"samples"}
    rows = []
    for data in payload["rows"]:
        row = Row(**{key: value for key, value in data.items() if key in fields})
        row.samples = [Sample(**sample) for sample in data["samples"]]
        rows.append(row)
    return rows


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000], help="corpus sizes")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument(
        "--peers",
        default=",".join(PEER_CHOICES),
        help=f"comma-separated subset of {','.join(PEER_CHOICES)}",
    )
    parser.add_argument("--only-clincalc", action="store_true", help="skip every peer")
    parser.add_argument(
        "--installed",
        action="store_true",
        help="measure the installed clincalc-site, not a snapshot of the working tree",
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per peer run")
    parser.add_argument(
        "--skip-search",
        action="store_true",
        help="leave out the build with search and the pagefind row (slow at large N)",
    )
    parser.add_argument("--seed", type=int, default=0, help="corpus seed")
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="DIR",
        help="another checkout (src/, templates/, static/): A/B its clincalc-site rows, "
        "interleaved run by run, against the current tree's",
    )
    parser.add_argument(
        "--no-reader", action="store_true", help="skip the reader rows (headless Chromium)"
    )
    parser.add_argument(
        "--report", type=Path, metavar="RESULTS_JSON", help="re-print a saved run's table and exit"
    )
    parser.add_argument(
        "--work-dir", type=Path, default=WORK, help="corpora, logs and results (default: .work/)"
    )
    args = parser.parse_args(argv)
    args.peer_list = [] if args.only_clincalc else [p for p in args.peers.split(",") if p]
    unknown = set(args.peer_list) - set(PEER_CHOICES)
    if unknown:
        parser.error(f"unknown peers: {', '.join(sorted(unknown))}")
    if args.runs < 1 or any(size < 2 for size in args.sizes):
        parser.error("--runs must be >= 1 and every size >= 2")
    if args.baseline is not None:
        args.baseline = args.baseline.resolve()
        if not (args.baseline / "src" / "clincalc_site").is_dir():
            parser.error(f"--baseline {args.baseline}: no src/clincalc_site/ there")
    return args


def snapshot_baseline(
    directory: Path, work: Path, env: dict[str, str]
) -> tuple[Clincalc, dict[str, object]]:
    """Copy the --baseline tree as the current one is copied; and what the results file says."""
    commit, dirty = git_state(directory)  # before the copy, as for the current tree
    clincalc = snapshot_clincalc(directory, work / "snapshot-baseline", env, required=True)
    return clincalc, {
        "dir": str(directory),
        "commit": commit,  # None: not a git checkout
        "uncommitted_changes_measured": dirty,
        "clincalc": clincalc.origin,
    }


# A word of every generated monograph's text (generate_corpus.py's vocabulary): the results
# page for a word that no name, brand or class holds, which searches the full text.
TEXT_QUERY = "receptor"


def measure_reader(bench: ClincalcBench, runs: int) -> dict[str, object]:
    """The reader's rows: the default build of ``bench`` read in headless Chromium."""
    import reader  # noqa: PLC0415 (Playwright only when the reader rows are measured)

    bench.prebuild(search=True)
    site = bench.out
    data = json.loads((site / "search" / "drugs.json").read_text(encoding="utf-8"))
    name = data["drugs"][len(data["drugs"]) // 2][0]
    drug_class = data["classes"][len(data["classes"]) // 2]
    queries = [name, name[:-1], drug_class, TEXT_QUERY]
    found = reader.measure_site(site, runs, name, queries)
    return {"size": bench.size, "queries": queries, "runs": found}


def reader_table(measured: dict[str, object]) -> str:
    import reader  # noqa: PLC0415

    runs = measured["runs"]
    assert isinstance(runs, list)
    return (
        f"\nReader, N={measured['size']:,} (the default build, served with gzip, headless "
        f"Chromium; medians of {len(runs)}):\n\n" + reader.summary_table(runs)
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.report:
        print(table(rows_from_json(args.report)))
        saved = json.loads(args.report.read_text(encoding="utf-8")).get("reader")
        if saved:
            print(reader_table(saved))
        return 0
    env = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
    work = args.work_dir.resolve()
    ctx = Context(args.runs, args.timeout, env, work / "logs")
    started = dt.datetime.now(tz=dt.UTC)
    host = machine()  # before the snapshot: the commit and edits that are measured
    if args.installed:
        clincalc = Clincalc([str(clincalc_binary())], env, "installed clincalc-site")
    else:
        clincalc = snapshot_clincalc(REPO, work / "snapshot", env)
    print(f"measuring {clincalc.origin}", file=sys.stderr)
    trees = [clincalc]
    baseline_tree: dict[str, object] | None = None
    if args.baseline is not None:
        before, baseline_tree = snapshot_baseline(args.baseline, work, env)
        print(f"against {before.origin} ({baseline_tree['commit']})", file=sys.stderr)
        trees.insert(0, before)  # baseline run 1, current run 1, baseline run 2, ...
    rows: list[Row] = []
    measured_reader: dict[str, object] | None = None
    for size in args.sizes:
        content = prepare_corpus(size, args.seed, work)
        pages = size + count_classes(content)
        print(f"N={size}: {pages} content pages", file=sys.stderr)
        benches = [
            ClincalcBench(size, content, pages, ctx, tree, baseline=tree is not clincalc)
            for tree in trees
        ]
        clincalc_rows = clincalc_rows_of(benches, search=not args.skip_search)
        peer_rows = bench_peers(
            size, content, pages, args.peer_list, ctx, search=not args.skip_search
        )
        step = headline_cold(clincalc_rows)
        cold = next(row for row in clincalc_rows if (row.tool, row.step) == (TOOL, step))
        for row in peer_rows:
            row.baseline = cold.median
        rows += clincalc_rows + peer_rows
        if size == max(args.sizes) and not (args.skip_search or args.no_reader):
            measured_reader = measure_reader(benches[-1], args.runs)  # the current tree's
    report = table(rows)
    if measured_reader is not None:
        report += "\n" + reader_table(measured_reader)
    print(report)
    work.mkdir(parents=True, exist_ok=True)
    result = work / f"results-{started:%Y-%m-%dT%H%M%S}.json"
    payload = {
        "started": started.isoformat(timespec="seconds"),
        "command": " ".join(["python", "benchmarks/run.py", *(argv or sys.argv[1:])]),
        "runs": args.runs,
        "timeout": args.timeout,
        "machine": host,
        "clincalc": clincalc.origin,
        "baseline_tree": baseline_tree,  # None without --baseline
        "peer_versions": peers.VERSIONS,
        "rows": [row.as_json() for row in rows],
        "reader": measured_reader,  # None: not measured
        "table": report,
    }
    result.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {result}", file=sys.stderr)
    return 0 if all(row.status in ("ok", "n/a", "timeout") for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
