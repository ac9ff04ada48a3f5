"""The Jinja environment of a build, its filters, and located errors for failed templates.

Stage: render/ (docs/architecture.md).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import re
import stat
from collections.abc import Sequence
from pathlib import Path

import jinja2
import jinja2.bccache
import markupsafe

from clincalc_site.content.index_entry import IndexEntry
from clincalc_site.content.loader import display_path
from clincalc_site.diagnostics import Diagnostic, Location, Severity

# A number followed by a space and a unit or word: "1.25 mg", "20 mg daily", "2.5 micrograms".
_NUMBER_THEN_UNIT = re.compile(r"(\d) (?=[^\W\d_]|%)")


def keep_units(text: str) -> markupsafe.Markup:
    """Escape ``text`` and keep each number on one line with the unit after it.

    A dose that wraps between "1.25" and "mg" is a misreading risk, so the space is made
    non-breaking. Examples: ``keep_units("1.25 mg")`` -> ``1.25&nbsp;mg``;
    ``keep_units("<b>5 mg</b>")`` -> ``&lt;b&gt;5&nbsp;mg&lt;/b&gt;``.
    """
    escaped = str(markupsafe.escape(text))
    return markupsafe.Markup(_NUMBER_THEN_UNIT.sub("\\1&nbsp;", escaped))


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Jinja's on-disk cache of compiled templates, which a full disk cannot break."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):  # only a cache: the build goes on without it
            super().dump_bytecode(bucket)


def compiled_templates_cache() -> jinja2.BytecodeCache | None:
    """This user's folder of compiled templates, or None where it cannot be kept private.

    Compiling the templates costs every process of every build, a preview reload
    included, more than rendering a small site; Jinja keys each entry by the template's
    source, so an edited template
    is compiled afresh. The folder (``$XDG_CACHE_HOME/clincalc-site/templates``) sits beside
    the build cache's signing key, outside every project: loading compiled code runs it, so
    it must be a folder only this user can write.
    """
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    folder = Path(base) / "clincalc-site" / "templates"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(folder)
    except OSError:
        return None
    private = stat.S_ISDIR(info.st_mode) and not info.st_mode & 0o077
    if not private or info.st_uid != os.getuid():
        return None
    return _CompiledTemplates(str(folder))


def make_environment(template_folders: Sequence[Path]) -> jinja2.Environment:
    """Jinja with autoescape always on and StrictUndefined (a typo is an error, not a blank).

    ``template_folders``: looked up in order, the first file of a name wins (a team's
    overrides before the packaged templates, as MkDocs' ``custom_dir`` and Hugo do)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(folder) for folder in template_folders]),
        bytecode_cache=compiled_templates_cache(),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # One environment serves one build (a preview makes a new one per rebuild), so the
        # templates are read once; with auto_reload Jinja stats each template file again on
        # every page and include.
        auto_reload=False,
    )
    env.filters["keep_units"] = keep_units
    env.filters["long_date"] = long_date
    env.globals["review_words"] = review_words
    return env


def review_words(status: str, day: dt.date) -> str:
    """Whether a clinician has reviewed a monograph, in words for lists and search results
    (never colour or style alone)."""
    if status == "clinician-reviewed":
        return f"Reviewed {long_date(day)}"
    if status == "in-review":
        return "In review, not yet signed off"
    return "Draft, not yet reviewed"


def long_date(day: dt.date) -> str:
    """'14 March 2025': how UK readers write a date in a sentence."""
    return f"{day.day} {day:%B %Y}"


class UnsafePage(jinja2.TemplateError):
    """A team's template made a page that breaks the dose rule (see ``page_safety``)."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


class TemplateFailure(Exception):
    """A template failed in a worker process; ``diagnostic`` says where and why."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def template_diagnostic(exc: Exception, template_folders: Sequence[Path]) -> Diagnostic:
    """A located error for a template that failed to render.

    An index page template that reads more of a monograph than its ``IndexEntry`` holds is
    told what it can read instead.
    """
    if isinstance(exc, UnsafePage):
        return exc.diagnostic
    name = getattr(exc, "filename", None)
    line = getattr(exc, "lineno", 0) or 0
    if name is None:  # a failure while rendering: Jinja's traceback frames name the template
        name, line = _template_frame(exc) or (getattr(exc, "name", None) or "templates", 0)
    shown = display_path(Path(name)) if os.path.isabs(str(name)) else str(name)
    message = getattr(exc, "message", None) or str(exc)
    hint = f"fix the template {shown}" if line else "fix the templates"
    if isinstance(exc, jinja2.TemplateNotFound):
        shown_folders = [display_path(folder) for folder in template_folders]
        if len(shown_folders) > 1:  # the last is the packaged folder: its path says little
            shown_folders[-1] = "the packaged templates"
        folders = " or ".join(shown_folders)
        message = f"there is no template '{exc.name}' in {folders}"
        hint = "correct the name in the include or extends, or add the file"
    if isinstance(exc, jinja2.UndefinedError) and "IndexEntry" in message:
        readable = ", ".join(f.name for f in dataclasses.fields(IndexEntry))
        hint = (
            f"index pages see each monograph as an IndexEntry: {readable}, "
            "and its summary as summaries[slug]; read only those"
        )
    return Diagnostic(
        Location(shown, line, 1 if line else 0),
        Severity.ERROR,
        "template.error",
        f"template error: {message}",
        hint=hint,
    )


def _template_frame(exc: BaseException) -> tuple[str, int] | None:
    """The innermost template file and line in ``exc``'s traceback (Jinja maps its frames
    back to the template source), or None."""
    found = None
    trace = exc.__traceback__
    while trace is not None:
        filename = trace.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".txt", ".json", ".js")):
            found = (filename, trace.tb_lineno)
        trace = trace.tb_next
    return found
