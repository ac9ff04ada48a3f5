"""What a reader's browser fetches and waits for, on a built site served with gzip.

Usage:
    python benchmarks/reader.py SITE [--runs 3] [--name NAME] [--query Q ...] [--json FILE]

SITE is a folder built by ``clincalc-site build`` (search on). The script serves it from a
small ``http.server`` that gzips text responses (HTML, CSS, JavaScript, JSON: level 6, as a
real host would) and counts the bytes it sends, and drives Debian's Chromium
(``/usr/bin/chromium``, or ``CLINCALC_CHROMIUM``) headless through Playwright, a fresh profile
per measurement with service workers blocked (so that nothing is fetched for the offline
copy). Rows, each the median of ``--runs`` runs:

* home page: the HTML, gzipped; and everything the page loads (HTML, CSS, scripts);
* monograph page: a monograph's HTML plus its stylesheet, gzipped;
* type-ahead, first use: the bytes fetched from the first focus of the box until the list
  shows (the drug list), and the time from the second key to the list on first use;
* type-ahead, per keystroke: ``--name`` typed key by key (a pause between keys, as a person
  types), the time from each keydown to the suggestion list changing in the DOM; median over
  the keys from the second on;
* results page, for each ``--query``: time from navigation start to the first result in the
  DOM, to the status line saying the search is done, and every byte fetched until then.

It is run on purpose, never by the test suite. It prints one Markdown table and, with
``--json``, writes the runs.
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import json
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
try:
    from playwright.sync_api import Browser, Page, sync_playwright
except ImportError:  # pragma: no cover - depends on how the script is started
    VENV_PYTHON = REPO / ".venv" / "bin" / "python"
    if VENV_PYTHON.exists() and Path(sys.executable) != VENV_PYTHON:
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), *sys.argv])
    raise

CHROMIUM = Path(os.environ.get("CLINCALC_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [  # as tests/browser/support.py
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TEXT_TYPES = (".html", ".css", ".js", ".json", ".xml", ".webmanifest", ".svg", ".txt")
BOX = "#site-search-input"
LIST = "#site-search-suggestions"
KEY_PAUSE_S = 0.12  # between keys, as a quick typist
GZIP_LEVEL = 6


class Traffic:
    """The bytes the server sent, request by request (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sent: list[tuple[str, int]] = []

    def add(self, path: str, size: int) -> None:
        with self._lock:
            self._sent.append((path, size))

    def mark(self) -> int:
        with self._lock:
            return len(self._sent)

    def since(self, mark: int) -> list[tuple[str, int]]:
        with self._lock:
            return list(self._sent[mark:])


def make_handler(root: Path, traffic: Traffic) -> type[http.server.SimpleHTTPRequestHandler]:
    compressed: dict[Path, bytes] = {}
    lock = threading.Lock()

    class GzipHandler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            path = Path(self.translate_path(self.path))
            if path.is_dir():
                if not urlsplit(self.path).path.endswith("/"):
                    super().do_GET()  # the redirect to the address with a slash
                    return
                path = path / "index.html"
            if not path.is_file():
                self.send_error(404)
                traffic.add(unquote(urlsplit(self.path).path), 0)
                return
            body = path.read_bytes()
            gzipped = path.suffix in TEXT_TYPES and "gzip" in self.headers.get(
                "Accept-Encoding", ""
            )
            if gzipped:
                with lock:
                    if path not in compressed:
                        compressed[path] = gzip.compress(body, GZIP_LEVEL, mtime=0)
                    body = compressed[path]
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(str(path)))
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-cache")
            if gzipped:
                self.send_header("Content-Encoding", "gzip")
            self.end_headers()
            self.wfile.write(body)
            traffic.add(unquote(urlsplit(self.path).path), len(body))

    return GzipHandler


@contextmanager
def served(root: Path) -> Iterator[tuple[str, Traffic]]:
    traffic = Traffic()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(root, traffic))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", traffic
    finally:
        server.shutdown()
        server.server_close()


def gz(data: bytes) -> int:
    return len(gzip.compress(data, GZIP_LEVEL, mtime=0))


def kb(size: float) -> str:
    return f"{size / 1000:.1f} KB"


def ms(value: float) -> str:
    return f"{value:.0f} ms"


@contextmanager
def fresh_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(service_workers="block")
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page
        if errors:
            raise RuntimeError(f"JavaScript errors: {errors}")
    finally:
        context.close()


WATCH_KEYS = """
() => {
  window.__latencies = [];
  let pressed = 0;
  const input = document.querySelector("#site-search-input");
  input.addEventListener("keydown", () => { pressed = performance.now(); }, true);
  const list = document.querySelector("#site-search-suggestions");
  new MutationObserver(() => {
    if (pressed) { window.__latencies.push(performance.now() - pressed); pressed = 0; }
  }).observe(list, { childList: true, subtree: true, attributes: true, characterData: true });
}
"""

WATCH_RESULTS = """
window.__firstResult = null;
window.__settled = null;
new MutationObserver(() => {
  if (window.__firstResult === null && document.querySelector(".search-result")) {
    window.__firstResult = performance.now();
  }
  const status = document.querySelector(".search-status");
  if (window.__settled === null && status && status.textContent !== "Searching…") {
    window.__settled = performance.now();
  }
}).observe(document, { childList: true, subtree: true, characterData: true });
"""


