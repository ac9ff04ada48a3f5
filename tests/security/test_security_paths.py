"""Path safety: no file name, slug, class name, setting or option writes outside the output
folder or reads outside the project.

Every build here runs inside a scratch folder whose whole tree is listed before and after:
the only changes allowed are the output folder itself and the build's state folder beside it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from clincalc_site.diagnostics import Severity
from clincalc_site.editor.scaffold import InvalidName, slugify
from clincalc_site.publish.output_folder import OutputError, safe_relative

from .support import (
    audit_site,
    build,
    check,
    dump,
    monograph_doc,
    run_cli,
    tree,
    write_project,
)

# The only places a build may write (relative to the scratch folder): the output folder,
# and beside it the state folder ``.clincalc/``, which holds its lock file (``<name>.lock``),
# the spare folder the next build is written into (``<name>.spare/``) and the build cache
# (``cache/``), and nothing else. Temporary folders (``.<name>.tmp-*``, ``.<name>.old-*``)
# must be gone when a build ends.
ALLOWED_WRITES = re.compile(
    r"^project/((_site|empty-then-site)(/|$)"
    r"|\.clincalc($|/cache(/|$)|/[^/]+\.lock$|/[^/]+\.spare(/|$)))"
)


def changed_outside(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """Entries added, removed or modified anywhere a build may not write."""
    changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    return sorted(p for p in changed if not ALLOWED_WRITES.match(p))


def codes(content: Path) -> set[str]:
    return {d.code for d in check(content).diagnostics if d.severity is Severity.ERROR}


class Project:
    """A scratch project; every change a test makes goes through ``write`` or ``link``.

    Both take a new snapshot of the scratch folder, so that afterwards only what the code
    under test did is compared.
    """

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self.root = scratch / "project"
        self.content = write_project(self.root, {"testomycin": monograph_doc()})
        (scratch / "outside.txt").write_text("must never change\n")
        self.before = tree(scratch)

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.before = tree(self.scratch)
        return path

    def link(self, relative: str, target: Path | str) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, path)
        self.before = tree(self.scratch)


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    """A scratch project with one good monograph; afterwards nothing else may have changed."""
    scratch = Project(tmp_path)
    yield scratch
    assert changed_outside(scratch.before, tree(tmp_path)) == []


# --- file names and slugs -----------------------------------------------------------------


def other(name: str = "Other drug", drug_class: str = "Test class", **extra: object) -> str:
    return dump(monograph_doc(name, drug_class) | extra)


@pytest.mark.parametrize(
    "file_name",
    [
        pytest.param("a..b.yaml", id="dot-dot"),
        pytest.param("%2e%2e.yaml", id="percent-encoded-dots"),
        pytest.param("x\u2215etc.yaml", id="division-slash"),
        pytest.param("x\uff0fy.yaml", id="fullwidth-solidus"),
        pytest.param("\u2024\u2024.yaml", id="one-dot-leaders"),
        pytest.param("x\\y.yaml", id="backslash"),
        pytest.param("CON.yaml", id="reserved-upper"),
        pytest.param("Warfarin.yaml", id="uppercase"),
        pytest.param("w\u0430rfarin.yaml", id="cyrillic-a"),
        pytest.param("warfarin\u200b.yaml", id="zero-width"),
        pytest.param(" warfarin.yaml", id="leading-space"),
        pytest.param("-warfarin.yaml", id="leading-hyphen"),
    ],
)
def test_unsafe_file_names_are_refused(project: Project, file_name: str) -> None:
    project.write(f"monographs/{file_name}", other())
    report = check(project.content)
    bad = [d for d in report.diagnostics if d.severity is Severity.ERROR]
    assert [d.code for d in bad] == ["file.bad_slug"]
    assert bad[0].location.path.endswith(file_name)
    assert build(project.content, project.root / "_site").failed
    assert not (project.root / "_site").exists()


@pytest.mark.parametrize("reserved", ["con", "prn", "aux", "nul", "com1", "lpt9"])
def test_windows_reserved_names_are_refused(project: Project, reserved: str) -> None:
    """``con.yaml`` cannot be checked out on Windows, nor ``drugs/con/`` created there."""
    project.write(f"monographs/{reserved}.yaml", other())
    assert codes(project.content) == {"file.bad_slug"}


@pytest.mark.parametrize("name", ["Con", "NUL", "lpt1", "COM9"])
def test_new_refuses_names_whose_file_windows_reserves(name: str) -> None:
    with pytest.raises(InvalidName, match="reserves"):
        slugify(name)


def test_case_collision_is_a_located_error(project: Project) -> None:
    project.write("monographs/Testomycin.yaml", other("Testomycin B"))
    bad = [d for d in check(project.content).diagnostics if d.severity is Severity.ERROR]
    assert [d.code for d in bad] == ["file.bad_slug"]
    assert bad[0].location.path.endswith("Testomycin.yaml")


def test_hidden_files_are_never_read(project: Project) -> None:
    project.write("monographs/..yaml", "name: [unclosed\n")
    project.write("monographs/.x.yaml", "name: [unclosed\n")
    assert not build(project.content, project.root / "_site").failed


@pytest.mark.parametrize(
    "target",
    ["..", "../etc", "/etc/passwd", "a/../../b", "testomycin/../../x", "\u2024\u2024", "Other"],
)
def test_related_slugs_that_are_paths_are_refused(project: Project, target: str) -> None:
    project.write("monographs/other.yaml", other(related=[target]))
    bad = [d for d in check(project.content).diagnostics if d.severity is Severity.ERROR]
    assert [d.code for d in bad] == ["schema.invalid_slug"]
    assert bad[0].location.line >= 1


@pytest.mark.parametrize(
    "drug_class",
    [
        "../../../outside",
        "/etc/passwd",
        "..",
        "C:\\Windows\\System32",
        "\u2024\u2024\uff0f\u2024\u2024\uff0fetc",
        "%2e%2e%2f%2e%2e%2f",
        "con",
        "日本語のクラス",
    ],
)
def test_class_names_never_leave_the_classes_folder(project: Project, drug_class: str) -> None:
    project.write("monographs/other.yaml", other(drug_class=drug_class))
    output = project.root / "_site"
    assert not build(project.content, output).failed
    pages = [p.relative_to(output) for p in output.rglob("index.html")]
    assert len([p for p in pages if p.parts[0] == "classes"]) == 3  # index + two classes
    assert all(p.resolve().is_relative_to(output.resolve()) for p in output.rglob("*"))
    assert audit_site(output) == {}


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Beta blocker", "Beta-blocker"),
        ("Beta blocker", "BETA  BLOCKER"),
        ("../x", "x"),
        ("..", "—"),
        ("Bêta blocker", "Beta blocker"),
    ],
)
def test_classes_that_share_a_page_are_refused(project: Project, first: str, second: str) -> None:
    project.write("monographs/testomycin.yaml", other("Testomycin", first))
    project.write("monographs/other.yaml", other(drug_class=second))
    result = build(project.content, project.root / "_site")
    assert result.failed
    collisions = [d for d in result.diagnostics if d.code == "xref.class_collision"]
    assert len(collisions) == 1 and collisions[0].location.line >= 1
    assert not (project.root / "_site").exists()


@pytest.mark.parametrize(
    "path", ["../x", "/etc/passwd", "a/../../b", "", ".", ".hidden", "a\\..\\b", "a\x00b"]
)
def test_output_refuses_page_paths_that_escape(path: str) -> None:
    with pytest.raises(OutputError):
        safe_relative(path)


# --- settings -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "base_url",
    [
        pytest.param("https://example.org//evil.example/", id="double-slash-path"),
        pytest.param("https://example.org/\\evil.example/", id="backslash-path"),
        pytest.param("https://example.org/a//b/", id="empty-segment"),
        pytest.param("https://example.org/?x=1", id="query"),
        pytest.param("https://example.org/#top", id="fragment"),
        pytest.param("https://user:secret@example.org/", id="credentials"),
    ],
)
def test_base_url_that_would_send_links_off_site_is_refused(
    project: Project, base_url: str
) -> None:
    """A path of ``//evil.example/`` makes every root-relative link point at another host."""
    project.write("site.yaml", dump({"base_url": base_url}))
    bad = [d for d in check(project.content).diagnostics if d.severity is Severity.ERROR]
    assert len(bad) == 1 and bad[0].location.path.endswith("site.yaml")
    assert bad[0].location.line == 1
    assert build(project.content, project.root / "_site").failed


