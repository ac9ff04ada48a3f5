"""The layering of src/clincalc_site, read from each module's imports with ``ast``.

Lower layers never import higher ones (style guide, section 2). The layer table below places
every module and subpackage; each may import only what lies below it. Only ``cli``,
``__main__`` and ``commands/`` import ``cli`` or ``commands``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "clincalc_site"

# Every top-level module and subpackage, by layer, lowest first. A unit may import only units
# of lower layers (never its own layer, never a higher one). A new one must be placed here.
LAYER_TABLE: tuple[tuple[str, frozenset[str]], ...] = (
    ("foundation", frozenset({"__init__", "diagnostics"})),  # problems as data
    ("content", frozenset({"content"})),  # one file: YAML -> validated Entry, the dose contract
    ("site", frozenset({"site"})),  # settings and the assembly of many entries
    # Markdown, views, templates -> bytes; and, beside it, the output folder (atomic
    # exchange, spare folder, scans) and the search index. Neither imports the other.
    ("render, publish", frozenset({"render", "publish"})),
    ("build", frozenset({"build"})),  # the stage script, plan, manifest, workers
    ("features", frozenset({"preview", "editor"})),  # serve; new and schema
    ("commands", frozenset({"commands"})),
    ("interface", frozenset({"cli"})),
    ("entry point", frozenset({"__main__"})),
)  # fmt: skip
LEVEL = {module: level for level, (_, modules) in enumerate(LAYER_TABLE) for module in modules}
# Module -> the project modules it may import (everything below its layer).
LAYERS: dict[str, set[str]] = {
    module: {other for other, below in LEVEL.items() if below < level}
    for module, level in sorted(LEVEL.items())
}
# Inside each subpackage, its modules by layer, lowest first: a module imports only siblings
# of lower layers. Every module of a subpackage must be placed here.
PACKAGE_LAYERS: dict[str, tuple[frozenset[str], ...]] = {
    "content": (
        frozenset(
            {"__init__", "models", "placeholders", "dose_units", "prose_dose", "names"}
            | {"git_snapshot"}
        ),
        frozenset({"dose_quantity", "dose_unit_spelling"}),  # read the unit table
        frozenset({"dose_amounts"}),
        frozenset({"dose_parser", "yaml_layout"}),
        frozenset({"yaml_syntax"}),
        frozenset({"yaml_source"}),
        frozenset({"schema_errors", "rules", "dose_lint", "change_words"}),
        frozenset({"dose_rules", "history_store"}),  # history_store: blobs -> change_words
        frozenset({"loader"}),
        frozenset({"registry", "index_entry", "git_blobs"}),  # git_blobs: archive pages
        frozenset({"registry_history"}),  # loads versions under past registries
        frozenset({"history"}),  # git versions -> change_words, registry events
    ),
    "site": (
        frozenset({"__init__", "colours"}),
        frozenset({"formulary"}),
        frozenset({"settings"}),
        frozenset({"assembly", "crossref"}),
        frozenset({"counts"}),
    ),
    "render": (
        frozenset({"__init__", "fastmark", "page_safety", "fhir_export", "api_export"})
        | {"word_diff"},
        frozenset({"markup", "templates"}),
        frozenset({"dashboard", "site_view"}),
        frozenset({"rendering"}),
        frozenset({"archive_views", "feeds"}),  # archive and history pages; Atom feeds
        frozenset({"data_files"}),  # a monograph's data files: its page's path and view
    ),
    "publish": (
        frozenset({"__init__", "output_folder", "folder_scans"}),
        frozenset({"site_files"}),
        frozenset({"pagefind_index"}),
        frozenset({"spare_folder", "search"}),
    ),
    "build": (
        frozenset({"__init__", "progress", "config", "records", "report", "data_exports"}),
        frozenset({"manifest", "workers"}),
        frozenset({"keys", "freshness", "plan", "published", "pool"}),
        frozenset({"session", "index_pages", "archive_work", "feeds"}),
        frozenset({"collection", "archive"}),
        frozenset({"pipeline"}),  # the stage script
    ),
    "preview": (frozenset({"__init__", "server"}),),
    "editor": (frozenset({"__init__", "scaffold", "schema_export", "starter_repo"}),),
    "commands": (
        frozenset({"options"}),
        frozenset({"build", "check", "init", "new", "schema", "serve"}),
        frozenset({"__init__"}),
    ),
}
INTERFACE = {"cli", "commands"}


def top_level_names(package: Path) -> set[str]:
    """The package's own first-level modules and subpackages."""
    modules = {path.stem for path in package.glob("*.py")}
    return modules | {path.parent.name for path in package.glob("*/__init__.py")}


