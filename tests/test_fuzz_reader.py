"""Property-based fuzz of the reader on corrupted workbooks.

Property: for any corruption of a valid workbook, ``read_workbook`` either returns a workbook,
which ``validate`` then turns into a Report without raising, or raises a ``WorkbookError`` with a
Chinese message. Any other exception is a bug.

Corruptions: byte flips, insertions, deletions and truncation of the whole file (some aimed at
the zip's own headers), and re-zipped archives whose members are mutated as XML text (slices
replaced, tags deleted, attributes, cell values and references garbled, random unicode
inserted), deleted, duplicated, renamed, swapped or emptied. Strategies draw small operation
plans that are then applied to the seed workbook, so a failing example prints as a short list.
"""

from __future__ import annotations

import contextlib
import os
import re
import warnings
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from nianbao.errors import WorkbookError
from nianbao.validation import Report, validate
from nianbao.workbook_templates import build_template, read_workbook
from nianbao.workbook_templates.sample import sample_request

from . import hostile as H

pytestmark = pytest.mark.slow  # hypothesis runs each property over many generated workbooks

CHINESE = re.compile(r"[\u4e00-\u9fff]")

# When an example fails, Hypothesis' pytest plugin imports libcst to suggest a patch; some libcst
# versions warn on import (DeprecationWarning), which filterwarnings=error turns into an
# INTERNALERROR that hides the falsifying example. Import it once here, quietly.
with warnings.catch_warnings(), contextlib.suppress(ImportError):
    warnings.simplefilter("ignore", DeprecationWarning)
    import libcst.metadata  # noqa: F401