# --- the output folder --------------------------------------------------------------------


def cli_build(project: Project, out: str) -> tuple[int, str]:
    args = ["build", "--content", "monographs", "--out", out, "--no-search"]
    result = run_cli(args, project.root)
    assert "Traceback" not in result.output
    return result.code, result.stderr


def test_out_pointing_at_a_file_is_refused(project: Project) -> None:
    notes = project.write("notes.txt", "keep me\n")
    code, message = cli_build(project, "notes.txt")
    assert code == 1 and "not a folder" in message
    assert notes.read_text() == "keep me\n"


def test_out_below_a_file_is_refused(project: Project) -> None:
    notes = project.write("notes.txt", "keep me\n")
    code, message = cli_build(project, "notes.txt/site")
    assert code == 1 and "notes.txt" in message
    assert notes.read_text() == "keep me\n"


@pytest.mark.parametrize("out", ["monographs", ".", "..", "monographs/site", "static"])
def test_out_never_replaces_or_nests_in_the_sources(project: Project, out: str) -> None:
    """Swapping the site in for the content folder (or its parent) would delete the content."""
    project.write("static/site.css", "body{}")
    args = ["build", "--content", "monographs", "--out", out, "--no-search"]
    result = run_cli([*args[:5], "--no-search"] if out != "static" else args, project.root)
    assert "Traceback" not in result.output
    assert result.code == 1 and "refusing" in result.stderr, result.stderr


