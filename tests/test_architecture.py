"""The layering of src/clincalc_site, read from each module's imports with ``ast``.

Lower layers never import higher ones (style guide, section 2). The layer table below places
every module and subpackage; each may import only what lies below it. Only ``cli``,
``__main__`` and ``commands/`` import ``cli`` or ``commands``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "clincalc_site"

# Every module and subpackage, by layer, lowest first. A module may import only modules of
# lower layers (never its own layer, never a higher one). A new module must be placed here.
LAYER_TABLE: tuple[tuple[str, frozenset[str]], ...] = (
    # stdlib-only foundations: problems as data, the content model, pure text tools
    ("foundation", frozenset({
        "__init__", "diagnostics", "models", "history", "fastmark", "output", "progress",
        "placeholders", "dose_units", "prose_dose",
    })),
    ("source", frozenset({"yaml_source", "markup"})),
    ("validate", frozenset({"schema_errors", "rules", "dose_lint"})),
    ("dose contract", frozenset({"dose_rules"})),
    ("load", frozenset({"loader"})),
    ("inputs", frozenset({"registry", "records", "config"})),
    ("assemble", frozenset({"site", "cache", "search"})),
    ("render", frozenset({"rendering"})),
    ("workers", frozenset({"parallel"})),
    ("planning", frozenset({"plan", "report", "session"})),
    ("orchestration", frozenset({"pipeline"})),
    ("features", frozenset({"devserver", "scaffold", "schema_export"})),
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
INTERFACE = {"cli", "commands"}


def top_level_names(package: Path) -> set[str]:
    """The package's own first-level modules and subpackages."""
    modules = {path.stem for path in package.glob("*.py")}
    return modules | {path.parent.name for path in package.glob("*/__init__.py")}


def project_imports(source: str, package_parts: tuple[str, ...], names: set[str]) -> set[str]:
    """First-level project modules imported by ``source``.

    ``package_parts`` is where the module sits inside the package: ``()`` for
    ``clincalc_site/loader.py``, ``("commands",)`` for ``clincalc_site/commands/build.py``.
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


def test_nothing_below_the_orchestrator_imports_pipeline() -> None:
    below = [module for module, level in LEVEL.items() if level < LEVEL["pipeline"]]
    assert len(below) > 20
    for module in below:
        for relative in files_of(module):
            assert "pipeline" not in imports_of(relative), relative


def test_every_module_in_the_table_exists() -> None:
    assert set(LAYERS) <= top_level_names(PACKAGE)


def test_every_module_and_subpackage_has_a_layer() -> None:
    assert top_level_names(PACKAGE) - set(LEVEL) == set(), "add it to LAYER_TABLE"


@pytest.mark.parametrize(
    ("importer", "imported"),
    [("rendering", "pipeline"), ("output", "rendering"), ("loader", "site"), ("models", "loader")],
)
def test_the_table_refuses_an_upward_import(importer: str, imported: str) -> None:
    """The two imports a review added without the old table noticing, and two more."""
    assert imported not in LAYERS[importer]


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
        pytest.param("from clincalc_site.models import M", (), {"models"}, id="absolute-from"),
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
