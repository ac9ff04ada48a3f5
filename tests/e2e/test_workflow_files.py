"""CI and pre-commit files: they parse, run the README's commands, and name real subcommands."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from clincalc_site.cli import build_parser, main

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
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
    # annotations even when the tests fail, on pull requests only
    assert annotate["if"] == "github.event_name == 'pull_request' && (success() || failure())"


PINNED = re.compile(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40}$")


def all_uses() -> list[str]:
    return [
        step["uses"]
        for job in workflow()["jobs"].values()
        for step in job["steps"]
        if "uses" in step
    ]


@pytest.mark.parametrize("job", ["test", "build"])
def test_python_setup_without_a_shared_cache(job: str) -> None:
    actions = {name.partition("@")[0]: value for name, value in uses(job).items()}
    assert actions["actions/checkout"].get("persist-credentials") is False
    # No pip cache: the deploy job must not restore what another run could have written.
    assert actions["actions/setup-python"] == {"python-version": "3.11"}


def test_every_action_is_pinned_to_a_commit() -> None:
    assert all_uses()
    assert [name for name in all_uses() if not PINNED.match(name)] == []
    text = WORKFLOW.read_text(encoding="utf-8")
    assert len(re.findall(r"@[0-9a-f]{40} # v\d+\.\d+\.\d+$", text, re.MULTILINE)) == len(
        all_uses()
    )  # each pin says which release it is


def test_tests_run_before_anything_is_deployed() -> None:
    jobs = workflow()["jobs"]
    assert "if" not in jobs["test"]  # pushes to main run the tests too
    assert jobs["build"]["needs"] == "test"
    assert jobs["deploy"]["needs"] == "build"
    assert "make test" in run_lines("test")


def test_pushes_to_main_run_one_after_another() -> None:
    """Test, build and deploy of one push in one group, never cancelled midway: two quick
    pushes cannot deploy the older site last."""
    concurrency = workflow()["concurrency"]
    group, cancel = concurrency["group"], concurrency["cancel-in-progress"]
    assert group == "${{ github.event_name == 'push' && 'pages' || format('pr-{0}', github.ref) }}"
    assert cancel == "${{ github.event_name == 'pull_request' }}"
    assert all("concurrency" not in job for job in workflow()["jobs"].values())


def test_every_job_has_a_timeout() -> None:
    for name, job in workflow()["jobs"].items():
        assert 0 < job["timeout-minutes"] <= 30, name


def test_workflow_is_valid_for_github() -> None:
    """GitHub's workflow schema, as check-jsonschema ships it (no network needed)."""
    result = subprocess.run(
        [str(VENV_BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
         str(WORKFLOW)],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_no_security_problem_in_the_workflow() -> None:
    result = subprocess.run(
        [str(VENV_BIN / "zizmor"), "--offline", "--no-progress", str(WORKFLOW)],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings" in result.stdout + result.stderr


def test_main_builds_strictly_and_deploys_to_pages() -> None:
    jobs = workflow()["jobs"]
    assert "github.event_name == 'push'" in jobs["build"]["if"]
    [build_step] = [step for step in steps("build") if step.get("run", "").startswith("make")]
    build = build_step["run"]
    assert build.startswith("make site BUILD_FLAGS=")
    flags = shlex.split(build)[2].removeprefix("BUILD_FLAGS=")
    # The address comes in through the environment, never pasted into the script.
    assert flags == "--strict --base-url $BASE_URL"
    assert build_step["env"] == {"BASE_URL": "${{ steps.pages.outputs.base_url }}"}
    args = build_parser().parse_args(
        ["build", *flags.replace("$BASE_URL", "https://o.test/r").split()]
    )
    assert (args.strict, args.base_url) == (True, "https://o.test/r")
    actions = {name.partition("@")[0]: value for name, value in uses("build").items()}
    assert "actions/configure-pages" in actions
    assert actions["actions/upload-pages-artifact"] == {"path": "_site"}
    deploy = jobs["deploy"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert [step["uses"].partition("@")[0] for step in deploy["steps"]] == ["actions/deploy-pages"]
    assert workflow()["permissions"] == {"contents": "read"}


def locked(path: Path) -> dict[str, str]:
    """Package -> version pinned in a requirements lock file (every pin must carry hashes)."""
    text = path.read_text(encoding="utf-8")
    pins = dict(re.findall(r"^([a-z0-9][a-z0-9._-]*)==(\S+)", text, re.MULTILINE))
    blocks = re.split(r"\n(?=[a-z0-9])", text.split("\n", 2)[2])
    assert all("--hash=sha256:" in block for block in blocks if "==" in block), path
    return pins


def test_dependencies_are_locked_with_hashes_and_agree() -> None:
    build, test = (
        locked(REPO / "requirements" / "build.txt"),
        locked(REPO / "requirements" / "test.txt"),
    )
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = [re.split(r"[\[<>=!~ ]", d)[0].lower() for d in project["dependencies"]]
    assert set(names) <= set(build), "run `make lock` after changing pyproject.toml"
    extras = [
        re.split(r"[\[<>=!~ ]", d)[0].lower() for d in project["optional-dependencies"]["test"]
    ]
    assert set(extras) <= set(test), "run `make lock` after changing pyproject.toml"
    assert {name: test[name] for name in build} == build  # one version of each, everywhere
    assert "pytest" not in build and "playwright" not in build  # the deploy installs no tests


def test_make_installs_from_the_lock_files_after_the_system_packages() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert "--require-hashes -r requirements/build.txt" in makefile.partition("$(BUILD_STAMP):")[2]
    assert "--require-hashes -r requirements/test.txt" in makefile.partition("$(TEST_STAMP):")[2]
    assert re.search(r"^site: \$\(BUILD_STAMP\)$", makefile, re.MULTILINE)
    # The venv is made only after the system packages (python3-venv) are there.
    assert re.search(r"^\$\(PY\): \| system-deps-site$", makefile, re.MULTILINE)
    assert re.search(r"^test: system-deps-test ", makefile, re.MULTILINE)
    script = (REPO / "scripts" / "ensure-system-deps.sh").read_text(encoding="utf-8")
    for package in ("python3-venv", "git", "chromium", "default-jre-headless", "nodejs npm"):
        assert package in script


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
