"""Save-to-reload latency of ``clincalc-site serve``, as an editor's browser tab sees it.

Usage:
    python benchmarks/reload.py [--size 2000] [--edits 21] [--seed 0] [--work-dir DIR]

Generates a corpus of ``--size`` monographs (``benchmarks/generate_corpus.py``) in a fresh
folder, starts the preview server on it (``devserver.running_preview``, the code ``serve``
runs), and then, ``--edits`` times, changes the summary of one monograph on disk and waits on
``/__clincalc/wait`` — the long-poll the page's live-reload script makes — until the rebuilt
site is published. "Save to reload" is the time from the file's write to that answer (the
browser then fetches the page: a few ms on 127.0.0.1, not counted). It prints every figure,
the median, min and max, and the build time the server reports for the same rebuilds.

Run on purpose, not by the test suite; on a shared machine compare medians of one run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from clincalc_site.build.config import BuildConfig  # noqa: E402
from clincalc_site.preview.server import running_preview  # noqa: E402

SETTLE_SECONDS = 0.3  # between edits, as an editor types


def fetch(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=60) as response:
        answer: dict[str, object] = json.load(response)
        return answer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--edits", type=int, default=21)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work-dir", type=Path)
    args = parser.parse_args()

    work = args.work_dir or Path(tempfile.mkdtemp(prefix="clincalc-reload-"))
    content = work / "monographs"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "generate_corpus.py"), str(args.size),
         str(content), "--seed", str(args.seed), "--force"],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    files = sorted(content.glob("*.yaml"))
    config = BuildConfig(content_dir=content, today=dt.date.today())
    seconds: list[float] = []
    builds: list[float] = []
    with running_preview(config, port=0) as (preview, server):
        base = f"http://127.0.0.1:{server.server_address[1]}/__clincalc/"
        print(f"{args.size} monographs; first build {preview.state.seconds:.2f} s, "
              f"ok={preview.state.ok}; load average {os.getloadavg()[0]:.2f}")  # fmt: skip
        for number in range(args.edits):
            target = files[(number * 97) % len(files)]
            before = fetch(base + "status")["build"]
            text = target.read_text(encoding="utf-8")
            started = time.perf_counter()
            target.write_text(text.replace("summary: ", f"summary: Edit {number}. ", 1))
            state = fetch(f"{base}wait?since={before}")
            seconds.append(time.perf_counter() - started)
            if not state["ok"] or state["build"] == before:
                print(f"edit {number}: no good rebuild: {state}", file=sys.stderr)
                return 1
            builds.append(float(str(state["seconds"])))
            time.sleep(SETTLE_SECONDS)
    print("save to reload, s:", " ".join(f"{s:.3f}" for s in seconds))
    print(f"median {statistics.median(seconds):.3f} s (min {min(seconds):.3f}, "
          f"max {max(seconds):.3f}); rebuild alone: median {statistics.median(builds):.3f} s; "
          f"load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
