"""What the 生成报告 page says, without Qt: output names, input checks, refusals, warnings."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

from nianbao.converters.export import ExportRefused, ExportRequest, export_report
from nianbao.desktop.viewmodels.report import (
    OutputPlan,
    check_inputs,
    clean_name,
    default_name,
    plan_outputs,
    plan_text,
    refusal_advice,
    refusal_lines,
    split_problem,
    warnings_line,
)
from nianbao.errors import UsageError
from nianbao.validation import Finding, Report
from nianbao.workbook_templates.sample import sample_with_mistakes
from tests.workbook_edit import edit_workbook

ALL = {"docx", "html", "pdf"}


def _refused(request: ExportRequest) -> ExportRefused:
    with pytest.raises(ExportRefused) as info:
        export_report(request)
    return info.value


def test_default_name_follows_the_cli_and_sits_beside_the_workbook(tmp_path):
    workbook = tmp_path / "青禾镇.xlsx"
    assert default_name(workbook) == "青禾镇-年度报告"
    plan = plan_outputs(workbook, None, "", {"docx", "pdf"})
    base = tmp_path / "青禾镇-年度报告"
    assert plan == OutputPlan(base.with_suffix(".docx"), None, base.with_suffix(".pdf"))
    other = tmp_path / "out"
    assert plan_outputs(workbook, other, " 报告.docx ", {"html"}).html == other / "报告.html"


TITLE = "青禾镇人民政府2025年政府信息公开工作年度报告"  # the sample's report, as its Word title


def test_default_name_is_the_reports_title_when_basic_info_gives_unit_and_year(build, sample):
    workbook = build(sample, "青禾镇人民政府-2025年度填报表.xlsx")
    assert default_name(workbook) == TITLE
    assert plan_outputs(workbook, None, "", {"docx"}).docx == workbook.with_name(TITLE + ".docx")


def test_default_name_falls_back_to_the_workbook_name_without_a_unit_or_a_readable_file(
    build, sample, tmp_path
):
    nameless = build(replace(sample, unit="", info={**sample.info, "unit": ""}), "无单位.xlsx")
    assert default_name(nameless) == "无单位-年度报告"
    broken = tmp_path / "坏文件.xlsx"
    broken.write_bytes(b"PK\x03\x04 cut short by the mail client")
    assert default_name(broken) == "坏文件-年度报告"
    assert default_name(tmp_path) == f"{tmp_path.name}-年度报告"  # a folder is never opened


def test_default_name_follows_the_workbook_when_its_basic_info_changes(build, sample, tmp_path):
    workbook = build(sample, "填报表.xlsx")
    assert default_name(workbook) == TITLE
    other = build(replace(sample, unit="白云镇人民政府", year=2024), "另一份.xlsx")
    os.replace(other, workbook)  # the clerk saved a corrected copy over it
    assert default_name(workbook) == "白云镇人民政府2024年政府信息公开工作年度报告"


def test_draft_names_say_draft_once(tmp_path):
    plan = plan_outputs(tmp_path / "a.xlsx", None, "", ALL).as_draft()
    assert [p.name for p in plan.paths()] == [
        "a-年度报告-草稿.docx",
        "a-年度报告-草稿.html",
        "a-年度报告-草稿.pdf",
    ]
    assert plan.as_draft() == plan


@pytest.mark.parametrize(
    ("typed", "shown"),
    [("报告/2025", "/"), ('年报:"终稿"', ': "'), ("年报.", "末尾的“.”")],
    ids=["slash", "colon-and-quotes", "trailing-dot"],
)
def test_names_windows_cannot_store_are_refused_in_words(tmp_path, typed, shown):
    with pytest.raises(UsageError) as info:
        clean_name(typed, tmp_path / "a.xlsx")
    assert shown in info.value.message and "a-年度报告" in info.value.action


def test_plan_text_names_the_files_and_warns_about_existing_ones(tmp_path):
    plan = plan_outputs(tmp_path / "a.xlsx", None, "", {"docx", "html"})
    assert plan_text(plan) == f"将生成 a-年度报告.docx／.html，保存在 {tmp_path}"
    plan.html.write_text("old", encoding="utf-8")
    assert plan_text(plan).endswith("（其中 .html 已有同名文件，生成时会询问）")
    assert plan_text(OutputPlan()) == "请至少勾选一种格式。"


def test_inputs_are_checked_with_what_to_do(tmp_path, sample_path, previous_path):
    ok = (sample_path, None, previous_path, None, {"docx"})
    check_inputs(*ok)
    cases = [
        ((None, None, None, None, {"docx"}), "还没有选择填报表。"),
        ((tmp_path / "gone.xlsx", None, None, None, {"docx"}), "找不到填报表"),
        ((sample_path, previous_path, None, None, {"docx"}), "不是 .docx、.txt、.md、.html、.pdf"),
        ((sample_path, None, sample_path, None, {"docx"}), "同一个文件"),
        ((sample_path, None, None, tmp_path / "nowhere", {"docx"}), "不是一个已有的文件夹"),
        ((sample_path, None, None, None, set()), "没有勾选要生成的格式"),
    ]
    for args, message in cases:
        with pytest.raises(UsageError) as info:
            check_inputs(*args)
        assert message in info.value.message and info.value.action


def test_refusal_lists_the_first_errors_then_how_many_more(tmp_path, build, sample):
    workbook = build(sample_with_mistakes(sample), "broken.xlsx")
    refused = _refused(ExportRequest(workbook=workbook, docx=tmp_path / "r.docx"))
    lines = refusal_lines(refused, limit=2)
    # The warning: its 正文 still says 结转下年度2件 (N-NUMBER). The 总计 column's balance is the
    # 自然人 column's problem: explained, not counted.
    assert lines[0] == (
        "校验结论：✗ 未通过（错误 2 项，警告 1 项，提示 0 项；另有 1 项由上述问题引起，不另计）"
    )
    # In table order: the blank cell, then the balance that does not hold, with its fix.
    assert lines[1].startswith(
        "• 表三 E22：表三「（五）不予处理 2.重复申请」行「商业企业」列未填写"
    )
    assert lines[2].startswith("• 表三 D30：若其余数字无误，四、结转下年度（自然人）应为 2，现为 3")
    assert "表三 J30" in lines[2]  # what it explains, named on its line
    assert lines[3:] == []
    assert refusal_lines(refused, limit=1)[2:] == ["……另有 1 个错误，点“查看问题”可以看到全部。"]
    assert refused.message == "填报表有 2 个错误（第一处在 表三!E22），没有生成报告。"
    advice = refusal_advice(refused)
    assert "改正上面的错误" in advice and "草稿（未通过校验）" in advice
    assert "--draft" not in advice


def test_refusal_leads_with_the_mistyped_number_not_the_balances_it_breaks(tmp_path, sample_path):
    typed = edit_workbook(sample_path, tmp_path / "typed.xlsx", {"表三!D6": "14件"})
    refused = _refused(ExportRequest(workbook=typed, docx=tmp_path / "r.docx"))
    assert refused.message == "填报表有 1 个错误（第一处在 表三!D6），没有生成报告。"
    lines = refusal_lines(refused)
    assert lines[0].startswith("校验结论：✗ 未通过（错误 1 项")
    (cause,) = lines[1:]  # the two balances are not errors of their own
    assert cause.startswith("• 表三 D6：") and "「14件」，不是数字，应改为数字 14" in cause
    assert cause.endswith("（由此引起 2 项，不另计：表三 D30、表三 J30）")
    assert "在填报表中改正上面的错误" in refusal_advice(refused)


def test_refusal_for_an_empty_narrative_section_lists_every_narrative_error(tmp_path, sample_path):
    narrative = tmp_path / "正文.txt"
    narrative.write_text("一、总体情况\n本年度……\n", encoding="utf-8")
    request = ExportRequest(workbook=sample_path, docx=tmp_path / "r.docx", narrative=narrative)
    lines = refusal_lines(_refused(request))
    assert lines[0].startswith("校验结论：✗ 未通过（错误 2 项")
    # The missing parts are findings of the narrative check, each once (not again as a note).
    assert [line.split("、")[0] for line in lines[1:]] == [
        "• 正文.txt：正文中没有找到“五",
        "• 正文.txt：正文中没有找到“六",
    ]
    assert "按上面的说明修改正文" in refusal_advice(_refused(request))


def test_warnings_line_counts_only_warnings():
    def finding(severity: str) -> Finding:
        return Finding(rule="X", severity=severity, text="…")

    assert warnings_line(Report("a.xlsx", [finding("info")])) == ""
    report = Report("a.xlsx", [finding("warning"), finding("warning"), finding("info")])
    assert warnings_line(report) == "校验有 2 个警告，不影响生成，建议核对。"


def test_split_problem_separates_what_to_do():
    from nianbao.converters.pdf import FALLBACK_ACTION

    assert split_problem("没有找到 LibreOffice，无法直接生成 PDF。" + FALLBACK_ACTION) == (
        "没有找到 LibreOffice，无法直接生成 PDF。",
        FALLBACK_ACTION,
    )
    assert split_problem("出错了") == ("出错了", "")
