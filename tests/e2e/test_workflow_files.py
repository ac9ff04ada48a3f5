"""CI and pre-commit files: they parse, run the README's commands, and name real subcommands."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from clincalc_site.cli import build_parser, main

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = REPO / ".github" / "workflows" / "site.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"
CONFIG = REPO / ".pre-commit-config.yaml"
MONOGRAPH_FILES = r"^monographs/.*\.ya?ml$"


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def workflow() -> dict[str, Any]:
    data: dict[Any, Any] = load(WORKFLOW)
    # YAML 1.1 reads the key `on` as the boolean true; GitHub reads it as "on".
    data["on"] = data.pop(True, data.get("on"))
    return data


def steps(job: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = workflow()["jobs"][job]["steps"]
    return found


def run_lines(job: str) -> list[str]:
    return [step["run"] for step in steps(job) if "run" in step]


def uses(job: str) -> dict[str, dict[str, Any]]:
    return {step["uses"]: step.get("with", {}) for step in steps(job) if "uses" in step}


def parses_as_subcommand(command: str, executable: str = "clincalc-site") -> str:
    """Parse ``command`` with the real CLI parser and return the subcommand it selects."""
    words = shlex.split(command)
    assert Path(words[0]).name == executable, command
    args = build_parser().parse_args(words[1:])
    chosen: str = args.command
    return chosen


@pytest.mark.parametrize("path", [WORKFLOW, HOOKS, CONFIG], ids=lambda p: p.name)
def test_file_is_valid_yaml(path: Path) -> None:
    assert load(path)


def test_workflow_triggers() -> None:
    triggers = workflow()["on"]
    assert "pull_request" in triggers
    assert triggers["push"]["branches"] == ["main"]


def test_readme_commands_are_the_ones_ci_runs() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "make test" in readme
    assert "make site" in readme
    assert "make test" in run_lines("test")
    assert any(line.startswith("make site") for line in run_lines("build"))
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^test:", makefile, re.MULTILINE)
    assert re.search(r"^site:", makefile, re.MULTILINE)


def test_pull_requests_get_annotations() -> None:
    checks = [line for line in run_lines("test") if "check --format github" in line]
    assert len(checks) == 1
    assert parses_as_subcommand(checks[0]) == "check"
    annotate = next(step for step in steps("test") if step.get("run") == checks[0])
    assert annotate["if"] == "success() || failure()"  # annotations even when tests fail


@pytest.mark.parametrize("job", ["test", "build"])
def test_python_setup(job: str) -> None:
    actions = uses(job)
    assert "actions/checkout@v4" in actions
    python = actions["actions/setup-python@v5"]
    assert python == {
        "python-version": "3.11",
        "cache": "pip",
        "cache-dependency-path": "pyproject.toml",
    }


def test_main_builds_strictly_and_deploys_to_pages() -> None:
    jobs = workflow()["jobs"]
    assert "github.event_name == 'push'" in jobs["build"]["if"]
    [build] = [line for line in run_lines("build") if line.startswith("make site")]
    assert build.startswith("make site BUILD_FLAGS=")
    flags = shlex.split(build)[2].removeprefix("BUILD_FLAGS=")
    pages_url = "${{ steps.pages.outputs.base_url }}"
    assert flags == f"--strict --base-url {pages_url}"
    args = build_parser().parse_args(
        ["build", *flags.replace(pages_url, "https://o.test/r").split()]
    )
    assert (args.strict, args.base_url) == (True, "https://o.test/r")
    assert "actions/configure-pages@v5" in uses("build")
    assert uses("build")["actions/upload-pages-artifact@v3"] == {"path": "_site"}
    deploy = jobs["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["concurrency"]["group"] == "pages"
    assert [step["uses"] for step in deploy["steps"]] == ["actions/deploy-pages@v4"]
    assert workflow()["permissions"] == {"contents": "read"}


def test_makefile_site_target_passes_build_flags() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.partition("\nsite:")[2].partition("\n\n")[0]
    assert "$(BUILD_FLAGS)" in recipe


def test_hooks_file_offers_the_check_hook() -> None:
    hooks = load(HOOKS)
    assert [hook["id"] for hook in hooks] == ["clincalc-site-check"]
    hook = hooks[0]
    assert hook["entry"] == "clincalc-site check"
    assert hook["language"] == "python"
    assert hook["files"] == MONOGRAPH_FILES
    assert hook["pass_filenames"] is False
    assert parses_as_subcommand(hook["entry"] + " " + " ".join(hook.get("args", []))) == "check"
    # language: python installs this package, so the entry must be its console script.
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert shlex.split(hook["entry"])[0] in scripts["scripts"]


@pytest.mark.parametrize(
    ("path", "selected"),
    [
        ("monographs/pomalidomide.yaml", True),
        ("monographs/typo.yml", True),
        ("tests/data/site/monographs/x.yaml", False),
        ("schema/monograph.schema.json", False),
    ],
)
def test_hook_runs_on_monograph_changes_only(path: str, selected: bool) -> None:
    assert bool(re.search(load(HOOKS)[0]["files"], path)) is selected


def test_repository_config_runs_ruff_mypy_and_the_check() -> None:
    repos = load(CONFIG)["repos"]
    ruff = next(repo for repo in repos if repo["repo"].endswith("/ruff-pre-commit"))
    assert [hook["id"] for hook in ruff["hooks"]] == ["ruff", "ruff-format"]
    local = {
        hook["id"]: hook for repo in repos if repo["repo"] == "local" for hook in repo["hooks"]
    }
    assert set(local) == {"clincalc-site-check", "mypy"}
    check = local["clincalc-site-check"]
    assert check["language"] == "system"
    assert check["files"] == MONOGRAPH_FILES
    assert check["pass_filenames"] is False
    assert parses_as_subcommand(check["entry"]) == "check"
    assert local["mypy"]["language"] == "system"
    assert shlex.split(local["mypy"]["entry"])[0].endswith("mypy")


def test_building_twice_leaves_the_checkout_clean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An editor runs `make site` in their checkout, again and again: the site, its spare
    folder, the lock and the build cache must never show up as files to commit."""
    git = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org"]
    subprocess.run([*git, "init", "-q", str(tmp_path)], check=True)
    shutil.copy(REPO / ".gitignore", tmp_path / ".gitignore")
    shutil.copytree(REPO / "tests" / "data" / "site" / "monographs", tmp_path / "monographs")
    for registry in ("team.yaml", "sources.yaml"):  # the people and sources the doses name
        shutil.copy(REPO / "tests" / "data" / "site" / registry, tmp_path / registry)
    subprocess.run([*git, "add", "-A"], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "content"], cwd=tmp_path, check=True)
    monkeypatch.chdir(tmp_path)

    for _ in range(2):  # the second build is a rebuild: it leaves a spare folder
        assert main(["build", "--no-search"]) == 0

    assert (tmp_path / "_site" / "index.html").is_file()
    status = subprocess.run(
        [*git, "status", "--porcelain", "--untracked-files=all", "--ignored=no"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    )
    assert status.stdout == ""
