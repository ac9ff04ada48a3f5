"""archive.json, the build cache of the archive pages: kept for one load key, and any file
that is not exactly what a build wrote is read as empty (everything worked out again)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clincalc_site.build.archive import MEMO_FILE, Memo, read_memo, write_memo

MEMO = Memo({"a" * 40: "", "b" * 40: "f00d", "c" * 40: "!"}, "whole", (("poma", 2),))


def test_the_memo_is_read_back_for_its_load_key_only(tmp_path: Path) -> None:
    write_memo(tmp_path, "key-1", MEMO)
    assert read_memo(tmp_path, "key-1") == MEMO
    assert read_memo(tmp_path, "key-2") == Memo()
    assert read_memo(tmp_path / "nowhere", "key-1") == Memo()


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("{not json", id="not-json"),
        pytest.param("[]", id="not-a-mapping"),
        pytest.param('{"key": "k", "doses": [], "whole": "", "unreadable": []}', id="doses"),
        pytest.param('{"key": "k", "doses": {"a": 1}, "whole": "", "unreadable": []}', id="dose"),
        pytest.param('{"key": "k", "doses": {}, "whole": 1, "unreadable": []}', id="whole"),
        pytest.param('{"key": "k", "doses": {}, "whole": "", "unreadable": [["a"]]}', id="pair"),
        pytest.param(
            '{"key": "k", "doses": {}, "whole": "", "unreadable": [["a", true]]}', id="bool"
        ),
    ],
)
def test_a_memo_not_as_written_is_empty(tmp_path: Path, body: str) -> None:
    (tmp_path / MEMO_FILE).write_text(body, encoding="utf-8")
    assert read_memo(tmp_path, "k") == Memo()


def test_the_memo_is_not_written_through_a_link(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    write_memo(tmp_path / "link", "k", MEMO)
    assert not (tmp_path / "real" / MEMO_FILE).exists()
    write_memo(tmp_path / "real", "k", MEMO)
    assert json.loads((tmp_path / "real" / MEMO_FILE).read_text(encoding="utf-8"))["key"] == "k"
