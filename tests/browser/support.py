"""Shared by the browser-side tests: the fixture site, building and serving a site.

Kept apart from conftest.py so test modules import plain helpers, never the conftest plugin.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from clincalc_site.cli import main as cli_main

REPO = Path(__file__).resolve().parents[2]
# Debian's Chromium; CLINCALC_CHROMIUM points elsewhere (a test shows CI fails without it).
CHROMIUM = Path(os.environ.get("CLINCALC_CHROMIUM", "/usr/bin/chromium"))
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
AXE_SCRIPT = REPO / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

VERIFIED = """\
name: Apixaban
drug_class: Anticoagulant
brand_names: [Eliquis]
summary: Apixaban is an oral direct factor Xa inhibitor (test fixture).
dosing:
  status: verified
  regimens:
    - indication: Stroke prevention in non-valvular atrial fibrillation
      population: Adults
      route: Oral
      dose: 5 mg
      frequency: Twice daily
  source: {document: eliquis-smpc, section: "4.2", revision: 2026-01-10}
  prepared_by: bjones
  prepared_on: 2026-05-20
  verified_by: asmith
  verified_on: 2026-06-01
mechanism: It inhibits factor Xa.
review:
  status: clinician-reviewed
  date: 2026-06-01
related: [warfarin]
"""
BANNER = """\
name: Warfarin
drug_class: Anticoagulant
brand_names: [Marevan]
summary: Warfarin is an oral vitamin K antagonist (test fixture).
dosing:
  status: re-sourcing
mechanism: It antagonises vitamin K.
review:
  status: clinician-reviewed
  date: 2026-06-01
"""
FIXTURE_EPOCH = "1795000000"  # 2026-11-18: the fixture's build date


def build_site(content: Path, out: Path, epoch: str | None = None) -> Path:
    """Run ``clincalc-site build`` (search included); SOURCE_DATE_EPOCH set or unset."""
    with pytest.MonkeyPatch.context() as patch:
        if epoch is None:
            patch.delenv("SOURCE_DATE_EPOCH", raising=False)
        else:
            patch.setenv("SOURCE_DATE_EPOCH", epoch)
        code = cli_main(["build", "--content", str(content), "--out", str(out)])
    assert code == 0, f"building {content} failed (exit {code}); run clincalc-site check"
    return out


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


@dataclass(frozen=True)
class Served:
    """A built site on a local address: ``url("drugs/x/")`` gives the full address."""

    root: Path
    base: str

    def url(self, path: str = "") -> str:
        return self.base + path


def serve(root: Path) -> Iterator[Served]:
    """Serve ``root`` on 127.0.0.1 (a free port) from a thread, for as long as it is used."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Served(root, f"http://127.0.0.1:{server.server_address[1]}/")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
