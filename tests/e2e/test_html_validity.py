"""The fixture site's pages are valid HTML5, checked by the Nu Html Checker (vnu.jar).

``make test`` installs both Java (scripts/ensure-system-deps.sh) and the checker (``npm ci``);
the test skips, saying why, only when one of them is missing.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from dose_fixtures import FULL_MONOGRAPH, FULL_SITE_YAML, write_registry
from sitetools import REPO_ROOT, build, build_fixture_site, copy_fixture_site

VNU_JAR = REPO_ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
PAGES = [
    "index.html",  # home, A–Z
    "classes/index.html",
    "classes/beta-blocker/index.html",
    "drugs/bisoprolol/index.html",  # verified dose table
    "drugs/betaxolol/index.html",  # re-sourcing banner, unicode name
    "drugs/atenolol/index.html",  # overdue notice, editor markup shown as text
    "drugs/warfarin/index.html",  # every optional section empty
    "drugs/lenalidomide/index.html",  # summary written as two blocks
    "404.html",
]


# Every branding setting at once (site.yaml; docs/site-settings.md).
BRANDING = """\
organisation: Northshire NHS Trust Pharmacy
logo: crest.svg
brand_colour: "#1d5c8f"
footer: "Questions? Ask [medicines information](https://mi.northshire.nhs.uk/). <b>x</b>"
report_problem: mailto:formulary@northshire.nhs.uk
"""


def branded_site(root: Path) -> Path:
    content = copy_fixture_site(root / "site")
    settings = content.parent / "site.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + BRANDING, encoding="utf-8")
    (content.parent / "static").mkdir()
    (content.parent / "static" / "crest.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>\n', encoding="utf-8"
    )
    report = build(content, root / "_site")
    assert not report.failed, [d.format_text() for d in report.diagnostics]
    return root / "_site"


def full_site(root: Path) -> Path:
    """A verified dose, every safety section and a formulary status (dose_fixtures)."""
    content = root / "site" / "monographs"
    content.mkdir(parents=True)
    write_registry(content.parent)
    (content.parent / "site.yaml").write_text(FULL_SITE_YAML, encoding="utf-8")
    (content / "pomalidomide.yaml").write_text(FULL_MONOGRAPH, encoding="utf-8")
    report = build(content, root / "_site")
    assert not report.failed, [d.format_text() for d in report.diagnostics]
    return root / "_site"


@pytest.mark.parametrize("branded", [False, True], ids=["packaged", "branded"])
def test_pages_are_valid_html5(tmp_path: Path, branded: bool) -> None:
    java = shutil.which("java")
    if java is None:
        pytest.skip("java is not installed (make test installs it: scripts/ensure-system-deps.sh)")
    if not VNU_JAR.is_file():
        pytest.skip(f"{VNU_JAR.relative_to(REPO_ROOT)} is missing (make test runs npm ci)")
    site = branded_site(tmp_path) if branded else build_fixture_site(tmp_path)
    files = [str(site / page) for page in PAGES]

    result = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--errors-only", *files],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    messages = (result.stdout + result.stderr).replace(f"file:{site}/", "").strip()
    assert result.returncode == 0, f"vnu found errors:\n{messages}"


def test_pages_with_every_section_and_a_formulary_status_are_valid_html5(tmp_path: Path) -> None:
    java = shutil.which("java")
    if java is None:
        pytest.skip("java is not installed (make test installs it: scripts/ensure-system-deps.sh)")
    if not VNU_JAR.is_file():
        pytest.skip(f"{VNU_JAR.relative_to(REPO_ROOT)} is missing (make test runs npm ci)")
    site = full_site(tmp_path)
    pages = ["drugs/pomalidomide/index.html", "formulary-status/index.html", "index.html"]

    result = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--errors-only", *(str(site / page) for page in pages)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip

    messages = (result.stdout + result.stderr).replace(f"file:{site}/", "").strip()
    assert result.returncode == 0, f"vnu found errors:\n{messages}"
