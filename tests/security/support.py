"""Shared helpers for the hostile-input tests: monographs, builds, an HTML auditor, a jailer.

Everything here is plain functions over temporary folders; no fixture magic, no patching of
project code. Builds go through ``pipeline.build`` (in process) or the real CLI (in a child
process, for crashes, kills and resource limits).
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml

from clincalc_site.build import pipeline
from clincalc_site.build.config import BuildConfig
from clincalc_site.build.report import BuildReport, CheckReport

# A fixed "today" so review dates never drift into the future or become overdue.
TODAY = dt.date(2026, 6, 1)
SOURCE_DATE_EPOCH = str(int(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC).timestamp()))
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
# Attributes that browsers follow as URLs.
URL_ATTRIBUTES = frozenset(
    {
        "href",
        "src",
        "action",
        "formaction",
        "poster",
        "cite",
        "background",
        "data",
        "srcset",
        "xlink:href",
        "ping",
        "longdesc",
        "manifest",
        "lowsrc",
        "dynsrc",
    }
)
# Elements that must never come out of content or settings (the templates use none of them).
BANNED_TAGS = frozenset(
    {
        "iframe",
        "frame",
        "frameset",
        "style",
        "svg",
        "math",
        "object",
        "embed",
        "applet",
        "base",
        "textarea",
        "img",
        "video",
        "audio",
        "source",
        "portal",
    }
)
_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")


TEAM_YAML = """\
people:
  - {id: ptech, name: P. Technician, role: Pharmacy technician}
  - {id: apharm, name: A. Pharmacist, role: Formulary pharmacist, verifier: true}
"""
SOURCES_YAML = """\
test-smpc:
  title: Testomycin 10 mg tablets — SmPC
  url: https://www.medicines.org.uk/emc/product/1/smpc
  revision: 2026-01-02
"""


def monograph_doc(name: str = "Testomycin", drug_class: str = "Test class") -> dict[str, Any]:
    """A complete, valid monograph with a verified dose: every text field is present."""
    return {
        "name": name,
        "drug_class": drug_class,
        "specialist": False,
        "brand_names": ["Testex"],
        "summary": "A drug used only in tests.",
        "dosing": {
            "status": "verified",
            "regimens": [
                {
                    "indication": "Testing",
                    "population": "Adults",
                    "route": "Oral",
                    "dose": "10 mg",
                    "frequency": "Once daily",
                    "duration": "Seven days",
                    "max_dose": "10 mg daily",
                    "notes": "Take with food.",
                }
            ],
            "source": {"document": "test-smpc", "section": "4.2", "revision": "2026-01-02"},
            "prepared_by": "ptech",
            "prepared_on": "2026-01-09",
            "verified_by": "apharm",
            "verified_on": "2026-01-10",
        },
        "mechanism": "It binds a receptor.",
        "prescribing": ["Check renal function."],
        "monitoring": "Check the blood count.",
        "counselling": ["Take it with water."],
        "evidence": "One trial.",
        "references": [{"label": "Test SmPC", "url": "https://example.org/smpc"}],
        "review": {"status": "clinician-reviewed", "date": "2026-01-10", "reviewer": "Dr Test"},
    }


# Every editor-written text field, as a path into ``monograph_doc``.
TEXT_FIELDS: dict[str, tuple[str | int, ...]] = {
    "name": ("name",),
    "drug_class": ("drug_class",),
    "brand_names": ("brand_names", 0),
    "summary": ("summary",),
    "mechanism": ("mechanism",),
    "prescribing": ("prescribing", 0),
    "monitoring": ("monitoring",),
    "counselling": ("counselling", 0),
    "evidence": ("evidence",),
    "references.label": ("references", 0, "label"),
    "references.url": ("references", 0, "url"),
    "regimen.indication": ("dosing", "regimens", 0, "indication"),
    "regimen.population": ("dosing", "regimens", 0, "population"),
    "regimen.route": ("dosing", "regimens", 0, "route"),
    "regimen.dose": ("dosing", "regimens", 0, "dose"),
    "regimen.frequency": ("dosing", "regimens", 0, "frequency"),
    "regimen.duration": ("dosing", "regimens", 0, "duration"),
    "regimen.max_dose": ("dosing", "regimens", 0, "max_dose"),
    "regimen.notes": ("dosing", "regimens", 0, "notes"),
    "source.section": ("dosing", "source", "section"),
    "review.reviewer": ("review", "reviewer"),
}
# Fields rendered as escaped text (never Markdown): the value must show verbatim.
PLAIN_FIELDS = frozenset(
    {
        "name",
        "drug_class",
        "brand_names",
        "references.label",
        "regimen.indication",
        "regimen.population",
        "regimen.route",
        "regimen.dose",
        "regimen.frequency",
        "regimen.duration",
        "regimen.max_dose",
        "regimen.notes",
        "source.section",
        "review.reviewer",
    }
)


def with_value(doc: dict[str, Any], path: Sequence[str | int], value: object) -> dict[str, Any]:
    """A deep copy of ``doc`` with the value at ``path`` replaced."""
    result = copy.deepcopy(doc)
    target: Any = result
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return result


def dump(doc: object) -> str:
    """YAML as an editor's tool would write it (any string round-trips through our parser)."""
    return yaml.dump(doc, Dumper=_DUMPER, allow_unicode=True, sort_keys=False, width=10_000)


