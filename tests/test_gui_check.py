"""The 校验 page end to end: real workbooks built by the core, the page driven through its own
methods and widgets, dialogs recorded."""

from __future__ import annotations

import os
import re
from dataclasses import replace
from decimal import Decimal

import pytest
from PySide6.QtCore import QModelIndex, Qt

from nianbao.services.checking import check_file
from nianbao.workbook_templates.sample import sample_request
from nianbao.workbook_templates.spec import CellKey

pytestmark = pytest.mark.gui


def _with(request, values):
    changed = dict(request.values)
    changed.update({CellKey(*k.split(".")): v for k, v in values.items()})
    return replace(request, values=changed)


BROKEN = {
    "t3.r4.c1": Decimal(3),  # 结转下年度 does not balance: H3-1 on 自然人 and on 总计
    "t3.r3_5_2.c2": None,  # left blank: V-BLANK
    "t2.regulation.issued": 2,  # a 乡镇 does not make 规章: P-1 (a warning)
}


def _tree_rows(page):
    """Return the findings list as shown: [(group header, [位置 of each problem])]."""
    model = page.findings_filter
    rows = []
    for g in range(model.rowCount(QModelIndex())):
        head = model.index(g, 0, QModelIndex())
        places = [model.index(r, 0, head).data() for r in range(model.rowCount(head))]
        rows.append((head.data(), places))
    return rows


def _under(page, group: int, row: int):
    """Return the 位置 of the findings listed under one problem (what it explains)."""
    model = page.findings_filter
    cause = model.index(row, 0, model.index(group, 0, QModelIndex()))
    return [model.index(r, 0, cause).data() for r in range(model.rowCount(cause))]


def _open(gui, path, previous=None):
    page = gui.window.go("check")
    page.show_workbook(path, previous)
    gui.wait_jobs()
    return page


def test_findings_are_grouped_and_each_error_is_shown_in_its_table(gui, build, sample):
    path = build(_with(sample, BROKEN), "青禾镇.xlsx")
    page = _open(gui, path)

    report, _ = check_file(path)  # what `nianbao check` says about the same file
    counts = report.counts
    assert page.summary.text().startswith(f"未通过：有 {counts['error']} 个错误")
    assert "青禾镇人民政府" in page.details.text() and "2025 年度" in page.details.text()
    groups = _tree_rows(page)
    assert groups == [
        (f"{label}（{counts[severity]}）", [f.where for f in report.roots(severity)])
        for severity, label in (("error", "错误"), ("warning", "警告"), ("info", "提示"))
        if counts[severity]
    ]
    # Two problems of their own, in table order; the 总计 column's balance (J30) is the 自然人
    # column's problem and is listed under it.
    assert groups[0][1][:2] == ["表三!E22", "表三!D30"] and "表二!B5" in groups[1][1]
    assert _under(page, 0, 1) == ["表三!J30"] and report.explained == 1
    assert gui.window.windowTitle().startswith("青禾镇.xlsx")
    assert gui.settings.recent("workbook") == [path]
    assert not gui.dialogs.failures

    assert not page.select_finding("表九!Z1")
    assert page.select_finding("表三!E22")
    model = page.preview_model
    row, col = model.highlight.focus
    assert model.preview.sheet == "表三" and page.grid_box.isVisibleTo(page)
    assert model.headerData(row, Qt.Orientation.Vertical, Qt.ItemDataRole.ToolTipRole) == (
        "（五）不予处理 2.重复申请"
    )
    assert model.headerData(col, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole) == (
        "商业企业"
    )
    assert page.grid.currentIndex() == model.index(row, col)
    strong = model.data(model.index(row, col), Qt.ItemDataRole.BackgroundRole).color().name()
    assert strong == "#c62828"
    assert "未填写" in model.data(model.index(row, col), Qt.ItemDataRole.ToolTipRole)

    assert page.select_finding("表三!D30")
    row, col = model.highlight.focus
    assert model.data(model.index(row, col)) == "3"
    assert len(model.highlight.involved) == 3
    light = {
        model.data(model.index(r, c), Qt.ItemDataRole.BackgroundRole).color().name()
        for r, c in model.highlight.involved
    }
    assert light == {"#ffd9d3"}
    text = page.explanation.toPlainText()
    assert "规则：「自然人」列：一＋二＝三（七）总计＋四" in text
    assert "核对：若其余数字无误，应为 2，现为 3（多 1）" in text and "怎么改：" in text
    assert "相差" not in text

    page.filter_edit.setText("商业企业")
    assert _tree_rows(page) == [(f"错误（1/{counts['error']}）", ["表三!E22"])]
    page.filter_edit.setText("表二 规章")
    page.severity_combo.setCurrentIndex(page.severity_combo.findData("warning"))
    assert _tree_rows(page) == [(f"警告（1/{counts['warning']}）", ["表二!B5"])]
    assert page.severity_combo.currentText() == f"只看警告（{counts['warning']}）"
    assert page.preview_model.preview.sheet == "表二"  # the finding shown follows the filter


