"""What the 校验 page shows, prepared without Qt: the check, table previews, explanations."""

from __future__ import annotations

import os
from dataclasses import replace
from decimal import Decimal

import pytest

from nianbao.desktop.viewmodels.check import (
    COMPUTED,
    COMPUTED_BACKGROUND,
    INPUT,
    MISSING_BACKGROUND,
    NOT_READ,
    SEVERITY_COLOURS,
    TYPED_TOTAL,
    CheckInputs,
    SaveTracker,
    annotate_copy,
    caption_html,
    cell_colours,
    cell_tooltip,
    counts_text,
    dropped_inputs,
    file_signature,
    finding_matches,
    group_findings,
    highlight,
    listed_open,
    nothing_selected_html,
    problem_title,
    run_check,
    severity_choices,
    severity_labels,
    shown_in_list,
    summary_text,
    wrap_label,
)
from nianbao.desktop.viewmodels.detail import explain, explanation_html, linked_finding
from nianbao.files import annotated_path
from nianbao.services.checking import check_file
from nianbao.validation import Finding, Report
from nianbao.workbook_templates import TemplateRequest, read_workbook
from nianbao.workbook_templates.sample import sample_request
from nianbao.workbook_templates.spec import CellKey
from tests.narratives import whole_narrative
from tests.workbook_edit import edit_workbook

LABELS = {"error": "错误", "warning": "警告", "info": "提示"}


def _with(request, **values):
    """Return the request with cells changed: _with(req, t3__r4__c1=3)."""
    changed = dict(request.values)
    for name, value in values.items():
        changed[CellKey(*name.split("__"))] = value
    return replace(request, values=changed)


@pytest.fixture
def broken_path(build, sample):
    # 结转下年度 does not balance (H3-1 on 自然人 and 总计), one cell left blank (V-BLANK), and a
    # 乡镇 that made a 规章 (P-1, a warning).
    return build(
        _with(sample, t3__r4__c1=Decimal(3), t3__r3_5_2__c2=None, t2__regulation__issued=2),
        "broken.xlsx",
    )


def test_run_check_gives_the_cli_report(broken_path, previous_path, tmp_path):
    narrative = tmp_path / "正文.txt"
    narrative.write_text(whole_narrative(s1_1="本年度主动公开政府信息XX条。"), encoding="utf-8")
    result = run_check(CheckInputs(broken_path, previous_path, narrative))
    cli_report, wb = check_file(broken_path, read_workbook(previous_path))
    rules = [f.rule for f in result.report.findings]
    assert [f.to_dict() for f in result.report.findings[: len(cli_report.findings)]] == [
        f.to_dict() for f in cli_report.findings
    ]
    assert rules[len(cli_report.findings) :] == ["N-LEFTOVER"]
    assert result.spec is wb.spec and result.problems == ()
    assert set(result.previews) == {"表二", "表三", "表四"}
    assert result.signatures[broken_path] == file_signature(broken_path)


def test_side_inputs_that_cannot_be_read_do_not_stop_the_check(broken_path, tmp_path):
    bad_previous = tmp_path / "上年.xlsx"
    bad_previous.write_bytes(b"PK\x03\x04garbage")
    result = run_check(CheckInputs(broken_path, bad_previous, tmp_path / "没有这个正文.docx"))
    # E22 blank, D30 out of balance (J30, the 总计 column, is the same problem).
    assert result.readable and result.report.counts["error"] == 2
    (previous, narrative) = result.problems
    assert previous.message.startswith("上年填报表读不了：") and "跨年度" in previous.action
    assert narrative.message.startswith("正文读不了：") and "没有检查正文" in narrative.action


