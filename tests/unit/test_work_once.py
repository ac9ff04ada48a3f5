"""A build does each monograph's work once (the build-speed issue: "the work per monograph
done once"), and reusing it changes no byte of the site."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import IO, Any

import pytest
import yaml
from sitetools import FIXTURE_TODAY, copy_fixture_site, snapshot

from clincalc_site.build import pipeline
from clincalc_site.build import workers as parallel
from clincalc_site.build.config import BuildConfig
from clincalc_site.build.pipeline import BuildOptions
from clincalc_site.publish import site_files
from clincalc_site.publish.search import make_finisher
from clincalc_site.render.markup import MarkupRenderer


def _summaries(content: Path) -> list[str]:
    return [
        yaml.safe_load(path.read_text(encoding="utf-8"))["summary"]
        for path in sorted(content.glob("*.yaml"))
    ]


@pytest.mark.parametrize("jobs", [1, 2])
def test_each_summary_is_rendered_once_per_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    """Workers render a summary while loading (for the A–Z and class pages); the monograph
    page takes that one instead of rendering it again. Forked workers note each call in a
    file opened for appending (one short write per line), so calls in every process count."""
    content = copy_fixture_site(tmp_path / "site")
    log = tmp_path / "inline-calls"
    inline = MarkupRenderer.inline

    def counting(self: MarkupRenderer, text: str) -> str:
        with log.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(text) + "\n")
        return inline(self, text)

    monkeypatch.setattr(MarkupRenderer, "inline", counting)
    config = BuildConfig(content_dir=content, output_dir=tmp_path / "out", today=FIXTURE_TODAY)
    options = BuildOptions(use_cache=False, jobs=jobs, threshold=1)  # workers even here
    report = pipeline.build(config, options=options)

    assert not report.failed
    calls = Counter(json.loads(line) for line in log.read_text(encoding="utf-8").splitlines())
    summaries = _summaries(content)
    assert summaries and all(calls[text] == 1 for text in summaries), calls


def test_reused_summaries_leave_every_page_as_rendered_from_scratch(tmp_path: Path) -> None:
    """The pages with the summary reused equal pages that render it themselves."""
    content = copy_fixture_site(tmp_path / "site")
    options = BuildOptions(use_cache=False, jobs=1)
    pipeline.build(BuildConfig(content, tmp_path / "out", today=FIXTURE_TODAY), options=options)
    built = snapshot(tmp_path / "out")
    render = parallel.WorkerState.render

    def forgetting(self: parallel.WorkerState, *args: object) -> object:
        for name, (entry, _) in self.held.items():
            self.held[name] = entry, None  # every page renders its own summary
        return render(self, *args)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parallel.WorkerState, "render", forgetting)
        config = BuildConfig(content, tmp_path / "again", today=FIXTURE_TODAY)
        pipeline.build(config, options=options)
    assert built and snapshot(tmp_path / "again") == built


def _finishing(content: Path, out: Path) -> BuildConfig:
    finish = make_finisher(index_search=False)  # the offline build id hashes every file
    return BuildConfig(content, out, today=FIXTURE_TODAY, finish=finish)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_cold_build_hashes_each_page_as_written_not_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    """The worker that writes a page hashes its bytes for the offline build id; the finish
    step does not open the page again to hash it. The same watch on a build whose workers
    send no hashes sees the pages read, so the watch is not blind."""
    content = copy_fixture_site(tmp_path / "site")
    read: list[str] = []

    def watching(file: str, mode: str = "r", *args: Any, **kwargs: Any) -> IO[Any]:
        if "r" in mode and "/drugs/" in str(file):
            read.append(str(file))
        return open(file, mode, *args, **kwargs)  # the caller closes it

    monkeypatch.setattr(site_files, "open", watching, raising=False)
    options = BuildOptions(use_cache=False, jobs=jobs, threshold=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parallel, "put_hashed_file", _unhashed_file)
        pipeline.build(_finishing(content, tmp_path / "unhashed"), options=options)
    assert read, "the watch saw no page read even without the workers' hashes"
    read.clear()
    report = pipeline.build(_finishing(content, tmp_path / "out"), options=options)

    assert not report.failed
    assert (tmp_path / "out" / "drugs" / "warfarin" / "index.html").is_file()
    assert read == []


def _unhashed_file(root: Path, name: str, content: bytes) -> None:
    """A worker that writes the page but sends no hash (the finish step must read it)."""
    site_files.put_file(root, name, content)


def test_the_hashes_workers_send_give_the_site_that_reading_the_pages_gives(
    tmp_path: Path,
) -> None:
    """Byte for byte (the build id is in offline.json and the service worker)."""
    content = copy_fixture_site(tmp_path / "site")
    options = BuildOptions(use_cache=False, jobs=2, threshold=1)
    pipeline.build(_finishing(content, tmp_path / "out"), options=options)
    built = snapshot(tmp_path / "out")
    put_hashed = site_files.SiteFiles.put_hashed

    def unhashed(
        self: site_files.SiteFiles, name: str, digest: site_files.FileDigest | None
    ) -> None:
        put_hashed(self, name, None)  # as if no hash was sent: every written file is read

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(site_files.SiteFiles, "put_hashed", unhashed)
        pipeline.build(_finishing(content, tmp_path / "again"), options=options)
    assert "offline.json" in built and snapshot(tmp_path / "again") == built
