"""Atomic publishing, pinned where mutation testing found it loose (docs/testing.md).

A reader must find the old site or the new one, never neither: the default output folder is
relative (``_site``) and is still swapped in with one exchange; where the C library has no
``renameat2`` (or none can be found) publishing falls back to renames and still publishes the
new site, keeping the old one as the next spare; a failure says what failed and leaves the
published site as it was; the record of the published files has no deleted static file.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from pathlib import Path

import pytest

from clincalc_site.publish import output_folder
from clincalc_site.publish.folder_scans import scan_tree
from clincalc_site.publish.output_folder import OutputError, publish
from clincalc_site.publish.site_files import SiteFiles
from clincalc_site.publish.spare_folder import publish_spare, spare_dir

PAGE = Path("drugs", "x", "index.html")


def site(folder: Path, text: str) -> Path:
    (folder / PAGE).parent.mkdir(parents=True)
    (folder / PAGE).write_text(text, encoding="utf-8")
    return folder


def static_folder(root: Path) -> Path:
    static = root / "static"
    static.mkdir()
    (static / "site.css").write_text("p {}\n", encoding="utf-8")
    return static


class _LibcWithoutRenameat2:
    """A C library as on systems whose libc has no ``renameat2`` (musl, macOS)."""


@pytest.fixture(params=["no-libc-found", "no-renameat2"])
def no_exchange(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A system where the atomic exchange is unavailable, in either way it can be."""
    if request.param == "no-libc-found":
        monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    else:
        monkeypatch.setattr(ctypes, "CDLL", lambda *args, **kwargs: _LibcWithoutRenameat2())


def leftovers(folder: Path) -> list[str]:
    """Names beside the output that a publish should not leave (temporary or old folders)."""
    return sorted(p.name for p in folder.iterdir() if ".old-" in p.name or ".tmp-" in p.name)


# --- Without an atomic exchange ---------------------------------------------------------------


@pytest.mark.usefixtures("no_exchange")
def test_without_an_exchange_publish_still_replaces_the_site(tmp_path: Path) -> None:
    published = site(tmp_path / "_site", "old")
    staging = site(tmp_path / "._site.tmp-1", "new")

    assert output_folder._exchange(staging, published) is False
    publish(staging, published)

    assert (published / PAGE).read_text() == "new"
    assert not staging.exists()
    assert leftovers(tmp_path) == []


@pytest.mark.usefixtures("no_exchange")
def test_without_an_exchange_the_spare_is_published_and_the_old_site_is_the_next_spare(
    tmp_path: Path,
) -> None:
    published = site(tmp_path / "_site", "old")
    spare = site(spare_dir(published), "new")

    publish_spare(published, SiteFiles(spare), [static_folder(tmp_path)], None)

    assert (published / PAGE).read_text() == "new"
    assert (published / "static" / "site.css").is_file()
    assert (spare / PAGE).read_text() == "old"
    assert leftovers(tmp_path) == []


# --- The default output folder is relative ----------------------------------------------------


def test_a_relative_output_folder_is_swapped_in_with_one_exchange(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--out`` defaults to ``_site``, relative to the working folder: still atomic."""
    monkeypatch.chdir(tmp_path)
    site(Path("_site"), "old")
    site(Path("._site.tmp-1"), "new")
    exchanged: list[bool] = []
    real_exchange = output_folder._exchange

    def exchange(first: Path, second: Path) -> bool:
        exchanged.append(real_exchange(first, second))
        return exchanged[-1]

    monkeypatch.setattr(output_folder, "_exchange", exchange)

    publish(Path("._site.tmp-1"), Path("_site"))
    spare = site(spare_dir(Path("_site")), "newer")  # in .clincalc/, not beside the output
    publish_spare(Path("_site"), SiteFiles(spare), [Path("static")], None)

    assert exchanged == [True, True]
    assert (tmp_path / "_site" / PAGE).read_text() == "newer"
    assert (tmp_path / spare / PAGE).read_text() == "new"


# --- Refusals and failures say what happened and keep the published site ----------------------


def test_publishing_over_a_file_is_refused_by_name_and_the_file_is_kept(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "_site"
    not_a_folder.write_text("notes", encoding="utf-8")
    staging = site(tmp_path / "._site.tmp-1", "new")

    with pytest.raises(OutputError) as refused:
        publish(staging, not_a_folder)

    assert str(refused.value) == f"output path {not_a_folder} exists and is not a folder"
    assert not_a_folder.read_text() == "notes"


def test_publishing_the_spare_over_a_file_is_refused_by_name(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "_site"
    not_a_folder.write_text("notes", encoding="utf-8")
    spare = site(spare_dir(not_a_folder), "new")

    with pytest.raises(OutputError) as refused:
        publish_spare(not_a_folder, SiteFiles(spare), [tmp_path / "no-static"], None)

    assert str(refused.value) == f"output path {not_a_folder} exists and is not a folder"
    assert not_a_folder.read_text() == "notes"


def test_a_failing_finish_step_is_reported_and_the_site_is_kept(tmp_path: Path) -> None:
    published = site(tmp_path / "_site", "old")
    spare = site(spare_dir(published), "new")

    def disk_full(root: Path, files: SiteFiles) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OutputError) as failed:
        publish_spare(published, SiteFiles(spare), [static_folder(tmp_path)], disk_full)

    assert str(failed.value) == "cannot write the site: [Errno 28] No space left on device"
    assert (published / PAGE).read_text() == "old"


def test_the_published_listing_drops_a_static_file_deleted_since(tmp_path: Path) -> None:
    published = site(tmp_path / "_site", "old")
    spare = site(spare_dir(published), "new")
    (spare / "static").mkdir()
    (spare / "static" / "old.css").write_text("p {}\n", encoding="utf-8")
    files = SiteFiles(spare, listing=scan_tree(spare))

    listed, _ = publish_spare(published, files, [static_folder(tmp_path)], None)

    assert sorted(listed) == ["drugs/x/index.html", "static/site.css"]
    assert sorted(listed) == sorted(scan_tree(published))
