"""Read every monograph in the content folder and validate it, collecting every problem.

Stage: content/ (docs/architecture.md): the input edge, the only module that reads monograph
files.

``load_file`` never raises for bad content: it returns the monograph if it validated and a
located diagnostic for each problem, so an editor sees all mistakes at once. The build and
``check`` load every file through ``parallel.load_one``, which calls it.
"""

from __future__ import annotations

import codecs
import datetime as dt
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from clincalc_site.content import dose_rules, rules
from clincalc_site.content.dose_rules import NO_DOSE, DoseDecision
from clincalc_site.content.models import (
    EMPTY_REGISTRY,
    RESERVED_SLUGS,
    SLUG_PATTERN,
    Monograph,
    Registry,
)
from clincalc_site.content.schema_errors import diagnostics_from_error
from clincalc_site.content.yaml_source import ParsedYaml, SourceMap, parse_yaml
from clincalc_site.diagnostics import Diagnostic, Location, Severity

MAX_FILE_BYTES = 1024 * 1024
_SLUG_RE = re.compile(SLUG_PATTERN)
_KIND_NAMES: dict[type, str] = {list: "a list", str: "text", int: "a number", float: "a number"}


@dataclass(frozen=True)
class Entry:
    """A validated monograph with where it came from, and what its page may show of its dose."""

    slug: str
    source: str  # path as shown in diagnostics
    monograph: Monograph
    source_map: SourceMap = field(compare=False, repr=False)
    text: str = field(compare=False, repr=False, default="")
    dose: DoseDecision = NO_DOSE  # made only by dose_rules.decide; the default shows no dose


