"""The county's roster (名单) of units that fill in a workbook: read from .xlsx or .csv, and a
template to start one.

The roster is what the county office already keeps as a spreadsheet, so the reader is tolerant:
instruction rows above the header, columns in any order, alternative column titles, a CSV saved
by Excel on Chinese Windows (GB18030). It is strict only where a mistake would silently go wrong
later: a missing name column, an unknown unit type, the same unit twice.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

from nianbao.errors import NianbaoError, WorkbookError, os_reason
from nianbao.files import atomic_output, special_file_problem
from nianbao.workbook_templates.stamp import output_properties
from nianbao.workbook_templates.values import normalize_label

from .dates import DATE_FORMS, parse_date

# The kind of a rolled-up workbook (written by rollup), never a unit that fills one in.
SUMMARY_KIND = "汇总"
SHEET_NAME = "名单"

# Column titles the county may have used, best first; compared after normalize_label.
NAME, KIND, CODE, PERSON, PHONE = "name", "kind", "code", "person", "phone"
DEADLINE = "deadline"
COLUMN_TITLES: dict[str, tuple[str, ...]] = {
    NAME: ("单位名称", "单位全称", "填报单位", "名称", "单位"),
    KIND: ("单位类型", "类型"),
    CODE: ("编码", "单位编码", "代码", "单位代码"),
    PERSON: ("联系人",),
    PHONE: ("联系电话", "电话", "联系方式"),
    DEADLINE: ("截止日期", "报送截止日期", "截止时间", "报送期限", "报送时限"),
}
# The template's header; 序号 is there for the reader's eye only and is never read.
TEMPLATE_HEADER = ("序号", "单位名称", "单位类型", "编码", "联系人", "联系电话", "截止日期")

HEADER_SEARCH_ROWS = 10
MAX_ROWS = 10_000
MAX_COLUMNS = 100
MAX_CSV_BYTES = 8 * 1024 * 1024
MAX_NAME = 100
TEMPLATE_ROWS = 500
XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt")
CSV_DELIMITERS = (",", "\t", "，", ";")
OTHER_SPREADSHEETS = {
    ".xls": "旧版 Excel（.xls）",
    ".et": "WPS 表格（.et）",
    ".ett": "WPS 表格模板（.ett）",
    ".ods": "OpenDocument 表格（.ods）",
    ".numbers": "Numbers 表格",
    ".xltx": "Excel 模板（.xltx）",
}
SAVE_AS = "请在 WPS/Excel 中打开名单，“另存为” Excel 工作簿（.xlsx）或 CSV（逗号分隔）后再试。"

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class RosterError(NianbaoError):
    """The roster cannot be used: unreadable, no name column, bad unit type, duplicates, empty."""


@dataclass(frozen=True)
class RosterUnit:
    """One unit on the roster, as written there."""

    name: str
    kind: str = ""
    code: str = ""
    person: str = ""  # 联系人
    phone: str = ""  # 联系电话, as written (text: leading zeros and dashes kept)
    row: int = 0
    deadline: dt.date | None = None  # 截止日期: this unit's own (else the rollup's --deadline)


@dataclass(frozen=True)
class Roster:
    """The units the county expects a workbook from, in roster order."""

    path: Path
    units: tuple[RosterUnit, ...]

    def find(self, name: str) -> RosterUnit | None:
        """Return the unit whose name matches ``name`` (ignoring spaces and full/half width)."""
        key = normalize_label(name)
        return next((u for u in self.units if normalize_label(u.name) == key), None)

    def names(self) -> list[str]:
        """Return the unit names in roster order."""
        return [u.name for u in self.units]


# -- reading ----------------------------------------------------------------------------------


def unit_kinds() -> tuple[str, ...]:
    """Return the unit types a roster may name: every format's kinds except the summary."""
    from nianbao.workbook_templates.loader import available_formats

    kinds: list[str] = []
    for spec in available_formats().values():
        kinds += [k for k in spec.kinds if k != SUMMARY_KIND and k not in kinds]
    return tuple(kinds)


