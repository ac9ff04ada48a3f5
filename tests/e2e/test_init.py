"""``clincalc-site init``: a formulary team's own repository, ready to build and publish.

The starter must build with --strict at once (the build CI publishes), never overwrite a
team's file, and carry CI and pre-commit files that run real subcommands.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from clincalc_site import cli
from clincalc_site.cli import build_parser
from clincalc_site.site.settings import SiteSettings, load_settings

ADDRESS = "https://formulary.northshire.nhs.uk/"


@pytest.fixture(autouse=True)
def in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)


def test_a_new_repository_builds_strict_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["init", "northshire-formulary", "--base-url", ADDRESS]) == 0
    out = capsys.readouterr().out
    assert "created site.yaml" in out and "next: cd northshire-formulary && " in out
    team = tmp_path / "northshire-formulary"
    assert cli.main(["check", "--strict", "--content", str(team / "monographs")]) == 0

    assert cli.main(["build", "--no-search", "--strict", "--content", str(team / "monographs"),
                     "--out", str(team / "_site")]) == 0  # fmt: skip

    page = (team / "_site" / "drugs" / "irbesartan" / "index.html").read_text("utf-8")
    assert "<title>Irbesartan — Northshire Formulary</title>" in page
    assert "Dosing — being independently re-sourced" in page
    assert f'<link rel="canonical" href="{ADDRESS}drugs/irbesartan/">' in page


def test_site_yaml_explains_every_setting_and_sets_only_the_name_and_address(
    tmp_path: Path,
) -> None:
    assert cli.main(["init", "--name", "Northshire Formulary", "--base-url", ADDRESS]) == 0

    text = (tmp_path / "site.yaml").read_text("utf-8")
    for field, info in SiteSettings.model_fields.items():
        assert f"\n{field}: " in text or f"\n# {field}:" in text, field
        assert (info.description or "")[:40].rsplit(" ", 1)[0] in " ".join(text.split())
    assert yaml.safe_load(text) == {"site_name": "Northshire Formulary", "base_url": ADDRESS}


def test_without_an_address_it_says_what_to_do_and_the_workflow_supplies_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["init"]) == 0

    assert "set base_url in site.yaml before `clincalc-site build --strict`" in (
        capsys.readouterr().out
    )
    assert "base_url" not in (yaml.safe_load((tmp_path / "site.yaml").read_text()) or {})
    workflow = (tmp_path / ".github" / "workflows" / "formulary.yml").read_text()
    assert '--base-url "$BASE_URL/"' in workflow
    assert "BASE_URL: ${{ steps.pages.outputs.base_url }}" in workflow
    assert cli.main(["build", "--no-search", "--strict"]) == 1  # it asks for the address
    assert cli.main(["build", "--no-search", "--strict", "--base-url", ADDRESS]) == 0


def test_it_never_overwrites_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "README.md").write_text("# Our formulary\n", encoding="utf-8")
    (tmp_path / ".gitignore").write_text("*.pyc\n", encoding="utf-8")

    assert cli.main(["init", "--base-url", ADDRESS]) == 0
    first = capsys.readouterr().out
    assert cli.main(["init", "--base-url", "https://other.nhs.uk/"]) == 0
    second = capsys.readouterr().out

    assert (tmp_path / "README.md").read_text() == "# Our formulary\n"
    assert "kept README.md (it exists; not overwritten)" in first
    assert "add to your .gitignore: _site/ .clincalc/" in first
    assert "created" not in second and ADDRESS in (tmp_path / "site.yaml").read_text()


def test_an_unusable_address_is_a_usage_error_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["init", "--base-url", "formulary.nhs.uk"]) == 2

    assert "base_url" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def workflow(folder: Path) -> dict[str, Any]:
    data: dict[Any, Any] = yaml.safe_load(
        (folder / ".github" / "workflows" / "formulary.yml").read_text()
    )
    data["on"] = data.pop(True)  # YAML 1.1 reads the key `on` as true; GitHub as "on"
    return data


def test_the_workflow_and_pre_commit_run_real_subcommands(tmp_path: Path) -> None:
    assert cli.main(["init"]) == 0
    flow = workflow(tmp_path)
    config = yaml.safe_load((tmp_path / ".pre-commit-config.yaml").read_text())

    commands = [step["run"] for job in flow["jobs"].values() for step in job["steps"]
                if "run" in step and step["run"].startswith("clincalc-site")]  # fmt: skip
    [hook] = config["repos"][0]["hooks"]
    commands.append(hook["entry"])

    assert {"push", "pull_request"} <= set(flow["on"])
    assert flow["jobs"]["publish"]["needs"] == "check"
    for command in commands:
        words = shlex.split(command)
        assert build_parser().parse_args(words[1:]).command in {"check", "build"}, command
    assert any("--strict" in c and "build" in c for c in commands)


@pytest.mark.parametrize("address", [[], ["--base-url", ADDRESS]], ids=["from-pages", "own"])
def test_the_workflow_is_valid_for_github_and_has_no_security_findings(
    tmp_path: Path, address: list[str]
) -> None:
    assert cli.main(["init", *address]) == 0
    flow = tmp_path / ".github" / "workflows" / "formulary.yml"
    tools = Path(sys.executable).parent

    schema = subprocess.run(
        [str(tools / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
         str(flow)], capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    audit = subprocess.run(
        [str(tools / "zizmor"), "--offline", "--no-progress", str(flow)],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip

    assert schema.returncode == 0, schema.stdout + schema.stderr
    assert audit.returncode == 0 and "No findings" in audit.stdout + audit.stderr, audit.stdout


def test_the_commented_formulary_example_is_valid_once_uncommented(tmp_path: Path) -> None:
    assert cli.main(["init", "--base-url", ADDRESS]) == 0
    lines = (tmp_path / "site.yaml").read_text("utf-8").splitlines()
    start = lines.index("# formulary:")
    block = [line[2:] for line in lines[start:] if line.startswith("# ") or line == "#"]
    example = "\n".join(block[: next(i for i, b in enumerate(block[1:], 1) if not b[:1].isspace())])
    (tmp_path / "site.yaml").write_text(f"base_url: {ADDRESS}\n{example}\n", encoding="utf-8")

    settings, problems = load_settings(tmp_path / "site.yaml")

    assert problems == [] and settings.formulary is not None
    assert [s.id for s in settings.formulary.statuses] == ["red", "green"]