FUZZ = settings(
    max_examples=int(os.environ.get("NIANBAO_FUZZ_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


def check_reader(path: Path) -> None:
    """The property: a workbook that validates, or our clear error; nothing else."""
    try:
        wb = read_workbook(path)
        report = validate(wb)
    except WorkbookError as exc:
        event(f"refused: {type(exc).__name__}")
        assert exc.message and CHINESE.search(exc.message), repr(exc.message)
        return
    event("read and validated" + (" with findings" if report.findings else ""))
    assert isinstance(report, Report)


class Seed:
    """The valid workbook every example corrupts: its bytes and its members."""

    def __init__(self, path: Path, folder: Path) -> None:
        self.path, self.folder = path, folder
        self.data = path.read_bytes()
        self.members = H.read_members(path)
        self.parts = {name: H.sheet_part(path, name) for name in SHEETS_WE_READ}

    def __repr__(self) -> str:  # short, for Hypothesis' report of a failing example
        return f"Seed({self.path.name}, {len(self.data)} bytes)"


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Seed:
    folder = tmp_path_factory.mktemp("fuzz")
    return Seed(build_template(folder / "seed.xlsx", sample_request(2025)), folder)


# -- whole-file byte corruption -------------------------------------------------------------------

ZIP_SIGNATURES = re.compile(rb"PK\x03\x04|PK\x01\x02|PK\x05\x06")

anywhere = st.integers(min_value=0, max_value=2**31)
byte_ops = st.one_of(
    st.tuples(st.just("flip"), anywhere, st.integers(1, 255)),
    st.tuples(st.just("flip-in-header"), anywhere, st.integers(0, 45), st.integers(1, 255)),
    st.tuples(st.just("insert"), anywhere, st.binary(min_size=1, max_size=64)),
    st.tuples(st.just("delete"), anywhere, st.integers(1, 512)),
    st.tuples(st.just("truncate"), anywhere),
)


def apply_byte_ops(data: bytes, ops: list[tuple]) -> bytes:
    buf = bytearray(data)
    for op in ops:
        if not buf:
            break
        kind, pos = op[0], op[1] % len(buf)
        if kind == "flip":
            buf[pos] ^= op[2]
        elif kind == "flip-in-header":  # a byte of a local/central header or the end record
            headers = [m.start() for m in ZIP_SIGNATURES.finditer(buf)] or [0]
            at = (headers[op[1] % len(headers)] + op[2]) % len(buf)
            buf[at] ^= op[3]
        elif kind == "insert":
            buf[pos:pos] = op[2]
        elif kind == "delete":
            del buf[pos : pos + op[2]]
        else:
            del buf[pos:]
    return bytes(buf)


@FUZZ
@given(ops=st.lists(byte_ops, min_size=1, max_size=6))
def test_reader_survives_byte_level_corruption(seed: Seed, ops: list[tuple]) -> None:
    path = seed.folder / "bytes.xlsx"
    path.write_bytes(apply_byte_ops(seed.data, ops))
    check_reader(path)


# -- XML text mutations ---------------------------------------------------------------------------

FRAGMENTS = [
    "", "<", ">", "&", "&amp;", "&#0;", "&#xD800;", "&lt;", "]]>", "<!--", "-->", "<![CDATA[x]]>",
    "<?pi x?>", '"', "'", "=", "/>", "</c>", "<row>", "<c>", "<v>", "</sheetData>", "<si>",
    "\x00", "\x1f", "\ufffe", "\uffff", "\U0001f600", "𠀀", "表三", "基本信息", "模板信息",
    "rId1", "rId999", "/xl/workbook.xml", "../../../etc/passwd", "worksheets/sheet3.xml",
    "shared", "s", "str", "inlineStr", "b", "e", "d", "n", "hidden", "veryHidden",
    "nianbao_format_version", "nianbao_fingerprint", "2019", "2021", "9999",
]  # fmt: skip
# Values that stress the number and reference parsers, huge exponents included.
NUMBERS = [
    "0", "-0", "1", "-1", "17", "0.07000000000000001", "1.5", "-3.25", "1e3", "1E-7", "1e15",
    "123456789012345678", "1E+28", "-1E+300", "9.999E+307", "1E-400", "NaN", "-Infinity", "inf",
    "0x10", "1_000", "１２", "٣", "1,036", " 12 ", "", "A1", "XFD1048577", "$B$2", "A0", "1048576",
    "4294967296", "-2147483649", "99999999999", "46037", "2958466",
    "1E+999999999", "-1E+1000000", "1E+200000",
]  # fmt: skip

texts = st.one_of(
    st.sampled_from(FRAGMENTS),
    st.sampled_from(NUMBERS),
    st.text(st.characters(codec="utf-8"), max_size=12),
)
xml_ops = st.one_of(
    st.tuples(st.just("slice"), anywhere, st.integers(0, 200), texts),
    st.tuples(st.just("insert"), anywhere, texts),
    st.tuples(st.just("delete-tag"), anywhere),
    st.tuples(st.just("attribute"), anywhere, texts, st.booleans()),
    st.tuples(st.just("value"), anywhere, st.sampled_from(NUMBERS), st.booleans()),
    st.tuples(st.just("reference"), anywhere, st.sampled_from(NUMBERS), st.booleans()),
)
xml_plans = st.lists(xml_ops, min_size=1, max_size=3)

TAG = re.compile(r"<[^<>]*>")
PATTERNS = {
    "attribute": re.compile(r'(\s[\w:]+=")([^"]*)(")'),
    "value": re.compile(r"(<(?:\w+:)?v>)([^<]*)(</(?:\w+:)?v>)"),
    "reference": re.compile(r'(\sr=")([^"]*)(")'),
}


def apply_xml_ops(text: str, ops: list[tuple]) -> str:
    """Apply XML-aware or blind text mutations; a well-formed replacement when asked."""
    for op in ops:
        kind = op[0]
        if kind == "slice" and text:
            start = op[1] % len(text)
            text = text[:start] + op[3] + text[start + op[2] :]
        elif kind == "insert":
            at = op[1] % (len(text) + 1)
            text = text[:at] + op[2] + text[at:]
        elif kind == "delete-tag":
            tags = list(TAG.finditer(text))
            if tags:
                m = tags[op[1] % len(tags)]
                text = text[: m.start()] + text[m.end() :]
        elif kind in PATTERNS:
            found = list(PATTERNS[kind].finditer(text))
            if found:
                m = found[op[1] % len(found)]
                new = escape(op[2], {'"': "&quot;"}) if op[3] else op[2]
                text = text[: m.start()] + m.group(1) + new + m.group(3) + text[m.end() :]
    return text


def _mutated(data: bytes, ops: list[tuple]) -> bytes:
    return apply_xml_ops(data.decode("utf-8", "replace"), ops).encode("utf-8", "surrogatepass")


# -- member-level corruption of a re-zipped workbook ----------------------------------------------

member_ops = st.one_of(
    st.tuples(st.just("xml"), anywhere, xml_plans),
    st.tuples(st.just("delete"), anywhere),
    st.tuples(st.just("duplicate"), anywhere, anywhere, st.none() | xml_plans),
    st.tuples(st.just("rename"), anywhere, st.sampled_from(["upper", "swapcase", "leading-/"])),
    st.tuples(st.just("swap"), anywhere, anywhere),
    st.tuples(st.just("empty"), anywhere),
)
RENAMES = {"upper": str.upper, "swapcase": str.swapcase, "leading-/": lambda n: "/" + n}


def apply_member_ops(members: H.Members, ops: list[tuple]) -> H.Members:
    members = list(members)
    for op in ops:
        if not members:
            break
        kind, i = op[0], op[1] % len(members)
        name, data = members[i]
        if kind == "xml":
            members[i] = (name, _mutated(data, op[2]))
        elif kind == "delete":
            del members[i]
        elif kind == "duplicate":
            copy = data if op[3] is None else _mutated(data, op[3])
            members.insert(op[2] % (len(members) + 1), (name, copy))
        elif kind == "rename":
            members[i] = (RENAMES[op[2]](name), data)
        elif kind == "swap":  # another part's content under this name
            members[i] = (name, members[op[2] % len(members)][1])
        else:
            members[i] = (name, b"")
    return members


@FUZZ
@given(ops=st.lists(member_ops, min_size=1, max_size=3))
def test_reader_survives_corrupted_members(seed: Seed, ops: list[tuple]) -> None:
    members = apply_member_ops(seed.members, ops)
    check_reader(H.write_zip(seed.folder / "members.xlsx", members))


PACKAGE_PARTS = [H.WORKBOOK_PART, H.WORKBOOK_RELS, "_rels/.rels", H.SHARED_STRINGS, H.CUSTOM_PROPS]
SHEETS_WE_READ = ["基本信息", "表二", "表三", "表四", "正文", "模板信息"]


@FUZZ
@given(part=st.sampled_from(PACKAGE_PARTS + SHEETS_WE_READ), ops=xml_plans)
def test_reader_survives_a_garbled_part_it_reads(seed: Seed, part: str, ops: list[tuple]) -> None:
    name = seed.parts.get(part, part)
    members = [(n, _mutated(d, ops) if n == name else d) for n, d in seed.members]
    check_reader(H.write_zip(seed.folder / "part.xlsx", members))


# -- any content in any cell of the sheets we read ------------------------------------------------

REFERENCES = [
    "D6", "E7", "J6", "D30", "$D$6", "D$6", "A1", "B16", "XFD1048576", "D6:I6", "D6:D30",
    "A1:XFD1048576", "表三!D6", "'表三'!D6", "'基本信息'!B5", "[1]Sheet1!A1", "#REF!", "TRUE",
]  # fmt: skip
formula_atoms = st.one_of(
    st.sampled_from(REFERENCES),
    st.sampled_from(NUMBERS),
    st.integers(min_value=0, max_value=10**30).map(str),
)
formulas = st.one_of(
    st.recursive(
        formula_atoms,
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "^", "&", ",", ":"]), inner).map(
                "".join
            ),
            inner.map(lambda f: f"({f})"),
            inner.map(lambda f: f"-{f}"),
            st.lists(inner, min_size=1, max_size=4).map(lambda fs: f"SUM({','.join(fs)})"),
            inner.map(lambda f: f"IF({f},1,0)"),
        ),
        max_leaves=12,
    ),
    st.text(st.sampled_from("()+-*/,:=SUMD6$!'\"1 "), max_size=40),
    # Excel itself refuses more than 64 levels; a crafted file can nest as deep as it likes.
    st.integers(1, 3000).map(lambda n: "(" * n + "1" + ")" * n),
    st.integers(1, 3000).map(lambda n: "-" * n + "1"),
    st.integers(1, 1000).map(lambda n: "SUM(" * n + "D6" + ")" * n),
)
cell_contents = st.one_of(
    st.tuples(st.just("number"), st.sampled_from(NUMBERS) | st.floats().map(repr)),
    st.tuples(st.just("text"), texts),
    st.tuples(st.just("formula"), formulas, st.sampled_from(["", "0", "17", "#VALUE!"])),
    st.tuples(st.just("shared-formula"), formulas, st.sampled_from(["0", "1", "x"])),
    st.tuples(st.just("bool"), st.sampled_from(["0", "1", "2", ""])),
    st.tuples(st.just("error"), st.sampled_from(["#DIV/0!", "#REF!", "#N/A"])),
    st.tuples(st.just("shared-string"), st.sampled_from(NUMBERS)),
)
CELL = re.compile(r'<c r="([A-Z]+[0-9]+)"[^>]*?(?:/>|>.*?</c>)')


