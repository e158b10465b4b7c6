"""A small, bounded, safe reader for .xlsx packages: cell values and formulas, nothing else.

Why not a general library: a returned workbook is untrusted input. This reader opens only the parts
it needs (a 1,000,000-row sheet that is not ours is never parsed), caps what it decompresses and
how many rows it reads, refuses DTDs (so no entity expansion), and turns every kind of damage into
a CorruptWorkbookError with a Chinese message. It reads cached values and formula text separately;
the caller decides what to trust (cached formula results: never).
"""

from __future__ import annotations

import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import IO, NamedTuple
from xml.etree.ElementTree import ParseError
from xml.parsers import expat

from nianbao.errors import (
    CorruptWorkbookError,
    EncryptedWorkbookError,
    NotAWorkbookError,
    WorkbookError,
    os_reason,
)
from nianbao.files import special_file_problem

from .safe_xml import UnsafeXmlError, feed, local, make_parser, parse_tree

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_ENTRIES = 10_000
MAX_PART_BYTES = 48 * 1024 * 1024
DEFAULT_MAX_ROWS = 2_000
# Excel's own width: a row with more cells than this is not a spreadsheet's (a crafted file).
MAX_COLUMNS = 16_384

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_DAMAGE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    ParseError,
    expat.ExpatError,
    UnsafeXmlError,
    NotImplementedError,
    RuntimeError,
    UnicodeError,
    struct.error,
    ValueError,
    KeyError,
    IndexError,
    OverflowError,
    OSError,  # zipfile seeking before the start of a cut file
    LookupError,  # an XML declaration naming an unknown encoding
    RecursionError,
)


def _unsafe(path: Path) -> CorruptWorkbookError:
    return CorruptWorkbookError(
        f"文件 {path.name} 含有表格文件不应有的 XML 声明（DTD/实体），为安全起见没有读取。",
        "该文件可能被恶意修改；请向填报单位核实来源，在 WPS/Excel 中重新另存为 .xlsx 后再试。",
    )


def _damaged(path: Path, detail: str = "") -> CorruptWorkbookError:
    extra = f"（{detail}）" if detail else ""
    return CorruptWorkbookError(
        f"文件 {path.name} 已损坏或不完整，无法读取{extra}。",
        "请在 WPS/Excel 中打开该文件，确认内容无误后重新“另存为” .xlsx 格式；"
        "如果打不开，请向填报单位重新索取。",
    )


class RawCell(NamedTuple):
    """One cell as stored: kind ('n' number, 's' text, 'b' bool, 'e' error, 'd' date), value,
    and formula text (without "=") when the cell holds a formula."""

    kind: str
    value: Decimal | str | bool | None
    formula: str | None = None


@dataclass
class RawSheet:
    name: str
    cells: dict[tuple[int, int], RawCell]
    truncated: bool = False  # reading stopped early: ``too_wide`` says why
    max_row: int = -1
    too_wide: bool = False  # a row had more than MAX_COLUMNS cells (else: more than max_rows rows)

    def text(self, row: int, col: int) -> str:
        """Return the cell's content as text ("" when empty)."""
        cell = self.cells.get((row, col))
        if cell is None or cell.value is None:
            return ""
        if isinstance(cell.value, Decimal):
            return format(cell.value.normalize(), "f") if cell.value else "0"
        return str(cell.value)


@dataclass
class SheetEntry:
    name: str
    state: str
    part: str | None


