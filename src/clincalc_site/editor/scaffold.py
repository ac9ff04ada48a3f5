"""Write the text of a new, correctly shaped draft monograph (``clincalc-site new``).

Stage: editor/ (docs/architecture.md). No I/O: the ``new``
command writes the text this module returns.

The draft passes ``clincalc-site check`` as it stands (only the ``review.draft`` note), so an
editor starts from a file that validates and replaces the ``TODO:`` hints one by one. Dosing
starts as ``re-sourcing``: a new monograph can never publish a dose by accident.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass

import yaml

from clincalc_site.content.models import RESERVED_SLUGS, SLUG_PATTERN
from clincalc_site.content.names import ascii_slug, non_ascii_letters

SCHEMA_COMMENT = "# yaml-language-server: $schema=../schema/monograph.schema.json"
MAX_SLUG_LENGTH = 100
_SLUG_RE = re.compile(SLUG_PATTERN)

# Every section, in the order of the published page, with what belongs in it. The hints are
# valid values, so the draft validates; the editor replaces each one.
_TEMPLATE = """\
{schema_comment}
# New monograph. Replace every 'TODO:' hint, then run: clincalc-site check
# Each field is described in schema/monograph.schema.json (shown on hover in VS Code).
name: {name}
drug_class: {drug_class}
specialist: {specialist}
brand_names: []  # e.g. [Imnovid]
summary: >-
  TODO: one paragraph: what the drug is and what it is used for.
dosing:
  # 're-sourcing' shows the banner instead of a dose. A verified dose needs two team members
  # and a tracked source: see "The dosing contract" in docs/content-format.md.
  status: re-sourcing
mechanism: >-
  TODO: how it works, in two or three sentences.
prescribing:
  - >-
    TODO: one bullet for each thing a prescriber must know (risks, programmes, interactions).
monitoring: >-
  TODO: what to monitor, and how often.
counselling:
  - >-
    TODO: one bullet for each thing to tell the patient.
evidence: >-
  TODO: the key trials and guidelines, in a sentence or two.
# Optional safety sections, shown after Evidence in this order: remove the '# ' to use one.
# No doses here either: they belong in the dosing block.
# contraindications: when it must not be used (SmPC section 4.3).
# cautions: when to take special care (SmPC section 4.4).
# interactions:
#   - one interaction per bullet: the other drug, the effect, what to do.
# renal_impairment: how kidney function changes its use.
# hepatic_impairment: how liver function changes its use.
# pregnancy: what the SmPC (section 4.6) advises.
# breastfeeding: what the SmPC (section 4.6) advises.
# adverse_effects: the common and the serious ones.
# formulary:  # only where site.yaml declares formulary statuses
#   status: amber
references:
  - label: SmPC
# rxcui: "1369713"  # RxNorm concept id, digits in quotes, once known
review:
  status: draft
  date: {today}
related: []  # slugs of related monographs, e.g. [lenalidomide, thalidomide]
"""


class InvalidName(ValueError):
    """Raised when a drug name (or class) cannot become a monograph; the message says why."""


@dataclass(frozen=True)
class Draft:
    """A new monograph: its file name (``<slug>.yaml``) and its text."""

    slug: str
    text: str

    @property
    def file_name(self) -> str:
        return f"{self.slug}.yaml"


def slugify(name: str) -> str:
    """Turn a drug name into a file-name slug: ``Co-amoxiclav 500/125`` -> ``co-amoxiclav-500-125``.

    Raises:
        InvalidName: the name has no letters or digits, or has a letter with no ASCII form
            (``β``): the slug would silently lose it, so the editor spells it out instead.
    """
    foreign = non_ascii_letters(name)
    if foreign:
        letters = ", ".join(f"'{ch}'" for ch in foreign)
        raise InvalidName(
            f"cannot make a file name from {name!r}: {letters} has no plain-letter form; "
            "spell it out as the INN does (e.g. 'beta', 'alfa')"
        )
    slug = ascii_slug(name)
    if not slug:
        raise InvalidName(f"cannot make a file name from {name!r}: it has no letters or digits")
    if len(slug) > MAX_SLUG_LENGTH:
        raise InvalidName(f"the name is too long for a file name (over {MAX_SLUG_LENGTH} letters)")
    if slug in RESERVED_SLUGS:
        raise InvalidName(
            f"{slug}.yaml is a device name that Windows reserves; lengthen the name "
            f"(e.g. '{name} tablets')"
        )
    assert _SLUG_RE.match(slug), slug  # the substitution above can only produce a valid slug
    return slug


def clean_text(value: str, what: str) -> str:
    """Trim a one-line value given on the command line and refuse what cannot be a title.

    Raises:
        InvalidName: the value is empty or holds control or invisible characters.
    """
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if not text:
        raise InvalidName(f"the {what} is empty")
    hidden = sorted({ch for ch in text if unicodedata.category(ch)[0] == "C"})
    if hidden:
        codes = ", ".join(f"U+{ord(ch):04X}" for ch in hidden)
        raise InvalidName(f"the {what} contains control or invisible characters ({codes})")
    return text


def yaml_scalar(text: str) -> str:
    """Write ``text`` as a YAML scalar: plain when it reads back unchanged, else double-quoted."""
    try:
        plain_reads_back = yaml.safe_load(f"value: {text}") == {"value": text}
    except yaml.YAMLError:
        plain_reads_back = False
    if plain_reads_back:
        return text
    # A JSON string is a valid YAML double-quoted scalar (YAML 1.2 is a superset of JSON).
    return json.dumps(text, ensure_ascii=False)


def render_draft(name: str, drug_class: str, *, specialist: bool, today: dt.date) -> Draft:
    """Build the draft monograph for ``name``, reviewed ``today`` with status draft.

    Raises:
        InvalidName: the name or class cannot be used (see ``slugify`` and ``clean_text``).
    """
    title = clean_text(name, "drug name")
    slug = slugify(title)
    text = _TEMPLATE.format(
        schema_comment=SCHEMA_COMMENT,
        name=yaml_scalar(title),
        drug_class=yaml_scalar(clean_text(drug_class, "drug class")),
        specialist="true" if specialist else "false",
        today=today.isoformat(),
    )
    return Draft(slug, text)
