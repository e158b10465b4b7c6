"""生成填报表: the page's workflows end to end, with the real core behind it."""

from __future__ import annotations

from dataclasses import replace

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from nianbao.workbook_templates import read_workbook
from nianbao.workbook_templates.sample import sample_request
from nianbao.workbook_templates.spec import CellKey

pytestmark = pytest.mark.gui

UNIT = "青禾镇人民政府"
NAME = f"{UNIT}-2025年度填报表.xlsx"
NARRATIVE = f"{UNIT}-2025年度填报表-正文.docx"
COLUMNS = ("c1", "c2", "c3", "c4", "c5", "c6")


def template_page(gui, folder, *, unit=UNIT, kind="乡镇", year=2025):
    """Return the page with the form filled in, output to ``folder``."""
    page = gui.window.go("template")
    page.unit_edit.setText(unit)
    page.kind_combo.setCurrentIndex(page.kind_combo.findData(kind))
    page.year_spin.setValue(year)
    page.folder_field.set_path(folder)
    return page


def generate(gui, page) -> None:
    page.generate_button.click()
    gui.wait_jobs()


def test_generate_with_last_years_workbook_writes_both_files_with_carried_cells(
    gui, tmp_path, previous_path
):
    out = tmp_path / "out"
    out.mkdir()
    page = template_page(gui, out)
    assert page.open_files([previous_path])
    gui.wait_jobs()
    assert "将预填" in page.previous_info.text() and "自然人 1" in page.previous_info.text()
    generate(gui, page)
    assert not gui.dialogs.failures
    wb = read_workbook(out / NAME)
    assert (out / NARRATIVE).stat().st_size > 0
    assert (wb.unit, wb.kind, wb.year) == (UNIT, "乡镇", 2025)
    last = read_workbook(previous_path).values()
    for col in COLUMNS:
        assert wb.values()[CellKey("t3", "r2", col)] == last[CellKey("t3", "r4", col)]
    assert wb.cells[CellKey("t3", "r1", "c1")].status == "blank"
    # Last year's figures stand beside this year's on the read-only reference sheet.
    assert wb.spec.sheets.reference in openpyxl.load_workbook(out / NAME).sheetnames
    assert page.result_panel.isVisible() and "已按上年填报表预填" in page.result_label.text()
    assert NAME in gui.window.windowTitle()

    settings = gui.settings
    remembered = settings.page("template")
    assert (remembered.text("unit"), remembered.text("kind")) == (UNIT, "乡镇")
    assert remembered.number("year") == 2025 and remembered.folder("folder") == out
    assert settings.recent("workbook") == [out / NAME]
    page.open_workbook_button.click()
    page.open_narrative_button.click()
    page.open_folder_button.click()
    assert gui.dialogs.opened == [out / NAME, out / NARRATIVE, out]


def test_the_next_start_remembers_unit_kind_year_and_folder(gui, tmp_path):
    from nianbao.desktop.gui.window import MainWindow

    page = template_page(gui, tmp_path, unit="白云街道办事处", kind="街道", year=2021)
    generate(gui, page)
    again = MainWindow(gui.settings)
    gui.qtbot.addWidget(again)
    fresh = again.page("template")
    assert fresh.unit_edit.text() == "白云街道办事处" and fresh.kind() == "街道"
    assert fresh.year_spin.value() == 2021 and fresh.folder_field.path() == tmp_path
    assert fresh.name_edit.text() == "白云街道办事处-2021年度填报表.xlsx"


def test_format_and_file_name_follow_the_year_until_the_name_is_edited(gui, tmp_path):
    page = template_page(gui, tmp_path, year=2020)
    assert "2019 版" in page.format_label.text()
    page.year_spin.setValue(2021)
    assert "2021 版" in page.format_label.text()
    assert page.name_edit.text() == f"{UNIT}-2021年度填报表.xlsx"
    gui.qtbot.keyClicks(page.name_edit, "x")  # typed by the user: no longer follows
    page.year_spin.setValue(2022)
    assert page.name_edit.text() == f"{UNIT}-2021年度填报表.xlsxx"