@dataclass
class XlsxPackage:
    """An opened .xlsx file: sheet list, custom properties, and sheets parsed on request."""

    path: Path
    zf: zipfile.ZipFile
    sheets: list[SheetEntry]
    custom_properties: dict[str, str]
    has_external_links: bool
    has_macros: bool
    _names: dict[str, str] = field(default_factory=dict)
    _shared: list[str] | None = None
    _shared_part: str | None = None

    def sheet(self, name: str, max_rows: int = DEFAULT_MAX_ROWS) -> RawSheet | None:
        """Return a sheet's cells, reading at most ``max_rows`` rows; None if there is no such
        sheet."""
        entry = next((s for s in self.sheets if s.name == name), None)
        if entry is None or entry.part is None:
            return None
        try:
            return self._parse_sheet(entry.name, entry.part, max_rows)
        except WorkbookError:
            raise
        except UnsafeXmlError:
            raise _unsafe(self.path) from None
        except _DAMAGE as exc:
            raise _damaged(self.path, f"工作表「{name}」") from exc

    def close(self) -> None:
        self.zf.close()

    def __enter__(self) -> XlsxPackage:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- parts ------------------------------------------------------------------------------

    def _open_part(self, part: str) -> _Bounded:
        name = self._names.get(part.lower())
        if name is None:
            raise KeyError(part)
        info = self.zf.getinfo(name)
        if info.file_size > MAX_PART_BYTES:
            raise CorruptWorkbookError(
                f"文件 {self.path.name} 中的部件 {part} 解压后超过 {MAX_PART_BYTES // 2**20} MB，"
                "超出安全限制，没有读取。",
                "填报表正常只有几十 KB；请删除多余内容后重新保存，或向填报单位核实文件来源。",
            )
        return _Bounded(self.zf.open(info), MAX_PART_BYTES, self.path)

    def _shared_strings(self) -> list[str]:
        if self._shared is None:
            self._shared = []
            part = self._shared_part
            if part and part.lower() in self._names:
                handler = _SharedStrings()
                with self._open_part(part) as fh:
                    handler.run(fh)
                self._shared = handler.strings
        return self._shared

    def _parse_sheet(self, name: str, part: str, max_rows: int) -> RawSheet:
        handler = _SheetHandler(name, max_rows, self._shared_strings)
        with self._open_part(part) as fh:
            handler.run(fh)
        return handler.sheet


class _Stop(Exception):
    """Raised by a handler to end parsing early: the row limit is reached."""


class _Finished(Exception):
    """Raised by a handler at the end of the cell data."""


class _SharedStrings:
    """Collects the shared strings table; phonetic runs (rPh) are skipped."""

    def __init__(self) -> None:
        self.strings: list[str] = []
        self.parts: list[str] = []
        self.in_text = False
        self.skip = 0

    def run(self, stream) -> None:
        parser = make_parser()
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.data
        feed(parser, stream)

    def start(self, name: str, attrs) -> None:
        tag = local(name)
        if tag == "si":
            self.parts = []
        elif tag == "rPh":
            self.skip += 1
        elif tag == "t" and not self.skip:
            self.in_text = True

    def end(self, name: str) -> None:
        tag = local(name)
        if tag == "si":
            self.strings.append("".join(self.parts))
        elif tag == "rPh":
            self.skip -= 1
        elif tag == "t":
            self.in_text = False

    def data(self, text: str) -> None:
        if self.in_text:
            self.parts.append(text)