@pytest.mark.parametrize(
    ("previous", "narrative", "rule", "title", "skipped"),
    [
        pytest.param("上年.xlsx", None, "I-PREVIOUS", "上年填报表读不了", "跨年度", id="previous"),
        pytest.param(
            None, "正文.docx", "I-NARRATIVE", "正文读不了", "没有检查正文", id="narrative"
        ),
    ],
)
def test_each_side_input_problem_is_a_finding_of_its_rule(
    broken_path, tmp_path, spec2021, previous, narrative, rule, title, skipped
):
    bad_previous = tmp_path / "上年.xlsx"
    bad_previous.write_bytes(b"PK\x03\x04garbage")
    inputs = CheckInputs(
        broken_path,
        bad_previous if previous else None,
        tmp_path / narrative if narrative else None,  # not there: it cannot be read
    )
    result = run_check(inputs)
    (problem,) = result.problems
    assert isinstance(problem, Finding)
    assert (
        (problem.rule, problem.severity)
        == (rule, "warning")
        == (rule, spec2021.rule(rule).severity)
    )
    assert problem_title(problem, result.spec) == title
    assert problem.text.startswith(f"{title}：") and skipped in problem.action


def test_a_side_input_problem_of_an_unreadable_workbook_is_worded_too(tmp_path):
    unreadable = tmp_path / "坏.xlsx"
    unreadable.write_bytes(b"PK\x03\x04garbage")
    result = run_check(CheckInputs(unreadable, unreadable))
    (problem,) = result.problems
    assert result.spec is None and problem.rule == "I-PREVIOUS"
    assert problem_title(problem, result.spec) == "上年填报表读不了"


def test_an_unreadable_workbook_is_a_result_not_an_exception(tmp_path):
    path = tmp_path / "坏.xlsx"
    path.write_bytes(b"PK\x03\x04garbage")
    result = run_check(CheckInputs(path))
    assert not result.readable and result.spec is None and result.previews == {}
    headline, detail = summary_text(result.report, LABELS)
    assert headline == "无法读取这个文件" and "损坏" in detail


def test_preview_shows_each_table_as_typed_with_totals_computed(build, sample, tmp_path):
    built = build(sample, "built.xlsx")
    path = edit_workbook(
        built,
        tmp_path / "edited.xlsx",
        {"表三!D6": "12 件", "表三!E6": "=1+1", "表三!J30": 99},
    )
    result = run_check(CheckInputs(path))
    t3 = result.previews["表三"]
    assert t3.row_labels[0] == "一、本年新收政府信息公开申请数量"
    assert t3.col_labels == (
        "自然人",
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
        "总计",
    )
    typed = t3.cell(*t3.position("D6"))
    assert (typed.text, typed.kind, typed.note) == ("12 件", INPUT, "不是数字")
    formula = t3.cell(*t3.position("表三!E6"))
    assert formula.text == "=1+1" and "公式" in formula.note
    total = t3.cell(*t3.position("J6"))
    others = sum(sample.values[CellKey("t3", "r1", c)] for c in ("c3", "c4", "c5", "c6"))
    assert total.kind == COMPUTED  # SUM skips the text and counts the formula's 2
    assert total.text == str(others + 2)
    over = t3.cell(*t3.position("J30"))
    assert (over.text, over.kind) == ("99", TYPED_TOTAL)
    assert t3.position("表二!D6") is None and t3.position("Z99") is None


def test_preview_leaves_out_cells_a_row_does_not_have_and_turns_one_row_tables(sample_path):
    result = run_check(CheckInputs(sample_path))
    t2 = result.previews["表二"]
    assert t2.row_labels[:3] == ("规章", "行政规范性文件", "行政许可")
    assert t2.col_labels[3] == "本年处理决定数量"
    licensing = t2.row_labels.index("行政许可")
    assert t2.cells[licensing][:3] == (None, None, None)
    assert t2.cells[licensing][3].ref == "B9"
    t4 = result.previews["表四"]
    assert t4.transposed and t4.col_labels == ("案件数",)
    assert t4.row_labels[0] == "行政复议·结果维持" and len(t4.row_labels) == 15
    assert t4.position("A6") == (0, 0) and t4.position("O6") == (14, 0)


