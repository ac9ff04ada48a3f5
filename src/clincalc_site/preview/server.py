"""``clincalc-site serve``: live preview for editors.

Stage: preview/ (docs/architecture.md).

The preview is the ordinary ``pipeline.build`` pointed at a temporary folder (MkDocs' serve
works the same way), so what an editor sees is what CI publishes; its finish step writes the
drug list only. The full-text index is made after each good build by a thread of its own
(``FolderIndex``: only the partitions whose pages changed are indexed again), never
delaying a reload, and served at /pagefind/ from a folder beside the site. A watcher thread
polls the content, templates, static files and site settings; any change triggers a rebuild, and the
open browser tab learns of it through a long-poll (``/__clincalc/wait``) made by a small
same-origin script injected into HTML responses (no inline script: the pages' CSP forbids it).
A failed build never stops the server: the last good site stays up and the script shows an
overlay with every ``file:line:col`` message and the offending lines.
"""

from __future__ import annotations

import contextlib
import dataclasses
import http.server
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from clincalc_site.build import pipeline
from clincalc_site.build.config import BuildConfig
from clincalc_site.build.session import Session
from clincalc_site.diagnostics import Diagnostic, Location, Severity
from clincalc_site.publish.pagefind_index import PAGEFIND_DIR, FolderIndex
from clincalc_site.publish.search import finish_preview
from clincalc_site.site.settings import OVERRIDE_STATIC, OVERRIDE_TEMPLATES, SETTINGS_FILE

LIVE_PREFIX = "/__clincalc/"
SEARCH_PREFIX = f"/{PAGEFIND_DIR}/"
LIVE_SCRIPT = Path(__file__).with_name("live.js")
POLL_SECONDS = 0.05  # half of it is, on average, added to every save-to-reload
SEARCH_PAUSE = 0.5  # the full-text index is brought up to date once saves pause this long
WAIT_SECONDS = 25.0
SNIPPET_CONTEXT = 2

Snapshot = dict[str, tuple[int, int]]


def snapshot(paths: list[Path]) -> Snapshot:
    """(mtime_ns, size) of every file below the watched paths (file links followed)."""
    found: Snapshot = {}
    pending: list[str] = []
    for root in paths:
        with contextlib.suppress(OSError):
            info = os.stat(root)
            if stat.S_ISDIR(info.st_mode):
                pending.append(str(root))
            else:
                found[str(root)] = (info.st_mtime_ns, info.st_size)
    while pending:  # scandir, not os.walk: this runs 20 times a second
        with contextlib.suppress(OSError), os.scandir(pending.pop()) as listing:
            for item in listing:
                with contextlib.suppress(OSError):
                    if item.is_dir(follow_symlinks=False):  # no loops
                        pending.append(item.path)
                    else:
                        info = item.stat()
                        found[item.path] = (info.st_mtime_ns, info.st_size)
    return found