def read_roster(path: str | os.PathLike) -> Roster:
    """Return the roster read from an .xlsx or .csv file; raise RosterError when it is unusable."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in OTHER_SPREADSHEETS:
        raise RosterError(
            f"名单 {path.name} 是{OTHER_SPREADSHEETS[suffix]}格式，年报助手只读取 .xlsx 和 .csv。",
            SAVE_AS,
        )
    if suffix in XLSX_SUFFIXES:
        rows = _xlsx_rows(path)
    elif suffix in CSV_SUFFIXES:
        rows = _csv_rows(path)
    else:
        raise RosterError(f"名单 {path.name} 不是 .xlsx 或 .csv 文件。", SAVE_AS)
    return Roster(path=path, units=_units(path, rows))


def _xlsx_rows(path: Path) -> list[tuple[int, list[str]]]:
    """Return (1-based row, cell texts) for the roster sheet of an .xlsx file."""
    from nianbao.errors import EncryptedWorkbookError
    from nianbao.workbook_templates.xlsx_reader import open_xlsx

    try:
        with open_xlsx(path) as pkg:
            _refuse_our_workbook(path, pkg)
            entry = next((s for s in pkg.sheets if s.name == SHEET_NAME), None)
            entry = entry or next((s for s in pkg.sheets if s.state == "visible"), None)
            sheet = pkg.sheet(entry.name, max_rows=MAX_ROWS) if entry else None
    except WorkbookError as exc:
        # The reader's advice speaks of 填报表; only its advice on passwords fits a roster too.
        action = (
            exc.action
            if isinstance(exc, EncryptedWorkbookError)
            else "请确认选择的是单位名单；可以在 WPS/Excel 中打开它，"
            "“另存为” Excel 工作簿（.xlsx）或 CSV（逗号分隔）后再试。"
        )
        raise RosterError(exc.message, action) from None
    if sheet is None:
        raise RosterError(
            f"名单 {path.name} 中没有可以读取的工作表。",
            "请把单位名单放在第一个工作表中，或用 nianbao roster-template 生成名单模板。",
        )
    # A formatted but empty tail (borders on a whole column) is cut off harmlessly; real data
    # reaching the limit is not.
    if sheet.truncated and sheet.max_row >= MAX_ROWS - 1000:
        raise RosterError(
            f"名单 {path.name} 超过 {MAX_ROWS} 行，没有读取。",
            "请删除名单以外的内容；一个名单通常只有几十个单位。",
        )
    # Rows are built from the cells present, so one stray cell far to the right costs nothing.
    by_row: dict[int, dict[int, str]] = {}
    for r, c in sheet.cells:
        if c < MAX_COLUMNS:
            by_row.setdefault(r, {})[c] = sheet.text(r, c).strip()
    return [
        (r + 1, [cells.get(c, "") for c in range(max(cells) + 1)])
        for r, cells in sorted(by_row.items())
    ]


def _refuse_our_workbook(path: Path, pkg) -> None:
    """Raise RosterError for a workbook of ours that is not a roster: a 填报表 or a summary (its
    labels would be read as units) or a 退回清单 (it lists only the units sent back)."""
    from nianbao.workbook_templates.reader import find_stamp
    from nianbao.workbook_templates.stamp import output_role

    if find_stamp(pkg) is not None:
        what = "填报表或汇总表"
    elif output_role(pkg.custom_properties) == "returns_list":
        what = "退回清单"
    else:
        return
    raise RosterError(
        f"{path.name} 是年报助手的{what}，不是填报单位名单。",
        "请选择单位名单（.xlsx 或 .csv，每行一个单位，有“单位名称”列）；"
        "还没有名单时可以用 nianbao roster-template 生成名单模板。",
    )


def _decode(data: bytes) -> str:
    """Return the text of a CSV file: UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Chinese Windows saves "CSV" in the ANSI code page, GBK; GB18030 is its superset.
        return data.decode("gb18030", errors="replace")


