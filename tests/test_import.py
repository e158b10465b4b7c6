"""nianbao import: a published report (.txt copied from a web page, .html, .docx) read into a
workbook of our format — every value it shows, nothing it does not show, the narrative in the
正文 sheet — and that workbook used as last year's (--previous)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from nianbao.errors import NianbaoError, OutputExistsError
from nianbao.importer.report import ImportRequest, import_report
from nianbao.importer.tables import SourceTable, read_tables
from nianbao.validation import Finding, validate
from nianbao.workbook_templates import read_workbook
from nianbao.workbook_templates.compute import input_keys
from nianbao.workbook_templates.loader import FORMATS_DIR, load_spec, parse_spec
from nianbao.workbook_templates.spec import CellKey, Severity

from .conftest import SEEDS
from .spec_edit import spec_with_rule
from .workbook_edit import edit_workbook

REPO = Path(__file__).resolve().parent.parent
SEED_002 = SEEDS / "002_9ebba746cc4f361b.txt"
SEED_003 = SEEDS / "003_ea814e481b17270c.txt"
SEED_004 = SEEDS / "004_ffd40503d4e8776a.txt"
T3_COLUMNS = ("c1", "c2", "c3", "c4", "c5", "c6", "ct")

# What seed 002 shows, written out from the seed text (2021 format): every cell, totals included.
SEED_002_T2 = {
    ("regulation", "issued"): 0,
    ("regulation", "repealed"): 0,
    ("regulation", "in_force"): 0,
    ("normative", "issued"): 0,
    ("normative", "repealed"): 0,
    ("normative", "in_force"): 1,
    ("licensing", "decisions"): 0,
    ("penalty", "decisions"): 0,
    ("coercion", "decisions"): 0,
    ("admin_fee", "amount"): 0,
}
SEED_002_T3_ROWS = {  # row -> 自然人, 商业企业, 科研机构, 社会公益组织, 法律服务机构, 其他, 总计
    "r1": (0, 0, 0, 0, 0, 0, 0),
    "r2": (0, 0, 0, 0, 0, 0, 0),
    "r3_1": (0, 0, 0, 0, 0, 0, 0),
    "r3_2": (0, 0, 0, 0, 0, 0, 0),
    "r3_3_1": (0, 0, 0, 0, 0, 0, 0),
    "r3_3_2": (0, 0, 0, 0, 0, 0, 0),
    "r3_3_3": (0, 0, 0, 0, 0, 0, 0),
    "r3_3_4": (0, 0, 0, 0, 0, 0, 0),
    "r3_3_5": (0, 0, 0, 0, 0, 0, 0),
    "r3_3_6": (0, 0, 0, 0, 0, 0, 0),
    "r3_3_7": (0, 0, 0, 0, 0, 0, 0),
    "r3_3_8": (0, 0, 0, 0, 0, 0, 0),
    "r3_4_1": (0, 0, 0, 0, 0, 0, 0),
    "r3_4_2": (0, 0, 0, 0, 0, 0, 0),
    "r3_4_3": (0, 0, 0, 0, 0, 0, 0),
    "r3_5_1": (0, 0, 0, 0, 0, 0, 0),
    "r3_5_2": (0, 0, 0, 0, 0, 0, 0),
    "r3_5_3": (0, 0, 0, 0, 0, 0, 0),
    "r3_5_4": (0, 0, 0, 0, 0, 0, 0),
    "r3_5_5": (0, 0, 0, 0, 0, 0, 0),
    "r3_6_1": (0, 0, 0, 0, 0, 0, 0),
    "r3_6_2": (0, 0, 0, 0, 0, 0, 0),
    "r3_6_3": (0, 0, 0, 0, 0, 0, 0),
    "r3_7": (0, 0, 0, 0, 0, 0, 0),
    "r4": (0, 0, 0, 0, 0, 0, 0),
}
SEED_002_T3 = {
    (row, col): n
    for row, numbers in SEED_002_T3_ROWS.items()
    for col, n in zip(T3_COLUMNS, numbers, strict=True)
}
T4_COLUMNS = (
    *("review_upheld", "review_corrected", "review_other", "review_pending", "review_total"),
    *("direct_upheld", "direct_corrected", "direct_other", "direct_pending", "direct_total"),
    *("after_upheld", "after_corrected", "after_other", "after_pending", "after_total"),
)
SEED_002_T4 = dict(zip((("cases", c) for c in T4_COLUMNS), (0,) * 15, strict=True))


def seed_002_expected() -> dict[CellKey, Decimal]:
    expected = {}
    for table, cells in (("t2", SEED_002_T2), ("t3", SEED_002_T3), ("t4", SEED_002_T4)):
        for (row, col), n in cells.items():
            expected[CellKey(table, row, col)] = Decimal(n)
    return expected


def run_import(source: Path, output: Path, **kwargs):
    return import_report(ImportRequest(source=source, output=output, **kwargs))


# -- seed 002: tables copied from a web page as |-separated cells ---------------------------------


def test_seed_002_imports_every_table_value(tmp_path, spec2021):
    out = tmp_path / "2024.xlsx"
    result = run_import(SEED_002, out, year=2024, unit="崇川区国资办")
    expected = seed_002_expected()
    assert set(expected) == set(spec2021.value_keys())  # the test covers every cell
    assert result.source_format == "2021" and result.spec.format_version == "2021"
    assert result.unknown == frozenset()
    assert result.complete
    assert {t.code: (t.read, t.missing) for t in result.tables} == {
        "t2": (10, 0),
        "t3": (6 * 24, 0),
        "t4": (12, 0),
    }
    wb = read_workbook(out)
    assert wb.year == 2024 and wb.unit == "崇川区国资办"
    assert wb.unknown == frozenset() and not wb.unreadable_tables
    for key in input_keys(spec2021):
        assert wb.cells[key].status == "ok", key
        assert wb.cells[key].value == expected[key], key
    # The totals the seed prints are what the workbook computes from its inputs.
    assert result.read_totals == {k: v for k, v in expected.items() if k not in wb.cells}
    assert result.problems == ()


def test_seed_002_imported_workbook_passes_the_table_rules(tmp_path):
    out = tmp_path / "2024.xlsx"
    run_import(SEED_002, out, year=2024)
    report = validate(read_workbook(out))
    table_rules = [f.rule for f in report.findings if f.rule[:2] in ("H3", "H4", "V-", "F-", "S-")]
    assert table_rules == []


def test_seed_002_narrative_lands_in_the_text_sheet_per_section(tmp_path):
    out = tmp_path / "2024.xlsx"
    result = run_import(SEED_002, out, year=2024)
    texts = read_workbook(out).texts
    assert texts["s1_intro"].startswith("1.政府信息主动公开情况\n一是建立规范制度")
    assert "二是完善相关制度" in texts["s1_intro"]
    assert texts["s5"].startswith("1、公开意识与主动性有待加强")
    assert texts["s5"].rstrip().endswith("优化网站栏目结构,强化智能搜索、个性化推荐等功能。")
    assert texts["s6"] == "本年度未收取因信息公开向申请人收取的资料复印费、邮寄费等政府信息处理费。"
    # The tables are not text: nothing of them lands in the notes before the tables.
    assert texts["s2_note"] == texts["s3_note"] == texts["s4_note"] == ""
    assert result.texts == {k: v for k, v in texts.items() if v}


def test_seed_002_has_no_year_of_its_own(tmp_path):
    out = tmp_path / "x.xlsx"
    with pytest.raises(NianbaoError) as caught:
        run_import(SEED_002, out)
    assert "--year" in caught.value.action and caught.value.exit_code == 2
    assert not out.exists()


# -- seeds 003 and 004: tables published as images -----------------------------------------------


def test_seed_004_lists_its_narrative_numbers_and_reports_its_tables_missing(tmp_path, spec2021):
    out = tmp_path / "2024.xlsx"
    result = run_import(SEED_004, out)
    assert (result.year, result.year_from) == (2024, "title")
    assert result.unit == "紫金县人民政府"
    assert [(t.code, t.found, t.read) for t in result.tables] == [
        ("t2", False, 0),
        ("t3", False, 0),
        ("t4", False, 0),
    ]
    assert result.unknown == frozenset(input_keys(spec2021))
    assert not result.complete
    stated = {(c.code, c.number) for c in result.claims}
    assert {
        ("received", Decimal(38)),
        ("disclosed", Decimal(12)),
        ("partly_disclosed", Decimal(5)),
        ("withheld", Decimal(19)),
        ("carried_forward", Decimal(2)),
    } <= stated
    wb = read_workbook(out)
    assert wb.unreadable_tables == {"t2", "t3", "t4"}
    assert wb.unknown == frozenset(input_keys(spec2021))
    assert all(read.value is None for read in wb.cells.values())  # never invented
    assert "受理信息公开申请38件" in wb.texts["s1_2"]
    assert wb.texts["s1_1"].startswith("1.政策文件公开。")
    assert wb.texts["s5"].startswith("(一)存在问题")
    assert wb.texts["s4_note"].startswith("该表格需要注意的是")


def test_seed_003_web_page_copy_with_layout_table(tmp_path):
    out = tmp_path / "2025.xlsx"
    result = run_import(SEED_003, out)
    assert (result.year, result.unit) == (2025, "白银区人民政府办公室")
    assert not any(t.found for t in result.tables)
    stated = {(c.code, c.number) for c in result.claims}
    assert {("received", Decimal(9)), ("concluded", Decimal(9))} <= stated
    texts = read_workbook(out).texts
    assert "全年受理政府信息公开申请9件" in texts["s1_2"]
    assert texts["s6"].startswith("按照《国务院办公厅关于印发")
    assert "浏览次数" not in "".join(texts.values())


def test_text_without_section_headings_is_kept_whole(tmp_path):
    seed_000 = SEEDS / "000_f88eca96e636ec53.txt"  # a machine-written sample, no line breaks
    result = run_import(seed_000, tmp_path / "x.xlsx", year=2025)
    texts = read_workbook(tmp_path / "x.xlsx").texts
    assert texts["s1_intro"] == seed_000.read_text(encoding="utf-8").strip()
    assert any("没有找到" in n.message and "章节标题" in n.message for n in result.notes)


# -- .docx and .html ----------------------------------------------------------------------------


def _report_paragraphs():
    return (
        "青禾镇人民政府2024年政府信息公开工作年度报告",
        "本报告所列数据的统计期限自2024年1月1日起至2024年12月31日止。",
        "一、总体情况",
        "（一）主动公开",
        "全年主动公开政府信息120条。",
        "（二）依申请公开",
        "全年共收到政府信息公开申请3件，办结3件。",
    )


T3_SMALL = {  # row label -> 7 values (as a published table shows them)
    "一、本年新收政府信息公开申请数量": (2, 1, 0, 0, 0, 0, 3),
    "二、上年结转政府信息公开申请数量": (1, 0, 0, 0, 0, 0, 1),
    "（一）予以公开": (2, 0, 0, 0, 0, 0, 2),
    "（二）部分公开（区分处理的，只计这一情形，不计其他情形）": (0, 1, 0, 0, 0, 0, 1),
    "1.本机关不掌握相关政府信息": (1, 0, 0, 0, 0, 0, 1),
    "（七）总计": (3, 1, 0, 0, 0, 0, 4),
    "四、结转下年度继续办理": (0, 0, 0, 0, 0, 0, 0),
}


def _t3_rows(spec, values=T3_SMALL):
    """Return table three as rows of cell texts: the header, then every row with its numbers."""
    rows = [
        ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况"],
        ["自然人", "法人或其他组织", "总计"],
        ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"],
    ]
    groups_seen = set()
    for row in spec.table("t3").rows:
        cells = [p for p in row.path[:-1] if p not in groups_seen]
        groups_seen.update(row.path[:-1])
        numbers = values.get(row.path[-1], (0,) * 7)
        rows.append([*cells, row.path[-1], *map(str, numbers)])
    return rows


def _t2_rows():
    return [
        ["第二十条第（一）项"],
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["规章", "0", "0", "0"],
        ["行政规范性文件", "2", "1", "9"],
        ["第二十条第（五）项"],
        ["信息内容", "本年处理决定数量"],
        ["行政许可", "31"],
        ["第二十条第（六）项"],
        ["信息内容", "本年处理决定数量"],
        ["行政处罚", "9"],
        ["行政强制", "1"],
        ["第二十条第（八）项"],
        ["信息内容", "本年收费金额（单位：万元）"],
        ["行政事业性收费", "0.35"],
    ]


def _t4_rows():
    return [
        ["行政复议", "行政诉讼"],
        ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "复议后起诉"],
        ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2,
        ["1", "0", "0", "0", "1", "0", "0", "0", "1", "1", "0", "0", "0", "0", "0"],
    ]


def _check_small_report(out: Path) -> None:
    wb = read_workbook(out)
    assert wb.unknown == frozenset() and not wb.unreadable_tables
    v = wb.values()
    assert v[CellKey("t2", "normative", "in_force")] == 9
    assert v[CellKey("t2", "admin_fee", "amount")] == Decimal("0.35")
    assert v[CellKey("t2", "licensing", "decisions")] == 31
    assert v[CellKey("t3", "r1", "c2")] == 1 and v[CellKey("t3", "r3_2", "c2")] == 1
    assert v[CellKey("t3", "r3_4_1", "c1")] == 1 and v[CellKey("t3", "r4", "c1")] == 0
    assert v[CellKey("t4", "cases", "review_upheld")] == 1
    assert v[CellKey("t4", "cases", "direct_pending")] == 1
    assert wb.texts["s1_2"] == "全年共收到政府信息公开申请3件，办结3件。"
    rules = {f.rule for f in validate(wb).findings if f.severity == "error"}
    assert not {r for r in rules if r[:2] in ("H3", "H4", "V-")}


def test_docx_with_real_tables_imports(tmp_path, spec2021):
    import docx

    document = docx.Document()
    for text in _report_paragraphs():
        document.add_paragraph(text)
    for heading, rows in (
        ("二、主动公开政府信息情况", _t2_rows()),
        ("三、收到和处理政府信息公开申请情况", _t3_rows(spec2021)),
        ("四、政府信息公开行政复议、行政诉讼情况", _t4_rows()),
    ):
        document.add_paragraph(heading)
        width = max(len(r) for r in rows)
        table = document.add_table(rows=len(rows), cols=width)
        for r, cells in enumerate(rows):
            for c, text in enumerate(cells):
                table.cell(r, c).text = text
    document.add_paragraph("五、存在的主要问题及改进情况")
    document.add_paragraph("宣传解读还不够。")
    document.add_paragraph("六、其他需要报告的事项")
    document.add_paragraph("无。")
    source = tmp_path / "report.docx"
    document.save(source)
    out = tmp_path / "2024.xlsx"
    result = run_import(source, out)
    assert (result.year, result.unit, result.year_from) == (2024, "青禾镇人民政府", "title")
    assert result.complete, result.problems
    _check_small_report(out)


def _html_table(rows, spans=None) -> str:
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table border=1>{body}</table>"


def test_html_page_with_layout_table_imports(tmp_path, spec2021):
    paragraphs = "".join(f"<p>{t}</p>" for t in _report_paragraphs())
    body = (
        paragraphs
        + "<p>二、主动公开政府信息情况</p>"
        + _html_table(_t2_rows())
        + "<p>三、收到和处理政府信息公开申请情况</p>"
        + _html_table(_t3_rows(spec2021))
        + "<p>四、政府信息公开行政复议、行政诉讼情况</p>"
        + _html_table(_t4_rows())
        + "<p>五、存在的主要问题及改进情况</p><p>宣传解读还不够。</p>"
        + "<p>六、其他需要报告的事项</p><p>无。</p>"
    )
    page = (
        "<html><head><meta charset='utf-8'><title>年报</title></head><body>"
        "<table><tr><td>首页 &gt; 政府信息公开年报</td></tr>"
        f"<tr><td>发布时间：2025-01-20</td></tr><tr><td>{body}</td></tr></table>"
        "</body></html>"
    )
    source = tmp_path / "report.html"
    source.write_text(page, encoding="utf-8")
    out = tmp_path / "2024.xlsx"
    result = run_import(source, out)
    assert result.complete, result.problems
    _check_small_report(out)


# -- 2019 format --------------------------------------------------------------------------------

T2_2019 = [
    ["第二十条第（一）项"],
    ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"],
    ["规章", "0", "0", "0"],
    ["规范性文件", "3", "3", "12"],
    ["第二十条第（五）项"],
    ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
    ["行政许可", "20", "+2", "150"],
    ["其他对外管理服务事项", "5", "-1", "30"],
    ["第二十条第（六）项"],
    ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
    ["行政处罚", "8", "0", "40"],
    ["行政强制", "2", "0", "3"],
    ["第二十条第（八）项"],
    ["信息内容", "上一年项目数量", "本年增/减"],
    ["行政事业性收费", "1", "0"],
    ["第二十条第（九）项"],
    ["信息内容", "采购项目数量", "采购总金额"],
    ["政府集中采购", "4", "25.1万元"],
]


T3_2019 = {  # one more application, concluded under （六）其他处理 (one row in 2019)
    **T3_SMALL,
    "一、本年新收政府信息公开申请数量": (3, 1, 0, 0, 0, 0, 4),
    "（六）其他处理": (1, 0, 0, 0, 0, 0, 1),
    "（七）总计": (4, 1, 0, 0, 0, 0, 5),
}


def _t3_2019_rows(spec2019):
    return _t3_rows(spec2019, T3_2019)


def _write_2019_txt(path: Path, year: int, spec2019) -> None:
    lines = [
        f"青禾县教育局{year}年政府信息公开工作年度报告",
        "一、总体情况",
        "（一）主动公开",
        "全年主动公开信息50条。",
        "二、主动公开政府信息情况",
        *(" | ".join(row) + " |" for row in T2_2019),
        "三、收到和处理政府信息公开申请情况",
        *(" | ".join(row) + " |" for row in _t3_2019_rows(spec2019)),
        "四、政府信息公开行政复议、行政诉讼情况",
        *(" | ".join(row) + " |" for row in _t4_rows()),
        "五、存在的主要问题及改进情况",
        "公开意识有待加强。",
        "六、其他需要报告的事项",
        "无。",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


def test_2019_format_report_imports_into_a_2019_workbook(tmp_path, spec2019):
    source = tmp_path / "2020.txt"
    _write_2019_txt(source, 2020, spec2019)
    out = tmp_path / "2020.xlsx"
    result = run_import(source, out)
    assert (result.year, result.source_format, result.spec.format_version) == (2020, "2019", "2019")
    assert result.complete, (result.problems, sorted(map(str, result.unknown)))
    wb = read_workbook(out)
    assert wb.spec.format_version == "2019" and not wb.unknown
    v = wb.values()
    assert v[CellKey("t2", "licensing", "delta")] == 2
    assert v[CellKey("t2", "other_services", "delta")] == -1
    assert v[CellKey("t2", "normative", "total_published")] == 12
    assert wb.cells[CellKey("t2", "procurement", "amount")].text == "25.1万元"
    assert v[CellKey("t3", "r3_6", "c1")] == 1
    assert v[CellKey("t3", "r1", "c1")] == 3
    assert not [f for f in validate(wb).findings if f.rule[:2] in ("H3", "H4")]


def test_2019_tables_in_a_2021_year_report_map_what_matches(tmp_path, spec2019, spec2021):
    source = tmp_path / "2021.txt"
    _write_2019_txt(source, 2021, spec2019)
    out = tmp_path / "2021.xlsx"
    result = run_import(source, out)
    assert (result.source_format, result.spec.format_version) == ("2019", "2021")
    unknown = {str(k) for k in result.unknown}
    # 表三（六） is one row in 2019 and three in 2021; 表二 columns differ except the decisions.
    assert {f"t3.r3_6_{i}.c{c}" for i in (1, 2, 3) for c in range(1, 7)} <= unknown
    t2_columns = ("issued", "repealed", "in_force")
    assert {f"t2.{r}.{c}" for r in ("regulation", "normative") for c in t2_columns} <= unknown
    assert "t2.admin_fee.amount" in unknown
    assert "t3.r4.c1" not in unknown and "t3.r1.c1" not in unknown
    wb = read_workbook(out)
    v = wb.values()
    assert v[CellKey("t2", "licensing", "decisions")] == 150  # 处理决定数量 = 本年处理决定数量
    assert v[CellKey("t2", "penalty", "decisions")] == 40
    assert v[CellKey("t3", "r1", "c1")] == 3 and v[CellKey("t3", "r3_1", "c1")] == 2
    assert v[CellKey("t3", "r3_6_3", "c1")] is None  # never guessed
    assert v[CellKey("t2", "normative", "in_force")] is None
    assert wb.unknown == result.unknown
    assert not result.complete


def test_checking_an_imported_workbook_skips_only_what_it_does_not_know(tmp_path, spec2019):
    source = tmp_path / "2021.txt"
    _write_2019_txt(source, 2021, spec2019)
    out = tmp_path / "2021.xlsx"
    run_import(source, out)
    report = validate(read_workbook(out))
    rules = [f.rule for f in report.findings]
    # Unknown cells are neither blanks nor zeros: no V-BLANK, and no H3-1 over 表三（六）.
    assert "V-BLANK" not in rules and not [r for r in rules if r.startswith("H")]
    [imported] = [f for f in report.findings if f.rule == "M-IMPORTED"]
    assert imported.severity == "info" and "2021.txt" in imported.message
    # What it does know is still checked (表三「本年新收·自然人」), what it does not is not.
    edited = edit_workbook(out, tmp_path / "edited.xlsx", {"表三!D6": -3})
    found = {(f.rule, f.where) for f in validate(read_workbook(edited)).findings}
    assert ("V-NEGATIVE", "表三!D6") in found


# -- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("missing.txt", None, "找不到"),
        ("report.pdf", b"%PDF-1.4", "PDF"),
        ("empty.txt", b"", "空的"),
        ("report.doc", b"\xd0\xcf\x11\xe0", ".doc"),
        ("noyear.txt", "一、总体情况\n本单位认真做好信息公开工作。\n".encode(), "--year"),
    ],
    ids=["missing", "pdf", "empty", "old-word", "no-year"],
)
def test_bad_inputs_give_chinese_errors(tmp_path, name, content, words):
    source = tmp_path / name
    if content is not None:
        source.write_bytes(content)
    out = tmp_path / "out.xlsx"
    with pytest.raises(NianbaoError) as caught:
        run_import(source, out)
    assert words in str(caught.value) and caught.value.exit_code == 2
    assert not out.exists()


def test_existing_output_is_not_overwritten_without_force(tmp_path):
    out = tmp_path / "2024.xlsx"
    out.write_bytes(b"keep")
    with pytest.raises(OutputExistsError):
        run_import(SEED_004, out)
    assert out.read_bytes() == b"keep"
    run_import(SEED_004, out, force=True)
    assert read_workbook(out).year == 2024


def test_year_option_wins_over_the_title(tmp_path):
    result = run_import(SEED_004, tmp_path / "x.xlsx", year=2023)
    assert (result.year, result.year_from) == (2023, "option")
    assert "标题中的年度为 2024，按 --year 取 2023。" in [n.message for n in result.notes]


# -- the command --------------------------------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nianbao", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )


@pytest.mark.slow
def test_cli_import_exit_codes_and_summary(tmp_path):
    done = _cli("import", str(SEED_002), "-o", str(tmp_path / "002.xlsx"), "--year", "2024")
    assert done.returncode == 0, done.stderr
    assert "2021 版" in done.stdout and "表三：读到 144 格" in done.stdout
    missing = _cli("import", str(SEED_004), "-o", str(tmp_path / "004.xlsx"))
    assert missing.returncode == 1, missing.stderr
    assert "紫金县人民政府" in missing.stdout and "表三：原报告中没有这张表" in missing.stdout
    assert "正文写明：收到的申请数 38件" in missing.stdout
    again = _cli("import", str(SEED_004), "-o", str(tmp_path / "004.xlsx"))
    assert again.returncode == 2 and "已经存在" in again.stderr and "Traceback" not in again.stderr
    no_year = _cli("import", str(SEED_002), "-o", str(tmp_path / "x.xlsx"))
    assert no_year.returncode == 2 and "--year" in no_year.stderr
    bad_out = _cli("import", str(SEED_002), "-o", str(tmp_path / "x.docx"), "--year", "2024")
    assert bad_out.returncode == 2 and ".xlsx" in bad_out.stderr


# -- the imported workbook as last year's --------------------------------------------------------


def test_imported_002_prefills_carried_over_from_its_carried_forward_row(tmp_path):
    last = tmp_path / "2024.xlsx"
    run_import(SEED_002, last, year=2024)
    this = tmp_path / "2025.xlsx"
    done = _cli("template", "-o", str(this), "--year", "2025", "--previous", str(last))
    assert done.returncode == 0, done.stderr
    assert "表三「二、上年结转政府信息公开申请数量」：自然人 0" in done.stdout
    assert "上年（2024年）的数字列在「上年数据」表中" in done.stdout
    wb = read_workbook(this)
    assert all(wb.cells[CellKey("t3", "r2", c)].value == 0 for c in T3_COLUMNS[:-1])
    assert all(wb.cells[CellKey("t3", "r2", c)].status == "ok" for c in T3_COLUMNS[:-1])


def test_imported_004_prefills_nothing_and_says_why(tmp_path):
    last = tmp_path / "2024.xlsx"
    run_import(SEED_004, last)
    this = tmp_path / "2025.xlsx"
    done = _cli("template", "-o", str(this), "--year", "2025", "--previous", str(last))
    assert done.returncode == 0, done.stderr
    assert "没有按上年填报表" in done.stdout
    assert "上年（2024年）的数字列在「上年数据」表中" in done.stdout  # all of it 未知
    assert "原报告中没有读到表三「四、结转下年度继续办理」各列的数字，没有预填" in done.stdout
    wb = read_workbook(this)
    assert all(wb.cells[CellKey("t3", "r2", c)].status == "blank" for c in T3_COLUMNS[:-1])


def test_check_against_imported_previous_gives_no_false_cross_year_errors(tmp_path, build):
    from nianbao.workbook_templates.sample import sample_request

    this = build(sample_request(2025), "2025.xlsx")
    last = tmp_path / "2024.xlsx"
    run_import(SEED_004, last, unit="青禾镇人民政府")
    report = validate(read_workbook(this), read_workbook(last))
    assert not [f for f in report.findings if f.rule.startswith("X-") and f.severity == "error"]
    assert [f.rule for f in report.findings if f.rule == "X-MISSING"]  # skipped, and said so
    # With last year's 表三 known (002: all 0), X-1 really compares.
    known = tmp_path / "2024-002.xlsx"
    run_import(SEED_002, known, year=2024, unit="青禾镇人民政府")
    compared = validate(read_workbook(this), read_workbook(known))
    carried_in = sample_request(2025).values
    differs = any(carried_in[CellKey("t3", "r2", c)] != 0 for c in T3_COLUMNS[:-1])
    assert differs == any(f.rule == "X-1" for f in compared.findings)


def test_check_against_2019_import_skips_only_the_unknown(tmp_path, build, spec2019):
    from nianbao.workbook_templates.sample import sample_request

    source = tmp_path / "2024.txt"
    _write_2019_txt(source, 2024, spec2019)  # 2019 tables in a 2024 report: 表三 maps
    last = tmp_path / "2024.xlsx"
    run_import(source, last)
    wb_last = read_workbook(last)
    assert "t3" not in wb_last.unreadable_tables
    this = build(sample_request(2025), "2025.xlsx")
    report = validate(read_workbook(this), wb_last)
    # 结转下年度 is known (0 in every column): X-1 is really compared.
    assert any(f.rule == "X-1" for f in report.findings) == any(
        sample_request(2025).values[CellKey("t3", "r2", c)] != 0 for c in T3_COLUMNS[:-1]
    )
    # 现行有效 of 2021 is unknown in a 2019 table: X-2 is skipped and said to be.
    assert not any(f.rule == "X-2" for f in report.findings)
    assert any(f.rule == "X-MISSING" for f in report.findings)


def test_loaded_spec_has_no_hard_coded_labels_in_the_importer():
    code = (REPO / "nianbao" / "importer" / "tables.py").read_text(encoding="utf-8")
    code += (REPO / "nianbao" / "importer" / "report.py").read_text(encoding="utf-8")
    for label in ("结转下年度", "本年新收", "行政许可", "自然人", "第二十条"):
        assert label not in code
    assert load_spec("2021").import_text.aliases  # the spellings are data


def test_year_from_the_statistics_period_sentence_in_chinese_numerals(tmp_path):
    source = tmp_path / "无标题.txt"
    source.write_text(
        "本报告所列数据统计期限为二〇二四年一月一日至十二月三十一日。\n一、总体情况\n无。\n",
        encoding="utf-8",
    )
    result = run_import(source, tmp_path / "out.xlsx")
    assert (result.year, result.year_from) == (2024, "period")


# -- every note and problem is a finding of an IM- rule --------------------------------------------

TITLE_2024 = "青禾镇人民政府2024年政府信息公开工作年度报告"
PERIOD_2024 = "本报告所列数据的统计期限自2024年1月1日起至2024年12月31日止。"
PERIOD_2023 = "本报告所列数据的统计期限自2023年1月1日起至2023年12月31日止。"
BODY = ("一、总体情况", "无。", "二、主动公开政府信息情况")
WRONG_TOTAL = {**T3_SMALL, "（七）总计": (9, 1, 0, 0, 0, 0, 10)}  # its items add up to 3 … 4
T3_WRONG_TOTAL = [" | ".join(row) + " |" for row in _t3_rows(load_spec("2021"), WRONG_TOTAL)]


@pytest.mark.parametrize(
    ("lines", "options", "where", "rule", "severity"),
    [
        pytest.param([PERIOD_2024, *BODY], {}, "notes", "IM-UNIT", "warning", id="no-unit"),
        pytest.param(
            [TITLE_2024, *BODY],
            {"year": 2023},
            "notes",
            "IM-YEAR-OPTION",
            "info",
            id="year-option-over-title",
        ),
        pytest.param(
            [TITLE_2024, PERIOD_2023, *BODY],
            {},
            "notes",
            "IM-YEAR-PERIOD",
            "warning",
            id="title-and-period-differ",
        ),
        pytest.param(
            [TITLE_2024, "全年主动公开信息50条。"],
            {},
            "notes",
            "IM-NO-SECTION",
            "warning",
            id="no-section-heading",
        ),
        pytest.param(
            [TITLE_2024, *BODY, "行政许可 | 31 | 另表统计 |"],
            {},
            "problems",
            "IM-STRAY",
            "warning",
            id="stray-cell",
        ),
        pytest.param(
            [TITLE_2024, *BODY, "行政许可 |"],
            {},
            "problems",
            "IM-SHORT-ROW",
            "warning",
            id="row-without-its-numbers",
        ),
        pytest.param(
            [TITLE_2024, *BODY, "行政许可 | 31 | 12 |"],
            {},
            "problems",
            "IM-LONG-ROW",
            "warning",
            id="row-with-more-numbers-than-columns",
        ),
        pytest.param(
            [TITLE_2024, *BODY],
            {},
            "notes",
            "IM-KIND",
            "info",
            id="kind-told-by-the-units-name",
        ),
        pytest.param(
            [TITLE_2024, *BODY, "行政许可 | 很多 |"],
            {},
            "problems",
            "IM-NOT-NUMBER",
            "warning",
            id="not-a-number",
        ),
        pytest.param(
            [TITLE_2024, *BODY[:2], "三、收到和处理政府信息公开申请情况", *T3_WRONG_TOTAL],
            {},
            "problems",
            "IM-TOTAL",
            "warning",
            id="printed-total-differs",
        ),
    ],
)
def test_each_import_note_is_a_finding_of_its_rule(
    tmp_path, spec2021, lines, options, where, rule, severity
):
    source = tmp_path / "年报.txt"
    source.write_text("\n".join(lines), encoding="utf-8")
    result = run_import(source, tmp_path / "out.xlsx", **options)
    found = getattr(result, where)
    assert all(isinstance(f, Finding) for f in (*result.notes, *result.problems))
    assert (rule, severity) in {(f.rule, f.severity) for f in found}
    assert spec2021.rule(rule).severity == severity


def _spec_with_alias(label: str, alias: str):
    """Return the 2021 spec from a copy of its format file in which ``alias`` also names the
    row ``label``."""
    data = tomllib.loads((FORMATS_DIR / "format_2021.toml").read_text(encoding="utf-8"))
    data["import"]["aliases"][label] = [alias]
    return parse_spec(data, "format_2021.toml (changed copy)")


def test_a_label_of_two_rows_is_an_im_ambiguous_problem():
    spec = _spec_with_alias("行政处罚", "行政许可")  # 行政许可 now starts two rows
    problems = read_tables(spec, [SourceTable.of("行政许可", "31")]).problems
    assert [p.rule for p in problems] == ["IM-AMBIGUOUS", "IM-STRAY"]  # its number stays unread
    assert problems[0].severity == "warning" == spec.rule("IM-AMBIGUOUS").severity
    assert problems[0].text == "「行政许可」可能是几行中的任何一行，没有读取这一行"


def test_an_import_problems_severity_is_the_format_files():
    spec = spec_with_rule("2021", "IM-NOT-NUMBER", severity="error")
    (problem,) = read_tables(spec, [SourceTable.of("行政许可", "很多")]).problems
    assert (problem.rule, problem.severity) == ("IM-NOT-NUMBER", Severity.ERROR)


@pytest.mark.parametrize(
    ("run", "columns", "numbers"),
    [  # runs of the corpus' 平潭 pages (tests/data/reports/004–010)
        ("0000000", 7, ["0"] * 7),
        ("35-15", 2, ["35", "-15"]),
        ("500000 5", 7, ["5", "0", "0", "0", "0", "0", "5"]),
        ("0 0 0 0 0 00", 7, ["0"] * 7),
        ("23 0 00 0 023", 7, ["23", "0", "0", "0", "0", "0", "23"]),
        ("6233440", 3, None),  # 62 33 440? 6 233 440? …
        ("320000032", 7, None),  # 32 … 32 or 3 20 … 32
        ("230 000023", 7, None),
        ("2648-18538", 3, None),
        ("0 0", 7, None),  # too few digits: the row is short, not run together
    ],
)
def test_numbers_run_together_are_cut_only_one_way(run, columns, numbers):
    from nianbao.importer.tables import run_together

    assert run_together(run, columns) == numbers


def test_numbers_in_cells_of_their_own_are_never_cut(spec2021):
    # A copy that lost a blank cell: six cells for seven columns, one of them "10".
    rows = [("一、本年新收政府信息公开申请数量", "10", "0", "0", "0", "0", "0")]
    read = read_tables(spec2021, [SourceTable(tuple(rows))])
    assert not [k for k in read.values if k.row == "r1"]
    assert [p.rule for p in read.problems] == ["IM-SHORT-ROW"]


# -- rows of numbers whose labels a copy tore off (text pulled out of a PDF) -------------------

SEVEN = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")


def _t3(*rows: tuple[str, ...]) -> SourceTable:
    return SourceTable(tuple(rows))


def _row(label: str, *numbers: int) -> tuple[str, ...]:
    return (label, *(str(n) for n in numbers)) if label else tuple(str(n) for n in numbers)


def test_a_row_of_numbers_between_two_labelled_rows_is_the_official_row_between_them(spec2021):
    tables = [
        _t3(_row("（一）予以公开", 9, 0, 0, 0, 0, 0, 9)),
        _t3(_row("", 2, 0, 0, 0, 0, 0, 2)),  # （二）部分公开, its label a line of text elsewhere
        _t3(_row("1.属于国家秘密", 4, 0, 0, 0, 0, 0, 4)),
    ]
    read = read_tables(spec2021, tables)
    assert read.values[CellKey("t3", "r3_2", "c1")] == 2
    assert read.values[CellKey("t3", "r3_2", "ct")] == 2
    assert not [p for p in read.problems if p.rule == "IM-STRAY"]


def test_rows_of_numbers_are_placed_only_when_as_many_official_rows_lie_between(spec2021):
    # Between 8.属于行政查询事项 and 1.信访举报投诉类申请 lie the three rows of （四）无法提供:
    # two rows of numbers cannot say which of the three is missing.
    tables = [
        _t3(_row("8.属于行政查询事项", 0, 0, 0, 0, 0, 0, 0)),
        _t3(_row("", 4, 0, 0, 0, 0, 0, 4), _row("", 6, 0, 0, 0, 0, 0, 6)),
        _t3(_row("1.信访举报投诉类申请", 0, 0, 0, 0, 0, 0, 0)),
    ]
    read = read_tables(spec2021, tables)
    assert not [k for k in read.values if k.row.startswith("r3_4")]
    assert [p.rule for p in read.problems] == ["IM-STRAY"]  # the numbers are listed, not lost
    three = [*tables[:2], _t3(_row("", 0, 0, 0, 0, 0, 0, 0)), tables[2]]
    read = read_tables(spec2021, three)
    assert [read.values[CellKey("t3", r, "ct")] for r in ("r3_4_1", "r3_4_2", "r3_4_3")] == [
        4,
        6,
        0,
    ]


@pytest.mark.parametrize(
    ("beside", "placed"),
    [
        (("2.其他法律行政止公开",), True),  # a letter or two wrong (011's printed typo)
        (("其他法律行政法规禁",), True),  # a piece of its label
        (("（三）不",), True),  # a piece of the group label above it
        (("7.属于行政执法案卷",), False),  # another row's label: not this row
        (("合计",), False),  # some other word
    ],
)
def test_text_beside_a_row_of_numbers_must_be_its_own_label(spec2021, beside, placed):
    tables = [
        _t3(_row("1.属于国家秘密", 0, 0, 0, 0, 0, 0, 0)),
        _t3((*beside, "5", "0", "0", "0", "0", "0", "5")),
        _t3(_row("3.危及“三安全一稳定”", 0, 0, 0, 0, 0, 0, 0)),
    ]
    read = read_tables(spec2021, tables)
    assert (CellKey("t3", "r3_3_2", "ct") in read.values) is placed


def test_a_row_of_numbers_is_not_placed_when_its_row_was_found_elsewhere(spec2021):
    tables = [
        _t3(_row("（一）予以公开", 9, 0, 0, 0, 0, 0, 9)),
        _t3(_row("", 2, 0, 0, 0, 0, 0, 2)),
        _t3(_row("1.属于国家秘密", 4, 0, 0, 0, 0, 0, 4)),
        _t3(_row("（二）部分公开", 3, 0, 0, 0, 0, 0, 3)),  # the label after all, elsewhere
    ]
    read = read_tables(spec2021, tables)
    assert read.values[CellKey("t3", "r3_2", "ct")] == 3  # its own numbers, not the loose row's


def test_a_row_of_numbers_with_too_few_numbers_is_not_placed(spec2021):
    tables = [
        _t3(_row("（一）予以公开", 9, 0, 0, 0, 0, 0, 9)),
        _t3(_row("", 2, 0, 0, 0, 2)),
        _t3(_row("1.属于国家秘密", 4, 0, 0, 0, 0, 0, 4)),
    ]
    assert CellKey("t3", "r3_2", "c1") not in read_tables(spec2021, tables).values


@pytest.mark.parametrize(
    ("caption", "group"),
    [
        ("行政复议", "review"),
        ("行政诉讼（未经复议直接起诉）", "direct"),
        ("### 行政诉讼（复议后起诉）", "after"),
    ],
)
def test_table_four_split_into_one_small_table_per_group_under_captions(spec2021, caption, group):
    header = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
    table = SourceTable(
        (header, ("3", "1", "0", "2", "6")), before=f"四、行政复议、行政诉讼情况\n{caption}"
    )
    read = read_tables(spec2021, [table])
    assert {k.col: v for k, v in read.values.items()} == {
        f"{group}_upheld": 3,
        f"{group}_corrected": 1,
        f"{group}_other": 0,
        f"{group}_pending": 2,
        f"{group}_total": 6,
    }


def test_a_caption_naming_two_groups_reads_no_group(spec2021):
    header = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
    table = SourceTable((header, ("3", "1", "0", "2", "6")), before="行政复议、行政诉讼")
    assert not read_tables(spec2021, [table]).values


def test_table_four_header_printed_as_lines_of_text_before_its_row_of_numbers(spec2021):
    before = "行政复议行政诉讼\n未经复议直接起诉复议后起诉\n结果结果其他尚未\n总计总计总计"
    numbers = tuple(str(n) for n in (40, 0, 10, 5, 55, 2, 0, 4, 6, 12, 6, 0, 9, 7, 22))
    read = read_tables(
        spec2021, [SourceTable((("维持", "纠正", "结果", "审结", "总计"), numbers), before)]
    )
    assert read.values[CellKey("t4", "cases", "review_total")] == 55
    assert read.values[CellKey("t4", "cases", "after_total")] == 22
    # Without that header nothing says the fifteen numbers are 表四's.
    assert not read_tables(spec2021, [SourceTable((numbers,))]).values