def snippet(diagnostic: Diagnostic) -> list[tuple[int, str]]:
    """The offending line and its neighbours, for the error overlay."""
    line = diagnostic.location.line
    if line <= 0:
        return []
    try:
        with open(diagnostic.location.path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return []
    first = max(1, line - SNIPPET_CONTEXT)
    last = min(len(lines), line + SNIPPET_CONTEXT)
    return [(number, lines[number - 1]) for number in range(first, last + 1)]


@dataclasses.dataclass
class BuildState:
    """What the browser script asks about: the build number and the current problems."""

    number: int = 0
    ok: bool = False
    problems: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    seconds: float = 0.0
    changed: threading.Condition = dataclasses.field(default_factory=threading.Condition)

    def publish(self, ok: bool, diagnostics: list[Diagnostic], seconds: float) -> None:
        shown = [d for d in diagnostics if d.severity is not Severity.NOTE]
        problems = [
            {
                "location": str(d.location),
                "severity": str(d.severity),
                "message": d.message,
                "hint": d.hint,
                "code": d.code,
                "line": d.location.line,
                "snippet": snippet(d),
            }
            for d in shown
        ]
        with self.changed:
            self.number += 1
            self.ok = ok
            self.problems = problems
            self.seconds = seconds
            self.changed.notify_all()

    def as_json(self) -> bytes:
        with self.changed:
            payload = {
                "build": self.number,
                "ok": self.ok,
                "problems": self.problems,
                "seconds": round(self.seconds, 3),
            }
        return json.dumps(payload).encode("utf-8")

    def wait_for(self, since: int, timeout: float) -> None:
        with self.changed:
            self.changed.wait_for(lambda: self.number > since, timeout=timeout)


def rebuild_log(
    ok: bool, diagnostics: list[Diagnostic], rendered: int, seconds: float
) -> list[str]:
    """What the terminal shows after a rebuild: one line, then each error and warning."""
    problems = [d for d in diagnostics if d.severity is not Severity.NOTE]
    errors = sum(1 for d in problems if d.severity is Severity.ERROR)
    clock = time.strftime("%H:%M:%S")
    if ok:
        pages = f"{rendered} monograph page{'s' if rendered != 1 else ''} rendered"
        head = f"{clock} rebuilt in {seconds:.2f} s: {pages}"
    else:
        head = (
            f"{clock} not rebuilt: {errors} error{'s' if errors != 1 else ''} "
            "(the browser shows the last good site, with the errors over it)"
        )
    warnings = len(problems) - errors
    if ok and warnings:
        head += f", {warnings} warning{'s' if warnings != 1 else ''}"
    return [head, *(f"  {d.format_text()}" for d in problems)]


class Preview:
    """Builds into a private folder and rebuilds on change; owns no global state."""

    def __init__(
        self,
        config: BuildConfig,
        version: str = "preview",
        log: Callable[[str], None] | None = None,
        search_dir: Path | None = None,
    ) -> None:
        if config.finish is None:  # the drug list for the search box, in the build
            config = dataclasses.replace(config, finish=finish_preview)
        self.config = config
        # The full-text index, made after each good build by a thread of its own, so that
        # it never delays a reload (``index_loop``); served at /pagefind/.
        self.search = FolderIndex(search_dir) if search_dir is not None else None
        self.search_wanted = threading.Event()
        self.search_done = threading.Condition()
        self.search_builds = 0  # the build number the index was last brought up to date with
        self.version = version
        self.log = log  # told one line per rebuild, then its errors and warnings
        self.state = BuildState()
        # What the last build knew, kept between rebuilds; the cache lives beside the
        # private output folder and only this server writes it: memory is enough.
        self.session = Session(persist=False)
        self.stop = threading.Event()
        root = config.content_dir.parent
        self.watched = [
            config.content_dir,
            config.templates_dir,
            config.static_dir,
            root / OVERRIDE_TEMPLATES,  # a team's overrides, watched even before they exist
            root / OVERRIDE_STATIC,
            root / SETTINGS_FILE,
        ]

    def rebuild(self) -> None:
        started = time.perf_counter()
        rendered = 0
        try:
            report = pipeline.build(self.config, self.version, session=self.session)
            ok, diagnostics, rendered = not report.failed, report.diagnostics, report.rendered
        except Exception as exc:  # keep serving the last good site whatever happens
            ok = False
            where = Location(str(self.config.content_dir))
            message = f"build stopped: {type(exc).__name__}: {exc}"
            diagnostics = [Diagnostic(where, Severity.ERROR, "build.failed", message)]
        seconds = time.perf_counter() - started
        self.state.publish(ok, diagnostics, seconds)
        if ok:
            self.search_wanted.set()
        if self.log is not None:
            for line in rebuild_log(ok, diagnostics, rendered, seconds):
                self.log(line)

    def index_loop(self) -> None:
        """Bring the full-text index up to date after good builds, until ``stop``: once the
        saves pause (``SEARCH_PAUSE``), in a process of its own at a low priority, so that
        it takes nothing from a rebuild in this process (see docs/performance.md)."""
        while not self.stop.is_set():
            if not self.search_wanted.wait(POLL_SECONDS * 4):
                continue
            while not self.stop.is_set():  # another save within the pause: wait again
                self.search_wanted.clear()
                if not self.search_wanted.wait(SEARCH_PAUSE):
                    break
            number = self.state.number
            if self.search is not None:
                self.update_search(self.search.target)
            with self.search_done:
                self.search_builds = number
                self.search_done.notify_all()

    def update_search(self, target: Path) -> None:
        module = "clincalc_site.publish.pagefind_index"
        command = [sys.executable, "-m", module, str(self.config.output_dir), str(target)]
        nice = shutil.which("nice")
        package = str(Path(pipeline.__file__).resolve().parents[2])  # this very code
        path = os.pathsep.join(filter(None, [package, os.environ.get("PYTHONPATH")]))
        try:
            done = subprocess.run(
                [nice, "-n", "10", *command] if nice else command,
                capture_output=True, timeout=600, check=False,
                env={**os.environ, "PYTHONPATH": path},
            )  # fmt: skip
        except (OSError, subprocess.TimeoutExpired) as exc:
            done = None
            failure = f"{type(exc).__name__}: {exc}"
        if done is not None and done.returncode != 0:
            failure = "".join(done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:])
        elif done is not None:
            return
        if self.log is not None:  # the preview keeps running; name matches still work
            self.log(f"search index not updated: {failure}")

    def wait_for_search(self, timeout: float) -> bool:
        """Wait until the index reflects the latest good build (for tests and tools)."""
        with self.search_done:
            return self.search_done.wait_for(
                lambda: not self.search_wanted.is_set() and self.search_builds >= self.state.number,
                timeout=timeout,
            )

    def watch(
        self,
        on_build: Callable[[BuildState], None] | None = None,
        previous: Snapshot | None = None,
    ) -> None:
        """Poll the watched files until ``stop`` is set; rebuild after each change.

        ``previous`` is what the last build saw (taken before it started, so a save made
        while it ran is not missed); by default, the files as they are now.
        """
        if previous is None:
            previous = snapshot(self.watched)
        while not self.stop.wait(POLL_SECONDS):
            current = snapshot(self.watched)
            if current != previous:
                previous = current
                self.rebuild()
                if on_build is not None:
                    on_build(self.state)


