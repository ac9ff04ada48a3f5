"""The README's examples work as written, typed into a shell after its set-up command.

Each ``sh`` block of the two sections editors and adopting teams copy from is run line by
line in a copy of what it touches, with ``clincalc-site`` on PATH as ``make site`` leaves it
(``. .venv/bin/activate``). Installing the wheel is what tests/e2e/test_installed_wheel.py
does; ``serve`` is started and asked for a page.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
SECTIONS = ("## For editors, end to end", "## Your own formulary, without forking")


def block(heading: str) -> list[str]:
    """The shell lines of the first ``sh`` block under ``heading``, comments removed."""
    section = README[README.index(heading) :]
    found = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert found is not None, heading
    lines = [shlex.split(line, comments=True) for line in found.group(1).splitlines()]
    return [shlex.join(words) for words in lines if words]


def environment() -> dict[str, str]:
    """A shell after `. .venv/bin/activate`: the test environment's scripts first on PATH."""
    env = {k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH", "PYTHONPATH")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_answers(cwd: Path) -> None:
    port = free_port()
    server = subprocess.Popen(
        ["clincalc-site", "serve", "--port", str(port)], cwd=cwd, env=environment(),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline, page = time.monotonic() + 30, ""
        while time.monotonic() < deadline and "</html>" not in page:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
                    page = answer.read().decode("utf-8")
            except OSError:
                time.sleep(0.3)
        assert "</html>" in page
    finally:
        server.terminate()
        server.wait(timeout=10)


def run_lines(lines: list[str], cwd: Path) -> None:
    for line in lines:
        words = shlex.split(line)
        if words[:2] == [".", ".venv/bin/activate"] or words[:2] == ["pip", "install"]:
            continue  # done by environment(); the wheel: test_installed_wheel.py
        if words[0] == "cd":
            cwd = cwd / words[1]
            continue
        if words[1:2] == ["serve"]:
            serve_answers(cwd)
            continue
        done = subprocess.run(
            line, shell=True, cwd=cwd, env=environment(), capture_output=True, text=True,
            timeout=300, check=False,
        )  # fmt: skip
        assert done.returncode == 0, f"{line}\n{done.stdout}{done.stderr}"


@pytest.mark.slow
def test_the_editors_examples_work_in_this_repository(tmp_path: Path) -> None:
    for name in ("monographs", "schema"):
        shutil.copytree(REPO / name, tmp_path / name)
    shutil.copy2(REPO / "site.yaml", tmp_path / "site.yaml")

    run_lines(block(SECTIONS[0]), tmp_path)

    assert (tmp_path / "monographs" / "clarithromycin.yaml").is_file()


@pytest.mark.slow
def test_the_adoption_example_builds_a_team_site(tmp_path: Path) -> None:
    lines = block(SECTIONS[1])
    assert any(line.startswith("pip install ") for line in lines)

    run_lines(lines, tmp_path)

    site = tmp_path / "northshire-formulary" / "_site"
    assert (site / "drugs" / "irbesartan" / "index.html").is_file()
    assert (site / "sitemap.xml").is_file()
