"""Generate a county's returned 年报 files, as a county office finds them after the deadline.

``make_county(folder)`` writes a roster of 40 units (名单.xlsx and the same as CSV) and an inbox of
the workbooks the units sent back, the way they really arrive: in subfolders (邮件附件/,
U盘/第二批/ ...), some renamed by the clerk, three with a mistake, two never returned, one
truncated in transit, one sent twice, with an Excel lock file, a Word draft, a README and a scan
among them. The returned :class:`County` says what is where and what the totals must be, so the
rollup tests can compare against numbers computed here, in plain Python, without the code under
test.

Each workbook is the county's handout (``build_template`` with unit, kind and year stamped) filled
with numbers generated like ``bench/make_workbooks.py``: valid, table 三 balanced per column.
Same seed, same county.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import random
import shutil
import sys
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from nianbao.workbook_templates import CellKey, TemplateRequest, build_template
from nianbao.workbook_templates.compute import input_keys
from nianbao.workbook_templates.loader import spec_for_year
from nianbao.workbook_templates.sample import sample_request

REPO = Path(__file__).resolve().parent.parent


def _load_make_workbooks():
    """Return the bench generator module, loaded by path (bench/ is not a package)."""
    name = "make_workbooks"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "bench" / f"{name}.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


_mw = _load_make_workbooks()

ROSTER_HEADER = ("序号", "单位名称", "单位类型", "编码", "联系人", "联系电话")
COUNTY_CODE = "330127"  # a made-up 县级 code; units get three more digits

# Place names for 乡镇 (镇 or 乡), 街道 and 县直部门, in roster order. 城关镇 comes first: every
# county seat has one, and its clerk renames the file.
TOWNS = (
    "城关镇", "青石镇", "柳河镇", "白沙镇", "龙泉镇", "桃源镇", "石桥镇", "新兴镇", "黄土镇",
    "双河镇", "金鸡乡", "马鞍乡", "松林乡", "清水乡", "大坪乡", "高峰镇", "永安镇", "太平镇",
    "红岩乡", "凤凰镇", "杨柳乡", "三合镇", "长乐镇", "东岳乡", "梅溪镇", "西山乡", "安宁镇",
    "北河乡", "金竹镇", "五里乡",
)  # fmt: skip
STREETS = ("城东", "城西", "城南", "城北", "文昌", "锦江", "南湖", "光明", "新华", "人民路")
DEPARTMENTS = (
    "县教育局", "县公安局", "县民政局", "县财政局", "县人力资源和社会保障局", "县自然资源局",
    "县住房和城乡建设局", "县交通运输局", "县农业农村局", "县卫生健康局", "县市场监督管理局",
    "县发展和改革局", "县水利局", "县司法局", "县应急管理局", "县文化广电旅游体育局",
    "县退役军人事务局", "县审计局", "县统计局", "县医疗保障局",
)  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("明", "伟", "芳", "娜", "敏", "静", "磊", "军", "洋", "勇", "艳", "杰", "涛", "婷", "超")

SUBFOLDERS = ("", "邮件附件", "U盘/第二批", "微信文件")
MIN_UNITS = 12  # room for the broken, missing, unreadable, duplicate and renamed units

_BASE = sample_request(2025)  # the built-in sample: its texts and info, and every input key


@dataclass
class County:
    """A generated county: roster, inbox of returned files, and what each unit's file holds."""

    folder: Path
    roster: Path
    roster_csv: Path
    inbox: Path
    year: int
    units: list[str]
    kinds: dict[str, str]
    values: dict[str, dict[CellKey, Decimal]]
    broken: dict[str, str]
    missing: list[str]
    unreadable: str
    duplicate: str
    lock_file: Path
    stray_files: list[Path]
    # Every file written for a unit, in the inbox (the duplicate has two, missing units none).
    files: dict[str, list[Path]] = field(default_factory=dict)

    def expected_total(self, include_broken: bool = True) -> dict[CellKey, Decimal]:
        """Return the sum of every input cell over the included units (0 where nobody has one).

        Included: every unit whose workbook is readable, counted once, less the broken ones when
        ``include_broken`` is false.
        """
        total = {key: Decimal(0) for key in input_keys(spec_for_year(self.year))}
        for unit, cells in self.values.items():
            if unit in self.broken and not include_broken:
                continue
            for key, value in cells.items():
                total[key] += value
        return total


