"""What ``clincalc-site init`` writes: a formulary team's own repository, ready to build.

Stage: editor/ (docs/architecture.md). ``starter_files`` is pure (path -> text); the command
writes them, never over a file that exists.
"""

from __future__ import annotations

import json
import textwrap
from importlib import metadata

from clincalc_site.site.settings import SETTINGS_FILE, SiteSettings

EXAMPLE_SLUG = "irbesartan"
# Shown commented out in site.yaml: what a team might write (fictitious trust).
_EXAMPLES = {
    "organisation": "Northshire NHS Trust Pharmacy",
    "banner_name": "Northshire Pharmacy",
    "base_url": "https://formulary.northshire.nhs.uk/",
    "logo": "logo.svg",
    "brand_colour": '"#1d5c8f"',
    "footer": "Questions? Contact [medicines information](https://intranet.example.nhs.uk/mi).",
    "report_problem": "mailto:formulary@northshire.nhs.uk",
    "publish_drafts": "false",
    "language": "en-GB",
}
_FORMULARY_EXAMPLE = """\
# formulary:
#   note: Statuses approved by our Drug and Therapeutics Committee.
#   statuses:
#     - id: red
#       label: Red — specialist only
#       meaning: Prescribed and supplied only by the specialist service.
#       colour: "#b42318"
#     - id: green
#       label: Green
#       meaning: Any prescriber may start and continue it.
#       colour: "#067647"
#   flags:
#     - id: shared-care
#       label: Shared care
#       meaning: Continued in primary care under an agreed shared care protocol."""
# Checked against the Aprovel SmPC (section 4.1 indications, 5.1 mechanism); a draft, so
# every page built from it carries the re-sourcing banner and no dose.
_EXAMPLE_MONOGRAPH = """\
# An example draft: replace it with your own monographs
# (clincalc-site new "Drug name" --class "Drug class").
name: Irbesartan
drug_class: Angiotensin II receptor blocker
brand_names: [Aprovel]
summary: >-
  Irbesartan is an angiotensin II receptor blocker used in adults for essential hypertension
  and for renal disease in patients with hypertension and type 2 diabetes.
mechanism: >-
  It selectively blocks the angiotensin II type 1 (AT1) receptor, opposing the effects of
  angiotensin II on vascular tone and aldosterone release.
references:
  - label: Aprovel SmPC
review:
  status: draft
  date: {today}
"""
_TEAM = """\
# team.yaml: the people who prepare and verify doses (docs/content-format.md, "The two
# registries"). A verified dose names two different people from this list; the one who
# verifies it must have 'verifier: true'. For example:
#
# people:
#   - id: asmith
#     name: A. Smith, MPharm
#     role: Formulary pharmacist
#     verifier: true
people: []
"""
_SOURCES = """\
# sources.yaml: the documents doses are checked against, by id, each with the latest revision
# your team knows of (for an SmPC, its "date of revision of the text"). Raising a revision
# holds back every dose checked against an earlier one until it is verified again.
# For example:
#
# aprovel-smpc:
#   title: Aprovel 150 mg film-coated tablets — SmPC
#   url: https://www.medicines.org.uk/emc/...
#   revision: 2025-01-31
{}
"""
_GITIGNORE = """\
# What clincalc-site build leaves beside your content: the site and its working folder.
_site/
.clincalc/
# Folders a build uses for a moment while it publishes (left only if it was killed).
.*.tmp-*/
.*.old-*/
"""
_PRE_COMMIT = """\
# pre-commit (https://pre-commit.com): `pre-commit install` once, then every commit is
# checked first. Each problem is shown at file:line:column with how to fix it.
repos:
  - repo: local
    hooks:
      - id: clincalc-site-check
        name: clincalc-site check
        entry: clincalc-site check --strict
        language: system
        files: ^(monographs/.*\\.ya?ml|site\\.yaml|team\\.yaml|sources\\.yaml)$
        # One file can break another (related links, names): check them all every time.
        pass_filenames: false
"""
_WORKFLOW = """\
# Checks every pull request, and publishes the formulary to GitHub Pages from main.
# In the repository's Settings > Pages, choose "GitHub Actions" as the source.
name: formulary
on:
  push:
    branches: [main]
  pull_request:
  workflow_dispatch:
permissions:
  contents: read
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with:
          persist-credentials: false
      - uses: actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065 # v5.6.0
        with:
          python-version: "3.11"
      - run: pip install -r requirements.txt
      # Every problem as an annotation on the changed line; warnings fail the check.
      - run: clincalc-site check --strict --format github
  publish:
    if: github.event_name != 'pull_request' && github.ref == 'refs/heads/main'
    needs: check
    runs-on: ubuntu-latest
    # One publication at a time, each finished: a newer merge waits for the one before.
    concurrency:
      group: pages
      cancel-in-progress: false
    permissions:
      contents: read
      pages: write
      id-token: write
    environment:
      name: github-pages
      url: ${{{{ steps.deploy.outputs.page_url }}}}
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with:
          fetch-depth: 0  # each page shows its monograph's history of changes
          persist-credentials: false
      - uses: actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065 # v5.6.0
        with:
          python-version: "3.11"
      - run: pip install -r requirements.txt
      - id: pages
        uses: actions/configure-pages@983d7736d9b0ae728b81ab479565c72886d7745b # v5.0.0
      # --strict: a warning fails the build and nothing is published.{base_url_note}
      - run: clincalc-site build --strict{base_url_flag}{base_url_env}
      - uses: actions/upload-pages-artifact@56afc609e74202658d3ffba0e8f6dda462b719fa # v3.0.1
        with:
          path: _site
      - id: deploy
        uses: actions/deploy-pages@d6db90164ac5ed86f2b6aed7e0febac5b3c0c03e # v4.0.5
"""
_README = """\
# {name}

The drug monographs of {name}, published as a website with clincalc-site.
One YAML file per drug in
`monographs/`; every change is checked, and the site is rebuilt and published when it
reaches `main`.

## Set up once

```sh
python3 -m venv .venv && . .venv/bin/activate
pip install -r requirements.txt
```

## Everyday work

- Start a new monograph (writes `monographs/drug-name.yaml`):
  `clincalc-site new "Drug name" --class "Drug class"`
- Check your changes, every problem with its line and a fix: `clincalc-site check`, or
  one file: `clincalc-site check monographs/drug-name.yaml`
- See the site in your browser as you edit: `clincalc-site serve`
- Build the site into `_site/` as CI will: `clincalc-site build --strict`

A dose is published only when it is verified: structured, checked by a second person named
in `team.yaml` against a revision of a document in `sources.yaml`, on a clinician-reviewed
monograph. Every other page shows the re-sourcing banner.

## Your settings and look

- `site.yaml`: name, organisation, address, logo, colour, footer, "report a problem"
  address; every setting is explained in the file.
- `templates/` and `static/` (create them when needed): a file here replaces the
  packaged one of the same name, e.g. `static/site.css`. The dosing banner cannot be
  removed this way.
"""