def test_preview_of_a_table_whose_layout_was_changed_reads_nothing(sample_path, tmp_path):
    path = edit_workbook(sample_path, tmp_path / "moved.xlsx", insert_rows=("表三", 8))
    result = run_check(CheckInputs(path))
    t3 = result.previews["表三"]
    assert not t3.readable
    assert {c.kind for row in t3.cells for c in row if c} == {NOT_READ}
    assert "结构与标准格式不符" in caption_html(t3, "error")


def test_highlight_marks_the_finding_cell_strongly_and_the_compared_cells(broken_path):
    result = run_check(CheckInputs(broken_path))
    h31 = next(f for f in result.report.findings if f.rule == "H3-1" and f.column == "自然人")
    preview = result.preview_for(h31)
    mark = highlight(preview, h31)
    row, col = mark.focus
    assert (preview.row_labels[row], preview.col_labels[col]) == (h31.row, h31.column)
    assert {preview.row_labels[r] for r, _ in mark.involved} == {
        "一、本年新收政府信息公开申请数量",
        "二、上年结转政府信息公开申请数量",
        "（七）总计",
    }
    assert {preview.col_labels[c] for _, c in mark.involved} == {"自然人"}


def test_findings_without_a_table_cell_have_no_preview(broken_path, tmp_path):
    narrative = tmp_path / "正文.txt"
    narrative.write_text("一、总体情况\n共收到申请XX件。\n", encoding="utf-8")
    result = run_check(CheckInputs(broken_path, narrative=narrative))
    leftover = next(f for f in result.report.findings if f.rule == "N-LEFTOVER")
    assert result.preview_for(leftover) is None
    outside = Finding("S-EXTRA", "warning", "多余内容", sheet="表三", cell="Z40")
    assert result.preview_for(outside) is None


def test_explanation_words_the_rule_as_the_spec_does(broken_path):
    result = run_check(CheckInputs(broken_path))
    findings = {(f.rule, f.column): f for f in result.report.findings}
    exp = explain(result.spec, findings[("H3-1", "自然人")], LABELS, result.report)
    assert (exp.check_label, exp.check) == ("规则", "「自然人」列：一＋二＝三（七）总计＋四")
    # 结转下年度 (the balance's anchor) holds 3 where the rest of the column makes it 2.
    assert exp.numbers == "若其余数字无误，应为 2，现为 3（多 1）"
    # The 总计 column's balance is the same problem: it is listed under this one.
    assert exp.cause is None and [f.where for f in exp.explains] == ["表三!J30"]
    limit = explain(result.spec, findings[("P-1", "本年制发件数")], LABELS)
    assert limit.check == "「规章」行「本年制发件数」：乡镇、街道、县直部门、县级政府一般为 0"
    assert limit.numbers == "上限为 0，现为 2（超出 2）"
    blank = explain(result.spec, findings[("V-BLANK", "商业企业")], LABELS)
    assert blank.check_label == "「校验」表中的检查项" and blank.check == "表三：未填写的单元格个数"
    unknown = explain(None, Finding("FILE", "error", "文件已损坏。", "请重新保存。"), LABELS)
    assert (unknown.check, unknown.severity_label, unknown.action) == ("", "错误", "请重新保存。")
    assert "规则编号" not in explanation_html(unknown)
    text = explanation_html(exp)
    assert "规则编号 H3-1" in text and "若其余数字无误，应为 2，现为 3（多 1）" in text
    assert "相差" not in text and "<b>原因：</b>" not in text
    assert "<b>由此引起（不另计）：</b>" in text and "表三!J30" in text


@pytest.fixture
def typed_path(sample_path, tmp_path):
    """The clerk typed "14件" for 14 in 表三 本年新收 (自然人): the balances of 自然人 (D30)
    and 总计 (J30) fail only because of it."""
    return edit_workbook(sample_path, tmp_path / "typed.xlsx", {"表三!D6": "14件"})


