"""Take the README screenshots of the pomalidomide page, desktop and mobile.

    .venv/bin/python scripts/screenshots.py [--content monographs] [--out docs/screenshots]

Builds the site into a temporary folder, serves it on 127.0.0.1 with ``http.server`` and
drives the system Chromium (Debian package ``chromium``) through Playwright; it never
downloads a browser. Exits 1 if a page scrolls sideways on the phone viewport.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

from clincalc_site.build import pipeline
from clincalc_site.build.config import BuildConfig, today_from_environment

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PAGE = "drugs/pomalidomide/"
# How many CSS pixels the page is wider than the viewport (0: no sideways scrolling).
OVERFLOW_JS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@dataclass(frozen=True)
class Shot:
    name: str
    width: int
    height: int
    mobile: bool


SHOTS = (
    Shot("pomalidomide-desktop.png", 1280, 900, mobile=False),
    Shot("pomalidomide-mobile.png", 375, 812, mobile=True),
)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Keep the terminal for the script's own output."""


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on a free port of 127.0.0.1; yields the base URL."""
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def build_site(content: Path, output: Path) -> None:
    config = BuildConfig(content_dir=content, output_dir=output, today=today_from_environment())
    report = pipeline.build(config)
    if report.failed:
        problems = "\n".join(d.format_text() for d in report.diagnostics)
        raise SystemExit(f"the site did not build:\n{problems}")


def take(browser: Browser, url: str, shot: Shot, out_dir: Path) -> int:
    """Save one full-page screenshot; returns how many pixels the page overflows sideways."""
    context = browser.new_context(
        viewport={"width": shot.width, "height": shot.height},
        device_scale_factor=1,
        is_mobile=shot.mobile,
        has_touch=shot.mobile,
        service_workers="block",
        reduced_motion="reduce",
    )
    try:
        page = context.new_page()
        page.goto(url, wait_until="networkidle")
        overflow = int(page.evaluate(OVERFLOW_JS))
        page.screenshot(path=str(out_dir / shot.name), full_page=True)
    finally:
        context.close()
    return overflow


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--content", type=Path, default=REPO / "monographs")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    failures = 0
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / "_site"
        build_site(args.content, site)
        with serve(site) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for shot in SHOTS:
                    overflow = take(browser, base + PAGE, shot, args.out)
                    print(f"wrote {args.out / shot.name}")
                    if overflow > 0:
                        print(f"  {overflow} px wider than its {shot.width} px viewport")
                        failures += 1
            finally:
                browser.close()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
