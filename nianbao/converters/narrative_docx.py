"""Reading the narrative from a Word .docx file, and Word's list numbering.

The file is checked as a zip first (entry count and unzipped size), then read with python-docx:
runs with their emphasis, line breaks, content controls and hyperlinks; tables of figures and
pictures become markers for the splitter in ``narrative.py`` (a table's marker with its cell
texts, for ``nianbao import``). List paragraphs get the number or
bullet Word shows, computed from numbering.xml.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from nianbao.errors import NarrativeError

from .document import LIST_ITEM, Paragraph, Run
from .narrative_common import IMAGE_MARKER, TABLE_MARKER, is_layout_text, merge_runs

__all__ = ["MAX_UNZIPPED_BYTES", "MAX_ZIP_ENTRIES", "read_docx"]

# Safety limits for files from outside: a .docx is a zip that could expand without bound.
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
MAX_ZIP_ENTRIES = 2000
# The text of a report (word/document.xml) is well under 1 MB; reading takes seconds per MB, so a
# document this large is refused rather than read for minutes (issue 21: 96 KB of zip, 181 s).
MAX_DOCUMENT_XML_BYTES = 8 * 1024 * 1024


# ---------------------------------------------------------------------------------------------
# The file


def _check_zip(path: Path) -> None:
    """Raise NarrativeError unless the file is a zip of sane size (a .docx is a zip)."""
    not_docx = NarrativeError(
        f"文件 {path.name} 不是有效的 .docx 文件（可能已损坏、加密，或是改了扩展名的其他文件）。",
        "请在 Word/WPS 中打开后另存为 .docx 再试。",
    )
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise not_docx from exc
    total = sum(max(e.file_size, 0) for e in entries)
    if len(entries) >= MAX_ZIP_ENTRIES or total >= MAX_UNZIPPED_BYTES:
        raise NarrativeError(
            f"文件 {path.name} 解压后过大（{total // (1024 * 1024)} MB，{len(entries)} 个部件），"
            "为安全起见不予读取。",
            "正常的年报正文不会这么大，请检查文件来源，或在 Word/WPS 中另存为新的 .docx 再试。",
        )
    text = sum(max(e.file_size, 0) for e in entries if e.filename == "word/document.xml")
    if text > MAX_DOCUMENT_XML_BYTES:
        raise NarrativeError(
            f"文件 {path.name} 的正文部分解压后过大（{text // (1024 * 1024)} MB），没有读取。",
            "正常的年报正文不会这么大，请检查文件来源，或在 Word/WPS 中另存为新的 .docx 再试。",
        )


def read_docx(path: Path) -> list[Paragraph]:
    """Return the paragraphs of a .docx file; raise NarrativeError if it is unsafe or unreadable."""
    _check_zip(path)
    try:
        import docx

        document = docx.Document(str(path))
        return _DocxReader(document).read()
    except NarrativeError:
        raise
    except Exception as exc:  # a damaged file can make python-docx or lxml raise almost anything
        raise NarrativeError(
            f"无法读取 Word 文件 {path.name}：文件已损坏或不是 Word 文档。",
            "请在 Word/WPS 中打开后另存为 .docx 再试。",
        ) from exc


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_ALTERNATE = "{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent"
_OFF = ("0", "false", "off", "none")
_PICTURES = (_W + "drawing", _W + "pict", _W + "object", _MC_ALTERNATE)


def _merged_away(tc) -> bool:
    """Return True for a cell that continues a vertical merge (Word keeps it, empty)."""
    merge = tc.find(f"{_W}tcPr/{_W}vMerge")
    return merge is not None and (_val(merge) or "continue") == "continue"


def _val(element, name: str = "val") -> str | None:
    return None if element is None else element.get(_W + name)


def _on(rpr, tag: str) -> bool:
    if rpr is None:
        return False
    element = rpr.find(_W + tag)
    if element is None:
        return False
    value = _val(element)
    return value is None or value.lower() not in _OFF


# ---------------------------------------------------------------------------------------------
# List numbering (numbering.xml -> the labels Word shows)


@dataclass
class _Level:
    start: int
    fmt: str
    text: str
    legal: bool


def _level(lvl) -> tuple[int, _Level]:
    start = _val(lvl.find(_W + "start"))
    return int(_val(lvl, "ilvl") or 0), _Level(
        start=int(start) if start and start.lstrip("-").isdigit() else 1,
        fmt=_val(lvl.find(_W + "numFmt")) or "decimal",
        text=_val(lvl.find(_W + "lvlText")) or "",
        legal=lvl.find(_W + "isLgl") is not None,
    )


class _Numbering:
    """Computes the number or bullet Word shows in front of each list paragraph."""

    def __init__(self, numbering, style_nums: dict[str, tuple[str, int | None]]) -> None:
        self.abstract = {}
        self.nums = {}
        if numbering is not None:
            self.abstract = {
                a.get(_W + "abstractNumId"): a for a in numbering.iter(_W + "abstractNum")
            }
            self.nums = {n.get(_W + "numId"): n for n in numbering.iter(_W + "num")}
        self.style_nums = style_nums
        self.counters: dict[str, dict[int, int]] = {}
        self.cache: dict[str, dict[int, _Level]] = {}

    def _abstract_of(self, num):
        abstract = self.abstract.get(_val(num.find(_W + "abstractNumId")))
        link = _val(abstract.find(_W + "numStyleLink")) if abstract is not None else None
        if link and link in self.style_nums:
            linked = self.nums.get(self.style_nums[link][0])
            if linked is not None:
                abstract = self.abstract.get(_val(linked.find(_W + "abstractNumId")), abstract)
        return abstract

    def levels(self, num_id: str) -> dict[int, _Level]:
        if num_id not in self.cache:
            levels: dict[int, _Level] = {}
            num = self.nums.get(num_id)
            abstract = self._abstract_of(num) if num is not None else None
            if abstract is not None:
                levels = dict(_level(lvl) for lvl in abstract.iter(_W + "lvl"))
            for override in num.iter(_W + "lvlOverride") if num is not None else ():
                ilvl = int(_val(override, "ilvl") or 0)
                lvl = override.find(_W + "lvl")
                if lvl is not None:
                    levels[ilvl] = _level(lvl)[1]
                start = _val(override.find(_W + "startOverride"))
                if start and start.isdigit() and ilvl in levels:
                    levels[ilvl].start = int(start)
            self.cache[num_id] = levels
        return self.cache[num_id]

    def label(self, num_id: str, ilvl: int) -> str | None:
        """Advance the list's counter and return the label, or None for an unknown list."""
        levels = self.levels(num_id)
        level = levels.get(ilvl)
        if level is None:
            return None
        counters = self.counters.setdefault(num_id, {})
        counters[ilvl] = counters[ilvl] + 1 if ilvl in counters else level.start
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        if level.fmt == "bullet":
            return "•"

        def number(m: re.Match) -> str:
            k = int(m.group(1)) - 1
            shown = levels.get(k, level)
            value = counters.get(k, shown.start)
            return _format_number(value, "decimal" if level.legal else shown.fmt)

        return re.sub(r"%([1-9])", number, level.text)


