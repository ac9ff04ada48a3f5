"""What the cache's page keys and the compiled-template cache rest on."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from clincalc_site.content.history import Change, MonographVersion
from clincalc_site.render.rendering import PageLinks
from clincalc_site.render.templates import compiled_templates_cache, make_environment
from clincalc_site.site.assembly import RelatedLink


def test_page_links_identity_holds_every_field() -> None:
    """A page key hashes ``identity()``; a field it left out would let a stale page stand."""
    links = PageLinks(
        "/classes/anticoagulants/",
        (RelatedLink("apixaban", "Apixaban", True), RelatedLink("heparin", "Heparin", False)),
        (Change("2026-11-20", "Summary revised"),),
        MonographVersion(4, "2026-11-20", "b" * 40),
    )
    assert links.identity() == dataclasses.astuple(links)
    assert [f.name for f in dataclasses.fields(PageLinks)] == [
        "class_url",
        "related",
        "changes",
        "version",
    ]
    assert PageLinks("/classes/x/", ()).identity() == dataclasses.astuple(
        PageLinks("/classes/x/", ())
    )


def test_compiled_templates_live_in_a_private_folder_of_the_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "page.html").write_text("<p>{{ word }}</p>\n", encoding="utf-8")

    html = make_environment([templates]).get_template("page.html").render(word="first")
    folder = tmp_path / "clincalc-site" / "templates"
    assert html == "<p>first</p>\n"
    assert os.stat(folder).st_mode & 0o777 == 0o700
    assert any(folder.iterdir()), "the compiled template was not kept"

    # An edited template is compiled afresh, not taken from the cache.
    (templates / "page.html").write_text("<b>{{ word }}</b>\n", encoding="utf-8")
    assert make_environment([templates]).get_template("page.html").render(word="x") == "<b>x</b>\n"


def test_a_folder_others_can_write_is_not_used_for_compiled_templates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loading compiled code runs it: a folder anyone can write into would run their code."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    folder = tmp_path / "clincalc-site" / "templates"
    folder.mkdir(parents=True)
    folder.chmod(0o777)
    assert compiled_templates_cache() is None
    folder.chmod(0o700)
    assert compiled_templates_cache() is not None
