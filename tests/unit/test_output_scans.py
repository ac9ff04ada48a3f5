"""folder_scans.BackgroundScans: the published and spare folders scanned by a forked child."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from clincalc_site.publish import folder_scans


def make_tree(root: Path, names: list[str]) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name, encoding="utf-8")


FORKED = """
import sys
from pathlib import Path
from clincalc_site.publish import folder_scans
roots = [Path(p) for p in sys.argv[1:]]
expected = {root: folder_scans.scan_tree(root) for root in roots if root.is_dir()}
scans = folder_scans.BackgroundScans(roots)
assert scans.pid != 0, "did not fork"
for root, found in expected.items():
    assert scans.result(root) == found, root
assert scans.found is not None and scans.found[str(roots[-1])] is None
print("ok")
"""


def test_a_forked_child_scans_the_folders(tmp_path: Path) -> None:
    """Run in a new process: this one may have threads (the preview server's tests), and
    then BackgroundScans rightly does not fork."""
    site, spare, missing = tmp_path / "site", tmp_path / "spare", tmp_path / "missing"
    make_tree(site, ["index.html", "drugs/a/index.html", "static/site.css"])
    make_tree(spare, ["index.html"])
    roots = [str(site), str(spare), str(missing)]

    result = subprocess.run(
        [sys.executable, "-c", FORKED, *roots], capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_no_fork_from_a_process_with_threads_and_the_scan_is_done_here(tmp_path: Path) -> None:
    make_tree(tmp_path, ["index.html", "drugs/a/index.html"])
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        scans = folder_scans.BackgroundScans([tmp_path])
        assert scans.pid == 0
        assert scans.result(tmp_path) == folder_scans.scan_tree(tmp_path)
    finally:
        stop.set()
        other.join()


def test_a_folder_that_was_not_asked_for_is_scanned_here(tmp_path: Path) -> None:
    make_tree(tmp_path / "a", ["x.html"])
    make_tree(tmp_path / "b", ["y.html"])
    scans = folder_scans.BackgroundScans([tmp_path / "a"])
    assert scans.result(tmp_path / "b") == {
        "y.html": folder_scans.scan_tree(tmp_path / "b")["y.html"]
    }
    scans.close()


def test_a_missing_folder_has_no_files_and_a_scan_here_is_taken_once(tmp_path: Path) -> None:
    """A build asks for the published folder's stat once per page: one scan, not one each."""
    make_tree(tmp_path / "b", ["y.html"])
    scans = folder_scans.BackgroundScans([])  # nothing forked: every result is a scan here
    assert scans.result(tmp_path / "missing") == {}
    first = scans.result(tmp_path / "b")
    make_tree(tmp_path / "b", ["z.html"])
    assert scans.result(tmp_path / "b") is first
    assert set(first) == {"y.html"}
