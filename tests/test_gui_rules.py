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