class _SheetHandler:
    """Streams a worksheet's cells: value, type and formula text (shared formulas expanded)."""

    def __init__(self, name: str, max_rows: int, shared_strings) -> None:
        self.sheet = RawSheet(name, {})
        self.max_rows = max_rows
        self.shared_strings = shared_strings
        self.row = -1
        self.col = -1
        self.row_cells = 0
        self.kind = "n"
        self.buffer: list[str] | None = None
        self.value: str | None = None
        self.formula: str | None = None
        self.formula_attrs: dict = {}
        self.inline: list[str] | None = None
        self.in_inline = False
        self.skip = 0
        self.masters: dict[str, tuple[str, int, int]] = {}

    def run(self, stream) -> None:
        parser = make_parser()
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.data
        try:
            feed(parser, stream)
        except _Stop:
            self.sheet.truncated = True
        except _Finished:
            pass

    def start(self, name: str, attrs) -> None:
        tag = local(name)
        if tag == "c":
            ref = attrs.get("r")
            if ref:
                self.row, self.col = _parse_ref(ref)
            else:
                self.col += 1
            self.row_cells += 1
            if self.row >= self.max_rows:
                raise _Stop
            if self.col >= MAX_COLUMNS or self.row_cells > MAX_COLUMNS:
                self.sheet.too_wide = True
                raise _Stop
            self.kind = attrs.get("t", "n")
            self.value = self.formula = None
            self.inline = None
        elif tag == "v":
            self.buffer = []
        elif tag == "f":
            self.buffer = []
            self.formula_attrs = attrs
        elif tag == "row":
            r = attrs.get("r")
            self.row = int(r) - 1 if r else self.row + 1
            self.col = -1
            self.row_cells = 0
            if self.row >= self.max_rows:
                raise _Stop
        elif tag == "is":
            self.in_inline = True
            self.inline = []
        elif tag == "rPh":
            self.skip += 1
        elif tag == "t" and self.in_inline and not self.skip:
            self.buffer = []

    def data(self, text: str) -> None:
        if self.buffer is not None:
            self.buffer.append(text)

    def end(self, name: str) -> None:
        tag = local(name)
        if tag == "v":
            self.value = "".join(self.buffer or ())
            self.buffer = None
        elif tag == "f":
            text = "".join(self.buffer or ())
            self.buffer = None
            self.formula = _formula(text, self.formula_attrs, self.row, self.col, self.masters)
        elif tag == "t" and self.in_inline and not self.skip and self.inline is not None:
            self.inline.append("".join(self.buffer or ()))
            self.buffer = None
        elif tag == "rPh":
            self.skip -= 1
        elif tag == "is":
            self.in_inline = False
        elif tag == "sheetData":
            raise _Finished  # the rest of the sheet is formatting, merges and views
        elif tag == "c":
            cell = self._cell()
            # An empty cell (no value, no formula) is kept nowhere: it reads as blank anyway.
            if cell is not None and (cell.value is not None or cell.formula):
                self.sheet.cells[(self.row, self.col)] = cell
                if self.row > self.sheet.max_row:
                    self.sheet.max_row = self.row

    def _cell(self) -> RawCell | None:
        kind, v_text, formula = self.kind, self.value, self.formula
        if kind == "s":
            if v_text is None or not v_text.strip():
                return RawCell("s", None, formula)
            index = int(v_text)
            if index < 0:  # Python would read -1 as the last string: the file is damaged
                raise IndexError(index)
            return RawCell("s", self.shared_strings()[index], formula)
        if kind == "inlineStr":
            text = "".join(self.inline) if self.inline is not None else v_text
            return RawCell("s", text, formula)
        if kind == "str":
            return RawCell("s", v_text, formula)
        if kind == "b":
            return RawCell("b", None if v_text is None else v_text.strip() == "1", formula)
        if kind in ("e", "d"):
            return RawCell(kind, v_text, formula)
        if v_text is None or not v_text.strip():
            return RawCell("n", None, formula) if formula else None
        return RawCell("n", excel_number(v_text), formula)


def excel_number(text: str) -> Decimal:
    """Return a stored number as Excel shows it: at most 15 significant digits.

    Writers store binary doubles with up to 17 digits ("0.07000000000000001" for 0.07); Excel
    itself keeps 15, so a clerk's 0.07 must read back as exactly 0.07.
    """
    text = text.strip()
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(text) from exc
    if not number.is_finite() or not -330 < number.adjusted() < 309:
        raise ValueError(text)  # beyond what a spreadsheet can store: a forged file
    if len(number.as_tuple().digits) > 15:
        number = Decimal(format(float(number), ".15g"))
    return number


class _Bounded:
    """A read-only stream that refuses to yield more than ``limit`` bytes (zip bomb guard)."""

    def __init__(self, raw: IO[bytes], limit: int, path: Path) -> None:
        self.raw, self.left, self.path = raw, limit, path

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self.left + 1
        data = self.raw.read(min(size, self.left + 1))
        self.left -= len(data)
        if self.left < 0:
            raise CorruptWorkbookError(
                f"文件 {self.path.name} 解压后的内容超出安全限制，没有读取。",
                "该文件可能是恶意构造的“压缩炸弹”；请向填报单位核实文件来源。",
            )
        return data

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> _Bounded:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_REF_RE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


@lru_cache(maxsize=4096)
def _parse_ref(ref: str) -> tuple[int, int]:
    m = _REF_RE.match(ref)
    if not m:
        raise ValueError(ref)
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    row = int(m.group(2))
    if row < 1:
        raise ValueError(ref)
    return row - 1, col - 1


_SHIFT_RE = re.compile(r"(?<![A-Za-z0-9_.\"])(\$?)([A-Z]{1,3})(\$?)(\d{1,7})(?![A-Za-z0-9_(])")


