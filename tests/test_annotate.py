"""The annotated copy (validation/annotate.py): each problem numbered, commented and counted once,
what it explains listed right under it with a short comment naming it."""

from __future__ import annotations

import openpyxl
import pytest

from nianbao.validation import validate
from nianbao.validation.annotate import FILLS, annotate_workbook
from nianbao.workbook_templates import TemplateRequest, read_workbook
from nianbao.workbook_templates.spec import Severity

from .workbook_edit import edit_workbook


def _annotated(path, tmp_path):
    wb = read_workbook(path)
    report = validate(wb)
    target = annotate_workbook(wb, report, tmp_path / "批注.xlsx")
    return report, openpyxl.load_workbook(target)


def _results(book):
    """Return the rows of the 校验结果 sheet below its heading, as (序号, 严重程度, 规则, 位置),
    down to the empty row before the notes on the copy itself."""
    ws = book["校验结果"]
    rows = []
    for row in ws.iter_rows(min_row=4, max_col=4, values_only=True):
        if not any(row):
            break
        rows.append(tuple(row))
    return rows


@pytest.fixture
def typed_path(sample_path, tmp_path):
    return edit_workbook(sample_path, tmp_path / "typed.xlsx", {"表三!D6": "14件"})


def test_a_mistyped_number_is_the_one_numbered_problem_and_its_balances_follow_it(
    typed_path, tmp_path
):
    _, book = _annotated(typed_path, tmp_path)
    assert _results(book) == [
        (1, "错误", "V-NUMBER", "表三!D6"),
        (None, "└ 由此引起", "H3-1", "表三!D30"),
        (None, "└ 由此引起", "H3-1", "表三!J30"),
    ]
    file, summary = book["校验结果"]["A2"].value.split("：")
    assert file == typed_path.name  # never where it lies on the office's computer
    assert summary == (
        "错误 1 项，警告 0 项，提示 0 项；另有 2 项由上述问题引起，列在各自的问题之下，不另计"
    )
    links = [c.hyperlink.location for c in book["校验结果"]["D"] if c.hyperlink]
    assert links == ["'表三'!D6", "'表三'!D30", "'表三'!J30"]


def test_the_cause_cell_has_the_full_comment_a_consequence_a_short_one_naming_it(
    typed_path, tmp_path
):
    _, book = _annotated(typed_path, tmp_path)
    t3 = book["表三"]
    typed = t3["D6"]
    assert typed.comment.text.startswith("[V-NUMBER] ") and "「14件」" in typed.comment.text
    assert typed.fill.fgColor.rgb.endswith(FILLS[Severity.ERROR])
    for ref in ("D30", "J30"):
        comment = t3[ref].comment.text
        assert comment == "[H3-1] 由 表三!D6 引起，不另计。改正 表三!D6 后本项即相符。"
        # Not marked red: the number to change is D6, not the balance.
        assert not t3[ref].fill.fgColor.rgb.endswith(FILLS[Severity.ERROR])


def test_a_blank_workbook_lists_each_table_once_with_its_blank_cells_under_it(
    build, sample, tmp_path
):
    blank = build(TemplateRequest(year=2025, unit=sample.unit, kind=sample.kind), "blank.xlsx")
    report, book = _annotated(blank, tmp_path)
    rows = _results(book)
    tables = [(n, rule, where) for n, _, rule, where in rows if n is not None]
    assert tables[:3] == [(1, "V-EMPTY", "表二"), (2, "V-EMPTY", "表三"), (3, "V-EMPTY", "表四")]
    under_table3 = rows[rows.index((2, "错误", "V-EMPTY", "表三")) + 1 :][:144]
    assert {(n, mark, rule) for n, mark, rule, _ in under_table3} == {
        (None, "└ 由此引起", "V-BLANK")
    }
    assert len([r for r in rows if r[0] is not None]) == sum(report.counts.values())
    cell = book["表三"]["E22"]  # a blank cell is where to act: marked, and named by its table
    assert cell.fill.fgColor.rgb.endswith(FILLS[Severity.ERROR])
    assert cell.comment.text.startswith("[V-BLANK] 由「表三尚未填写（共 144 个空格）」引起")
    links = {c.value: c.hyperlink.location for c in book["校验结果"]["D"] if c.hyperlink}
    assert links["表三"] == "'表三'!D6"  # its first blank cell


def test_a_workbook_without_problems_says_so(sample_path, tmp_path):
    _, book = _annotated(sample_path, tmp_path)
    ws = book["校验结果"]
    assert ws["A2"].value.endswith("错误 0 项，警告 0 项，提示 0 项")
    assert ws["A4"].value == "未发现问题。"
