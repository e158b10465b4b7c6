"""The local rule pack of 设置: the dialog refuses a pack that cannot be used, and the window's
check applies the chosen one, its findings named by the pack in the list and the detail pane."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex

from .test_gui_check import _open, _tree_rows

pytestmark = pytest.mark.gui

PACK_NAME = "测试市年报要求"
PACK = f"""name = "{PACK_NAME}"

[[rules]]
id = "L-IMPROVE"
kind = "mention"
severity = "warning"
section = "s5"
words = ["整改"]
message = "{{part}}没有提到{{missing}}。"
"""


def _pack(tmp_path, text: str = PACK):
    path = tmp_path / "本地规则.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_settings_dialog_refuses_a_bad_pack_and_keeps_a_good_one(gui, tmp_path):
    from nianbao.desktop.gui.settings_dialog import SettingsDialog

    bad = _pack(tmp_path, PACK.replace('section = "s5"', 'section = "s9"'))
    dialog = SettingsDialog(gui.settings, gui.window)
    dialog.rules.set_path(bad)
    dialog.accept()
    assert not dialog.refused.isHidden()
    assert "第 7 行" in dialog.refused.text() and "s9" in dialog.refused.text()
    assert gui.settings.rules_file is None  # nothing saved: the dialog stays open

    good = _pack(tmp_path)
    dialog.rules.set_path(good)
    dialog.accept()
    assert gui.settings.rules_file == good
    assert SettingsDialog(gui.settings, gui.window).rules.path() == good


def test_window_check_applies_the_pack_of_settings(gui, sample_path, tmp_path):
    page = _open(gui, sample_path)
    assert [g for g, _ in _tree_rows(page)] == []  # the sample passes every format rule

    gui.settings.rules_file = _pack(tmp_path)
    page = _open(gui, sample_path)
    assert _tree_rows(page) == [("警告（1）", ["正文!B12"])]
    model = page.findings_filter
    item = model.index(0, 3, model.index(0, 0, QModelIndex()))
    assert item.data().endswith(f"（本地规则“{PACK_NAME}”）")
    assert page.select_finding("正文!B12")
    assert f"本地规则“{PACK_NAME}”" in page.explanation.toHtml()


def test_window_check_says_when_the_pack_of_settings_is_gone(gui, sample_path, tmp_path):
    gui.settings.rules_file = tmp_path / "已删除.toml"
    _open(gui, sample_path)
    ((_, failure),) = gui.dialogs.failures
    assert "找不到本地规则文件" in failure.message


def test_window_report_applies_the_pack_of_settings(gui, build, sample, tmp_path):
    from nianbao.workbook_templates.spec import CellKey

    from .test_gui_report import _page

    workbook = build(sample, "青禾镇.xlsx", values={CellKey("t3", "r3_5_2", "c2"): None})
    page = _page(gui, workbook)
    page.generate_button.click()
    gui.wait_jobs()
    assert page.refusal.isVisible() and not page.result.isVisible()  # V-BLANK is an error

    blank_is_a_warning = (
        f'name = "{PACK_NAME}"\n[[overrides]]\nrule = "V-BLANK"\nseverity = "warning"\n'
    )
    gui.settings.rules_file = _pack(tmp_path, blank_is_a_warning)
    page.generate_button.click()
    gui.wait_jobs()
    assert not gui.dialogs.failures
    assert page.result_title.text() == "报告已生成"
    from nianbao.services.naming import default_report_path

    assert default_report_path(workbook).is_file()  # the report's title, since issue 17


def test_window_rollup_applies_the_pack_of_settings(gui, tmp_path):
    from .county import make_county
    from .test_gui_rollup import rollup_page

    county = make_county(tmp_path / "县", n_units=12)
    gui.settings.rules_file = _pack(tmp_path)
    page = rollup_page(gui)
    assert page.open_files([county.roster, county.inbox])
    page.run_button.click()
    gui.wait_jobs()
    assert not gui.dialogs.failures
    result = page.result
    assert result is not None and result.request.rules is not None
    assert result.request.rules.name == PACK_NAME
    checked = [u for u in result.units if u.report is not None]
    flagged = {u.name for u in checked if any(f.pack for f in u.report.findings)}
    written = {u.name for u in checked if "整改" not in county_text(u)}
    assert flagged and flagged == written  # the pack's finding, on every unit that lacks 整改


def county_text(unit) -> str:
    from nianbao.workbook_templates import read_workbook

    return read_workbook(unit.file.path).texts.get("s5", "")
