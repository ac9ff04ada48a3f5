"""YAML and file abuse: every case ends in bounded time and memory, never in a traceback.

Each case is one hostile file beside a good monograph, built with the real CLI in a child
process whose address space is capped (RLIMIT_AS) and whose wall time is capped too; the
child's peak resident memory is read from ``wait4``. A hostile file must give exit code 1
and a diagnostic naming that file (with line:col when the problem is inside the text);
the encodings an editor's tool may legitimately write must build (exit 0).
"""

from __future__ import annotations

import codecs
import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from .support import (
    ChildResult,
    audit_site,
    build,
    can_drop_file_override,
    dump,
    monograph_doc,
    run_cli,
    write_project,
)

SECONDS = 5.0  # per case, wall time, including interpreter start-up
MEMORY_MIB = 300  # peak resident memory of the child
ADDRESS_SPACE_MIB = 600  # RLIMIT_AS of the child: a runaway allocation fails, not the host

Writer = Callable[[Path], None]


def good_text() -> str:
    return dump(monograph_doc("Abusomycin"))


def write(name: str, data: str | bytes) -> Writer:
    def writer(content: Path) -> None:
        path = content / name
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8", newline="")

    return writer


def billion_laughs() -> str:
    lines = ['lol0: &lol0 "lol"']
    for level in range(1, 10):
        refs = ", ".join([f"*lol{level - 1}"] * 10)
        lines.append(f"lol{level}: &lol{level} [{refs}]")
    return "\n".join(lines) + "\n"