def make_handler(preview: Preview) -> type[http.server.SimpleHTTPRequestHandler]:
    output = str(preview.config.output_dir)
    script_tag = f'<script src="{LIVE_PREFIX}live.js" defer></script>'.encode()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=output, **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            return  # requests are not news to an editor

        def send_bytes(self, body: bytes, content_type: str, status: int = 200) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path.startswith(LIVE_PREFIX):
                self.live(parts.path[len(LIVE_PREFIX) :], parse_qs(parts.query))
                return
            if parts.path.startswith(SEARCH_PREFIX) and preview.search is not None:
                self.search_file(preview.search.target, parts.path)
                return
            target = self.translate_path(parts.path)
            if os.path.isdir(target):
                target = os.path.join(target, "index.html")
            if target.endswith(".html") and os.path.isfile(target):
                with open(target, "rb") as handle:
                    body = handle.read().replace(b"</body>", script_tag + b"\n</body>", 1)
                self.send_bytes(body, "text/html; charset=utf-8")
                return
            if not os.path.exists(target):
                self.not_found()
                return
            super().do_GET()

        def search_file(self, root: Path, path: str) -> None:
            """A file of the full-text index (kept apart from the site: ``FolderIndex``)."""
            relative = Path(unquote(path).lstrip("/"))
            if ".." in relative.parts or not (root / relative).is_file():
                self.send_bytes(b"not found", "text/plain", 404)
                return
            self.send_bytes((root / relative).read_bytes(), self.guess_type(str(relative)))

        def not_found(self) -> None:
            page = os.path.join(output, "404.html")
            body = b"<!DOCTYPE html><title>Not found</title><p>Not found</p></html>"
            if os.path.isfile(page):
                with open(page, "rb") as handle:
                    body = handle.read()
            body = body.replace(b"</body>", script_tag + b"\n</body>", 1)
            self.send_bytes(body, "text/html; charset=utf-8", 404)

        def live(self, name: str, query: dict[str, list[str]]) -> None:
            if name == "live.js":
                self.send_bytes(LIVE_SCRIPT.read_bytes(), "text/javascript; charset=utf-8")
            elif name == "status":
                self.send_bytes(preview.state.as_json(), "application/json")
            elif name == "wait":
                since = int(query.get("since", ["0"])[0] or 0)
                preview.state.wait_for(since, WAIT_SECONDS)
                self.send_bytes(preview.state.as_json(), "application/json")
            else:
                self.send_bytes(b"unknown", "text/plain", 404)

    return Handler


@contextlib.contextmanager
def running_preview(
    config: BuildConfig,
    host: str = "127.0.0.1",
    port: int = 8000,
    log: Callable[[str], None] | None = None,
) -> Iterator[tuple[Preview, http.server.ThreadingHTTPServer]]:
    """Build, start the server and the watcher in threads; stop and clean up on exit."""
    workdir = Path(tempfile.mkdtemp(prefix="clincalc-preview-"))
    site_config = dataclasses.replace(config, output_dir=workdir / "site")
    preview = Preview(site_config, log=log, search_dir=workdir / "search")
    before_first_build = snapshot(preview.watched)
    preview.rebuild()
    (workdir / "site").mkdir(exist_ok=True)  # serve an empty site if the first build failed
    server = http.server.ThreadingHTTPServer((host, port), make_handler(preview))
    server.daemon_threads = True
    threads = [
        threading.Thread(target=server.serve_forever, daemon=True),
        threading.Thread(target=preview.watch, args=(None, before_first_build), daemon=True),
        threading.Thread(target=preview.index_loop, daemon=True),
    ]
    for thread in threads:
        thread.start()
    try:
        yield preview, server
    finally:
        preview.stop.set()
        server.shutdown()
        server.server_close()
        for thread in threads:
            thread.join(timeout=5)
        shutil.rmtree(workdir, ignore_errors=True)