def write_project(
    root: Path,
    monographs: Mapping[str, object],
    settings: object | None = None,
) -> Path:
    """Write ``<root>/monographs/<slug>.yaml`` (dicts are dumped, strings written as-is).

    Returns the content folder.
    """
    content = root / "monographs"
    content.mkdir(parents=True, exist_ok=True)
    # The people and the source that ``monograph_doc``'s verified dose names.
    (root / "team.yaml").write_text(TEAM_YAML, encoding="utf-8")
    (root / "sources.yaml").write_text(SOURCES_YAML, encoding="utf-8")
    for slug, doc in monographs.items():
        text = doc if isinstance(doc, str) else dump(doc)
        (content / f"{slug}.yaml").write_text(text, encoding="utf-8")
    if settings is not None:
        text = settings if isinstance(settings, str) else dump(settings)
        (root / "site.yaml").write_text(text, encoding="utf-8")
    return content


def build(content: Path, output: Path, **options: Any) -> BuildReport:
    """Build in process with the fixed date and no post-processing."""
    config = BuildConfig(content_dir=content, output_dir=output, today=TODAY, **options)
    return pipeline.build(config)


def check(content: Path) -> CheckReport:
    return pipeline.check(BuildConfig(content_dir=content, today=TODAY))


# --- HTML audit ---------------------------------------------------------------------------


def url_problem(value: str) -> str | None:
    """Why a URL attribute is unsafe, or None: only http(s), mailto and relative links pass.

    Browsers drop tabs and newlines anywhere in a URL and trim control characters and spaces
    before looking for the scheme, so ``java\\tscript:`` is a ``javascript:`` URL; so does this.
    """
    cleaned = re.sub(r"[\t\n\r]", "", value).strip("".join(map(chr, range(0x21))))
    match = _SCHEME_RE.match(cleaned)
    if match and match.group(1).lower() not in SAFE_SCHEMES:
        return f"scheme {match.group(1)!r}"
    return None


def same_origin(value: str) -> bool:
    """A root-relative or relative path: no scheme, no host (``//x`` and ``/\\x`` have one)."""
    cleaned = re.sub(r"[\t\n\r]", "", value).strip()
    if _SCHEME_RE.match(cleaned):
        return False
    return not cleaned.replace("\\", "/").startswith("//")


