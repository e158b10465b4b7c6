"""The 汇总 page end to end on a small generated county: hand out, roll up, returns, cancel,
and a bad roster, driven through the page's own widgets."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor

from nianbao.county.handout import LIST_NAME
from nianbao.county.model import RollupRequest
from nianbao.county.returns import LIST_NAME as RETURNS_LIST
from nianbao.county.rollup import rollup
from nianbao.county.roster import read_roster
from nianbao.desktop.viewmodels import rollup as view
from nianbao.files import narrative_template_path, workbook_name
from nianbao.workbook_templates import read_workbook
from nianbao.workbook_templates.styles import FAIL_FILL, MISSING_FILL

from .county import TYPO_CELL, TYPO_TEXT, County, make_county, make_two_mistakes

pytestmark = pytest.mark.gui


@pytest.fixture
def county(tmp_path) -> County:
    return make_county(tmp_path / "县", n_units=12)


def rollup_page(gui):
    page = gui.window.go("rollup")
    gui.wait_jobs()
    return page


def grid_column(page, column: int) -> list[str]:
    proxy = page.unit_proxy
    return [proxy.index(r, column).data() for r in range(proxy.rowCount())]


@pytest.mark.slow
def test_handout_from_a_roster_writes_every_units_files_and_refuses_to_overwrite(
    gui, county, tmp_path
):
    page = rollup_page(gui)
    assert page.open_files([county.roster])
    gui.wait_jobs()
    assert page.roster.path() == county.roster
    assert page.roster_note.text().startswith("名单中有 12 个单位")
    folder = tmp_path / "下发"
    page.tabs.setCurrentWidget(page.handout_tab)
    page.handout_year.setValue(2025)
    page.handout_folder.set_path(folder)
    page.handout_button.click()
    gui.wait_jobs()

    assert not gui.dialogs.failures
    expected = {LIST_NAME} | {workbook_name(u, 2025) for u in county.units}
    expected |= {narrative_template_path(Path(workbook_name(u, 2025))).name for u in county.units}
    assert {p.name for p in folder.iterdir()} == expected
    stamped = read_workbook(folder / workbook_name(county.units[3], 2025))
    assert (stamped.unit, stamped.year) == (county.units[3], 2025)
    assert gui.dialogs.opened == [folder]
    assert "已为 12 个单位生成填报表和正文模板" in page.handout_note.text()
    assert gui.settings.page("rollup").number("handout_year") == 2025
    assert gui.settings.recent("roster") == [county.roster]

    before = {p: p.stat().st_mtime_ns for p in folder.iterdir()}
    page.handout_button.click()
    gui.wait_jobs()
    ((title, failure),) = gui.dialogs.failures
    assert title == "下发填报表失败" and "已有同名文件" in failure.message
    assert "--force" not in failure.action and "换一个" in failure.action
    assert {p: p.stat().st_mtime_ns for p in folder.iterdir()} == before
    assert page.handout_button.isEnabled()


def test_roster_template_is_written_opened_and_never_overwritten(gui, tmp_path):
    page = rollup_page(gui)
    target = tmp_path / "填报单位名单.xlsx"
    page.write_roster_template(target)
    gui.wait_jobs()
    assert target.exists() and gui.dialogs.opened == [target]
    assert page.roster.path() == target
    page.write_roster_template(target)
    gui.wait_jobs()
    assert gui.dialogs.asked == [target]
    assert (tmp_path / "填报单位名单-2.xlsx").exists()
    # The empty template is not yet a roster: the page says so beside the field.
    page.roster.set_path(target)
    gui.wait_jobs()
    assert page.roster_note.text().startswith("名单有问题：") and not gui.dialogs.failures


@pytest.mark.slow
def test_rollup_grid_matches_the_core_and_writes_summary_and_returns(gui, county, tmp_path):
    direct = rollup(
        RollupRequest(
            inputs=(county.inbox,), output=tmp_path / "直接.xlsx", roster=read_roster(county.roster)
        )
    )
    page = rollup_page(gui)
    workbook = county.files[county.units[0]][0]
    assert not page.open_files([workbook])  # a single workbook is for 校验
    assert page.open_files([county.roster, county.inbox])
    assert page.inputs() == (county.inbox,) and page.tabs.currentWidget() is page.rollup_tab
    page.run_button.click()
    gui.wait_jobs()
    assert not gui.dialogs.failures

    model = page.unit_model
    shown = [model.row(r) for r in range(model.rowCount())]
    assert [(r.unit, r.status, r.included, r.errors, r.warnings) for r in shown] == [
        (
            u.name,
            u.status,
            u.included,
            u.file.errors if u.file else None,
            u.file.warnings if u.file else None,
        )
        for u in direct.units
    ]
    labels = [direct.status_label(u.status) for u in direct.units]
    assert grid_column(page, view.STATUS_COLUMN) == labels
    # Of the fixture's 12 units: 2 sent nothing, 1 a damaged file, 3 a mistake, 6 a clean one
    # (clean of errors: whether a rule warns on them is the rules' business).
    clean = Counter(u.status for u in direct.units if u.status in ("passed", "warnings"))
    assert clean.total() == 6
    assert page.counts.text() == (
        f"2025 年度　应报送 12 个单位：已报送 10 个（通过 {clean['passed']}，"
        f"有警告 {clean['warnings']}，有错误 3，文件无法使用 1），未报送 2 个；纳入汇总 9 个单位。"
    )
    assert "汇总数校验：错误" in page.check_line.text()
    on_disk = [p for p in county.inbox.rglob("*") if p.is_file()]
    assert page.file_model.rowCount() == len(on_disk)
    assert page.views.tabText(1) == f"收到的文件（{len(on_disk)}）"

    # Colours as on the summary's 汇总情况 sheet.
    proxy = page.unit_proxy
    background = Qt.ItemDataRole.BackgroundRole
    colours = {
        proxy.index(r, 1).data(): proxy.index(r, view.STATUS_COLUMN).data(background)
        for r in range(proxy.rowCount())
    }
    assert colours[next(iter(county.broken))] == QColor(FAIL_FILL)
    assert colours[county.missing[0]] == QColor(MISSING_FILL)

    # A click on the 状态 header sorts by status; the clerk's eye goes to the problems first.
    header = page.grid.horizontalHeader()
    x = header.sectionViewportPosition(view.STATUS_COLUMN) + 10
    gui.qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    attention = ["errors", "unreadable", "missing", "warnings", "passed"]
    codes = sorted((u.status for u in direct.units), key=attention.index)
    worst_first = [direct.status_label(code) for code in codes]
    assert worst_first[:6] == ["有错误"] * 3 + ["无法读取"] + ["未报送"] * 2
    if header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder:
        worst_first.reverse()
    assert header.sortIndicatorSection() == view.STATUS_COLUMN
    assert grid_column(page, view.STATUS_COLUMN) == worst_first

    output = county.folder / "汇总表.xlsx"  # beside the inbox: year 自动, no output folder set
    summary = read_workbook(output)
    assert summary.is_summary and len(summary.parts) == 9
    assert page.current_file() == output and gui.window.windowTitle().startswith("汇总表.xlsx")
    page.open_button.click()
    page.folder_button.click()
    assert gui.dialogs.opened == [output, county.folder]

    page.returns_button.click()
    gui.wait_jobs()
    returns = county.folder / "退回材料"
    assert {p.name for p in returns.iterdir()} == {RETURNS_LIST} | {
        f"{u}-批注.xlsx" for u in county.broken
    }
    assert gui.dialogs.opened[-1] == returns
    page.returns_button.click()
    gui.wait_jobs()
    assert gui.dialogs.asked == [returns] and (county.folder / "退回材料-2" / RETURNS_LIST).exists()

    # 查看问题 hands the selected unit's file to 校验.
    broken = next(iter(county.broken))
    row = grid_column(page, 1).index(broken)
    page.grid.selectRow(row)
    assert page.findings_button.isEnabled()
    page.grid.setFocus()
    gui.qtbot.keyClick(page.grid, Qt.Key.Key_Return)  # as 查看问题 and a double click
    gui.wait_jobs()
    check = gui.window.pages["check"]
    assert gui.window.current_page() is check
    if hasattr(check, "show_workbook"):
        assert check.current_file() == county.files[broken][0]
    else:  # until the 校验 page can show a given workbook
        assert gui.dialogs.failures[-1][0] == "暂时不能查看"


@pytest.mark.slow
def test_an_existing_summary_is_kept_overwritten_or_left_as_the_clerk_chooses(gui, county):
    page = rollup_page(gui)
    page.open_files([county.roster, county.inbox])
    page.year.setValue(2025)
    output = county.folder / "2025年度汇总表.xlsx"
    output.write_bytes(b"an earlier summary")
    page.run_button.click()
    gui.wait_jobs()
    assert gui.dialogs.asked == [output] and output.read_bytes() == b"an earlier summary"
    numbered = county.folder / "2025年度汇总表-2.xlsx"
    assert read_workbook(numbered).is_summary and page.current_file() == numbered

    gui.dialogs.overwrite = "overwrite"
    page.run_button.click()
    gui.wait_jobs()
    assert read_workbook(output).is_summary and not gui.dialogs.failures

    gui.dialogs.overwrite = "cancel"
    before = sorted(county.folder.iterdir())
    assert page.start_rollup() is None
    assert sorted(county.folder.iterdir()) == before and not gui.window.jobs


def test_cancel_while_reading_writes_no_summary(gui, county, qtbot):
    page = rollup_page(gui)
    page.open_files([county.roster, county.inbox])
    job = page.start_rollup()
    assert job is not None and page.progress.isVisible() and page.cancel_button.isVisible()
    assert not page.run_button.isEnabled()
    with qtbot.waitSignal(job.was_cancelled, timeout=60_000):
        page.cancel_button.click()
    gui.wait_jobs()
    assert page.counts.text() == "已取消，没有写出汇总表。"
    assert not list(county.folder.glob("*汇总表*")) and not gui.dialogs.failures
    assert not page.progress.isVisible() and page.run_button.isEnabled()
    assert not page.open_button.isEnabled() and page.unit_model.rowCount() == 0


def test_a_bad_roster_is_a_chinese_dialog_and_nothing_is_written(gui, county, tmp_path):
    bad = tmp_path / "名单（重复）.csv"
    with county.roster_csv.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    with bad.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([*rows, rows[3]])
    page = rollup_page(gui)
    page.open_files([bad, county.inbox])
    gui.wait_jobs()
    assert page.roster_note.text().startswith("名单有问题：") and "重复" in page.roster_note.text()
    page.run_button.click()
    gui.wait_jobs()
    ((title, failure),) = gui.dialogs.failures
    assert title == "汇总失败" and "重复的单位" in failure.message and failure.action
    assert "Traceback" not in failure.message + failure.action and not failure.internal
    assert page.counts.text().startswith("汇总没有完成") and page.run_button.isEnabled()
    assert not list(county.folder.glob("*汇总表*"))

    text_file = tmp_path / "说明.txt"
    text_file.write_text("这不是名单\n", encoding="utf-8")
    page.roster.set_path(text_file)
    page.handout_button.click()
    gui.wait_jobs()
    title, failure = gui.dialogs.failures[-1]
    assert title == "下发填报表失败" and "单位名称" in failure.message
    assert not page.default_handout_folder().exists()


def test_a_summary_failing_because_of_two_units_shows_why_opens_its_findings_and_reruns(
    gui, tmp_path
):
    county = make_two_mistakes(tmp_path / "县")
    page = rollup_page(gui)
    assert page.open_files([county.roster, county.inbox])
    gui.wait_jobs()
    output = tmp_path / "汇总.xlsx"
    page.output.set_path(output)
    page.run_button.click()
    gui.wait_jobs()
    assert not gui.dialogs.failures
    assert "汇总数校验：错误 1 项" in page.check_line.text()
    # Where the difference comes from is on the page, not only the count.
    assert page.summary_details.isVisibleTo(page)
    details = page.summary_details.text()
    assert f"{county.typo} -14（{TYPO_CELL} 填的是「{TYPO_TEXT}」）" in details
    assert f"{county.imbalance} -1（表三!D30 本身不相符）" in details
    assert page.exclude_button.isEnabled() and "即可通过校验" in page.exclude_button.toolTip()

    # 查看汇总数校验: the written summary, checked on the 校验 page like any workbook.
    assert page.summary_check_button.isEnabled()
    page.summary_check_button.click()
    gui.wait_jobs()
    check = gui.window.pages["check"]
    assert gui.window.current_page() is check and check.current_file() == output
    assert check.select_finding("表三!D30")
    explanation = check.explanation.toPlainText()
    assert f"{county.typo} -14" in explanation and "--exclude-invalid" in explanation

    # 不计入有错误的单位，重新汇总: the same files and roster, the two towns left out.
    assert gui.window.go("rollup") is page
    page.exclude_button.click()
    gui.wait_jobs()
    assert not gui.dialogs.failures and gui.dialogs.asked == [output]  # kept, numbered
    result = page.result
    assert result is not None and result.request.exclude_invalid and page.exclude.isChecked()
    assert sorted(u.name for u in result.included) == sorted(county.clean)
    assert result.output != output and result.output.exists()
    assert result.summary_report is not None and result.summary_report.valid
    assert "汇总数校验：通过" in page.check_line.text()
    assert not page.exclude_button.isEnabled() and not page.summary_details.isVisibleTo(page)


@pytest.mark.slow
def test_grid_shows_lateness_versions_and_acceptance_and_accepts_from_the_page(gui, county):
    """Issue 19, point 5: a deadline typed on the page gives each unit its standing; a unit
    that sent a second version shows 2/2, double-clicking its 版本 cell shows what changed; 验收
    accepts the selected unit and the grid says so."""
    import os

    from nianbao.workbook_templates import TemplateRequest, build_template
    from nianbao.workbook_templates.spec import CellKey

    day = 86_400
    jan_10 = 1_768_046_400
    for path in county.inbox.rglob("*"):
        if path.is_file():
            os.utime(path, (jan_10, jan_10))
    unit = next(u for u in county.units if u in county.files and u not in county.broken)
    source = read_workbook(next(p for p in county.files[unit] if p.exists()))
    values = {k: v for k, v in source.values().items() if v is not None}
    licensing = CellKey("t2", "licensing", "decisions")
    values[licensing] = (values.get(licensing) or 0) + 2
    second = build_template(
        county.inbox / "第二版.xlsx",
        TemplateRequest(
            year=2025, unit=unit, kind=county.kinds[unit], values=values,
            info=dict(source.info), texts=dict(source.texts),
        ),
    )  # fmt: skip
    os.utime(second, (jan_10 + 30 * day, jan_10 + 30 * day))

    page = rollup_page(gui)
    assert page.open_files([county.roster, county.inbox])
    page.deadline.setText("2026年1月31日")
    page.run_button.click()
    gui.wait_jobs()
    assert not gui.dialogs.failures
    columns = {name: i for i, name in enumerate(view.UNIT_COLUMNS)}
    by_unit = dict(zip(grid_column(page, 1), range(page.unit_proxy.rowCount()), strict=True))
    proxy = page.unit_proxy
    row = by_unit[unit]
    assert proxy.index(row, columns["是否按时"]).data() == "按时（截止 2026-01-31）"
    assert proxy.index(row, columns["版本"]).data() == "2/2"
    missing = by_unit[county.missing[0]]
    assert proxy.index(missing, columns["是否按时"]).data().startswith("已逾期 ")
    assert "按时报送率" in page.counts.text()
    # Sorting by 是否按时 puts the overdue units last (ascending), then first (descending).
    page.grid.sortByColumn(columns["是否按时"], Qt.SortOrder.DescendingOrder)
    assert grid_column(page, 1)[0] in county.missing
    by_unit = dict(zip(grid_column(page, 1), range(proxy.rowCount()), strict=True))

    version_cell = proxy.index(by_unit[unit], columns["版本"])
    page.grid.doubleClicked.emit(version_cell)
    title, lines = gui.dialogs.texts[-1]
    assert title == f"{unit}：第 2 版与第 1 版相比"
    assert any("「行政许可」「本年处理决定数量」" in line for line in lines)

    page.grid.selectRow(by_unit[unit])
    assert page.accept_button.isEnabled()
    page.accept(view.ACCEPT_SELECTED)
    gui.wait_jobs()
    assert not gui.dialogs.failures
    assert unit in gui.dialogs.questions[-1][1] and "第 2 版" in gui.dialogs.questions[-1][1]
    proxy = page.unit_proxy
    by_unit = dict(zip(grid_column(page, 1), range(proxy.rowCount()), strict=True))
    assert proxy.index(by_unit[unit], columns["验收"]).data() == "已验收"
    result = page.result
    assert result.receipt is not None and result.receipt.exists()
    assert page.remembered.text("deadline") == "2026年1月31日"


def test_a_deadline_that_is_not_a_date_is_refused_before_anything_runs(gui, county):
    page = rollup_page(gui)
    assert page.open_files([county.roster, county.inbox])
    page.deadline.setText("月底")
    assert page.start_rollup() is None
    title, failure = gui.dialogs.failures[-1]
    assert title == "截止日期不对" and "不是日期" in failure.message
    assert page.result is None