def test_a_mistyped_number_leads_with_the_balances_it_breaks_under_it(
    gui, qtbot, sample_path, tmp_path
):
    from PySide6.QtCore import QUrl

    from tests.workbook_edit import edit_workbook

    path = edit_workbook(sample_path, tmp_path / "青禾镇.xlsx", {"表三!D6": "14件"})
    page = _open(gui, path)

    assert page.summary.text() == "未通过：有 1 个错误（另有 2 项由此引起，不另计）"
    assert _tree_rows(page) == [("错误（1）", ["表三!D6"])]
    assert _under(page, 0, 0) == ["表三!D30", "表三!J30"]
    assert page.severity_combo.currentText() == "全部（1）"
    assert page.severity_combo.itemText(1) == "只看错误（1）"
    # The cause is shown first, in its table.
    assert page._selected_finding().where == "表三!D6"
    assert page.preview_model.preview.sheet == "表三"
    assert "由此引起（不另计）：表三!D30、表三!J30" in page.explanation.toPlainText()

    # The arrow keys go from the cause to what it explains, and back.
    qtbot.keyClick(page.tree, Qt.Key.Key_Down)
    assert page._selected_finding().where == "表三!D30"
    text = page.explanation.toPlainText()
    assert "原因：由 表三!D6 的问题引起，不另计。" in text and "「14件」" in text
    assert "应为 -12" not in text and "相差" not in text
    qtbot.keyClick(page.tree, Qt.Key.Key_Left)  # to the cause
    assert page._selected_finding().where == "表三!D6"

    # Searching finds a consequence, and shows its cause above it.
    page.filter_edit.setText("j30")
    assert _tree_rows(page) == [("错误（1）", ["表三!D6"])]
    assert _under(page, 0, 0) == ["表三!J30"]
    assert page.select_finding("表三!J30")
    assert page.tree.isExpanded(page.tree.currentIndex().parent())
    # The link in the detail pane (the cause's place) goes to the cause.
    (href,) = re.findall(r'href="([^"]+)"', page.explanation.toHtml())
    page.explanation.anchorClicked.emit(QUrl(href))
    assert page._selected_finding().where == "表三!D6"
    page.filter_edit.setText("商业企业")
    assert _tree_rows(page) == []
    assert not gui.dialogs.failures


def test_a_blank_workbook_lists_each_table_once_its_blank_cells_under_it(gui, build, sample):
    from nianbao.workbook_templates import TemplateRequest

    blank = TemplateRequest(year=2025, unit=sample.unit, kind=sample.kind)
    page = _open(gui, build(blank, "空白.xlsx"))

    errors = _tree_rows(page)[0]
    assert errors == ("错误（3）", ["表二", "表三", "表四"])
    assert [len(_under(page, 0, r)) for r in range(3)] == [10, 144, 12]
    model = page.findings_filter
    head = model.index(0, 0, QModelIndex())
    assert not page.tree.isExpanded(model.index(1, 0, head))  # 144 cells: listed closed
    # The first table is selected and shown, its blank cells marked.
    assert page._selected_finding().where == "表二" and page.grid_box.isVisibleTo(page)
    assert len(page.preview_model.highlight.involved) == 10
    assert page.select_finding("表三!E22")  # a cell under it opens it
    assert page.tree.isExpanded(model.index(1, 0, head))
    assert page.preview_model.preview.sheet == "表三"
    assert "原因：由 表三 的问题引起" in page.explanation.toPlainText()
    page.filter_edit.setText("重复申请 商业企业")
    assert _tree_rows(page)[0] == ("错误（1/3）", ["表三"])
    assert _under(page, 0, 0) == ["表三!E22"]
    assert page.tree.isExpanded(model.index(0, 0, model.index(0, 0, QModelIndex())))


def test_annotated_copy_is_written_opened_and_never_overwritten_unasked(
    gui, build, sample, tmp_path
):
    import openpyxl

    out = tmp_path / "输出"
    out.mkdir()
    gui.settings.output_dir = out
    path = build(_with(sample, BROKEN), "青禾镇.xlsx")
    page = _open(gui, path)

    page.annotate_button.click()
    gui.wait_jobs()
    target = out / "青禾镇-批注.xlsx"
    assert gui.dialogs.opened == [target] and gui.dialogs.asked == []
    assert "H3-1" in openpyxl.load_workbook(target)["表三"]["D30"].comment.text

    page.annotate_button.click()
    gui.wait_jobs()
    assert gui.dialogs.asked == [target]
    assert gui.dialogs.opened == [target, out / "青禾镇-批注-2.xlsx"]
    assert (out / "青禾镇-批注-2.xlsx").exists()

    gui.dialogs.overwrite = "cancel"
    page.annotate_button.click()
    gui.wait_jobs()
    assert len(gui.dialogs.opened) == 2 and "没有生成批注副本" in page.status.text()
    page.open_button.click()
    page.folder_button.click()
    assert gui.dialogs.opened[-2:] == [path, path.parent]
    assert not gui.dialogs.failures