class PageAudit(HTMLParser):
    """Collects every unsafe construct in one HTML document, its visible text and comments."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.chunks: list[str] = []
        self.comments: list[str] = []
        self.scripts = 0
        self._in_script = False
        self.json_ld: list[str] = []  # the text of each schema.org data block
        self._in_head = False
        self._in_json_ld = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.chunks.append("\x1f")
        self._in_head = self._in_head or tag == "head"
        if tag in BANNED_TAGS:
            self.problems.append(f"<{tag}> element")
        values = {name: value or "" for name, value in attrs}
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            self.problems.append("<meta http-equiv=refresh>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> event handler")
            if name == "style":
                self.problems.append(f"<{tag} style=...> attribute")
            if name in URL_ATTRIBUTES and value is not None:
                problem = url_problem(value)
                if problem:
                    self.problems.append(f"<{tag} {name}={value!r}>: {problem}")
        if tag == "script" and values.get("type") == "application/ld+json" and "src" not in values:
            # data the browser never runs (CSP does not apply): one, in <head>, and only JSON
            self._in_json_ld = True
            self.json_ld.append("")
            if not self._in_head or len(self.json_ld) > 1:
                self.problems.append("a JSON-LD block that is not the one in <head>")
        elif tag == "script":
            self.scripts += 1
            self._in_script = True
            src = values.get("src")
            if not src or not same_origin(src):
                self.problems.append(f"<script> that is not a same-origin src script: {attrs!r}")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "script":
            self._end_script()

    def handle_endtag(self, tag: str) -> None:
        self.chunks.append("\x1f")
        if tag == "head":
            self._in_head = False
        if tag == "script":
            self._end_script()

    def _end_script(self) -> None:
        if self._in_json_ld:
            self._in_json_ld = False
            self._check_json_ld(self.json_ld[-1])
        self._in_script = False

    def _check_json_ld(self, text: str) -> None:
        if "<" in text:  # "</script" or "<!--" would end or change the element
            self.problems.append(f"'<' in JSON-LD {text[:60]!r}")
        try:
            json.loads(text)
        except ValueError:
            self.problems.append(f"JSON-LD that is not JSON {text[:60]!r}")

    def handle_data(self, data: str) -> None:
        if self._in_json_ld:  # not text a reader sees
            self.json_ld[-1] += data
            return
        if self._in_script and data.strip():
            self.problems.append(f"inline script text {data[:60]!r}")
        self.chunks.append(data)

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)

    @property
    def text(self) -> str:
        """Visible text; tag boundaries are ``\\x1f`` so a match never spans two elements."""
        return "".join(self.chunks)


def audit_html(html: str) -> PageAudit:
    page = PageAudit()
    page.feed(html)
    page.close()
    return page


def audit_site(output: Path) -> dict[str, list[str]]:
    """Problems in every HTML file of a built site, by relative path (empty when clean)."""
    found: dict[str, list[str]] = {}
    for path in sorted(output.rglob("*.html")):
        problems = audit_html(path.read_text(encoding="utf-8")).problems
        if problems:
            found[str(path.relative_to(output))] = problems
    return found


# --- file trees -----------------------------------------------------------------------------


def tree(root: Path) -> dict[str, str]:
    """Every entry under ``root`` -> a digest of what it is (file bytes, link target, folder)."""
    found: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            relative = str(path.relative_to(root))
            if path.is_symlink():
                found[relative] = f"link:{os.readlink(path)}"
            elif path.is_dir():
                found[relative] = "dir"
            else:
                found[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


# --- child processes ------------------------------------------------------------------------

MIB = 1024 * 1024


@dataclass(frozen=True)
class ChildResult:
    """How a CLI child process ended and what it cost."""

    code: int  # exit status; negative: killed by that signal
    stdout: str
    stderr: str
    seconds: float
    max_rss_mib: float
    timed_out: bool

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def cli_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["SOURCE_DATE_EPOCH"] = SOURCE_DATE_EPOCH
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra or {})
    return env


# Runs the CLI exactly as ``python -m clincalc_site`` does, after capping the address space
# from inside the child (no preexec_fn: that is unsafe when the test process has threads).
#
# Peak memory is read from the child's own /proc/self/status (VmHWM) at exit and written to
# the file named by CLINCALC_TEST_HWM_FILE. Not ru_maxrss from wait4: on Linux a (v)forked
# child's ru_maxrss carries the *parent's* high-water mark across exec, so inside a long
# pytest session it reports the test runner's size, not the CLI's.
_LAUNCHER = """
import atexit, os, resource, sys

def _record_peak():
    target = os.environ.get("CLINCALC_TEST_HWM_FILE")
    if not target:
        return
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                with open(target, "w", encoding="ascii") as out:
                    out.write(line.split()[1])

atexit.register(_record_peak)
size = int(sys.argv[1]) * 1024 * 1024
if size > 0:
    resource.setrlimit(resource.RLIMIT_AS, (size, size))
