"""The reference build that the real one is tested against: every stage, plainly, in this
process, over full entries, with no cache, no workers and no spare folder.

It is the shortest correct reading of the pipeline (load, validate, assemble, render,
write), kept in the tests rather than in production: the product has one build path
(``pipeline.build``; a cold build is a build with an empty cache), and this oracle says what
that path must write, byte for byte.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import time
from dataclasses import dataclass
from pathlib import Path

import jinja2

from clincalc_site.build import pipeline
from clincalc_site.build.config import BuildConfig
from clincalc_site.build.report import (
    REPORT_FILE,
    BuildReport,
    CheckReport,
    report_json,
)
from clincalc_site.content.index_entry import index_entry
from clincalc_site.content.loader import Entry, counted_files, discover_names, load_file
from clincalc_site.content.models import EMPTY_REGISTRY, Registry
from clincalc_site.content.registry import load_registry
from clincalc_site.content.rules import is_overdue
from clincalc_site.diagnostics import Diagnostic, has_failures, sort_diagnostics
from clincalc_site.publish.output_folder import (
    build_lock,
    copy_static,
    new_staging_dir,
    publish,
    remove_stale,
    safe_relative,
)
from clincalc_site.publish.site_files import SiteFiles
from clincalc_site.render.data_files import (
    BUNDLE,
    fhir_base,
    fhir_json,
    index_data_jobs,
    monograph_data,
)
from clincalc_site.render.feeds import FEED_TEMPLATE, feed_id, site_feeds
from clincalc_site.render.fhir_export import bundle, dose_provenance, medication_knowledge
from clincalc_site.render.rendering import Renderer, monograph_url, page_links
from clincalc_site.render.site_view import SiteView, make_site_view
from clincalc_site.render.templates import template_diagnostic
from clincalc_site.site.assembly import Site, assemble_site
from clincalc_site.site.counts import SiteCounts
from clincalc_site.site.crossref import check_collection
from clincalc_site.site.formulary import vocabulary_problems
from clincalc_site.site.settings import SETTINGS_FILE, load_settings


@dataclass(frozen=True)
class LoadResult:
    """Every monograph file of a folder, loaded whole."""

    entries: list[Entry]
    diagnostics: list[Diagnostic]
    files: int


def load_monographs(
    content_dir: Path, today: dt.date, registry: Registry = EMPTY_REGISTRY
) -> LoadResult:
    """Load every ``*.yaml`` in ``content_dir`` with full entries; all problems, sorted."""
    names, diagnostics = discover_names(content_dir)
    entries: list[Entry] = []
    for name in names:
        entry, problems = load_file(content_dir / name, today, registry)
        diagnostics.extend(problems)
        if entry is not None:
            entries.append(entry)
    existing = [name[: -len(".yaml")] for name in names]
    diagnostics.extend(check_collection([index_entry(e) for e in entries], existing))
    return LoadResult(entries, sort_diagnostics(diagnostics), counted_files(names, diagnostics))


def reference_check(config: BuildConfig) -> CheckReport:
    """``pipeline.check`` with full entries, loaded one by one in this process."""
    settings, settings_problems = load_settings(config.content_dir.parent / SETTINGS_FILE)
    registry, registry_problems = load_registry(config.content_dir.parent)
    load = load_monographs(config.content_dir, config.today, registry)
    indexed = [index_entry(e) for e in load.entries]
    found: list[Diagnostic] = [
        *settings_problems,
        *registry_problems,
        *load.diagnostics,
        *([] if settings_problems else vocabulary_problems(indexed, settings.formulary)),
    ]
    return CheckReport(indexed, load.files, sort_diagnostics(found), config.strict)


def reference_data(site: Site, full: dict[str, Entry], view: SiteView) -> list[tuple[str, bytes]]:
    """The data files (/api/v1/, /fhir/): each monograph's, the index's and the schemas, and
    the FHIR Bundle made plainly, from every resource mapped again (not read back)."""
    files: list[tuple[str, bytes]] = []
    resources = []
    for e in site.entries:
        links = page_links(e.slug, site)
        files += monograph_data(full[e.slug], links, view)
        page = view.address(monograph_url(e.slug))
        related = [link.slug for link in links.related]
        resources.append(medication_knowledge(full[e.slug], page, related))
        provenance = dose_provenance(full[e.slug])
        if provenance is not None:
            resources.append(provenance)
    files += [(path, render(None)) for path, render in index_data_jobs(site, view)]
    files.append((BUNDLE, fhir_json(bundle(resources, fhir_base(view)))))
    return files


def reference_build(config: BuildConfig, version: str = "") -> BuildReport:
    """Build ``config`` the plain way; the report and the written site are the reference."""
    pipeline.check_output(config)
    started = time.perf_counter()
    settings, settings_problems = pipeline.site_settings(config)
    registry, registry_problems = load_registry(config.content_dir.parent)
    load = load_monographs(config.content_dir, config.today, registry)
    found: list[Diagnostic] = [*settings_problems, *registry_problems, *load.diagnostics]
    checked = CheckReport(
        [index_entry(e) for e in load.entries], load.files, sort_diagnostics(found), config.strict
    )
    full = {e.slug: e for e in load.entries}
    if checked.failed:
        return BuildReport(checked.diagnostics, True, checked.files)
    site, problems = assemble_site(
        checked.entries, settings, dict(config.history), dict(config.versions)
    )
    diagnostics = sort_diagnostics([*checked.diagnostics, *problems])
    if has_failures(problems, strict=config.strict):
        return BuildReport(diagnostics, True, checked.files)
    entries = site.entries
    verified = sum(1 for e in entries if e.dose.shown)
    counts = SiteCounts(
        monographs=len(entries),
        drafts=sum(1 for e in entries if e.review.status != "clinician-reviewed"),
        overdue=sum(1 for e in entries if is_overdue(e.review.date, config.today)),
        verified=verified,
        resourcing=len(entries) - verified,
        withheld=len(site.withheld),
    )
    try:
        view = make_site_view(site, settings, config.today, version, counts, config.as_of)
        renderer = Renderer(config.template_folders, view, config.today)
        pages = [renderer.page_of(full[e.slug], page_links(e.slug, site)) for e in site.entries]
        summaries = {
            e.slug: renderer.markup.inline(full[e.slug].monograph.summary) for e in site.entries
        }
        # given the view, not None: brand_stylesheet reads it (a template would default to it)
        pages += [(p, render(view)) for p, render in renderer.index_page_jobs(site, summaries)]
        data = reference_data(site, full, view)
        for feed in site_feeds(site, dict(config.withdrawals)):  # every feed, rendered plainly
            ids = functools.partial(feed_id, view)
            data.append((feed.path, renderer.render(FEED_TEMPLATE, feed=feed, feed_id=ids)))
    except jinja2.TemplateError as exc:
        diagnostics.append(template_diagnostic(exc, config.template_folders))
        return BuildReport(diagnostics, True, checked.files)
    report = BuildReport(
        diagnostics,
        False,
        checked.files,
        rendered=len(entries),
        loaded=checked.files,
        pages=len(pages) + 1,
        counts=counts,
    )
    pages.append((REPORT_FILE, report_json(report)))
    with build_lock(config.output_dir):
        remove_stale(config.output_dir)
        staging = new_staging_dir(config.output_dir)
        for path, content in sorted([*pages, *data]):  # data files: not counted as pages
            target = staging.joinpath(*safe_relative(path).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        copy_static(config.static_folders, staging)
        if config.finish is not None:
            config.finish(staging, SiteFiles(staging))
        publish(staging, config.output_dir)
    return dataclasses.replace(report, seconds=time.perf_counter() - started)