def big_file(path: Path, size: int) -> None:
    line = b"# padding padding padding padding padding padding padding padding padding\n"
    with path.open("wb") as handle:
        handle.write(b"name: Big\n")
        chunk = line * (1024 * 1024 // len(line))
        while handle.tell() < size:
            handle.write(chunk)


def make_fifo(content: Path) -> None:
    os.mkfifo(content / "fifo.yaml")


def make_dir(content: Path) -> None:
    (content / "folder.yaml").mkdir()
    (content / "folder.yaml" / "inner.yaml").write_text(good_text())


def symlink(name: str, target: str) -> Writer:
    def writer(content: Path) -> None:
        os.symlink(target, content / name)

    return writer


def symlink_loop(content: Path) -> None:
    os.symlink("loop-b.yaml", content / "loop-a.yaml")
    os.symlink("loop-a.yaml", content / "loop-b.yaml")


def outside_file(content: Path) -> None:
    secret = content.parent / "secret.yaml"
    secret.write_text(good_text())
    os.symlink(secret, content / "leak.yaml")


@dataclass(frozen=True)
class Abuse:
    """One hostile input: what to write, the file it is in, the diagnostic expected."""

    writer: Writer
    file: str
    codes: tuple[str, ...]  # any of these; () means the build must succeed
    located: bool = True  # the diagnostic has line:col (False: the whole file is refused)


BOMB = billion_laughs()
DEEP_MAPPING = "".join(" " * depth + "a:\n" for depth in range(1000)) + " " * 1000 + "x\n"
random.seed(20261126)
JUNK = bytes(random.randrange(256) for _ in range(65536))

CASES: dict[str, Abuse] = {
    "billion-laughs": Abuse(write("bomb.yaml", BOMB), "bomb.yaml", ("yaml.anchor",)),
    "alias-without-anchor": Abuse(
        write("alias.yaml", "name: *nothing\n"), "alias.yaml", ("yaml.alias", "yaml.syntax")
    ),
    "merge-key": Abuse(
        write("merge.yaml", "base: &b {x: 1}\nname:\n  <<: *b\n"), "merge.yaml", ("yaml.anchor",)
    ),
    "deep-flow-sequence-10k": Abuse(
        write("deep.yaml", "[" * 10_000 + "]" * 10_000),
        "deep.yaml",
        ("yaml.too_deep", "yaml.syntax"),
    ),
    "deep-flow-mapping-10k": Abuse(
        write("deep.yaml", "{a: " * 10_000 + "}" * 10_000),
        "deep.yaml",
        ("yaml.too_deep", "yaml.syntax"),
    ),
    "deep-block-sequence-10k": Abuse(
        write("deep.yaml", "- " * 10_000 + "x\n"), "deep.yaml", ("yaml.too_deep",)
    ),
    "deep-block-mapping-1000": Abuse(
        write("deep.yaml", DEEP_MAPPING), "deep.yaml", ("yaml.too_deep",)
    ),
    "file-50-mb": Abuse(
        lambda content: big_file(content / "big.yaml", 50 * 1024 * 1024),
        "big.yaml",
        ("file.too_large",),
        located=False,
    ),
    "one-line-2-mb": Abuse(
        write("line.yaml", "summary: " + "a" * 2 * 1024 * 1024 + "\n"),
        "line.yaml",
        ("file.too_large",),
        located=False,
    ),
    "one-line-just-under-1-mib": Abuse(
        write("line.yaml", "x: " + "a" * 1_000_000 + "\n"), "line.yaml", ("yaml.too_long",)
    ),
    "long-text-value": Abuse(
        write("text.yaml", good_text().replace("It binds a receptor.", "receptor " * 3000)),
        "text.yaml",
        ("yaml.too_long",),
    ),
    "long-key": Abuse(
        write("key.yaml", "k" * 1_000_000 + ": v\n"), "key.yaml", ("yaml.too_long", "yaml.syntax")
    ),
    "long-explicit-key": Abuse(
        write("key.yaml", "? " + "k" * 500_000 + "\n: v\n"), "key.yaml", ("yaml.too_long",)
    ),
    "binary-junk": Abuse(write("junk.yaml", JUNK), "junk.yaml", ("file.encoding", "yaml.syntax")),
    "nul-bytes": Abuse(
        write("nul.yaml", good_text().replace("Abusomycin", "Abuso\x00mycin")),
        "nul.yaml",
        ("yaml.syntax",),
    ),
    "utf16-without-bom": Abuse(
        write("utf16.yaml", good_text().replace("Abusomycin", "Other").encode("utf-16-le")),
        "utf16.yaml",
        ("yaml.syntax", "file.encoding"),
    ),
    "utf16-odd-length": Abuse(
        write("odd.yaml", codecs.BOM_UTF16_LE + "name: x\n".encode("utf-16-le") + b"\x00"),
        "odd.yaml",
        ("file.encoding",),
    ),
    "many-documents": Abuse(
        write("docs.yaml", "---\na: 1\n" * 100_000), "docs.yaml", ("yaml.multiple_documents",)
    ),
    "unknown-key-flood": Abuse(
        write("keys.yaml", "".join(f"k{i}: v\n" for i in range(100_000))),
        "keys.yaml",
        ("yaml.too_many_values",),
    ),
    "list-item-flood": Abuse(
        write("list.yaml", "brand_names: [" + ",".join(["1"] * 250_000) + "]\n"),
        "list.yaml",
        ("yaml.too_many_values",),
    ),
    "sexagesimal-number": Abuse(
        write("sexa.yaml", "rxcui: " + ":".join(["59"] * 150_000) + "\n"),
        "sexa.yaml",
        ("yaml.too_long", "yaml.bad_scalar"),
    ),
    "huge-hex-number": Abuse(
        write("hex.yaml", "rxcui: 0x" + "f" * 900_000 + "\n"),
        "hex.yaml",
        ("yaml.too_long", "yaml.bad_scalar"),
    ),
    "sexagesimal-5000-chars": Abuse(
        write("sexa.yaml", "rxcui: " + ":".join(["59"] * 1600) + "\n"),
        "sexa.yaml",
        ("yaml.bad_scalar",),
    ),
    "hex-5000-chars": Abuse(
        write("hex.yaml", "rxcui: 0x" + "f" * 5000 + "\n"), "hex.yaml", ("yaml.bad_scalar",)
    ),
    "huge-decimal-number": Abuse(
        write("int.yaml", "rxcui: 1" + "0" * 900_000 + "\n"),
        "int.yaml",
        ("yaml.too_long", "yaml.bad_scalar"),
    ),
    "long-timestamp": Abuse(
        write("date.yaml", "date: 2026-01-01t00:00:00." + "1" * 200_000 + "\n"),
        "date.yaml",
        ("yaml.too_long", "yaml.bad_scalar"),
    ),
    "symlink-outside": Abuse(outside_file, "leak.yaml", ("file.symlink_outside",), located=False),
    "symlink-to-dev-zero": Abuse(
        symlink("zero.yaml", "/dev/zero"), "zero.yaml", ("file.symlink_outside",), located=False
    ),
    "symlink-loop": Abuse(symlink_loop, "loop-a.yaml", ("file.unreadable",), located=False),
    "dangling-symlink": Abuse(
        symlink("gone.yaml", "missing.yaml"), "gone.yaml", ("file.unreadable",), located=False
    ),
    "directory-named-yaml": Abuse(make_dir, "folder.yaml", ("file.not_a_file",), located=False),
    "fifo-named-yaml": Abuse(make_fifo, "fifo.yaml", ("file.not_a_file",), located=False),
    # Encodings an editor's tool may write: these must load.
    "utf8-bom": Abuse(write("bom.yaml", codecs.BOM_UTF8 + good_text().encode()), "bom.yaml", ()),
    "utf16-le-bom": Abuse(
        write("u16.yaml", codecs.BOM_UTF16_LE + good_text().encode("utf-16-le")), "u16.yaml", ()
    ),
    "utf16-be-bom": Abuse(
        write("u16.yaml", codecs.BOM_UTF16_BE + good_text().encode("utf-16-be")), "u16.yaml", ()
    ),
    "crlf": Abuse(write("crlf.yaml", good_text().replace("\n", "\r\n")), "crlf.yaml", ()),
    "crlf-utf8-bom": Abuse(
        write("both.yaml", codecs.BOM_UTF8 + good_text().replace("\n", "\r\n").encode()),
        "both.yaml",
        (),
    ),
}


def report(case_id: str, result: ChildResult) -> None:
    """Print what a case cost (``pytest -rP`` shows it; docs/security.md quotes it)."""
    print(
        f"{case_id:28} exit {result.code}  {result.seconds:5.2f} s  {result.max_rss_mib:5.0f} MiB"
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return tmp_path


def run_case(project: Path, writer: Writer, *, honour_file_modes: bool = False) -> ChildResult:
    content = write_project(project, {"good": monograph_doc("Good drug")})
    writer(content)
    args = ["build", "--content", "monographs", "--out", "_site", "--no-search"]
    return run_cli(
        args,
        project,
        timeout=SECONDS * 3,
        address_space_mib=ADDRESS_SPACE_MIB,
        honour_file_modes=honour_file_modes,
    )


def assert_bounded(result: ChildResult) -> None:
    assert not result.timed_out, "hung"
    assert result.seconds < SECONDS, f"{result.seconds:.1f} s"
    assert result.max_rss_mib < MEMORY_MIB, f"{result.max_rss_mib:.0f} MiB"
    assert "Traceback" not in result.output, result.output[-3000:]
    assert "MemoryError" not in result.output


def assert_refused(result: ChildResult, case: Abuse, project: Path) -> None:
    assert result.code == 1, result.output[-2000:]
    shown = f"monographs/{case.file}"
    lines = [line for line in result.stdout.splitlines() if line.startswith(shown)]
    assert lines, result.output[-2000:]
    assert any(f"[{code}" in line for line in lines for code in case.codes), lines[:5]
    if case.located:
        assert any(line.startswith(f"{shown}:") and line.split(":")[1].isdigit() for line in lines)
    assert not (project / "_site").exists()
    assert len(result.stdout) < 200_000, "diagnostics are capped per file"


# Cases that fail until the fix for them lands (strict: an unexpected pass fails too).
KNOWN_DEFECTS: dict[str, str] = {}


@pytest.mark.parametrize(
    "case_id",
    [
        pytest.param(case_id, marks=pytest.mark.xfail(reason=KNOWN_DEFECTS[case_id], strict=True))
        if case_id in KNOWN_DEFECTS
        else case_id
        for case_id in CASES
    ],
)
def test_hostile_file_ends_in_bounded_time_and_memory(project: Path, case_id: str) -> None:
    case = CASES[case_id]
    result = run_case(project, case.writer)
    report(case_id, result)
    assert_bounded(result)
    if case.codes:
        assert_refused(result, case, project)
    else:
        assert result.code == 0, result.output[-2000:]
        slug = case.file.removesuffix(".yaml")
        assert (project / "_site" / "drugs" / slug / "index.html").is_file()


def unreadable(content: Path) -> None:
    path = content / "locked.yaml"
    path.write_text(good_text())
    path.chmod(0)


@pytest.mark.skipif(not can_drop_file_override(), reason="root, and no setpriv to drop CAP_DAC_*")
def test_unreadable_file_is_a_located_error(project: Path) -> None:
    """chmod 000 does not stop root: as root the child runs without CAP_DAC_OVERRIDE."""
    result = run_case(project, unreadable, honour_file_modes=True)
    report("unreadable-chmod-000", result)
    assert_bounded(result)
    assert result.code == 1, result.output
    line = "monographs/locked.yaml: error: cannot read file: Permission denied"
    assert line in result.stdout
    assert "[file.unreadable]" in result.stdout


def test_markdown_nesting_bomb_renders_as_inert_text(tmp_path: Path) -> None:
    """'1. ' repeated 6,000 times (18,000 characters) exhausts Python-Markdown's stack."""
    bomb = "1. " * 6000 + "<script>alert(1)</script>"
    doc = monograph_doc("Bombomycin") | {"mechanism": bomb, "prescribing": [bomb]}
    content = write_project(tmp_path, {"bombomycin": doc})
    result = build(content, tmp_path / "_site")
    assert not result.failed, result.diagnostics
    page = (tmp_path / "_site" / "drugs" / "bombomycin" / "index.html").read_text()
    assert audit_site(tmp_path / "_site") == {}
    assert "1. 1. 1. 1." in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