def shift_formula(formula: str, drow: int, dcol: int) -> str:
    """Return a shared formula moved by (drow, dcol): relative references shift, "$" ones stay."""

    def col_num(letters: str) -> int:
        n = 0
        for ch in letters:
            n = n * 26 + ord(ch) - 64
        return n

    def col_letters(n: int) -> str:
        s = ""
        while n:
            n, rem = divmod(n - 1, 26)
            s = chr(65 + rem) + s
        return s

    def repl(m: re.Match) -> str:
        cabs, col, rabs, row = m.groups()
        c = col_num(col) + (0 if cabs else dcol)
        r = int(row) + (0 if rabs else drow)
        if c < 1 or r < 1:
            return "#REF!"
        return f"{cabs}{col_letters(c)}{rabs}{r}"

    pieces = formula.split('"')
    for i in range(0, len(pieces), 2):  # outside string literals only
        pieces[i] = _SHIFT_RE.sub(repl, pieces[i])
    return '"'.join(pieces)


def _formula(
    text: str, attrs: dict, row: int, col: int, shared: dict[str, tuple[str, int, int]]
) -> str | None:
    if attrs.get("t") == "shared":
        si = attrs.get("si", "")
        if text.strip():
            shared[si] = (text, row, col)
            return text
        if si in shared:
            master, mrow, mcol = shared[si]
            return shift_formula(master, row - mrow, col - mcol)
        return None
    return text if text.strip() else None


# -- opening --------------------------------------------------------------------------------


def sniff(path: Path, head: bytes) -> None:
    """Raise a clear error when the file is not an .xlsx package at all."""
    suffix = path.suffix.lower()
    if head.startswith(ZIP_MAGIC) or head.startswith(b"PK\x05\x06"):
        return
    if head.startswith(OLE_MAGIC):
        with path.open("rb") as fh:
            blob = fh.read(1 << 20)
        if "EncryptedPackage".encode("utf-16-le") in blob:
            raise EncryptedWorkbookError(
                f"文件 {path.name} 设置了打开密码，无法读取。",
                "请在 WPS/Excel 中用密码打开，在“文件—文档加密”中取消密码，另存为 .xlsx 后再试。",
            )
        kind = "WPS 表格（.et）" if suffix == ".et" else "旧版 Excel（.xls）"
        raise NotAWorkbookError(
            f"文件 {path.name} 是{kind}格式，年报助手只读取 .xlsx。",
            "请在 WPS/Excel 中打开它，选择“另存为—Excel 工作簿（*.xlsx）”后再试。",
        )
    if suffix == ".csv" or suffix == ".txt":
        raise NotAWorkbookError(
            f"文件 {path.name} 是文本（CSV）文件，不是填报表。",
            "请使用年报助手生成的 .xlsx 填报表填写后再校验。",
        )
    sample = head.removeprefix(b"\xef\xbb\xbf").lstrip()[:200].lower()
    if sample.startswith((b"<html", b"<!doctype", b"<?xml", b"<table")):
        raise NotAWorkbookError(
            f"文件 {path.name} 实际上是网页（HTML/XML）文件，只是扩展名像表格。",
            "请在 WPS/Excel 中打开它并“另存为” .xlsx 格式后再试。",
        )
    raise NotAWorkbookError(
        f"文件 {path.name} 不是 Excel 工作簿（.xlsx）。",
        "请确认选择的是年报助手生成并填写好的 .xlsx 填报表。",
    )


def _rels(pkg_names: dict[str, str], zf: zipfile.ZipFile, part: str, path: Path) -> dict:
    """Return {rId: (type, absolute target)} for a part's relationships."""
    base = posixpath.dirname(part)
    rels_part = posixpath.join(base, "_rels", posixpath.basename(part) + ".rels")
    name = pkg_names.get(rels_part.lower())
    if name is None:
        return {}
    info = zf.getinfo(name)
    if info.file_size > MAX_PART_BYTES:
        raise _damaged(path, "关系部件过大")
    with _Bounded(zf.open(info), MAX_PART_BYTES, path) as fh:
        root = parse_tree(fh.read())
    found = {}
    for rel in root:
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            absolute = target
        elif target.startswith("/"):
            absolute = target.lstrip("/")
        else:
            absolute = posixpath.normpath(posixpath.join(base, target))
        found[rel.get("Id", "")] = (rel.get("Type", ""), absolute)
    return found


def _read_small(zf: zipfile.ZipFile, names: dict[str, str], part: str, path: Path):
    name = names.get(part.lower())
    if name is None:
        return None
    info = zf.getinfo(name)
    if info.file_size > MAX_PART_BYTES:
        raise _damaged(path, f"{part} 过大")
    with _Bounded(zf.open(info), MAX_PART_BYTES, path) as fh:
        return parse_tree(fh.read())