def test_a_mistyped_number_is_listed_once_with_the_balances_it_breaks_under_it(typed_path):
    result = run_check(CheckInputs(typed_path))
    report = result.report
    (errors,) = group_findings(report.sorted_findings(), LABELS)
    assert (errors.label, [f.where for f in errors.findings]) == ("错误", ["表三!D6"])
    (typed,) = errors.findings
    assert [(f.rule, f.where) for f in errors.explained_by(typed)] == [
        ("H3-1", "表三!D30"),
        ("H3-1", "表三!J30"),
    ]
    headline, _ = summary_text(report, LABELS)
    assert headline == "未通过：有 1 个错误（另有 2 项由此引起，不另计）"
    assert [t for t, _ in severity_choices(report.counts, LABELS)][:2] == [
        "全部（1）",
        "只看错误（1）",
    ]


def test_the_detail_pane_of_a_consequence_names_its_cause_and_links_to_it(typed_path):
    result = run_check(CheckInputs(typed_path))
    report = result.report
    typed = next(f for f in report.findings if f.where == "表三!D6")
    balance = next(f for f in report.findings if f.where == "表三!D30")
    exp = explain(result.spec, balance, LABELS, report)
    assert exp.cause == typed
    assert exp.numbers == ""  # off only because D6 counts as 0: no "应为 -12"
    text = explanation_html(exp)
    assert "<b>原因：</b>由 <a href=" in text and "「14件」，不是数字，应改为数字 14" in text
    assert "<b>核对：</b>" not in text
    assert "相差" not in text and "应为 -12" not in text
    (href,) = {h.split('"')[0] for h in text.split('href="')[1:]}
    assert linked_finding(href) == typed.id
    cause = explain(result.spec, typed, LABELS, report)
    assert [f.where for f in cause.explains] == ["表三!D30", "表三!J30"]
    assert cause.numbers == "应为 14，现为「14件」"
    text = explanation_html(cause)
    assert "由此引起（不另计）：" in text and ">表三!D30</a>、<a " in text
    hrefs = [h.split('"')[0] for h in text.split('href="')[1:]]
    assert [linked_finding(h) for h in hrefs] == [f.id for f in cause.explains]
    assert linked_finding("https://example.com") is None


def test_a_blank_workbook_is_one_problem_per_table_with_its_blank_cells_under_it(build, sample):
    blank = build(TemplateRequest(year=2025, unit=sample.unit, kind=sample.kind), "blank.xlsx")
    result = run_check(CheckInputs(blank))
    report = result.report
    errors = group_findings(report.sorted_findings(), LABELS)[0]
    assert [(f.rule, f.where) for f in errors.findings] == [
        ("V-EMPTY", "表二"),
        ("V-EMPTY", "表三"),
        ("V-EMPTY", "表四"),
    ]
    for table in errors.findings:
        cells = errors.explained_by(table)
        assert {f.rule for f in cells} == {"V-BLANK"}
        assert [f.where for f in cells] == list(table.cells)
    assert report.counts["error"] == 3
    assert summary_text(report, LABELS)[0].startswith("未通过：有 3 个错误")
    # The table is shown with its blank cells marked (it has no cell of its own).
    table3 = errors.findings[1]
    preview = result.preview_for(table3)
    mark = highlight(preview, table3)
    assert preview.sheet == "表三" and mark.focus is None
    assert len(mark.involved) == 144 == len(table3.cells)


def test_a_cause_with_few_findings_under_it_is_listed_open_a_blank_table_closed():
    cause = Finding("V-EMPTY", "error", "表三尚未填写（共 144 个空格）", sheet="表三")
    assert listed_open(cause, 2, "") and not listed_open(cause, 0, "")
    assert not listed_open(cause, 144, "")
    assert listed_open(cause, 144, "商业企业")  # the filter matched cells under it
    assert not listed_open(cause, 144, "表三")  # it matched the cause itself


def test_the_filters_follow_a_cause_and_still_find_what_it_explains():
    cause = Finding("V-NUMBER", "error", "填的是「14件」", sheet="表三", cell="D6", id="c")
    balance = Finding(
        "H3-1", "warning", "「总计」列不相符", sheet="表三", cell="J30", id="b", cause="c"
    )
    assert shown_in_list(balance, cause, "error", "") and not shown_in_list(
        balance, cause, "warning", ""
    )
    assert shown_in_list(balance, cause, None, "J30")  # found, and shown under its cause
    assert not shown_in_list(cause, None, None, "J30")  # (the list keeps a cause above it)
    assert shown_in_list(balance, cause, None, "14件")  # its cause matches: listed whole
    assert not shown_in_list(balance, cause, None, "商业企业")


