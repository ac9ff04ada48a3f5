"""Where the history pass reads monograph versions from, and what it keeps between builds.

Stage: content/ (docs/architecture.md): an input edge, used by ``history``.

``BlobReader`` streams the versions a history asks for from one ``git cat-file --batch``,
parsed (``change_words.read_version``); ``read_cache`` and ``write_cache`` keep, in
``<cache dir>/history.json``, what each pair of versions says, so a rebuild reads no blob
it has described before.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any, Protocol

from clincalc_site import __version__
from clincalc_site.content.change_words import UNREADABLE, Fact, Version, checked, read_version

CACHE_FILE = "history.json"
CACHE_FORMAT = 3  # raise when the facts ``change_words`` makes for a pair of blobs change
MAX_BLOB = 1 << 20  # a larger "monograph" is not read: it could not be one


class BlobSource(Protocol):
    def read(self, blob_ids: list[str]) -> Iterable[tuple[str, Version]]:
        """Each blob, in order, parsed (``UNREADABLE`` when missing or no monograph)."""


class BlobReader:
    """One ``git cat-file --batch`` for the whole run, started when a blob is first needed.

    Each round writes its ids from a thread while the answers are read, so neither side waits
    on a full pipe. ``GIT_NO_LAZY_FETCH``: in a partial clone a missing blob is not fetched
    one by one from the remote (it reads as a version that could not be read)."""

    def __init__(self, content_dir: Path) -> None:
        self.content_dir = content_dir
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *exc: object) -> None:
        process = self.process
        if process is None:
            return
        process.kill()  # it may be waiting on a pipe: no goodbye
        process.wait()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):  # what was left unwritten goes nowhere
                    stream.close()

    def read(self, blob_ids: list[str]) -> Iterator[tuple[str, Version]]:
        if not blob_ids:
            return
        if self.process is None:
            self.process = subprocess.Popen(
                ["git", "-C", str(self.content_dir), "cat-file", "--batch"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env={**os.environ, "GIT_NO_LAZY_FETCH": "1"},
            )
        process = self.process
        assert process.stdin is not None and process.stdout is not None
        writer = threading.Thread(target=_write_ids, args=(process.stdin, blob_ids), daemon=True)
        writer.start()
        for blob in blob_ids:
            yield blob, _read_one(process.stdout)
        writer.join()


def _write_ids(stream: IO[bytes], blob_ids: Iterable[str]) -> None:
    try:
        stream.write("".join(f"{blob}\n" for blob in blob_ids).encode("ascii"))
        stream.flush()
    except OSError:  # git ended: the reader sees it too
        pass


def _read_one(stream: IO[bytes]) -> Version:
    header = stream.readline().split()
    if not header:
        raise ValueError("git cat-file ended early")
    if len(header) != 3:  # "<id> missing"
        return UNREADABLE
    size = int(header[2])
    if header[1] != b"blob" or size > MAX_BLOB:
        while size >= 0:  # skip it, and the newline after it
            chunk = stream.read(min(size + 1, 1 << 16))
            if not chunk:
                raise ValueError("git cat-file ended early")
            size -= len(chunk)
        return UNREADABLE
    data = stream.read(size + 1)
    if len(data) != size + 1:
        raise ValueError("git cat-file ended early")
    return read_version(data[:-1])


def read_cache(cache_dir: Path) -> dict[str, tuple[Fact, ...]]:
    """The facts kept by the last build; an unreadable, foreign or corrupt file is ignored,
    and so is every entry that is not facts ``change_words`` makes.

    The file holds each distinct list of facts once (``said``) and, for each pair, the
    index of its list (``pairs``): every pair of a history is kept (see ``history.versions_of``),
    most say the same few things, and a rebuild reads them all (a third of the time facts
    written out pair by pair took, checked once per list instead of once per pair)."""
    stored = read_json(cache_dir, CACHE_FILE, CACHE_FORMAT) or {}
    table, pairs = stored.get("said"), stored.get("pairs")
    if not isinstance(table, list) or not isinstance(pairs, dict):
        return {}
    lists = [checked(raw) for raw in table]
    found: dict[str, tuple[Fact, ...]] = {}
    for pair, index in pairs.items():
        if type(index) is int and 0 <= index < len(lists):  # not a bool, nor a float
            facts = lists[index]
            if facts is not None:
                found[pair] = facts
    return found


def write_cache(cache_dir: Path, facts: Mapping[str, tuple[Fact, ...]]) -> None:
    """Replace the cache file atomically; the same facts give the same bytes."""
    table = sorted(set(facts.values()))
    index = {value: number for number, value in enumerate(table)}
    pairs = {pair: index[facts[pair]] for pair in sorted(facts)}
    write_json(cache_dir, CACHE_FILE, CACHE_FORMAT, {"pairs": pairs, "said": table})


def read_json(cache_dir: Path, name: str, version: int) -> dict[str, Any] | None:
    """The body of a cache file ``write_json`` wrote, with this format; None otherwise."""
    try:
        stored = json.loads((cache_dir / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("format") != [version, __version__]:
        return None
    body = stored.get("body")
    return body if isinstance(body, dict) else None


def write_json(cache_dir: Path, name: str, version: int, body: Mapping[str, Any]) -> None:
    """Replace a cache file atomically, the same body giving the same bytes. Nothing is
    written into a folder that is a link (or whose parent is: a repository could plant
    ``.clincalc`` as one), and a cache that cannot be written is simply not kept."""
    stored = {"format": [version, __version__], "body": body}
    data = json.dumps(stored, sort_keys=True, separators=(",", ":")) + "\n"
    if cache_dir.is_symlink() or cache_dir.parent.is_symlink():
        return
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=cache_dir, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(data)
            os.replace(temporary, cache_dir / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError:
        return
