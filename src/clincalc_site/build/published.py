"""The published site and its spare folder, as the manifest knows them and as they are.

Stage: build/ (docs/architecture.md).

A rebuild reuses a published file only when the manifest vouches for its content and the
file is untouched (same stat as when it was published); it builds into the spare folder (the
site before last), cleared of what it will not reuse, and publishes by exchanging folders.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import cast

from clincalc_site.build.manifest import Manifest, Tree, TreeFile
from clincalc_site.publish.folder_scans import BackgroundScans, file_stat, scan_tree
from clincalc_site.publish.folder_scans import Stat as TreeStat
from clincalc_site.publish.output_folder import copy_static, new_staging_dir, publish
from clincalc_site.publish.pagefind_index import PAGEFIND_DIR
from clincalc_site.publish.site_files import FileDigest, Finish, SiteFiles
from clincalc_site.publish.spare_folder import clear_spare, link_spare, publish_spare, spare_dir

SEARCH_BUNDLES = PAGEFIND_DIR + "/"  # one folder per bundle below it


@contextlib.contextmanager
def watched(
    output: Path, read_manifest: Callable[[], Manifest], *, scan: bool
) -> Iterator[PublishedSite]:
    """The published site, from the manifest ``read_manifest`` returns.

    With ``scan`` (a rebuild) the published and spare folders are scanned in a child process
    meanwhile, while this one reads the manifest.
    """
    scans = BackgroundScans([output, spare_dir(output)]) if scan else None
    try:
        yield PublishedSite(read_manifest(), output, scans)
    finally:
        if scans is not None:
            scans.close()


class PublishedSite:
    """What one build knows of the output folder: the manifest's tree, checked by scans."""

    def __init__(self, manifest: Manifest, output: Path, scans: BackgroundScans | None) -> None:
        self.manifest, self.output, self.scans = manifest, output, scans
        self.output_path = str(output)
        self._published: dict[str, TreeStat] | None = None  # the scan of the output folder
        self._folders: dict[str, list[str]] | None = None  # see ``earlier``
        self._spare_bundles: set[str] = set()  # search bundle files kept in the spare
        self._spare_folders: dict[str, list[str]] = {}
        # The published files the manifest knows, if the output is where it was.
        same_place = manifest.output == str(output.resolve())
        self.tree: Tree = manifest.tree if manifest.tree and same_place else {}

    def scan(self, root: Path) -> dict[str, TreeStat]:
        return self.scans.result(root) if self.scans is not None else scan_tree(root)

    def intact(self, path: str, content_id: str) -> bool:
        """Whether the published file at ``path`` holds ``content_id`` and is untouched."""
        published = self.tree.get(path)
        if published is None or published.content != content_id:
            return False
        return self._untouched(path, cast(TreeStat, published.stat))

    def _untouched(self, path: str, stat: TreeStat) -> bool:
        if self.scans is not None:  # the child's scan, taken under this build's lock
            if self._published is None:
                self._published = self.scans.result(self.output)
            return self._published.get(path) == stat
        return file_stat(f"{self.output_path}/{path}") == stat

    def earlier(self, folder: str) -> dict[str, Path] | None:
        """The published files under ``folder`` ('pagefind/<key>/', a search bundle), by
        name, when the manifest knows them and every one is untouched (``SiteFiles.earlier``).
        """
        if self._folders is None:
            self._folders = _bundle_folders(self.tree)
            self._spare_folders = _bundle_folders(self.manifest.spare or {})
        in_spare = self._spare_folders.get(folder)
        if in_spare and all(name in self._spare_bundles for name in in_spare):
            spare = spare_dir(self.output)
            return {name: spare / name for name in in_spare}  # already in place
        names = self._folders.get(folder)
        if not names or not all(
            self._untouched(n, cast(TreeStat, self.tree[n].stat)) for n in names
        ):
            return None
        return {name: self.output / name for name in names}

    def matches(self, inputs_key: str) -> bool:
        """True when the last build had these inputs and its output is untouched."""
        tree = self.tree
        if not tree or self.manifest.inputs_key != inputs_key or not self.output.is_dir():
            return False
        return self.scan(self.output) == {name: f.stat for name, f in tree.items()}

    def prepare(
        self, use_cache: bool, reused: Mapping[str, str], rewritten: set[str]
    ) -> tuple[Path, SiteFiles, set[str]]:
        """The folder to build into, its files, and the reused pages it already holds.

        Without the cache: a new staging folder. With it: the spare folder cleared of what
        this build will not reuse as it is (files about to be replaced are left: a page is
        written by renaming a new file over the old one).
        """
        if not use_cache:
            staging = new_staging_dir(self.output)
            return staging, SiteFiles(staging), set()  # listed by a scan when asked
        spare = spare_dir(self.output)
        held = self._spare_files(spare)
        kept = {
            name for name, (content, _) in held.items() if content and reused.get(name) == content
        }
        # Search bundles are named by what they hold: the finish step keeps those it still
        # needs (``earlier``) and removes the others.
        spare_tree = self.manifest.spare if self.tree and self.manifest.spare else {}
        self._spare_bundles = {
            name
            for name, (_, stat) in held.items()
            if name.startswith(SEARCH_BUNDLES)
            and name in spare_tree
            and spare_tree[name].stat == stat
        }
        keep = kept | rewritten | self._spare_bundles
        clear_spare(spare, (name for name in held if name not in keep))
        # What the spare holds now; every file written into it from here on is noted, so
        # the finish step and publishing need not scan it again.
        known = [_digests(self.tree), _digests(self.manifest.spare or {})] if self.tree else []
        listing = {name: held[name][1] for name in keep if name in held}
        memo = self.manifest.finish_memo if self.tree else None
        return spare, SiteFiles(spare, known, listing, self.earlier, memo), kept

    def _spare_files(self, spare: Path) -> dict[str, tuple[str, TreeStat]]:
        """What the spare folder holds: content ids the manifest vouches for, else ''."""
        known = self.manifest.spare if self.tree else None
        if known is None or not spare.is_dir():
            shutil.rmtree(spare, ignore_errors=True)
            spare.mkdir(parents=True)
            return {}
        found = self.scan(spare)
        return {
            name: (known[name].content if name in known and known[name].stat == stat else "", stat)
            for name, stat in found.items()
        }

    def publish(
        self,
        files: SiteFiles,
        static_folders: tuple[Path, ...],
        finish: Finish | None,
        content_of: Callable[[str], str],
    ) -> tuple[Tree, Tree | None]:
        """Publish the spare (``files``) by exchange; the new tree and the new spare's tree.
        What ``finish`` kept for the next build is ``files.new_memo``.

        ``content_of(path)``: the content id of a page this build rendered or reused ('' for
        other files).
        """
        output = self.output
        published, hashed = publish_spare(output, files, static_folders, finish)
        new_tree = {}
        for name, stat in published.items():
            sha = hashed.get(name)
            new_tree[name] = TreeFile(
                content_of(name), stat, sha[1] if sha is not None and sha[0] == stat else b""
            )
        if self.tree:
            return new_tree, self.tree
        # The replaced site is unknown to the cache: a spare of links to this one.
        pages = [name for name, f in new_tree.items() if f.content]
        linked = link_spare(output, spare_dir(output), pages)
        if linked is None:
            return new_tree, None
        return new_tree, {name: new_tree[name]._replace(stat=linked[name]) for name in pages}


def publish_staging(
    staging: Path,
    files: SiteFiles,
    static_folders: tuple[Path, ...],
    finish: Finish | None,
    output: Path,
) -> None:
    """Publish a build without the cache: static files, the finish step, the exchange."""
    copy_static(static_folders, staging)
    if finish is not None:
        finish(staging, files)
    publish(staging, output)


def _digests(tree: Tree) -> dict[str, FileDigest]:
    """The sha256s a tree holds, as the finish step's ``SiteFiles`` takes them."""
    return {name: (cast(TreeStat, f.stat), f.sha256) for name, f in tree.items() if f.sha256}


def _bundle_folders(tree: Tree) -> dict[str, list[str]]:
    """The files of each search bundle ('pagefind/<key>/') a tree holds."""
    folders: dict[str, list[str]] = {}
    for name in tree:
        if name.startswith(SEARCH_BUNDLES):
            cut = name.find("/", len(SEARCH_BUNDLES))
            if cut > 0:
                folders.setdefault(name[: cut + 1], []).append(name)
    return folders