D = Decimal
CARRIED = CellKey("t3", "r4", "c1")  # 结转下年度 (自然人): a count, the anchor of H3-1


@pytest.mark.parametrize(
    ("rule", "expected", "actual", "cause", "words"),
    [
        pytest.param(
            "H3-1", D(2), D(3), None, "若其余数字无误，应为 2，现为 3（多 1）", id="balance"
        ),
        pytest.param(
            "H3-1",
            D(-12),
            D(2),
            None,
            "只改这一格无法相符（它须为 -12），请核对其余数字",
            id="balance-no-one-cell-fix",
        ),
        pytest.param("H3-1", D(-12), D(2), "V-NUMBER@表三!D6", "", id="consequence"),
        pytest.param(
            "H3-2", D(16), D(15), None, "若各项无误，合计应为 16，现为 15（少 1）", id="sum"
        ),
        pytest.param("P-1", D(0), D(2), None, "上限为 0，现为 2（超出 2）", id="limit"),
        pytest.param("N-NUMBER", D(3), D(2), None, "表格为 3，正文为 2", id="narrative"),
        pytest.param("V-TEXT", D(14), " 14 ", None, "应为 14，现为「 14 」", id="text-number"),
        pytest.param("N-LEFTOVER", None, "共XX件", None, "", id="nothing-compared"),
    ],
)
def test_the_detail_pane_says_what_a_finding_compares_without_a_bare_difference(
    spec2021, rule, expected, actual, cause, words
):
    finding = Finding(
        rule, "error", "…", key=CARRIED, expected=expected, actual=actual, cause=cause
    )
    assert explain(spec2021, finding, LABELS).numbers == words


def test_grid_colours_mark_the_finding_its_cells_totals_and_missing_cells(broken_path):
    result = run_check(CheckInputs(broken_path))
    h31 = next(f for f in result.report.findings if f.rule == "H3-1" and f.column == "自然人")
    t3 = result.preview_for(h31)
    mark = highlight(t3, h31)
    _, strong, strong_text, light = SEVERITY_COLOURS["error"]
    assert cell_colours(t3, mark, "error", *mark.focus) == (strong, strong_text)
    assert {cell_colours(t3, mark, "error", *p) for p in mark.involved} == {(light, None)}
    total = t3.position("J6")
    assert cell_colours(t3, mark, "error", *total) == (COMPUTED_BACKGROUND, None)
    assert cell_colours(t3, mark, "error", *t3.position("E6")) == (None, None)
    t2 = result.previews["表二"]
    assert cell_colours(t2, mark, "warning", 2, 0) == (MISSING_BACKGROUND, None)
    assert cell_tooltip(t2, 2, 0) is None
    blank = t3.position("E22")
    assert cell_tooltip(t3, *blank) == "表三!E22\n（五）不予处理 2.重复申请 · 商业企业\n未填写"


def test_explanation_html_escapes_what_the_clerk_typed():
    finding = Finding("V-NUMBER", "error", "填的是「<b>十二</b>」", actual="<b>十二</b>")
    text = explanation_html(explain(None, finding, LABELS))
    assert "<b>十二</b>" not in text and "&lt;b&gt;十二&lt;/b&gt;" in text
    assert "怎么改" not in text  # no action, no empty line for it


def test_summary_says_passed_failed_or_unreadable():
    def report(*severities, readable=True):
        findings = [Finding("R", s, "x") for s in severities]
        return Report("a.xlsx", findings, unit="青禾镇人民政府", year=2025, format_version="2021")

    assert summary_text(report("error", "error", "warning"), LABELS) == (
        "未通过：有 2 个错误、1 个警告",
        "青禾镇人民政府 · 2025 年度 · 2021 版格式",
    )
    assert summary_text(report("info"), LABELS)[0] == "通过：没有错误，有 1 个提示需要看一下"
    assert summary_text(report(), LABELS)[0] == "通过：没有发现问题"
    assert counts_text({"error": 0, "warning": 2, "info": 1}, LABELS) == "2 个警告、1 个提示"
    assert severity_labels() == LABELS


