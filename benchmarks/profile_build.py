"""Profile one clincalc-site build with cProfile and say where the time goes.

Usage: ``python benchmarks/profile_build.py CONTENT [--out DIR] [--search] [--top 20]``

Runs ``clincalc-site build`` in this process under cProfile (``--no-search`` unless
``--search``; ``--no-cache --jobs 1`` where the build has them, so it is a cold build with
every stage in this process), saves the raw profile next to the output (``<out>.prof``,
readable with ``python -m pstats`` or snakeviz), and prints three views:

* the pipeline stages (cumulative time of the stage functions);
* self time grouped by component (PyYAML, clincalc YAML source map, pydantic, Markdown, nh3,
  Jinja, file writing, the rest of clincalc-site, other);
* the top functions by cumulative time.

Times are CPU seconds of this process (``time.process_time``), so other work on a shared
machine does not leak into them. cProfile adds overhead to every Python call, so shares
matter more than absolute seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import os
import pstats
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

# (component, test on "file:function") in order: the first match wins.
COMPONENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("clincalc YAML source map (yaml_source.py)", ("clincalc_site/content/yaml_source.py",)),
    ("PyYAML (scanner, parser, composer)", ("/yaml/",)),
    ("pydantic validation", ("pydantic", "validate_python", "model_validate")),
    ("nh3 sanitiser", ("nh3", "clean' of")),
    ("Python-Markdown", ("/markdown/",)),
    ("Jinja (templates)", ("jinja2", "<template>", "/templates/")),
    (
        "file I/O (reading, writing, folders)",
        (
            "clincalc_site/publish/output_folder.py",
            "clincalc_site/publish/site_files.py",
            "clincalc_site/publish/spare_folder.py",
            "clincalc_site/publish/folder_scans.py",
            "_io.",
            "posix.mkdir",
            "posix.rename",
            "shutil",
            "pathlib",
        ),
    ),
    ("clincalc Markdown (fastmark.py)", ("clincalc_site/render/fastmark.py",)),
    ("clincalc-site, other modules", ("clincalc_site/",)),
)
OTHER = "other (stdlib, interpreter)"
# (label, candidates as (file, function)): the first candidate that ran is shown.
STAGES: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("load + validate", (("build/pipeline.py", "_records"),)),
    ("  parse YAML with source map", (("content/yaml_source.py", "parse_yaml"),)),
    ("  cross-file rules", (("site/crossref.py", "check_collection"),)),
    ("assemble", (("site/assembly.py", "assemble_site"),)),
    ("render (and write, where streamed)", (("build/pipeline.py", "_render"),)),
    ("  Markdown + sanitise", (("render/markup.py", "block"),)),
    ("  Jinja", (("render/rendering.py", "render"),)),
    ("write pages", (("publish/site_files.py", "put_file"),)),
    ("  publish (swap folders)", (("publish/output_folder.py", "publish"),)),
)

Key = tuple[str, int, str]


def component(key: Key) -> str:
    """The component a function belongs to, by its file (or built-in name)."""
    filename, _, function = key
    where = f"{filename}:{function}"
    for name, needles in COMPONENTS:
        if any(needle in where for needle in needles):
            return name
    return OTHER


Edge = tuple[int, int, float, float]
Table = dict[Key, tuple[int, int, float, float, dict[Key, Edge]]]


def stats_table(stats: pstats.Stats) -> Table:
    table: Table = stats.stats  # type: ignore[attr-defined]
    return table


def by_component(table: Table) -> list[tuple[str, float]]:
    """Self time per component; a C built-in (``re``, ``str.join``) counts for its callers."""
    totals: dict[str, float] = {}
    for key, (_, _, self_time, _, callers) in table.items():
        named = component(key)
        if key[0] == "~" and callers and named == OTHER:  # split by each caller's share
            edges = {caller: edge[2] for caller, edge in callers.items()}
            spent = sum(edges.values()) or 1.0
            for caller, seconds in edges.items():
                name = component(caller)
                totals[name] = totals.get(name, 0.0) + self_time * seconds / spent
            continue
        totals[named] = totals.get(named, 0.0) + self_time
    return sorted(totals.items(), key=lambda item: -item[1])


def stage_times(table: Table) -> list[tuple[str, float]]:
    found = []
    for label, candidates in STAGES:
        for filename, function in candidates:
            cumulative = sum(
                row[3]
                for (file, _, func), row in table.items()
                if file.endswith(f"clincalc_site/{filename}") and func == function
            )
            if cumulative > 0:
                found.append((f"{label} ({filename.removesuffix('.py')}.{function})", cumulative))
                break
    return found


def cold_single_process_flags() -> list[str]:
    """``--no-cache`` and ``--jobs 1`` where the build has them: a cold build, all in view.

    cProfile sees only this process, so worker processes would hide their share.
    """
    help_text = subprocess.run(
        [sys.executable, "-m", "clincalc_site", "build", "--help"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    flags = ["--no-cache"] if "--no-cache" in help_text else []
    return flags + (["--jobs", "1"] if "--jobs" in help_text else [])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("content", type=Path, help="folder of monograph YAML files")
    parser.add_argument("--out", type=Path, default=Path("/tmp/clincalc-profile-site"))
    parser.add_argument("--search", action="store_true", help="build the search index too")
    parser.add_argument("--top", type=int, default=20, help="functions to list")
    args = parser.parse_args(argv)
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1780272000")  # 2026-06-01, as run.py
    from clincalc_site import cli  # noqa: PLC0415 (after the environment is set)

    command = ["build", "--content", str(args.content), "--out", str(args.out)]
    command += [] if args.search else ["--no-search"]
    command += cold_single_process_flags()
    profiler = cProfile.Profile(time.process_time)  # CPU time: others share the cores
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # the build lists a note per draft
        code = profiler.runcall(cli.main, command)
    elapsed = time.perf_counter() - started
    if code != 0:
        print(f"build exited {code}", file=sys.stderr)
        return code
    raw = args.out.with_suffix(".prof")
    profiler.dump_stats(raw)
    stats = pstats.Stats(profiler)
    table = stats_table(stats)
    total = sum(row[2] for row in table.values())
    print(f"profiled: clincalc-site {' '.join(command)}")
    print(f"{elapsed:.2f} s wall under cProfile (times below are CPU s)")
    print(f"raw profile: {raw}\n")
    print("| stage | cumulative s | share |\n|---|---:|---:|")
    for label, seconds in stage_times(table):
        print(f"| {label} | {seconds:.2f} | {seconds / total:.0%} |")
    print("\n| component (self time) | s | share |\n|---|---:|---:|")
    for name, seconds in by_component(table):
        print(f"| {name} | {seconds:.2f} | {seconds / total:.0%} |")
    print()
    stats.sort_stats("cumulative").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