def project_imports(source: str, package_parts: tuple[str, ...], names: set[str]) -> set[str]:
    """First-level project modules imported by ``source``.

    ``package_parts`` is where the module sits inside the package: ``()`` for
    ``clincalc_site/content/loader.py``, ``("commands",)`` for ``clincalc_site/commands/build.py``.
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "clincalc_site" and len(parts) > 1:
                    found.add(parts[1])
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                parts = (node.module or "").split(".")
                if parts[0] != "clincalc_site":
                    continue
                base: list[str] = parts[1:]
            else:
                up = node.level - 1
                if up > len(package_parts):
                    raise AssertionError(f"relative import leaves the package: {ast.dump(node)}")
                base = [*package_parts[: len(package_parts) - up]]
                base += node.module.split(".") if node.module else []
            if base:
                found.add(base[0])
            else:  # ``from . import a, b`` at the top of the package
                found |= {alias.name if alias.name in names else "__init__" for alias in node.names}
    return found


def imports_of(relative: str) -> set[str]:
    path = PACKAGE / relative
    parts = tuple(Path(relative).parts[:-1])
    return project_imports(path.read_text(encoding="utf-8"), parts, top_level_names(PACKAGE))


def unit_of(relative: str) -> str:
    """The first-level name a file belongs to: ``commands`` for ``commands/build.py``."""
    return Path(relative).parts[0].removesuffix(".py")


ALL_MODULES = sorted(str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py"))


def files_of(module: str) -> list[str]:
    return [relative for relative in ALL_MODULES if unit_of(relative) == module]


@pytest.mark.parametrize(("module", "allowed"), LAYERS.items(), ids=list(LAYERS))
def test_every_module_imports_only_lower_layers(module: str, allowed: set[str]) -> None:
    imported = {name for relative in files_of(module) for name in imports_of(relative)}
    imported -= {module}

    assert imported <= allowed, f"{module} may not import {sorted(imported - allowed)}"


@pytest.mark.parametrize("relative", ALL_MODULES)
def test_only_the_interface_imports_the_command_line(relative: str) -> None:
    unit = unit_of(relative)
    imported = imports_of(relative)

    if unit in (*INTERFACE, "__main__"):
        return  # the interface layer wires itself together
    assert not imported & INTERFACE, f"{relative} imports {sorted(imported & INTERFACE)}"


def test_every_module_in_the_table_exists() -> None:
    assert set(LAYERS) <= top_level_names(PACKAGE)


def test_every_module_and_subpackage_has_a_layer() -> None:
    assert top_level_names(PACKAGE) - set(LEVEL) == set(), "add it to LAYER_TABLE"


@pytest.mark.parametrize(
    ("importer", "imported"),
    [("render", "build"), ("publish", "render"), ("content", "site"), ("site", "build")],
)
def test_the_table_refuses_an_upward_import(importer: str, imported: str) -> None:
    assert imported not in LAYERS[importer]


# --- Inside each subpackage -------------------------------------------------------------------


def sibling_imports(source: str, package: str) -> set[str]:
    """Modules of ``package`` that ``source`` (a module of that package) imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[:2] == ["clincalc_site", package] and len(parts) > 2:
                    found.add(parts[2])
        elif isinstance(node, ast.ImportFrom):
            parts = (node.module or "").split(".") if node.module else []
            if node.level == 0 and parts[:2] == ["clincalc_site", package]:
                rest = parts[2:]
            elif node.level == 1:
                rest = parts
            else:
                continue
            if rest:
                found.add(rest[0])
            else:  # ``from clincalc_site.<package> import a`` or ``from . import a``
                found |= {alias.name for alias in node.names}
    return found


def package_modules(package: str) -> set[str]:
    return {path.stem for path in (PACKAGE / package).glob("*.py")}


def test_every_subpackage_has_a_module_table() -> None:
    subpackages = {path.parent.name for path in PACKAGE.glob("*/__init__.py")}
    assert subpackages == set(PACKAGE_LAYERS)


@pytest.mark.parametrize("package", sorted(PACKAGE_LAYERS))
def test_every_module_of_a_subpackage_is_placed(package: str) -> None:
    placed: set[str] = set().union(*PACKAGE_LAYERS[package])
    assert placed == package_modules(package), "place it in PACKAGE_LAYERS"