def _csv_rows(path: Path) -> list[tuple[int, list[str]]]:
    """Return (1-based row, cell texts) of a CSV file, with the delimiter that finds a header."""
    if (problem := special_file_problem(path)) is not None:
        raise RosterError(f"名单 {path.name}：{problem}", "请给出 .xlsx 或 .csv 名单文件。")
    try:
        size = path.stat().st_size
        if size > MAX_CSV_BYTES:
            raise RosterError(
                f"名单 {path.name} 有 {size // 2**20} MB，远大于正常的单位名单，没有读取。",
                "请确认选择的是单位名单文件。",
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise RosterError(f"找不到名单文件 {path}。", "请检查文件名和所在文件夹。") from None
    except IsADirectoryError:
        raise RosterError(
            f"{path} 是文件夹，不是名单文件。", "请给出 .xlsx 或 .csv 名单。"
        ) from None
    except PermissionError:
        raise RosterError(
            f"没有权限读取名单 {path}。", "请关闭正在使用该文件的程序后再试。"
        ) from None
    except OSError as exc:
        raise RosterError(f"无法读取名单 {path}：{os_reason(exc)}。") from None
    text = _decode(data)
    if "\x00" in text:
        raise RosterError(f"名单 {path.name} 不是文本文件。", SAVE_AS)
    best: list[tuple[int, list[str]]] = []
    best_score, best_delimiter = -1, CSV_DELIMITERS[0]
    for delimiter in CSV_DELIMITERS:
        try:
            records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            rows = [(n, [cell.strip() for cell in record]) for n, record in enumerate(records, 1)]
        except csv.Error:
            continue  # e.g. a NUL byte under this delimiter; another one may read it
        found = _find_header(rows)
        score = len(found[1]) if found else 0
        if score > best_score:
            best, best_score, best_delimiter = rows, score, delimiter
    _refuse_runaway_quote(path, text, best_delimiter)
    return best


def _refuse_runaway_quote(path: Path, text: str, delimiter: str) -> None:
    """Raise RosterError naming the line where a quote opens that never closes: the reader
    would take every line after it, to the end of the file, for one unit's name."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1  # the line the record being read starts on
    try:
        for _ in reader:
            start = reader.line_num + 1
    except csv.Error:
        if reader.line_num > start:  # the record ran on past its own line, to the end
            raise RosterError(
                f'名单 {path.name} 第 {start} 行有一个没有配对的引号（"），'
                "它后面直到文件末尾的各行会被当成一个单位名称，没有读取。",
                "请删除这个多余的引号，或补上配对的引号，保存后再试。",
            ) from None


def _title_key(text: str) -> str:
    # "单位名称（必填）" and "*单位名称" are still the name column.
    key = normalize_label(text)
    key = re.sub(r"\(.*?\)$", "", key)
    return key.strip("*")


def _find_header(rows: list[tuple[int, list[str]]]) -> tuple[int, dict[str, int]] | None:
    """Return (index into rows, {field: column}) of the header row, or None."""
    for index, (row, cells) in enumerate(rows):
        if row > HEADER_SEARCH_ROWS:
            break
        keys = [_title_key(c) for c in cells]
        columns: dict[str, int] = {}
        for field, titles in COLUMN_TITLES.items():
            for title in titles:
                if title in keys:
                    columns[field] = keys.index(title)
                    break
        if NAME in columns:
            return index, columns
    return None


def _cell(cells: list[str], column: int | None) -> str:
    return cells[column] if column is not None and column < len(cells) else ""


def _units(path: Path, rows: list[tuple[int, list[str]]]) -> tuple[RosterUnit, ...]:
    found = _find_header(rows)
    if found is None:
        raise RosterError(
            f"名单 {path.name} 的前 {HEADER_SEARCH_ROWS} 行中没有找到“单位名称”列。",
            "请在名单上方加一行列标题，单位名称所在列写“单位名称”；"
            "也可以用 nianbao roster-template 生成名单模板，把单位粘贴进去。",
        )
    header_index, columns = found
    header_row = rows[header_index][0]
    kinds = unit_kinds()
    units: list[RosterUnit] = []
    for row, cells in rows[header_index + 1 :]:
        name = _clean_name(_cell(cells, columns[NAME]))
        kind = _cell(cells, columns.get(KIND))
        code = _cell(cells, columns.get(CODE))
        person = _cell(cells, columns.get(PERSON))
        phone = _cell(cells, columns.get(PHONE))
        deadline_text = _cell(cells, columns.get(DEADLINE))
        if not name:
            # A row numbered in advance (序号 only) is not a unit; details without a name are.
            if kind or code or person or phone:
                raise RosterError(
                    f"名单 {path.name} 第 {row} 行填了单位类型、编码或联系人，但没有单位名称。",
                    "请补上单位名称，或删除这一行。",
                )
            continue
        if len(name) > MAX_NAME or _CONTROL.search(name):
            raise RosterError(
                f"名单 {path.name} 第 {row} 行的单位名称过长或含有不可见的控制字符。",
                f"单位名称应为机关全称，不超过 {MAX_NAME} 个字，请改正。",
            )
        kind = _check_kind(path, row, kind, kinds)
        deadline = _check_deadline(path, row, deadline_text)
        units.append(RosterUnit(name, kind, code, person, phone, row, deadline))
    if not units:
        raise RosterError(
            f"名单 {path.name} 中还没有填报单位（第 {header_row} 行列标题下面是空的）。",
            "请在“单位名称”列下每行填写一个填报单位的全称，保存后再试。",
        )
    _check_duplicates(path, units)
    return tuple(units)


def _clean_name(text: str) -> str:
    # A line break typed with Alt+Enter to wrap a long name in its cell is not part of the name.
    return re.sub(r"\s*[\r\n]+\s*", "", text).strip()


def _check_kind(path: Path, row: int, kind: str, kinds: tuple[str, ...]) -> str:
    if not kind:
        return ""
    key = normalize_label(kind)
    for known in kinds:
        if normalize_label(known) == key:
            return known
    if key == normalize_label(SUMMARY_KIND):
        raise RosterError(
            f"名单 {path.name} 第 {row} 行的单位类型是“{SUMMARY_KIND}”，但名单只列填报单位。",
            f"汇总表由 nianbao rollup 生成，不要列入名单；请改为 {'、'.join(kinds)} 之一，"
            "或删除这一行。",
        )
    raise RosterError(
        f"名单 {path.name} 第 {row} 行的单位类型“{kind}”不在可选范围内。",
        f"请改为 {'、'.join(kinds)} 之一；不确定的可以不填，由单位在填报表中选择。",
    )


def _check_deadline(path: Path, row: int, text: str) -> dt.date | None:
    if not text:
        return None
    day = parse_date(text)
    if day is None:
        raise RosterError(
            f"名单 {path.name} 第 {row} 行的截止日期“{text}”不是日期。",
            f"请写成 {DATE_FORMS}；这个单位没有单独的截止日期时留空，"
            "按汇总时给出的 --deadline 计算。",
        )
    return day


def _check_duplicates(path: Path, units: list[RosterUnit]) -> None:
    rows_by_key: dict[str, list[RosterUnit]] = {}
    for unit in units:
        rows_by_key.setdefault(normalize_label(unit.name), []).append(unit)
    repeated = [group for group in rows_by_key.values() if len(group) > 1]
    if not repeated:
        return
    parts = [
        f"“{group[0].name}”在第 {'、'.join(str(u.row) for u in group)} 行" for group in repeated
    ]
    shown = "；".join(parts[:5]) + (f"；等 {len(parts)} 个单位" if len(parts) > 5 else "")
    raise RosterError(
        f"名单 {path.name} 中有重复的单位：{shown}。",
        "每个单位只能列一次，请删除重复的行（名称中的空格和全角半角差别不算不同）。",
    )


# -- template ---------------------------------------------------------------------------------


def write_roster_template(path: str | os.PathLike, *, force: bool = False) -> Path:
    """Write an empty roster workbook (sheet 名单) atomically; return its path."""
    import xlsxwriter

    kinds = unit_kinds()
    instructions = (
        "说明：每行一个填报单位，可以直接从其他表格粘贴；序号可不填。",
        "单位名称必填，须与填报表上的单位全称一致（如“青禾镇人民政府”）。",
        f"单位类型从下拉列表选择：{'、'.join(kinds)}（不确定的可不填，由单位在填报表中选择）；"
        "编码、联系人、联系电话可不填；截止日期写成 2026-01-31，"
        "不填的按汇总时给出的统一截止日期（--deadline）计算。",
    )
    last_col = len(TEMPLATE_HEADER) - 1
    header_row = 1 + len(instructions)
    with atomic_output(path, force=force) as tmp:
        wb = xlsxwriter.Workbook(
            str(tmp),
            {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
        )
        wb.set_properties({"title": "填报单位名单", "author": "年报助手 nianbao"})
        for key, text in output_properties("roster"):
            wb.set_custom_property(key, text)
        title = wb.add_format({"bold": True, "font_size": 16, "align": "center"})
        note = wb.add_format({"font_color": "#595959", "text_wrap": True, "valign": "top"})
        head = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "align": "center"})
        text = wb.add_format({"num_format": "@"})  # keeps leading zeros of codes and phones
        ws = wb.add_worksheet(SHEET_NAME)
        ws.merge_range(0, 0, 0, last_col, "填报单位名单", title)
        ws.set_row(0, 28)
        for r, line in enumerate(instructions, 1):
            ws.merge_range(r, 0, r, last_col, line, note)
            ws.set_row(r, 30)
        for c, label in enumerate(TEMPLATE_HEADER):
            ws.write_string(header_row, c, label, head)
        for c, width in enumerate((6, 36, 12, 14, 12, 16, 14)):
            ws.set_column(c, c, width, text if TEMPLATE_HEADER[c] in ("编码", "联系电话") else None)
        deadline_col = TEMPLATE_HEADER.index("截止日期")
        ws.data_validation(
            header_row + 1,
            deadline_col,
            header_row + TEMPLATE_ROWS,
            deadline_col,
            {
                "validate": "date",
                "criteria": "between",
                "minimum": dt.date(2019, 1, 1),
                "maximum": dt.date(2099, 12, 31),
                "input_title": "截止日期",
                "input_message": "不填：按统一截止日期。",
                "error_title": "截止日期",
                "error_message": "请填写日期，如 2026-01-31。",
            },
        )
        ws.set_column(deadline_col, deadline_col, 14, wb.add_format({"num_format": "yyyy-mm-dd"}))
        kind_col = TEMPLATE_HEADER.index("单位类型")
        ws.data_validation(
            header_row + 1,
            kind_col,
            header_row + TEMPLATE_ROWS,
            kind_col,
            {
                "validate": "list",
                "source": list(kinds),
                "error_title": "单位类型",
                "error_message": f"请从下拉列表选择：{'、'.join(kinds)}；不确定的可不填。",
            },
        )
        ws.freeze_panes(header_row + 1, 0)
        ws.activate()
        wb.close()
    return Path(path)
