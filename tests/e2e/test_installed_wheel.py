"""The tool as a formulary team installs it: a wheel, a fresh virtual environment, and a
folder that holds only content (no templates/, no static/ beside it).

The wheel is built from a copy of the files packaging reads, so nothing is written into the
checkout. The fresh environment gets the wheel and nothing else of this project; the
libraries it depends on come from the test environment through a path file (a site-packages
path, not its editable install of clincalc-site), which keeps the test offline and quick.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGING = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "src", "templates", "static")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``clincalc-site`` command of a fresh environment with only the built wheel."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"
    for name in PACKAGING:
        if (REPO / name).is_dir():
            shutil.copytree(
                REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    wheels = root / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels), "."],
        cwd=source, check=True, capture_output=True,
    )  # fmt: skip
    [wheel] = wheels.glob("clincalc_site-*.whl")
    env_dir = root / "env"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--quiet", str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    site_packages = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    libraries = sysconfig.get_paths()["purelib"]  # the test environment's
    (Path(site_packages) / "libraries-of-the-test-environment.pth").write_text(libraries + "\n")
    return env_dir / "bin" / "clincalc-site"


@pytest.fixture()
def content_only(tmp_path: Path) -> Path:
    folder = tmp_path / "formulary"
    shutil.copytree(REPO / "monographs", folder / "monographs")
    shutil.copy2(REPO / "site.yaml", folder / "site.yaml")  # its formulary vocabulary
    return folder


def run(command: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key != "SOURCE_DATE_EPOCH"}
    environment.pop("PYTHONPATH", None)
    return subprocess.run(
        [str(command), *args], cwd=cwd, capture_output=True, text=True, env=environment,
        timeout=120, check=False,
    )  # fmt: skip


def test_the_installed_package_is_the_wheel_not_the_checkout(installed: Path) -> None:
    python = installed.parent / "python"
    where = subprocess.run(
        [str(python), "-c", "import clincalc_site; print(clincalc_site.__file__)"],
        capture_output=True, text=True, check=True, cwd="/",
    ).stdout  # fmt: skip
    assert str(installed.parents[1]) in where and str(REPO) not in where


def test_build_and_check_work_in_a_folder_that_holds_only_content(
    installed: Path, content_only: Path
) -> None:
    built = run(installed, "build", "--no-search", cwd=content_only)

    assert built.returncode == 0, built.stdout + built.stderr
    site = content_only / "_site"
    page = (site / "drugs" / "pomalidomide" / "index.html").read_text(encoding="utf-8")
    assert "Pomalidomide" in page and "Dosing — being independently re-sourced" in page
    assert (site / "static" / "site.css").is_file()  # the packaged static files
    checked = run(installed, "check", cwd=content_only)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_new_and_schema_work_from_the_installed_package(
    installed: Path, content_only: Path
) -> None:
    made = run(installed, "new", "Testamol", "--class", "Test class", cwd=content_only)
    schema = run(installed, "schema", cwd=content_only)

    assert made.returncode == 0, made.stderr
    assert (content_only / "monographs" / "testamol.yaml").is_file()
    assert schema.returncode == 0 and '"$defs"' in schema.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_shows_the_site_from_the_installed_package(
    installed: Path, content_only: Path
) -> None:
    port = free_port()
    environment = {key: value for key, value in os.environ.items() if key != "SOURCE_DATE_EPOCH"}
    environment.pop("PYTHONPATH", None)
    server = subprocess.Popen(
        [str(installed), "serve", "--port", str(port)], cwd=content_only, env=environment,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        page = ""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "Pomalidomide" not in page:
            try:
                url = f"http://127.0.0.1:{port}/drugs/pomalidomide/"
                with urllib.request.urlopen(url, timeout=5) as response:
                    page = response.read().decode("utf-8")
            except OSError:
                time.sleep(0.3)
        assert "Pomalidomide" in page
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_team_adopts_it_init_build_strict_then_override_a_template_and_a_stylesheet(
    installed: Path, tmp_path: Path
) -> None:
    """The adoption path of docs/ci.md: init, a strict build at once (with search, as CI
    builds it), then the team's own footer template and stylesheet in the published site."""
    made = run(
        installed, "init", "northshire", "--base-url", "https://formulary.northshire.nhs.uk/",
        cwd=tmp_path,
    )  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    team = tmp_path / "northshire"

    built = run(installed, "build", "--strict", cwd=team)

    assert built.returncode == 0, built.stdout + built.stderr
    site = team / "_site"
    assert "<title>Irbesartan — Northshire</title>" in (
        site / "drugs" / "irbesartan" / "index.html"
    ).read_text(encoding="utf-8")
    assert "https://formulary.northshire.nhs.uk/drugs/irbesartan/" in (
        site / "sitemap.xml"
    ).read_text(encoding="utf-8")
    assert (site / "pagefind").is_dir()

    packaged = installed.parents[1].glob("lib/python*/site-packages/clincalc_site/defaults")
    [defaults] = list(packaged)
    base = (defaults / "templates" / "base.html").read_text(encoding="utf-8")
    (team / "templates").mkdir()
    (team / "templates" / "base.html").write_text(
        base.replace("</footer>", "<p>Northshire ward edition</p>\n</footer>"), encoding="utf-8"
    )
    (team / "static").mkdir()
    (team / "static" / "print.css").write_text("body { font-size: 11pt; }\n", encoding="utf-8")

    rebuilt = run(installed, "build", "--strict", cwd=team)

    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    page = (site / "drugs" / "irbesartan" / "index.html").read_text(encoding="utf-8")
    assert "<p>Northshire ward edition</p>" in page
    assert "Dosing — being independently re-sourced" in page
    assert (site / "static" / "print.css").read_text() == "body { font-size: 11pt; }\n"
    assert (site / "static" / "site.css").read_bytes() == (
        defaults / "static" / "site.css"
    ).read_bytes()
    ignored = (team / ".gitignore").read_text(encoding="utf-8").split()
    leftovers = {p.name for p in team.iterdir()} - {
        "site.yaml", "monographs", "team.yaml", "sources.yaml", ".gitignore", ".github",
        ".pre-commit-config.yaml", "requirements.txt", "README.md", "templates", "static",
    }  # fmt: skip
    assert leftovers == {"_site", ".clincalc"} and {"_site/", ".clincalc/"} <= set(ignored)