def test_existing_workbook_is_kept_and_a_numbered_one_written(gui, tmp_path):
    (tmp_path / NAME).write_bytes(b"precious")
    page = template_page(gui, tmp_path)
    generate(gui, page)
    assert gui.dialogs.asked == [tmp_path / NAME]
    assert (tmp_path / NAME).read_bytes() == b"precious"
    numbered = tmp_path / f"{UNIT}-2025年度填报表-2.xlsx"
    assert read_workbook(numbered).unit == UNIT
    assert (tmp_path / f"{UNIT}-2025年度填报表-2-正文.docx").exists()
    assert gui.settings.recent("workbook") == [numbered]


def test_cancel_at_the_overwrite_question_writes_nothing(gui, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / NARRATIVE).write_bytes(b"my draft")
    gui.dialogs.overwrite = "cancel"
    page = template_page(gui, out)
    generate(gui, page)
    assert gui.dialogs.asked == [out / NARRATIVE]
    assert [p.name for p in out.iterdir()] == [NARRATIVE]
    assert (out / NARRATIVE).read_bytes() == b"my draft"
    assert not page.result_panel.isVisible() and "没有写出" in page.status.text()


def test_overwrite_replaces_only_when_chosen(gui, tmp_path):
    (tmp_path / NAME).write_bytes(b"old")
    gui.dialogs.overwrite = "overwrite"
    page = template_page(gui, tmp_path)
    page.narrative_check.setChecked(False)
    generate(gui, page)
    assert not gui.dialogs.failures
    assert read_workbook(tmp_path / NAME).year == 2025
    assert not (tmp_path / NARRATIVE).exists()


def test_unreadable_last_years_workbook_is_a_chinese_dialog_and_nothing_is_written(gui, tmp_path):
    bad = tmp_path / "上年.xlsx"
    bad.write_bytes(b"this is not a workbook")
    out = tmp_path / "out"
    out.mkdir()
    page = template_page(gui, out)
    page.previous_field.set_path(bad)
    gui.wait_jobs()
    assert "读不了这个文件" in page.previous_info.text()
    generate(gui, page)
    ((title, failure),) = gui.dialogs.failures
    assert title == "生成填报表失败" and not failure.internal
    assert "Traceback" not in failure.message + failure.action
    assert any("\u4e00" <= ch <= "\u9fff" for ch in failure.message) and failure.action
    assert list(out.iterdir()) == []
    assert page.generate_button.isEnabled()


def test_last_years_workbook_of_the_wrong_year_is_explained(gui, tmp_path, build):
    older = build(replace(sample_request(2024), year=2023), "2023.xlsx")
    page = template_page(gui, tmp_path)
    page.previous_field.set_path(older)
    gui.wait_jobs()
    assert "2023" in page.previous_info.text() and "没有预填" in page.previous_info.text()
    generate(gui, page)
    assert "没有按上年填报表预填" in page.result_label.text()
    assert read_workbook(tmp_path / NAME).cells[CellKey("t3", "r2", "c1")].status == "blank"


def test_unit_and_kind_come_from_last_years_workbook_when_left_empty(gui, tmp_path, build):
    previous = build(replace(sample_request(2024), unit="白云镇人民政府"), "last.xlsx")
    page = template_page(gui, tmp_path, unit="", kind="")
    page.open_files([previous])
    gui.wait_jobs()
    assert page.unit_edit.text() == "白云镇人民政府" and page.kind() == "乡镇"


def test_only_a_single_workbook_dropped_is_taken_as_last_years(gui, tmp_path, previous_path):
    page = gui.window.go("template")
    assert not page.open_files([tmp_path])
    assert not page.open_files([previous_path, previous_path])
    assert page.previous_field.path() is None
    assert page.open_files([previous_path])
    assert page.previous_field.path() == previous_path
    gui.wait_jobs()


def test_keyboard_enter_generates_and_every_field_has_a_mnemonic(gui, tmp_path):
    page = template_page(gui, tmp_path)
    buddies = {label.buddy() for label in page.findChildren(QLabel) if label.buddy()}
    for field in (
        page.unit_edit,
        page.kind_combo,
        page.year_spin,
        page.previous_field.edit,
        page.folder_field.edit,
        page.name_edit,
    ):
        assert field in buddies
    gui.qtbot.keyClick(page.unit_edit, Qt.Key.Key_Return)
    gui.wait_jobs()
    assert (tmp_path / NAME).exists()


def test_go_to_check_switches_page(gui, tmp_path):
    page = template_page(gui, tmp_path)
    generate(gui, page)
    page.check_button.click()
    gui.wait_jobs()
    assert gui.window.stack.currentWidget() is gui.window.pages["check"]