def test_severity_filter_choices_carry_their_counts():
    assert severity_choices({}, LABELS) == [
        ("全部", None),
        ("只看错误", "error"),
        ("只看警告", "warning"),
        ("只看提示", "info"),
    ]
    counts = {"error": 3, "warning": 1, "info": 0}
    assert [t for t, _ in severity_choices(counts, LABELS)] == [
        "全部（4）",
        "只看错误（3）",
        "只看警告（1）",
        "只看提示（0）",
    ]


def test_detail_pane_without_a_selection_says_what_to_do():
    assert nothing_selected_html(None) == ""
    assert "没有发现问题" in nothing_selected_html(Report("a.xlsx"))
    assert "选一个问题" in nothing_selected_html(Report("a.xlsx", [Finding("R", "error", "x")]))


def test_findings_are_grouped_by_severity_in_their_order():
    findings = [
        Finding("I", "info", "c"),
        Finding("E1", "error", "a"),
        Finding("W", "warning", "b"),
        Finding("E2", "error", "d"),
    ]
    groups = group_findings(findings, LABELS)
    assert [(g.label, [f.rule for f in g.findings]) for g in groups] == [
        ("错误", ["E1", "E2"]),
        ("警告", ["W"]),
        ("提示", ["I"]),
    ]
    assert group_findings(findings[1:2], LABELS)[0].severity == "error"


def test_a_finding_another_explains_is_listed_under_its_cause_in_the_causes_group():
    cause = Finding("E1", "error", "a", id="E1@x")
    findings = [
        cause,
        Finding("E2", "error", "b", id="E2@y", cause="E1@x"),
        Finding("W", "warning", "c", id="W@z", cause="E1@x"),
        Finding("I", "info", "d", id="I@w", cause="gone"),  # its cause is not in the list
    ]
    groups = group_findings(findings, LABELS)
    assert [(g.label, [f.rule for f in g.findings]) for g in groups] == [
        ("错误", ["E1"]),
        ("提示", ["I"]),
    ]
    assert [f.rule for f in groups[0].explained_by(cause)] == ["E2", "W"]
    assert groups[1].explained_by(findings[3]) == ()


@pytest.mark.parametrize(
    ("query", "matches"),
    [
        pytest.param("", True, id="empty-matches-all"),
        pytest.param("d30", True, id="cell-any-case"),
        pytest.param("表三!D30", True, id="sheet-and-cell"),
        pytest.param("结转 自然人", True, id="all-words"),
        pytest.param("结转 商业企业", False, id="one-word-missing"),
        pytest.param("h3-1", True, id="rule-id"),
        pytest.param("逐项核对", True, id="action-text"),
    ],
)
def test_text_filter_matches_place_labels_and_words(query, matches):
    finding = Finding(
        "H3-1",
        "error",
        "表三「自然人」列不符合勾稽关系。",
        "请逐项核对。",
        sheet="表三",
        cell="D30",
        table="表三",
        row="四、结转下年度继续办理",
        column="自然人",
    )
    assert finding_matches(finding, query) is matches


def test_annotated_copy_goes_beside_the_workbook_or_to_the_output_folder(tmp_path):
    workbook = tmp_path / "in" / "青禾镇.xlsx"
    assert annotated_path(workbook) == tmp_path / "in" / "青禾镇-批注.xlsx"
    assert annotated_path(workbook, tmp_path / "out") == tmp_path / "out" / "青禾镇-批注.xlsx"