@pytest.mark.slow
def test_saving_the_workbook_elsewhere_rechecks_it_by_itself(gui, qtbot, build, sample):
    path = build(_with(sample, BROKEN), "青禾镇.xlsx")
    page = _open(gui, path)
    assert page.summary.text().startswith("未通过")

    # WPS and Excel save by writing a new file and renaming it over the old one.
    os.replace(build(sample, "~wps-save.tmp.xlsx"), path)
    qtbot.waitUntil(lambda: page.summary.text() == "通过：没有发现问题", timeout=20_000)
    assert "文件已更改，已重新校验" in page.status.text()
    assert "没有发现问题" in page.explanation.toPlainText()

    # The watch survives the rename: the next save is seen too.
    os.replace(build(_with(sample, BROKEN), "~wps-save2.tmp.xlsx"), path)
    qtbot.waitUntil(lambda: page.summary.text().startswith("未通过"), timeout=20_000)
    gui.wait_jobs()

    # Checks asked for while one runs do not pile up: one more runs after it.
    started = []
    gui.window.job_started.connect(started.append)
    for _ in range(3):
        page.check_now()
    assert len(gui.window.jobs) == 1
    qtbot.waitUntil(lambda: len(started) == 2 and not gui.window.jobs, timeout=20_000)
    qtbot.wait(100)
    assert len(started) == 2
    assert not gui.dialogs.failures

    # A save that leaves a broken file is looked at once more, then reported once.
    garbage = path.with_name("~wps-save3.tmp")
    garbage.write_bytes(b"PK\x03\x04garbage")
    os.replace(garbage, path)
    qtbot.waitUntil(lambda: page.summary.text() == "无法读取这个文件", timeout=20_000)
    gui.wait_jobs()
    assert [title for title, _ in gui.dialogs.failures] == ["无法读取填报表"]


def test_a_corrupt_file_is_a_chinese_dialog_and_shown_as_unreadable(gui, tmp_path):
    path = tmp_path / "坏了.xlsx"
    path.write_bytes(b"PK\x03\x04garbage")
    page = gui.window.go("check")
    assert page.open_files([tmp_path]) is False  # a folder is for 汇总
    assert page.open_files([path]) is True
    gui.wait_jobs()

    ((title, failure),) = gui.dialogs.failures
    assert title == "无法读取填报表"
    assert "坏了.xlsx" in failure.message and "损坏" in failure.message
    assert failure.action and "Traceback" not in failure.message + failure.action
    assert page.summary.text() == "无法读取这个文件"
    assert not page.annotate_button.isEnabled() and page.open_button.isEnabled()
    assert _tree_rows(page) == [("错误（1）", ["—"])]
    assert "怎么改：" in page.explanation.toPlainText() and not page.grid_box.isVisibleTo(page)


def test_last_years_workbook_and_the_narrative_are_checked_too(gui, build, sample, tmp_path):
    last_year = sample_request(2024)
    carried = last_year.values[CellKey("t3", "r4", "c1")]
    previous = build(_with(last_year, {"t3.r4.c1": carried + 2}), "上年.xlsx")
    narrative = tmp_path / "正文.txt"
    narrative.write_text("一、总体情况\n本年度主动公开政府信息XX条。\n", encoding="utf-8")
    path = build(sample, "青禾镇.xlsx")
    page = gui.window.go("check")

    page.previous_field.set_path(previous)
    page.narrative_field.set_path(narrative)
    page.workbook_field.set_path(path)  # choosing the workbook starts the check
    gui.wait_jobs()

    errors = _tree_rows(page)[0]
    assert errors[0].startswith("错误") and {"表三!D7", "正文.txt"} <= set(errors[1])
    assert page.select_finding("表三!D7")
    text = page.explanation.toPlainText()
    assert "规则编号 X-1" in text and "上年结转" in text
    row, _ = page.preview_model.highlight.focus
    assert page.preview_model.preview.row_labels[row] == "二、上年结转政府信息公开申请数量"
    assert page.select_finding("正文.txt")
    assert not page.grid_box.isVisibleTo(page)
    assert "模板遗留" in page.explanation.toPlainText()
    assert not gui.dialogs.failures


def test_another_version_is_compared_and_what_changed_is_shown(gui, build, sample, tmp_path):
    older = build(_with(sample, BROKEN), "青禾镇-第一次.xlsx")
    newer = build(sample, "青禾镇-改过.xlsx")
    os.utime(older, (1_700_000_000, 1_700_000_000))  # sent first
    page = _open(gui, newer)
    assert page.compare_button.isEnabled()
    page.compare_with(older)
    gui.wait_jobs()
    [(title, lines)] = gui.dialogs.texts
    text = "\n".join(lines)
    assert title == "与另一版本比较"
    assert f"旧版本：{older}" in text and f"新版本：{newer}" in text
    assert "表三!D30 表三「四、结转下年度继续办理」「自然人」：3 → 2" in text
    assert "新版本已改正的问题" in text and "[H3-1]" in text
    assert "有 3 处改动" in page.status.text() and not gui.dialogs.failures  # BROKEN's three
    page.compare_with(newer)  # itself: the same content
    gui.wait_jobs()
    assert "内容相同" in "\n".join(gui.dialogs.texts[-1][1])