_CIRCLED = {"decimalEnclosedCircle": 0x2460, "decimalEnclosedCircleChinese": 0x2460}
_STEMS = "甲乙丙丁戊己庚辛壬癸"
_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
_LEGAL = "零壹贰叁肆伍陆柒捌玖"


def _chinese_counting(n: int, digits: str = "零一二三四五六七八九", ten: str = "十") -> str:
    if n <= 0 or n >= 10000:
        return str(n)
    units = [(1000, "千"), (100, "百"), (10, ten)]
    out, zero = "", False
    for size, unit in units:
        d, n = divmod(n, size)
        if d:
            if zero:
                out += digits[0]
            out += ("" if (size == 10 and d == 1 and not out) else digits[d]) + unit
            zero = False
        elif out:
            zero = True
    if n:
        out += (digits[0] if zero else "") + digits[n]
    return out


def _letters(n: int, base: str) -> str:
    if n <= 0:
        return str(n)
    return chr(ord(base) + (n - 1) % 26) * ((n - 1) // 26 + 1)


def _roman(n: int) -> str:
    if n <= 0 or n >= 4000:
        return str(n)
    out = ""
    for value, sign in zip(
        (1000, 900, 500, 400, 100, 90, 50, 40, 10, 9, 5, 4, 1),
        ("M", "CM", "D", "CD", "C", "XC", "L", "XL", "X", "IX", "V", "IV", "I"),
        strict=True,
    ):
        while n >= value:
            out += sign
            n -= value
    return out


def _format_number(n: int, fmt: str) -> str:
    """Return a list counter as Word shows it for a w:numFmt value."""
    if fmt in (
        "chineseCounting",
        "chineseCountingThousand",
        "japaneseCounting",
        "taiwaneseCounting",
    ):
        return _chinese_counting(n)
    if fmt in ("chineseLegalSimplified", "ideographLegalTraditional"):
        return _chinese_counting(n, _LEGAL, "拾")
    if fmt in ("ideographDigital", "taiwaneseDigital", "japaneseDigitalTenThousand"):
        return "".join("〇一二三四五六七八九"[int(d)] for d in str(n)) if n >= 0 else str(n)
    if fmt == "ideographTraditional" and 1 <= n <= len(_STEMS):
        return _STEMS[n - 1]  # 甲乙丙丁 (Word's ideographTraditional)
    if fmt == "ideographZodiac" and 1 <= n <= len(_BRANCHES):
        return _BRANCHES[n - 1]
    if fmt in _CIRCLED and 1 <= n <= 20:
        return chr(_CIRCLED[fmt] + n - 1)
    if fmt == "decimalEnclosedParen" and 1 <= n <= 20:
        return chr(0x2474 + n - 1)
    if fmt == "decimalEnclosedFullstop" and 1 <= n <= 20:
        return chr(0x2488 + n - 1)
    if fmt in ("decimalFullWidth", "decimalFullWidth2"):
        return "".join(chr(0xFF10 + int(d)) for d in str(n)) if n >= 0 else str(n)
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "lowerLetter":
        return _letters(n, "a")
    if fmt == "upperLetter":
        return _letters(n, "A")
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "none":
        return ""
    return str(n)


# ---------------------------------------------------------------------------------------------
# The document body


class _DocxReader:
    """Turns a python-docx Document into paragraphs, table and picture markers."""

    def __init__(self, document) -> None:
        self.body = document.element.body
        self.styles: dict[str, tuple[str, tuple[str, int | None] | None]] = {}
        styles_el = document.styles.element
        raw = {}
        for style in styles_el.iter(_W + "style"):
            sid = style.get(_W + "styleId")
            if sid is None:
                continue
            num_pr = style.find(f"{_W}pPr/{_W}numPr")
            num = None
            if num_pr is not None:
                ilvl = _val(num_pr.find(_W + "ilvl"))
                num = (_val(num_pr.find(_W + "numId")) or "", int(ilvl) if ilvl else None)
            raw[sid] = (_val(style.find(_W + "name")) or sid, num, _val(style.find(_W + "basedOn")))
        for sid in raw:
            name, num, based = raw[sid]
            seen = {sid}
            while num is None and based in raw and based not in seen:
                seen.add(based)
                num, based = raw[based][1], raw[based][2]
            self.styles[sid] = (name, num)
        style_nums = {sid: num for sid, (_, num) in self.styles.items() if num and num[0]}
        try:
            numbering = document.part.numbering_part.element
        except (KeyError, NotImplementedError):
            numbering = None
        self.numbering = _Numbering(numbering, style_nums)
        self.style_counters: dict[str, int] = {}

    def read(self) -> list[Paragraph]:
        return list(self._blocks(self.body))

    def _blocks(self, container) -> Iterator[Paragraph]:
        for child in container:
            tag = child.tag
            if tag == _W + "p":
                yield from self._paragraph(child)
            elif tag == _W + "tbl":
                yield from self._table(child)
            elif tag in (_W + "sdt", _W + "customXml"):
                content = child.find(_W + "sdtContent") if tag == _W + "sdt" else child
                if content is not None:
                    yield from self._blocks(content)

    def _table(self, table) -> Iterator[Paragraph]:
        cells = []
        rows: list[list[str]] = []
        for tc in table.iter(_W + "tc"):
            if next(tc.iterancestors(_W + "tbl"), None) is not table:
                continue
            cell = list(self._blocks(tc))
            cells.append(cell)
            tr = tc.getparent()
            while tr is not None and tr.tag != _W + "tr":
                tr = tr.getparent()  # a cell inside a content control of the row
            if not rows or rows[-1][0] is not tr:
                rows.append([tr])
            if not _merged_away(tc):
                rows[-1].append("".join(p.text for p in cell))
        texts = ["".join(p.text for p in cell) for cell in cells]
        if any(is_layout_text(t) for t in texts):
            for cell in cells:
                yield from cell  # a layout table around the text, not a table of figures
        elif any(texts):
            yield Paragraph((), TABLE_MARKER, cells=tuple(tuple(r[1:]) for r in rows))

    def _list_label(self, ppr) -> tuple[str, int] | None:
        style_id = _val(ppr.find(_W + "pStyle")) if ppr is not None else None
        name, style_num = self.styles.get(style_id or "", ("", None))
        num_pr = ppr.find(_W + "numPr") if ppr is not None else None
        num_id = ilvl = None
        if num_pr is not None:
            num_id = _val(num_pr.find(_W + "numId"))
            ilvl_text = _val(num_pr.find(_W + "ilvl"))
            ilvl = int(ilvl_text) if ilvl_text and ilvl_text.isdigit() else None
        if num_id is None and style_num is not None:
            num_id = style_num[0]
            ilvl = style_num[1] if ilvl is None else ilvl
        ilvl = ilvl or 0
        if num_id and num_id != "0":
            label = self.numbering.label(num_id, ilvl)
            if label is not None:
                return label, ilvl
        lowered = name.lower()
        if lowered.startswith("list") and not lowered.startswith(("list paragraph", "list cont")):
            level = int(name[-1]) - 1 if name[-1].isdigit() else 0
            if "bullet" in lowered:
                return "•", level
            count = self.style_counters.get(name, 0) + 1
            self.style_counters[name] = count
            return f"{count}.", level
        return None

    def _paragraph(self, p) -> Iterator[Paragraph]:
        ppr = p.find(_W + "pPr")
        listed = self._list_label(ppr)
        lines: list[list[Run]] = [[]]
        pictures = 0

        def walk(element) -> None:
            nonlocal pictures
            for child in element:
                tag = child.tag
                if tag == _W + "r":
                    pictures += self._run(child, lines)
                elif tag in _PICTURES:
                    pictures += 1
                elif tag in (_W + "pPr", _W + "del", _W + "moveFrom", _W + "rPr"):
                    continue
                else:
                    walk(child)  # hyperlinks, insertions, inline content controls, fields

        walk(p)
        for i, runs in enumerate(lines):
            if listed is not None and i == 0:
                label, level = listed
                yield Paragraph(merge_runs(runs), LIST_ITEM, label, level)
            else:
                yield Paragraph(merge_runs(runs))
        for _ in range(pictures):
            yield Paragraph((), IMAGE_MARKER)

    def _run(self, r, lines: list[list[Run]]) -> int:
        rpr = r.find(_W + "rPr")
        if _on(rpr, "vanish"):
            return 0
        u = rpr.find(_W + "u") if rpr is not None else None
        underline = u is not None and (_val(u) or "single") != "none"
        bold, italic = _on(rpr, "b"), _on(rpr, "i")
        pictures = 0
        for child in r:
            tag = child.tag
            if tag == _W + "t":
                lines[-1].append(Run(child.text or "", bold, italic, underline))
            elif tag == _W + "tab":
                lines[-1].append(Run(" ", bold, italic, underline))
            elif tag == _W + "noBreakHyphen":
                lines[-1].append(Run("-", bold, italic, underline))
            elif tag in (_W + "br", _W + "cr"):
                lines.append([])
            elif tag in _PICTURES:
                pictures += 1
        return pictures