def _unit_names(n_units: int) -> tuple[list[str], dict[str, str]]:
    """Return the roster's unit names in order and each unit's kind: ~55% 乡镇, 15% 街道."""
    n_towns = round(n_units * 22 / 40)
    n_streets = round(n_units * 6 / 40)
    n_departments = n_units - n_towns - n_streets
    if n_towns > len(TOWNS) or n_streets > len(STREETS) or n_departments > len(DEPARTMENTS):
        raise ValueError(f"{n_units} units are more than the built-in name lists hold (55)")
    kinds = {f"{t}人民政府": "乡镇" for t in TOWNS[:n_towns]}
    kinds |= {f"{s}街道办事处": "街道" for s in STREETS[:n_streets]}
    kinds |= {d: "县直部门" for d in DEPARTMENTS[:n_departments]}
    return list(kinds), kinds


def _short(unit: str) -> str:
    """Return how a clerk shortens a unit's name in a file name: 城关镇, 城东街道, 教育局."""
    return unit.removesuffix("人民政府").removesuffix("办事处").removeprefix("县")


def _t3_and_t4(rng: random.Random, kind: str, seed: int, n: int) -> dict[CellKey, Decimal]:
    """Return tables 三 and 四 for one unit: ``k`` generated workbooks' values added up.

    A sum of columns that each balance still balances, so a busy unit (k up to 5) is as valid
    as a quiet one; k = 0 is a township that had no application all year (and so no case).
    """
    k = rng.choice({"乡镇": (0, 1, 1, 2, 3), "街道": (1, 2, 3), "县直部门": (1, 2, 3, 5)}[kind])
    keys = [key for key in _BASE.values if key.table in ("t3", "t4")]
    total = dict.fromkeys(keys, Decimal(0))
    for i in range(k):
        # Numbers above 1000 keep these draws apart from the t2 draw of unit n.
        request = _mw.workbook_request(1000 + n * 10 + i, seed, base=_BASE)
        for key in keys:
            total[key] += request.values[key]
    return total


def _request(
    unit: str, kind: str, year: int, n: int, seed: int, contact: str, phone: str
) -> TemplateRequest:
    """Return the filled request for roster unit ``n``: valid, table 三 balanced per column."""
    rng = random.Random(f"county:{seed}:{n}")
    generated = _mw.workbook_request(n, seed, base=_BASE)
    values = {k: v for k, v in generated.values.items() if k.table == "t2"}
    values |= _t3_and_t4(rng, kind, seed, n)
    place = _short(unit)
    texts = {
        code: text.replace(_mw.SAMPLE_UNIT, unit)
        .replace(_mw.SAMPLE_PLACE, place)
        .replace(f"{_mw.YEAR}年", f"{year}年")
        for code, text in _BASE.texts.items()
    }
    texts = _mw.stated_texts(_BASE, texts, values)  # its 正文 states its own numbers
    info = {**_BASE.info, "contact": contact, "phone": phone, "date": f"{year + 1}-01-15"}
    return replace(_BASE, year=year, unit=unit, kind=kind, values=values, texts=texts, info=info)


def _break(request: TemplateRequest, what: str) -> TemplateRequest:
    """Return the request with one mistake: an unbalanced column, a blank or a negative count."""
    values = dict(request.values)
    if what == "H3-1":
        values[CellKey("t3", "r3_1", "c1")] += 1  # 一＋二 ≠ 三（七）＋四 in column 自然人
    elif what == "V-BLANK":
        del values[CellKey("t2", "coercion", "decisions")]  # in no equation: only V-BLANK
    elif what == "V-NEGATIVE":
        values[CellKey("t2", "penalty", "decisions")] = Decimal(-1)
    else:
        raise ValueError(what)
    return replace(request, values=values)