def test_out_never_replaces_a_folder_it_did_not_build(project: Project) -> None:
    thesis = project.write("documents/thesis.txt", "years of work\n")
    code, message = cli_build(project, "documents")
    assert code == 1 and "refusing" in message
    assert thesis.read_text() == "years of work\n"
    # An empty folder, or a site this tool built, may be replaced.
    (project.root / "empty-then-site").mkdir()
    assert cli_build(project, "empty-then-site")[0] == 0
    assert cli_build(project, "empty-then-site")[0] == 0


@pytest.mark.parametrize("planted", ["link", "file"])
def test_a_planted_state_folder_is_refused(project: Project, planted: str) -> None:
    """A repository could commit .clincalc as a link: the lock, the spare site and the cache
    would be written wherever it points."""
    elsewhere = project.scratch / "elsewhere"
    if planted == "link":
        elsewhere.mkdir()
        project.link(".clincalc", elsewhere)
    else:
        project.write(".clincalc", "not a folder\n")
    code, message = cli_build(project, "_site")
    assert code == 1 and ".clincalc is not a folder of this project" in message
    assert not (project.root / "_site").exists()
    assert not elsewhere.exists() or list(elsewhere.iterdir()) == []


def test_out_inside_the_templates_folder_is_refused(project: Project) -> None:
    """Jinja would load the previous site's pages as templates."""
    templates = project.root / "templates"
    project.write("templates/base.html", "x")
    with pytest.raises(OutputError, match="refusing"):
        build(project.content, templates / "_site", templates_dir=templates)
    assert not (templates / "_site").exists()


# --- reading outside the project ----------------------------------------------------------


def test_static_symlinks_are_not_followed(project: Project) -> None:
    project.write("static/site.css", "body{}")
    project.link("static/leak.txt", project.scratch / "outside.txt")
    project.link("static/etc", "/etc")
    output = project.root / "_site"
    assert not build(project.content, output, static_dir=project.root / "static").failed
    assert sorted(p.name for p in (output / "static").rglob("*")) == ["site.css"]


@pytest.mark.parametrize(
    "include", ["../outside.txt", "/etc/passwd", "..\\outside.txt", "partials/../../outside.txt"]
)
def test_templates_cannot_include_files_outside_their_folder(
    project: Project, include: str
) -> None:
    for name in ("index.html", "classes.html", "class.html", "404.html", "monograph.html"):
        project.write(f"tpl/{name}", f'{{% include "{include}" %}}')
    for name in ("sitemap.xml", "robots.txt"):
        project.write(f"tpl/{name}", "x")
    result = build(project.content, project.root / "_site", templates_dir=project.root / "tpl")
    assert result.failed
    errors = [d.code for d in result.diagnostics if d.severity is Severity.ERROR]
    assert errors == ["template.error"]
    assert not (project.root / "_site").exists()
