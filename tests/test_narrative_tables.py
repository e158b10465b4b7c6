"""The tables inside a narrative file: N-TABLE-EMPTY (labels and not one number) and
N-TABLE-FORMAT (the other format's rows), through ``read_narrative`` on text files as clerks and
web pages write them, and on the corpus' real 洪泽 PDFs (2021-year reports that print
（六）其他处理 as one row, the 2019 layout)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nianbao.converters.narrative import read_narrative
from nianbao.validation.narrative_checks import narrative_findings
from nianbao.validation.narrative_tables import table_findings

from .narratives import whole_narrative
from .report_forms import shared_file

T3_HEADER = "| 项目 | 自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | 总计 |"
T3_LABELS = [
    "一、本年新收政府信息公开申请数量",
    "二、上年结转政府信息公开申请数量",
    "（一）予以公开",
    "（七）总计",
    "四、结转下年度继续办理",
]


def _with_table(tmp_path: Path, rows: list[str], part: str = "三、收到和处理政府信息公开申请情况"):
    text = whole_narrative().replace(f"{part}\n", f"{part}\n" + "\n".join(rows) + "\n")
    path = tmp_path / "正文.txt"
    path.write_text(text, encoding="utf-8")
    return path


def _rules(spec, path: Path) -> list[str]:
    return [
        f.rule
        for f in narrative_findings(spec, read_narrative(path, spec))
        if f.rule.startswith("N-TABLE")
    ]


def test_a_table_printed_without_its_numbers_is_a_warning(tmp_path, spec2021):
    rows = [T3_HEADER, "|---|---|---|---|---|---|---|---|"]
    rows += [f"| {label} |  |  |  |  |  |  |  |" for label in T3_LABELS]
    path = _with_table(tmp_path, rows)
    findings = [
        f
        for f in narrative_findings(spec2021, read_narrative(path, spec2021))
        if f.rule == "N-TABLE-EMPTY"
    ]
    [finding] = findings
    assert finding.severity == "warning"
    assert "“三、收到和处理政府信息公开申请情况”部分的表格只有行列名称" in finding.message
    assert "填报表" in finding.message  # what to do


def test_a_table_copied_one_cell_per_line_without_numbers_is_a_warning(tmp_path, spec2021):
    rows = [
        "本年新收政府信息公开申请数量",
        "自然人",
        "商业企业",
        "科研机构",
        "（一）予以公开",
        "（七）总计",
    ]
    assert _rules(spec2021, _with_table(tmp_path, rows)) == ["N-TABLE-EMPTY"]


def test_a_table_cut_into_a_header_and_rows_with_numbers_is_no_empty_table(tmp_path, spec2021):
    # 001 (沭阳) prints 表三's header as a table of its own, its rows with numbers below.
    rows = [T3_HEADER, "|---|---|---|---|---|---|---|---|", "", "说明：单位为件。", ""]
    rows += [
        "| 项目 | 数据1 | 数据2 |",
        "|---|---|---|",
        "| 一、本年新收政府信息公开申请数量 | 5 | 5 |",
    ]
    assert _rules(spec2021, _with_table(tmp_path, rows)) == []


def test_a_table_of_some_other_thing_is_not_checked(tmp_path, spec2021):
    rows = ["| 栏目 | 条数 |", "|---|---|", "| 通知公告 |  |", "| 政策解读 |  |"]
    assert _rules(spec2021, _with_table(tmp_path, rows)) == []


def test_a_2021_year_report_with_a_2019_row_printed_with_numbers_is_a_warning(tmp_path, spec2021):
    rows = [T3_HEADER, "|---|---|---|---|---|---|---|---|"]
    rows += ["| （五）不予处理 | 1.信访举报投诉类申请 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |"]
    rows += ["| （六）其他处理 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |"]  # 2021: three rows under it
    findings = narrative_findings(spec2021, read_narrative(_with_table(tmp_path, rows), spec2021))
    [finding] = [f for f in findings if f.rule == "N-TABLE-FORMAT"]
    assert "2019 版" in finding.message and "「（六）其他处理」" in finding.message
    assert finding.severity == "warning"


def test_the_2021_group_heading_over_its_rows_is_no_2019_row(tmp_path, spec2021):
    rows = [
        T3_HEADER,
        "|---|---|---|---|---|---|---|---|",
        "| （六）其他处理 |  |  |  |  |  |  |  |",
    ]
    rows += ["| 3.其他 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |"]
    assert _rules(spec2021, _with_table(tmp_path, rows)) == []


def test_a_2019_year_report_with_2021_labels_is_a_warning(spec2019, spec2021):
    rows = [("信息内容", "本年制发件数", "本年废止件数", "现行有效件数"), ("规章", "0", "0", "0")]
    findings = table_findings(spec2019, [("s2", rows)], "正文.txt", 2020)
    [finding] = [f for f in findings if f.rule == "N-TABLE-FORMAT"]
    assert "2021 版" in finding.message and "2020 年度" in finding.message
    assert not [f for f in table_findings(spec2021, [("s2", rows)], "正文.txt", 2022)]


def test_a_spelling_the_format_accepts_is_no_other_format(spec2021):
    # 规范性文件 is the 2019 wording; the 2021 format file accepts it for 行政规范性文件.
    rows = [
        ("信息内容", "本年制发件数", "本年废止件数", "现行有效件数"),
        ("规范性文件", "13", "0", "55"),
    ]
    assert table_findings(spec2021, [("s2", rows)], "正文.txt", 2024) == []


@pytest.mark.parametrize("name", ["011_hongze_qu_2023.pdf", "012_hongze_qu_2024.pdf"])
def test_the_real_hongze_reports_print_the_2019_row(name, spec2021):
    path = shared_file(name)
    findings = narrative_findings(spec2021, read_narrative(path, spec2021))
    [finding] = [f for f in findings if f.rule == "N-TABLE-FORMAT"]
    assert "「（六）其他处理」" in finding.message
    assert not [f for f in findings if f.rule == "N-TABLE-EMPTY"]
