"""Read whole blobs from git by id, for the archive and history pages.

Stage: content/ (docs/architecture.md): an input edge, like ``history`` (which reads and
parses the same blobs for the "Changes" list; this gives their bytes, to load as monographs).
One ``git cat-file --batch`` per request; a blob that is missing, not a blob, or larger
than a monograph file may be reads as None.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from clincalc_site.content.loader import MAX_FILE_BYTES

_TIMEOUT = 600  # seconds, for many thousands of blobs on a slow disk


def read_blobs(content_dir: Path, blob_ids: Sequence[str]) -> dict[str, bytes | None]:
    """Each blob's bytes by id (None: not readable as a monograph file). Outside git, or
    without git, every blob is None."""
    wanted = list(dict.fromkeys(blob_ids))
    if not wanted:
        return {}
    request = "".join(f"{blob}\n" for blob in wanted).encode("ascii")
    try:
        done = subprocess.run(
            ["git", "-C", str(content_dir), "cat-file", "--batch"],
            input=request,
            capture_output=True,
            timeout=_TIMEOUT,
            check=False,
            env={**os.environ, "GIT_NO_LAZY_FETCH": "1"},
        )
    except (OSError, subprocess.SubprocessError):
        return dict.fromkeys(wanted)
    return _parse_batch(done.stdout, wanted)


def _parse_batch(output: bytes, wanted: list[str]) -> dict[str, bytes | None]:
    found: dict[str, bytes | None] = dict.fromkeys(wanted)
    position = 0
    for blob in wanted:
        end = output.find(b"\n", position)
        if end < 0:
            break
        header = output[position:end].split()
        position = end + 1
        if len(header) != 3:  # "<id> missing"
            continue
        size = int(header[2])
        if header[1] == b"blob" and size <= MAX_FILE_BYTES:
            found[blob] = output[position : position + size]
        position += size + 1  # the content, and the newline after it
    return found