def _write_roster(
    xlsx: Path, csv_path: Path, units: list[str], kinds: dict[str, str], contacts: dict
) -> None:
    """Write the roster as 名单.xlsx (sheet 名单) and as a UTF-8-BOM CSV with the same rows."""
    rows = [
        (i, unit, kinds[unit], f"{COUNTY_CODE}{i:03d}", *contacts[unit])
        for i, unit in enumerate(units, start=1)
    ]
    workbook = xlsxwriter.Workbook(str(xlsx))
    sheet = workbook.add_worksheet("名单")
    bold = workbook.add_format({"bold": True})
    sheet.write_row(0, 0, ROSTER_HEADER, bold)
    for r, row in enumerate(rows, start=1):
        sheet.write_number(r, 0, row[0])
        for c, text in enumerate(row[1:], start=1):
            sheet.write_string(r, c, text)  # codes and phone numbers stay text
    sheet.set_column(1, 1, 28)
    sheet.set_column(2, 5, 14)
    workbook.close()
    with csv_path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(ROSTER_HEADER)
        writer.writerows(rows)


def _lock_file_bytes(user: str) -> bytes:
    """Return a 165-byte owner file as Excel leaves it: user name in ANSI, then in UTF-16LE."""
    ansi = user.encode("ascii")
    wide = user.encode("utf-16-le")
    data = bytes([len(ansi)]) + ansi.ljust(53, b" ") + bytes([len(ansi), 0])
    data += wide + b" \x00" * ((108 - len(wide)) // 2) + b"\x00"
    assert len(data) == 165
    return data


def _docx_bytes(unit: str, year: int) -> bytes:
    """Return a small real .docx: the narrative draft a clerk sent along with the workbook."""
    from docx import Document  # only the fixture needs python-docx here

    document = Document()
    document.add_heading(f"{unit}{year}年政府信息公开工作年度报告", level=1)
    document.add_paragraph("一、总体情况（正文，表格数据见填报表）")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# A scanned page as a phone sends it: the JPEG/JFIF header and end marker are enough for a
# stray file that is not a workbook.
_JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + bytes(range(256)) * 4
    + b"\xff\xd9"
)


def _contacts(rng: random.Random, units: list[str]) -> dict[str, tuple[str, str]]:
    """Return each unit's contact person and phone number (text, as the roster keeps it)."""
    result = {}
    for i, unit in enumerate(units, start=1):
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))
        phone = f"0571-{62_000_000 + i * 1_017}" if i % 3 else f"139{rng.randint(0, 10**8):08d}"
        result[unit] = (name, phone)
    return result