def _comment(text: str, width: int = 88) -> list[str]:
    return [f"# {line}" for line in textwrap.wrap(text, width - 2)]


def settings_file(name: str, base_url: str | None) -> str:
    """``site.yaml`` with every setting explained; the name (and address) filled in."""
    values = {"site_name": json.dumps(name, ensure_ascii=False)}
    if base_url is not None:
        values["base_url"] = base_url
    lines = [
        "# site.yaml: the settings of the whole site (docs/site-settings.md of clincalc-site).",
        "# Remove the '# ' before a setting to use it. Run `clincalc-site check` after a change.",
    ]
    for field, info in SiteSettings.model_fields.items():
        lines.append("")
        lines.extend(_comment(info.description or field))
        if field in values:
            lines.append(f"{field}: {values[field]}")
        elif field == "formulary":
            lines.extend(_FORMULARY_EXAMPLE.splitlines())
        else:
            lines.append(f"# {field}: {_EXAMPLES.get(field, '')}".rstrip())
    if base_url is None:
        lines[1:1] = [
            "# base_url is not set yet: `clincalc-site build --strict` asks for it, and the",
            "# GitHub Pages workflow gives it with --base-url.",
        ]
    return "\n".join(lines) + "\n"


def requirement() -> str:
    """The requirements line that installs this version of clincalc-site again (in CI)."""
    try:
        version = metadata.version("clincalc-site")
        direct = metadata.distribution("clincalc-site").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return "clincalc-site\n"
    found = json.loads(direct) if direct else {}
    vcs = found.get("vcs_info")
    if vcs and str(found.get("url", "")).startswith("https://"):
        return f"clincalc-site @ git+{found['url']}@{vcs.get('commit_id', '')}\n"
    return (
        "# The version this repository was made with. If your team installs clincalc-site\n"
        "# from somewhere else (a git address, a wheel kept in this repository), write that.\n"
        f"clincalc-site=={version}\n"
    )


def starter_files(name: str, base_url: str | None, today: str) -> dict[str, str]:
    """Every file of a new formulary repository, by path relative to its folder."""
    # The address reaches the script through the environment, never pasted into it.
    flag = "" if base_url else ' --base-url "$BASE_URL/"'
    env = (
        ""
        if base_url
        else "\n        env:\n          BASE_URL: ${{ steps.pages.outputs.base_url }}"
    )
    note = (
        ""
        if base_url
        else "\n      # The address is the one GitHub Pages gives the site; to use your own domain,"
        "\n      # set base_url in site.yaml and remove --base-url here."
    )
    return {
        SETTINGS_FILE: settings_file(name, base_url),
        f"monographs/{EXAMPLE_SLUG}.yaml": _EXAMPLE_MONOGRAPH.format(today=today),
        "team.yaml": _TEAM,
        "sources.yaml": _SOURCES,
        ".gitignore": _GITIGNORE,
        ".pre-commit-config.yaml": _PRE_COMMIT,
        ".github/workflows/formulary.yml": _WORKFLOW.format(
            base_url_flag=flag, base_url_note=note, base_url_env=env
        ),
        "requirements.txt": requirement(),
        "README.md": _README.format(name=name),
    }