def home(browser: Browser, base: str, traffic: Traffic) -> dict[str, float]:
    with fresh_page(browser) as page:
        mark = traffic.mark()
        page.goto(base)
        page.wait_for_load_state("networkidle")
        sent = traffic.since(mark)
    html = sum(size for path, size in sent if path == "/")
    return {"home html gz": html, "home page total gz": sum(size for _, size in sent)}


def type_ahead(browser: Browser, base: str, traffic: Traffic, name: str) -> dict[str, float]:
    with fresh_page(browser) as page:
        page.goto(base + "classes/")
        page.wait_for_load_state("networkidle")
        page.evaluate(WATCH_KEYS)
        mark = traffic.mark()
        page.click(BOX)
        page.keyboard.type(name[0])
        page.keyboard.press(name[1])  # the first update: the drug list fetched, then ranked
        page.wait_for_function("() => window.__latencies.length >= 1")
        page.wait_for_load_state("networkidle")
        first_bytes = sum(size for _, size in traffic.since(mark))
        first = page.evaluate("window.__latencies[0]")
        page.fill(BOX, "")
        page.evaluate("window.__latencies = []")
        expected = 0
        for index, key in enumerate(name):
            page.keyboard.press(key)
            if index >= 1:
                expected += 1
                page.wait_for_function(f"() => window.__latencies.length >= {expected}")
            time.sleep(KEY_PAUSE_S)
        latencies: list[float] = page.evaluate("window.__latencies")
        shown = page.locator(f"{LIST} [role=option] .suggestion-name").first.inner_text()
    return {
        "type-ahead first use bytes gz": first_bytes,
        "type-ahead first use latency": first,
        "type-ahead keystroke median": statistics.median(latencies),
        "type-ahead keystroke max": max(latencies),
        "_first suggestion": shown,
    }


def results(browser: Browser, base: str, traffic: Traffic, query: str) -> dict[str, float]:
    with fresh_page(browser) as page:
        page.add_init_script(WATCH_RESULTS)
        mark = traffic.mark()
        page.goto(f"{base}search/?q={quote(query)}")
        page.wait_for_function("() => window.__settled !== null", timeout=60_000)
        page.wait_for_load_state("networkidle")
        sent = traffic.since(mark)
        first = page.evaluate("window.__firstResult")
        settled = page.evaluate("window.__settled")
        names = page.locator(".search-result h3").all_inner_texts()
    return {
        f"results '{query}' first result": first if first is not None else float("nan"),
        f"results '{query}' done": settled,
        f"results '{query}' bytes gz": sum(size for _, size in sent),
        f"_results '{query}' top": names[0] if names else "",
    }


def monograph_weight(root: Path, drug_url: str) -> dict[str, float]:
    page = (root / drug_url / "index.html").read_bytes()
    css = (root / "static" / "site.css").read_bytes()
    return {"monograph html+css gz": gz(page) + gz(css)}


def measure_site(
    root: Path, runs: int, name: str | None = None, queries: list[str] | None = None
) -> list[dict[str, float]]:
    """Every measure, ``runs`` times, on the site built in ``root``; one dict a run.

    ``name``: typed in the box (default: the middle drug's); ``queries``: results pages
    (default: that name, the name less its last letter, the middle class).
    """
    data = json.loads((root / "search" / "drugs.json").read_text(encoding="utf-8"))
    rows = data["drugs"]
    middle = rows[len(rows) // 2]
    name = name or middle[0]
    slug = middle[1] or middle[0].lower()
    queries = queries or [name, name[:-1], data["classes"][len(data["classes"]) // 2]]
    measures: list[Callable[[Browser, str, Traffic], dict[str, float]]] = [
        home,
        lambda b, base, t: type_ahead(b, base, t, name),
        *(lambda b, base, t, q=q: results(b, base, t, q) for q in queries),
    ]
    found_runs: list[dict[str, float]] = []
    print(f"site {root}: {len(rows)} monographs; typing {name!r}; queries {queries}")
    with served(root) as (base, traffic), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for run in range(runs):
                found: dict[str, float] = {"load average (1 min)": os.getloadavg()[0]}
                found |= monograph_weight(root, f"drugs/{slug}")
                for measure in measures:
                    found |= measure(browser, base, traffic)
                found_runs.append(found)
                print(f"run {run + 1}: " + json.dumps(found, ensure_ascii=False), flush=True)
        finally:
            browser.close()
    return found_runs


def summary_table(runs: list[dict[str, Any]]) -> str:
    """The runs as one Markdown table: each measure's median, then every run's figure."""
    lines = ["| measure | median | runs |", "|---|---|---|"]
    for key in runs[0]:
        if key.startswith("_"):
            continue
        values = [run[key] for run in runs]
        shown = kb if "bytes" in key or " gz" in key else ms
        if key.startswith("load"):
            shown = "{:.2f}".format
        median = statistics.median(values)
        lines.append(f"| {key} | {shown(median)} | {', '.join(shown(v) for v in values)} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="a folder built by clincalc-site build")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--name", help="the drug name typed (default: the middle drug's)")
    parser.add_argument("--query", action="append", help="results-page queries (repeatable)")
    parser.add_argument("--json", type=Path, help="write every run here")
    args = parser.parse_args(argv)
    runs = measure_site(args.site.resolve(), args.runs, args.name, args.query)
    print("\n" + summary_table(runs))
    if args.json:
        args.json.write_text(json.dumps(runs, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