def make_county(folder: Path, *, n_units: int = 40, year: int = 2025, seed: int = 7) -> County:
    """Write a county's roster and inbox of returned workbooks under ``folder``; return it."""
    if n_units < MIN_UNITS:
        raise ValueError(f"n_units must be at least {MIN_UNITS}")
    if spec_for_year(year).format_version != _BASE.format_version:
        raise ValueError(f"year {year} uses another format; the county uses the 2021 format")
    folder = Path(folder)
    inbox = folder / "收到的报表"
    for sub in SUBFOLDERS:
        (inbox / sub).mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"county:{seed}")
    units, kinds = _unit_names(n_units)
    contacts = _contacts(rng, units)
    roster, roster_csv = folder / "名单.xlsx", folder / "名单.csv"
    _write_roster(roster, roster_csv, units, kinds, contacts)

    # Roles. 城关镇 (units[0]) always replies, valid, under a clerk's own file name.
    others = units[1:]
    rng.shuffle(others)
    missing = sorted(others[:2], key=units.index)
    unreadable = others[2]
    broken = dict(zip(others[3:6], ("H3-1", "V-BLANK", "V-NEGATIVE"), strict=True))
    duplicate = others[6]
    renamed = {
        units[0]: f"{_short(units[0])}年报(最终版).xlsx",
        others[7]: f"{units.index(others[7]) + 1:02d}{_short(others[7])}{year}年报表.xlsx",
        others[8]: f"{others[8]}-{year}年度填报表(1).xlsx",  # saved twice from the mail
    }
    # A department with no other role sends "附件1：教育局2025年报表.xlsx" (its covering letter's
    # attachment number); with a very small roster there may be none.
    plain = [u for u in others[9:] if kinds[u] == "县直部门"]
    if plain:
        renamed[plain[-1]] = f"附件1：{_short(plain[-1])}{year}年报表.xlsx"

    values: dict[str, dict[CellKey, Decimal]] = {}
    files: dict[str, list[Path]] = {}
    for n, unit in enumerate(units, start=1):
        if unit in missing:
            continue
        request = _request(unit, kinds[unit], year, n, seed, *contacts[unit])
        if unit in broken:
            request = _break(request, broken[unit])
        name = renamed.get(unit, f"{unit}-{year}年度填报表.xlsx")
        path = inbox / rng.choice(SUBFOLDERS) / name
        build_template(path, request)
        files[unit] = [path]
        if unit == unreadable:
            data = path.read_bytes()
            path.write_bytes(data[: len(data) * 3 // 5])  # the mail client gave up mid-way
            continue
        values[unit] = {k: Decimal(v) for k, v in request.values.items() if v is not None}

    first = files[duplicate][0]
    second_folder = "U盘/第二批" if first.parent != inbox / "U盘/第二批" else "邮件附件"
    second = inbox / second_folder / f"{_short(duplicate)}年报（重发）.xlsx"
    shutil.copyfile(first, second)
    files[duplicate].append(second)

    opened = files[units[0]][0]  # the clerk still has it open in WPS
    lock_file = opened.with_name("~$" + opened.name)
    lock_file.write_bytes(_lock_file_bytes("Administrator"))

    draft_unit = others[9]
    draft = files[draft_unit][0].with_name(f"{_short(draft_unit)}{year}年报正文.docx")
    draft.write_bytes(_docx_bytes(draft_unit, year))
    readme = inbox / "README.txt"
    readme.write_text(
        f"{year}年度政府信息公开工作年度报告填报表回收情况：邮件附件和U盘两批，微信收到的另存。\n",
        encoding="utf-8",
    )
    scan = inbox / "微信文件" / f"{_short(others[10])}盖章页扫描件.jpg"
    scan.write_bytes(_JPEG)

    return County(
        folder=folder,
        roster=roster,
        roster_csv=roster_csv,
        inbox=inbox,
        year=year,
        units=units,
        kinds=kinds,
        values=values,
        broken=broken,
        missing=missing,
        unreadable=unreadable,
        duplicate=duplicate,
        lock_file=lock_file,
        stray_files=[draft, readme, scan],
        files=files,
    )


# -- the small county: two included units with errors ---------------------------------

TYPO_CELL = "表三!D6"  # 一、本年新收 · 自然人
TYPO_KEY = CellKey("t3", "r1", "c1")
TYPO_TEXT = "14件"  # what the clerk typed for 14: the unit counts 0 there, the county 14 short
IMBALANCE_KEY = CellKey("t3", "r3_1", "c1")  # 予以公开 · 自然人, one case too many


@dataclass
class TwoMistakes:
    """Four towns on a roster, all filled from the sample: one typed a number with words, one
    counted a case twice (a real imbalance of -1); the other two are clean."""

    folder: Path
    roster: Path
    inbox: Path
    typo: str  # the unit that typed TYPO_TEXT into TYPO_CELL
    imbalance: str  # the unit with one case too many in IMBALANCE_KEY
    clean: tuple[str, ...]
    files: dict[str, Path]


def make_two_mistakes(folder: Path, year: int = 2025) -> TwoMistakes:
    """Write the roster and the returned workbooks of the issue's county under ``folder``."""
    from nianbao.files import workbook_name

    from .workbook_edit import edit_workbook

    folder = Path(folder)
    names = ("甲镇人民政府", "乙镇人民政府", "丙镇人民政府", "丁镇人民政府")
    roster = folder / "名单.csv"
    folder.mkdir(parents=True, exist_ok=True)
    roster.write_text("单位名称,单位类型\n" + "".join(f"{n},乡镇\n" for n in names), "utf-8")
    inbox = folder / "收表"
    inbox.mkdir()
    files = {}
    for name in names:
        request = replace(sample_request(year), unit=name, kind="乡镇")
        if name == names[1]:
            values = dict(request.values)
            values[IMBALANCE_KEY] += 1
            request = replace(request, values=values)
        files[name] = build_template(inbox / workbook_name(name, year), request)
    built = folder / "未改.xlsx"
    files[names[0]].replace(built)
    edit_workbook(built, files[names[0]], {TYPO_CELL: TYPO_TEXT})
    built.unlink()
    return TwoMistakes(folder, roster, inbox, names[0], names[1], names[2:], files)