@pytest.mark.parametrize("package", sorted(PACKAGE_LAYERS))
def test_modules_import_only_lower_siblings(package: str) -> None:
    level = {m: i for i, modules in enumerate(PACKAGE_LAYERS[package]) for m in modules}
    for module in sorted(package_modules(package)):
        source = (PACKAGE / package / f"{module}.py").read_text(encoding="utf-8")
        imported = sibling_imports(source, package) & set(level)
        upward = {m for m in imported if level[m] >= level[module]}
        assert not upward, f"{package}/{module}.py may not import {sorted(upward)}"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from clincalc_site.build.plan import Plan", {"plan"}),
        ("from clincalc_site.build import workers", {"workers"}),
        ("from .plan import Plan", {"plan"}),
        ("from . import plan", {"plan"}),
        ("import clincalc_site.build.manifest", {"manifest"}),
        ("from clincalc_site.render.markup import X", set()),
        ("from ..diagnostics import Diagnostic", set()),
    ],
)
def test_sibling_imports_are_read_from_every_form(source: str, expected: set[str]) -> None:
    assert sibling_imports(source, "build") == expected


# --- The import reader itself -----------------------------------------------------------------

NAMES = {"cli", "commands", "config", "diagnostics", "loader", "pipeline", "models"}


@pytest.mark.parametrize(
    ("source", "where", "expected"),
    [
        pytest.param("from .diagnostics import Diagnostic", (), {"diagnostics"}, id="relative"),
        pytest.param("from . import pipeline, __version__", (), {"pipeline", "__init__"}, id="dot"),
        pytest.param("from .. import pipeline", ("commands",), {"pipeline"}, id="up-one"),
        pytest.param("from ..config import X", ("commands",), {"config"}, id="up-one-module"),
        pytest.param("from . import OptionAdder", ("commands",), {"commands"}, id="sibling"),
        pytest.param("import clincalc_site.cli", (), {"cli"}, id="absolute"),
        pytest.param(
            "from clincalc_site.content.models import M", (), {"content"}, id="absolute-from"
        ),
        pytest.param("from clincalc_site import loader", (), {"loader"}, id="absolute-package"),
        pytest.param(
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .cli import main\n",
            (),
            {"cli"},
            id="type-checking-counts",
        ),
        pytest.param("def f():\n    from .cli import main\n", (), {"cli"}, id="inside-function"),
        pytest.param("import yaml\nfrom pydantic import BaseModel", (), set(), id="third-party"),
    ],
)
def test_project_imports_are_read_from_every_form(
    source: str, where: tuple[str, ...], expected: set[str]
) -> None:
    assert project_imports(source, where, NAMES) == expected


# --- Size: a module a newcomer can read, a class that fits in one head --------------------

MAX_MODULE_LINES = 500
MAX_CLASS_LINES = 250


@pytest.mark.parametrize("relative", ALL_MODULES)
def test_no_module_or_class_is_too_long_to_read(relative: str) -> None:
    source = (PACKAGE / relative).read_text(encoding="utf-8")
    assert len(source.splitlines()) <= MAX_MODULE_LINES, "split it by what its parts do"
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef):
            assert node.end_lineno is not None
            length = node.end_lineno - node.lineno + 1
            assert length <= MAX_CLASS_LINES, f"class {node.name} has {length} lines"


# --- docs/architecture.md names what exists, and everything that exists -------------------

ARCHITECTURE_DOC = PACKAGE.parents[1] / "docs" / "architecture.md"


def test_the_architecture_page_names_every_module() -> None:
    text = ARCHITECTURE_DOC.read_text(encoding="utf-8")
    missing = [
        relative
        for relative in ALL_MODULES
        if not relative.endswith("__init__.py") and f"`{Path(relative).name}`" not in text
    ]
    assert missing == [], "add them to docs/architecture.md"


def test_every_function_the_architecture_page_names_is_where_it_says() -> None:
    """``build/pipeline.py: build`` means a file that exists and defines ``build``."""
    text = ARCHITECTURE_DOC.read_text(encoding="utf-8").replace("\n", " ")
    named = re.findall(r"`((?:[a-z_]+/)?[a-z_]+\.py): +([A-Za-z_.]+)`", text)
    assert len(named) > 15
    for relative, name in named:
        source = (PACKAGE / relative).read_text(encoding="utf-8")
        defined = name.split(".")[-1]
        assert re.search(rf"(def|class) {defined}\b", source), f"{relative}: {name}"


@pytest.mark.parametrize("relative", [r for r in ALL_MODULES if "/" in r])
def test_a_module_says_the_subpackage_it_is_in(relative: str) -> None:
    """A module's ``Stage:`` line names its own subpackage (it drifted once, with the layout)."""
    docstring = ast.get_docstring(ast.parse((PACKAGE / relative).read_text(encoding="utf-8")))
    stated = re.findall(r"^Stage: (\S+)", docstring or "", re.M)
    assert stated in ([], [f"{unit_of(relative)}/"]), relative
