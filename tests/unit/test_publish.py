"""Publishing swaps the new site in with one atomic exchange and deletes nothing before it.

Spies on the two file-system calls that matter (``output_folder._exchange`` and the module's
``shutil.rmtree``) record their order: a reader (or a web server) must find the old site or
the new one at every moment, never an empty or half-filled folder.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from clincalc_site.publish import output_folder
from clincalc_site.publish.output_folder import publish
from clincalc_site.publish.site_files import SiteFiles
from clincalc_site.publish.spare_folder import publish_spare, spare_dir

Calls = list[tuple[str, Path, Path | None]]


def site(folder: Path, text: str) -> Path:
    (folder / "drugs" / "x").mkdir(parents=True)
    (folder / "drugs" / "x" / "index.html").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    """Every exchange and every deletion publishing makes, in order."""
    recorded: Calls = []
    real_exchange = output_folder._exchange
    real_rmtree: Callable[..., None] = shutil.rmtree

    def exchange(first: Path, second: Path) -> bool:
        recorded.append(("exchange", Path(first), Path(second)))
        return real_exchange(first, second)

    def rmtree(path: Path | str, *args: object, **kwargs: object) -> None:
        recorded.append(("rmtree", Path(path), None))
        real_rmtree(path, *args, **kwargs)

    monkeypatch.setattr(output_folder, "_exchange", exchange)
    monkeypatch.setattr(shutil, "rmtree", rmtree)  # the module output_folder.py calls it through
    return recorded


def test_publish_exchanges_then_deletes_only_the_previous_site(
    tmp_path: Path, calls: Calls
) -> None:
    published = site(tmp_path / "_site", "old")
    staging = site(tmp_path / "._site.staging", "new")

    publish(staging, published)

    assert calls == [("exchange", staging, published), ("rmtree", staging, None)]
    assert (published / "drugs" / "x" / "index.html").read_text() == "new"
    assert not staging.exists()


def test_publish_never_deletes_the_published_folder(tmp_path: Path, calls: Calls) -> None:
    published = site(tmp_path / "_site", "old")
    publish(site(tmp_path / "staging", "new"), published)

    assert [path for kind, path, _ in calls if kind == "rmtree"] != [published]
    assert all(path != published for kind, path, _ in calls if kind == "rmtree")


def test_first_publish_is_one_rename(tmp_path: Path, calls: Calls) -> None:
    staging = site(tmp_path / "staging", "new")

    publish(staging, tmp_path / "_site")

    assert calls == []
    assert (tmp_path / "_site" / "drugs" / "x" / "index.html").read_text() == "new"


def test_publishing_the_spare_is_one_exchange_and_keeps_the_old_site_as_the_next_spare(
    tmp_path: Path, calls: Calls
) -> None:
    published = site(tmp_path / "_site", "old")
    spare = site(spare_dir(published), "new")
    static = tmp_path / "static"
    static.mkdir()
    (static / "site.css").write_text("p {}\n", encoding="utf-8")

    publish_spare(published, SiteFiles(spare), [static], None)

    exchanges = [c for c in calls if c[0] == "exchange"]
    assert exchanges == [("exchange", spare, published)]
    deleted = [path for kind, path, _ in calls if kind == "rmtree"]
    assert deleted == [spare / "static"]  # refreshed inside the spare, before the swap
    assert calls.index(("rmtree", spare / "static", None)) < calls.index(exchanges[0])
    assert (published / "drugs" / "x" / "index.html").read_text() == "new"
    assert (spare / "drugs" / "x" / "index.html").read_text() == "old"


def test_exchange_really_swaps_two_folders(tmp_path: Path) -> None:
    """The primitive itself, on this machine's kernel (CI's is Linux)."""
    first, second = site(tmp_path / "a", "A"), site(tmp_path / "b", "B")

    assert output_folder._exchange(first, second) is True
    assert (first / "drugs" / "x" / "index.html").read_text() == "B"
    assert (second / "drugs" / "x" / "index.html").read_text() == "A"
