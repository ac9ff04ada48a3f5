"""The build cache is an input too: one planted in the project must not reach the site.

The cache (``.clincalc/cache/`` beside the output) keeps rendered summaries and load results
that a warm build reuses without re-reading them. A pull request can add that folder, so a
manifest is trusted only when it carries the signature of this user's own key, kept outside
every project (``$XDG_CACHE_HOME/clincalc-site/manifest.key``).
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from clincalc_site.build.manifest import MANIFEST, Manifest, read_manifest

from .support import audit_site, monograph_doc, run_cli, write_project

BUILD = ("build", "--content", "monographs", "--out", "_site", "--no-search")
MARKER = "Plain summary that an attacker will swap for a script in the cache."
PAYLOAD = "<script>alert(1)</script>"
MAC_BYTES = 32


def build_twice(root: Path, key_home: Path) -> Path:
    """Build a two-monograph project twice (the second is warm); return the manifest."""
    docs = {
        "alpha": monograph_doc("Alphamycin") | {"summary": MARKER},
        "beta": monograph_doc("Betamycin"),
    }
    write_project(root, docs)
    for _ in range(2):
        result = run_cli(BUILD, root, env={"XDG_CACHE_HOME": str(key_home)})
        assert result.code == 0, result.output
    manifest = root / ".clincalc" / "cache" / MANIFEST
    assert manifest.is_file()
    return manifest


def poison(manifest: Path, key: bytes | None) -> None:
    """Swap the cached summary for a script (same length, so the format stays valid)."""
    data = manifest.read_bytes()
    assert MARKER.encode() in data
    evil = (PAYLOAD + " " * len(MARKER))[: len(MARKER)].encode()
    body = data[MAC_BYTES:].replace(MARKER.encode(), evil)
    mac = data[:MAC_BYTES] if key is None else hmac.new(key, body, hashlib.sha256).digest()
    manifest.write_bytes(mac + body)


def rebuild_after_an_unrelated_change(root: Path, key_home: Path) -> None:
    """Change the other monograph, so the class page (which shows summaries) is rebuilt."""
    write_project(root, {"beta": monograph_doc("Betamycin") | {"summary": "Changed."}})
    result = run_cli(BUILD, root, env={"XDG_CACHE_HOME": str(key_home)})
    assert result.code == 0, result.output


def test_a_tampered_cache_cannot_put_markup_on_the_site(tmp_path: Path) -> None:
    manifest = build_twice(tmp_path / "project", tmp_path / "home")
    poison(manifest, key=None)
    rebuild_after_an_unrelated_change(tmp_path / "project", tmp_path / "home")
    assert audit_site(tmp_path / "project" / "_site") == {}


def test_a_cache_signed_by_someone_else_is_not_trusted(tmp_path: Path) -> None:
    """An attacker signs a poisoned manifest with their own key and commits it."""
    attacker_home = tmp_path / "attacker"
    manifest = build_twice(tmp_path / "project", attacker_home)
    poison(manifest, key=(attacker_home / "clincalc-site" / "manifest.key").read_bytes())
    rebuild_after_an_unrelated_change(tmp_path / "project", tmp_path / "ci-runner")
    assert audit_site(tmp_path / "project" / "_site") == {}
    html = (tmp_path / "project" / "_site" / "classes" / "test-class" / "index.html").read_text()
    assert MARKER in html


def test_garbage_in_the_manifest_is_an_empty_cache(tmp_path: Path) -> None:
    cache = tmp_path / ".clincalc" / "cache"
    cache.mkdir(parents=True)
    for data in (b"", b"\x00" * 31, b"x" * 40, bytes(range(256)) * 64):
        (cache / MANIFEST).write_bytes(data)
        assert read_manifest(cache) == Manifest()