largest = int(sys.argv[2])
if largest > 0:  # Python ignores SIGXFSZ, so a longer write fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (largest, largest))
sys.argv = ["clincalc-site", *sys.argv[3:]]
from clincalc_site.cli import main
sys.exit(main())
"""


# Root ignores file modes through two capabilities; without them a mode-000 file is
# unreadable to root too (setpriv, util-linux).
DROP_FILE_OVERRIDE = (
    "setpriv",
    "--inh-caps=-dac_override,-dac_read_search",
    "--bounding-set=-dac_override,-dac_read_search",
)


def can_drop_file_override() -> bool:
    return os.geteuid() != 0 or shutil.which("setpriv") is not None


def spawn_cli(
    args: Sequence[str],
    cwd: Path,
    *,
    address_space_mib: int | None = 600,
    honour_file_modes: bool = False,
    file_size_limit: int = 0,
    env: Mapping[str, str] | None = None,
    stdout: Any = subprocess.DEVNULL,
    stderr: Any = subprocess.DEVNULL,
    new_group: bool = False,
) -> subprocess.Popen[bytes]:
    """Start the CLI with ``ARGS`` under an address-space limit.

    ``honour_file_modes``: when running as root, drop the capabilities that let root read any
    file, so that ``chmod 000`` means unreadable for the child as it would for an editor.
    ``file_size_limit``: RLIMIT_FSIZE in bytes (0: none); a longer write fails like a full disk.
    ``new_group``: start a new process group (its id is the child's pid), so that worker
    processes the build forks can be found, and killed, after the build itself died.
    """
    prefix = DROP_FILE_OVERRIDE if honour_file_modes and os.geteuid() == 0 else ()
    return subprocess.Popen(
        [
            *prefix,
            sys.executable,
            "-c",
            _LAUNCHER,
            str(address_space_mib or 0),
            str(file_size_limit),
            *args,
        ],
        cwd=cwd,
        env=cli_env(env),
        stdout=stdout,
        stderr=stderr,
        process_group=0 if new_group else None,
    )


def group_survivors(group: int, wait: float = 5.0) -> bool:
    """Whether any process of ``group`` is still alive after ``wait`` seconds; kills them."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return False
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)
    return True


def reap(process: subprocess.Popen[bytes], timeout: float) -> tuple[int, float, bool]:
    """Wait for ``process`` (killing it at ``timeout``): (status, max RSS in MiB, timed out)."""
    deadline = time.monotonic() + timeout
    timed_out = False
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            timed_out = True
            os.kill(process.pid, signal.SIGKILL)  # not send_signal: it would reap the child
            pid, status, usage = os.wait4(process.pid, 0)
            break
        time.sleep(0.005)
    code = os.waitstatus_to_exitcode(status)
    process.returncode = code  # reaped here; stop Popen from waiting again
    return code, usage.ru_maxrss / 1024, timed_out


def run_cli(
    args: Sequence[str],
    cwd: Path,
    *,
    timeout: float = 20.0,
    address_space_mib: int | None = 600,
    honour_file_modes: bool = False,
    file_size_limit: int = 0,
    env: Mapping[str, str] | None = None,
) -> ChildResult:
    """Run the CLI to completion under limits; measure wall time and peak memory."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryDirectory() as scratch,
    ):
        peak_file = Path(scratch) / "vmhwm-kib"
        started = time.monotonic()
        process = spawn_cli(
            args,
            cwd,
            address_space_mib=address_space_mib,
            honour_file_modes=honour_file_modes,
            file_size_limit=file_size_limit,
            env={**(env or {}), "CLINCALC_TEST_HWM_FILE": str(peak_file)},
            stdout=out,
            stderr=err,
        )
        code, rss, timed_out = reap(process, timeout)
        seconds = time.monotonic() - started
        if peak_file.is_file():  # absent only if the child was killed before exiting
            rss = int(peak_file.read_text(encoding="ascii")) / 1024
        out.seek(0)
        err.seek(0)
        return ChildResult(
            code,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            seconds,
            rss,
            timed_out,
        )


def fails_with_traceback(result: ChildResult) -> bool:
    return "Traceback (most recent call last)" in result.output