def test_annotate_copy_checks_again_and_writes_the_marked_workbook(broken_path, tmp_path):
    import openpyxl

    target = tmp_path / "批注.xlsx"
    result, written = annotate_copy(CheckInputs(broken_path), target)
    assert written == target and result.report.counts["error"] == 2
    sheet = openpyxl.load_workbook(target)["表三"]
    assert "H3-1" in sheet["D30"].comment.text
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(Exception, match="损坏"):
        annotate_copy(CheckInputs(bad), tmp_path / "坏-批注.xlsx")


def test_dropped_files_give_the_inputs_of_the_next_check(tmp_path):
    book, other, text = tmp_path / "本年.xlsx", tmp_path / "别的.XLS", tmp_path / "正文.docx"
    previous = tmp_path / "上年.xlsx"
    current = CheckInputs(book, previous, text)
    assert dropped_inputs([tmp_path], current) is None  # a folder is for 汇总
    assert dropped_inputs([text], None) is None  # a narrative alone needs a workbook first
    assert dropped_inputs([tmp_path / "说明.doc"], current) is None
    # A published report's PDF is a narrative too: it replaces the narrative, keeps the rest.
    assert dropped_inputs([tmp_path / "年报.pdf"], current) == CheckInputs(
        book, previous, tmp_path / "年报.pdf"
    )
    assert dropped_inputs([book], current) == current  # the same workbook keeps its companions
    assert dropped_inputs([other, book], current) == CheckInputs(other)
    assert dropped_inputs([book, text], None) == CheckInputs(book, None, text)
    new_text = tmp_path / "正文2.txt"
    assert dropped_inputs([new_text], current) == CheckInputs(book, previous, new_text)


def test_save_tracker_sees_a_save_by_rename_and_waits_while_the_file_is_missing(tmp_path):
    book, text = tmp_path / "a.xlsx", tmp_path / "正文.txt"
    book.write_bytes(b"one")
    text.write_text("正文", encoding="utf-8")
    inputs = CheckInputs(book, narrative=text)
    tracker = SaveTracker(missing_tries=2)
    tracker.checking(inputs)
    assert tracker.settled(inputs) == "same"  # e.g. a lock file appeared in the folder
    book.unlink()
    assert [tracker.settled(inputs) for _ in range(3)] == ["missing", "missing", "gone"]
    book.write_bytes(b"two")
    assert tracker.settled(inputs) == "changed"
    tracker.checking(inputs)
    text.write_text("改过的正文", encoding="utf-8")
    assert tracker.settled(inputs) == "changed"


def test_file_signature_tells_a_saved_file_from_the_old_one(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"one")
    before = file_signature(path)
    temp = tmp_path / "a.tmp"
    temp.write_bytes(b"one")  # same size and content: a save by rename is still a change
    os.replace(temp, path)
    assert file_signature(path) != before
    path.unlink()
    assert file_signature(path) is None


@pytest.mark.parametrize(
    ("text", "width", "lines"),
    [
        pytest.param("自然人", 4, ["自然人"], id="short"),
        pytest.param("社会公益组织", 4, ["社会公益", "组织"], id="cut"),
        pytest.param(
            "（五）不予处理 2.重复申请", 8, ["（五）不予处理", "2.重复申请"], id="at-space"
        ),
        pytest.param("abc", 0, ["abc"], id="no-width"),
        pytest.param(
            "本年收费金额（单位：万元）", 4, ["本年收费金额", "（单位：万元）"], id="short-note"
        ),
        pytest.param(
            "甲乙丙丁戊己庚（一二三四五六七八）",
            4,
            ["甲乙丙丁", "戊己庚（", "一二三四", "五六七八）"],
            id="long-note-no-lone-bracket",
        ),
    ],
)
def test_wrap_label_breaks_long_header_labels(text, width, lines):
    assert wrap_label(text, width).split("\n") == lines


def test_sample_request_passes_so_previews_show_no_notes(sample_path):
    result = run_check(CheckInputs(sample_path))
    assert result.report.valid
    notes = {c.note for p in result.previews.values() for row in p.cells for c in row if c}
    assert notes <= {"", "合计，由公式自动计算"}
    assert sample_request(2025).unit == result.report.unit