def open_xlsx(path: str | Path) -> XlsxPackage:
    """Open an .xlsx/.xlsm file for reading, or raise a WorkbookError that says what to do."""
    path = Path(path)
    if (problem := special_file_problem(path)) is not None:
        raise NotAWorkbookError(f"{path.name}：{problem}", "请给出 .xlsx 填报表文件。")
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(512)
    except FileNotFoundError:
        raise NotAWorkbookError(f"找不到文件 {path}。", "请检查文件名和所在文件夹。") from None
    except IsADirectoryError:
        raise NotAWorkbookError(f"{path} 是文件夹，不是文件。") from None
    except PermissionError:
        raise NotAWorkbookError(
            f"没有权限读取文件 {path}。",
            "请关闭正在使用该文件的程序，或把文件复制到自己的文件夹后再试。",
        ) from None
    except OSError as exc:
        raise NotAWorkbookError(f"无法读取文件 {path}：{os_reason(exc)}。") from None
    if size == 0:
        raise NotAWorkbookError(f"文件 {path.name} 是空文件（0 字节）。", "请重新获取该文件。")
    if size > MAX_FILE_BYTES:
        raise CorruptWorkbookError(
            f"文件 {path.name} 有 {size // 2**20} MB，远大于正常填报表，没有读取。",
            "请删除多余的工作表或图片后重新保存。",
        )
    sniff(path, head)
    try:
        return _open_package(path)
    except WorkbookError:
        raise
    except UnsafeXmlError:
        raise _unsafe(path) from None
    except _DAMAGE as exc:
        raise _damaged(path) from exc


def _open_package(path: Path) -> XlsxPackage:
    zf = zipfile.ZipFile(path)
    try:
        infos = zf.infolist()
        if len(infos) > MAX_ENTRIES:
            raise _damaged(path, "包含的部件过多")
        if any(i.flag_bits & 0x1 for i in infos):
            raise EncryptedWorkbookError(
                f"文件 {path.name} 的内容被加密，无法读取。",
                "请取消加密后另存为 .xlsx 再试。",
            )
        names = {i.filename.lower(): i.filename for i in infos}
        root_rels = _rels(names, zf, "", path)
        main = next(
            (t for typ, t in root_rels.values() if typ.endswith("/officeDocument")),
            "xl/workbook.xml",
        )
        if main.lower() not in names:
            raise NotAWorkbookError(
                f"文件 {path.name} 是压缩包，但不是 Excel 工作簿。",
                "请确认选择的是 .xlsx 填报表；Word 文档等其他文件不能校验。",
            )
        wb_xml = _read_small(zf, names, main, path)
        if wb_xml.tag.rsplit("}", 1)[-1] != "workbook":
            raise NotAWorkbookError(
                f"文件 {path.name} 是压缩包，但不是 Excel 工作簿（可能是 Word 文档等）。",
                "请确认选择的是 .xlsx 填报表；Word 文档等其他文件不能校验。",
            )
        wb_rels = _rels(names, zf, main, path)
        sheets = []
        external = False
        for elem in wb_xml.iter():
            tag = elem.tag.rsplit("}", 1)[-1]
            if tag == "sheet":
                rid = next((v for k, v in elem.attrib.items() if k.rsplit("}", 1)[-1] == "id"), "")
                rel = wb_rels.get(rid)
                part = rel[1] if rel and rel[0].endswith("/worksheet") else None
                sheets.append(SheetEntry(elem.get("name", ""), elem.get("state", "visible"), part))
            elif tag == "externalReference":
                external = True
        shared_part = next(
            (t for typ, t in wb_rels.values() if typ.endswith("/sharedStrings")), None
        )
        external = external or any(typ.endswith("/externalLink") for typ, _ in wb_rels.values())
        custom = {}
        custom_part = next(
            (t for typ, t in root_rels.values() if typ.endswith("/custom-properties")),
            "docProps/custom.xml",
        )
        custom_xml = _read_small(zf, names, custom_part, path)
        if custom_xml is not None:
            for prop in custom_xml:
                value = "".join(child.text or "" for child in prop)
                custom[prop.get("name", "")] = value
        macros = any(n.endswith("vbaproject.bin") for n in names)
        return XlsxPackage(
            path=path,
            zf=zf,
            sheets=sheets,
            custom_properties=custom,
            has_external_links=external,
            has_macros=macros,
            _names=names,
            _shared_part=shared_part,
        )
    except BaseException:
        zf.close()
        raise