def display_path(path: Path) -> str:
    """Show paths relative to the working directory when possible (clickable in editors)."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def discover_names(content_dir: Path) -> tuple[list[str], list[Diagnostic]]:
    """The monograph files in ``content_dir``, by name, refusing anything that is not a plain
    file inside the folder (names, not Paths: a warm build needs no Path objects)."""
    problems: list[Diagnostic] = []
    if not content_dir.is_dir():
        loc = Location(display_path(content_dir))
        return [], [
            Diagnostic(
                loc,
                Severity.ERROR,
                "file.no_content",
                "content folder not found",
                hint="pass the monographs folder with --content DIR",
            )
        ]
    root = content_dir.resolve()
    files: list[str] = []
    # One scandir, names sorted as strings (Path comparison is slow), and the
    # link test from the directory entry (no stat): this runs on every build and reload.
    with os.scandir(content_dir) as listing:
        found = sorted((item.name, item.is_symlink()) for item in listing)
    for name, is_link in found:
        if name.startswith("."):
            continue
        if name.endswith(".yml"):
            problems.append(
                Diagnostic(
                    Location(display_path(content_dir / name)),
                    Severity.ERROR,
                    "file.extension",
                    "monograph files end in .yaml",
                    hint=f"rename it to {name[:-4]}.yaml",
                )
            )
            continue
        if not name.endswith(".yaml"):
            continue
        if is_link and not _points_inside(content_dir / name, root):
            problems.append(
                Diagnostic(
                    Location(display_path(content_dir / name)),
                    Severity.ERROR,
                    "file.symlink_outside",
                    "symbolic link points outside the content folder; refused",
                    hint="copy the file into the content folder instead",
                )
            )
            continue
        files.append(name)
    return files, problems


def _points_inside(link: Path, root: Path) -> bool:
    """Whether a symbolic link resolves inside ``root``.

    A link loop cannot be resolved at all (``RuntimeError`` before Python 3.13, ``OSError``
    after); it is let through so that ``read_text`` reports it as an unreadable file.
    """
    try:
        return link.resolve().is_relative_to(root)
    except (OSError, RuntimeError):
        return True


def read_text(path: Path, shown: str) -> tuple[str | None, Diagnostic | None]:
    """Read one file as text, with a located error for anything that is not a small text file."""

    def fail(code: str, message: str, hint: str = "") -> tuple[None, Diagnostic]:
        return None, Diagnostic(Location(shown), Severity.ERROR, code, message, hint=hint)

    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return fail("file.not_a_file", "not a regular file", "monographs are plain files")
        if info.st_size > MAX_FILE_BYTES:
            return fail(
                "file.too_large",
                f"file is {info.st_size:,} bytes; the limit is {MAX_FILE_BYTES:,} (1 MiB)",
                "a monograph is a few kilobytes; check that the right file was saved",
            )
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return fail(
            "file.unreadable",
            f"cannot read file: {exc.strerror or exc}",
            "check that the file exists and that you may read it",
        )
    if len(raw) > MAX_FILE_BYTES:  # it grew between stat() and read()
        return fail(
            "file.too_large",
            "file is larger than the 1 MiB limit",
            "a monograph is a few kilobytes; check that the right file was saved",
        )
    return decode(raw, shown)


def decode(raw: bytes, shown: str) -> tuple[str | None, Diagnostic | None]:
    """Decode UTF-8 (a BOM is allowed; UTF-16 with a BOM too); CRLF endings are fine."""
    encoding = "utf-8"
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, Diagnostic(
            Location(shown, line, column),
            Severity.ERROR,
            "file.encoding",
            f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
            hint="save the file as UTF-8 in your editor",
        )
    if not text.strip() or all(
        not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()
    ):
        return None, Diagnostic(
            Location(shown),
            Severity.ERROR,
            "file.empty",
            "file is empty",
            hint="write the monograph, or delete the file (run `clincalc-site new` for a template)",
        )
    return text, None


def load_file(
    path: Path, today: dt.date, registry: Registry = EMPTY_REGISTRY
) -> tuple[Entry | None, list[Diagnostic]]:
    """Read, parse and validate one monograph file."""
    shown = display_path(path)
    text, problem = read_text(path, shown)
    if text is None:
        return None, [problem] if problem else []
    return load_text(text, shown, path.name[: -len(".yaml")], today, registry)


def load_text(
    text: str, shown: str, slug: str, today: dt.date, registry: Registry = EMPTY_REGISTRY
) -> tuple[Entry | None, list[Diagnostic]]:
    """Parse and validate monograph text (the pure part of ``load_file``)."""
    return load_parsed(parse_yaml(text, shown), text, shown, slug, (today, registry))


def load_parsed(
    parsed: ParsedYaml, text: str, shown: str, slug: str, rules_of: tuple[dt.date, Registry]
) -> tuple[Entry | None, list[Diagnostic]]:
    """``load_text`` of text already parsed (``parse_yaml(text, shown)``): the archive pages
    also compare the parsed data of versions (``change_words``), and parse each once.
    ``rules_of``: the day and the registry the dose contract is held to."""
    today, registry = rules_of
    diagnostics: list[Diagnostic] = []
    if not _SLUG_RE.match(slug):
        diagnostics.append(
            Diagnostic(
                Location(shown),
                Severity.ERROR,
                "file.bad_slug",
                f"file name '{slug}.yaml' is not a valid slug",
                hint="use lowercase letters, digits and single hyphens, e.g. co-amoxiclav.yaml",
            )
        )
    elif slug in RESERVED_SLUGS:
        diagnostics.append(
            Diagnostic(
                Location(shown),
                Severity.ERROR,
                "file.bad_slug",
                f"file name '{slug}.yaml' is a device name that Windows reserves",
                hint=f"lengthen the name, e.g. {slug}-drug.yaml",
            )
        )
    if parsed.diagnostics:
        return None, diagnostics + parsed.diagnostics
    diagnostics.extend(parsed.warnings)  # text cut short by ' #': the file still loads
    if not isinstance(parsed.data, dict):
        kind = "empty" if parsed.data is None else _KIND_NAMES.get(type(parsed.data), "a value")
        diagnostics.append(
            Diagnostic(
                parsed.source_map.locate(()),
                Severity.ERROR,
                "schema.not_a_mapping",
                "a monograph is a group of fields, each written 'name: value' from the left "
                f"margin; this file is {kind}",
                hint="start with 'name: <Drug name>' at the left margin",
            )
        )
        return None, diagnostics
    try:
        monograph = Monograph.model_validate(parsed.data)
    except ValidationError as exc:
        diagnostics.extend(diagnostics_from_error(exc, parsed.data, parsed.source_map))
        also = dose_rules.unvalidated_dose_problems(parsed.data)
        taken = {(d.location, d.code) for d in diagnostics}
        located = dose_rules.locate(also, parsed.source_map, text)
        diagnostics.extend(d for d in located if (d.location, d.code) not in taken)
        return None, diagnostics
    diagnostics.extend(rules.check_monograph(monograph, parsed.source_map, today))
    dose_problems = dose_rules.dose_problems(monograph, registry, today)
    prose_problems = dose_rules.prose_problems(monograph)
    diagnostics.extend(
        dose_rules.locate([*dose_problems, *prose_problems], parsed.source_map, text)
    )
    if any(d.severity is Severity.ERROR for d in diagnostics):
        return None, diagnostics
    dose = dose_rules.decide(monograph, registry, today, dose_problems)
    return Entry(slug, shown, monograph, parsed.source_map, text, dose), diagnostics


def counted_files(names: list[str], problems: list[Diagnostic]) -> int:
    """How many monograph files a folder holds: the ``.yaml`` files ``discover_names``
    listed, and those it refused (a ``.yml`` name, a link pointing outside)."""
    refused = ("file.extension", "file.symlink_outside")
    return len(names) + sum(1 for d in problems if d.code in refused)