def cell_xml(ref: str, content: tuple) -> str:
    kind, text = content[0], escape(content[1])
    if kind == "number":
        return f'<c r="{ref}"><v>{text}</v></c>'
    if kind == "text":
        return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'
    if kind == "formula":
        return f'<c r="{ref}"><f>{text}</f><v>{escape(content[2])}</v></c>'
    if kind == "shared-formula":
        return f'<c r="{ref}"><f t="shared" si="{escape(content[2])}" ref="{ref}">{text}</f></c>'
    if kind == "bool":
        return f'<c r="{ref}" t="b"><v>{text}</v></c>'
    if kind == "error":
        return f'<c r="{ref}" t="e"><v>{text}</v></c>'
    return f'<c r="{ref}" t="s"><v>{text}</v></c>'


def set_cells(xml: str, changes: list[tuple[int, tuple]]) -> str:
    for index, content in changes:
        cells = list(CELL.finditer(xml))
        m = cells[index % len(cells)]
        xml = xml[: m.start()] + cell_xml(m.group(1), content) + xml[m.end() :]
    return xml


@FUZZ
@given(
    sheet=st.sampled_from(SHEETS_WE_READ[:5]),
    changes=st.lists(st.tuples(anywhere, cell_contents), min_size=1, max_size=6),
)
def test_reader_and_validator_survive_any_cell_content(
    seed: Seed, sheet: str, changes: list[tuple[int, tuple]]
) -> None:
    part = seed.parts[sheet]
    members = [
        (n, set_cells(d.decode(), changes).encode() if n == part else d) for n, d in seed.members
    ]
    check_reader(H.write_zip(seed.folder / "cells.xlsx", members))
