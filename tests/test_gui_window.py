"""The main window itself: pages, jobs (progress, cancel, failure), settings, About box."""

from __future__ import annotations

import re
import time

import pytest

from nianbao.errors import Cancelled, CorruptWorkbookError

pytestmark = pytest.mark.gui


def test_window_shows_four_tasks_and_creates_pages_on_first_use(gui):
    window = gui.window
    titles = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert titles == ["1  生成填报表", "2  校验", "3  汇总", "4  生成报告"]
    assert set(window.pages) == {"template"}
    window.nav.setCurrentRow(2)
    assert "rollup" in window.pages
    assert window.stack.currentWidget() is window.pages["rollup"]


def test_job_reports_progress_then_result_through_signals(gui, qtbot):
    seen: list[tuple[float, str]] = []
    results = []

    def work(progress, cancelled):
        for i in range(5):
            progress(i / 5, f"第 {i + 1} 步")
        return 42

    job = gui.window.start_job(work, "测试", results.append)
    job.progressed.connect(lambda f, m: seen.append((f, m)))
    gui.wait_jobs()
    assert results == [42]
    assert not gui.dialogs.failures
    assert not gui.window.progress.isVisible()


def test_cancel_stops_a_job_and_nothing_is_reported_as_done(gui, qtbot):
    results = []

    def work(progress, cancelled):
        for _ in range(400):
            if cancelled():
                raise Cancelled()
            time.sleep(0.01)
        return "done"

    job = gui.window.start_job(work, "长任务", results.append, cancellable=True)
    with qtbot.waitSignal(job.was_cancelled, timeout=10_000):
        assert gui.window.cancel_button.isVisible()
        gui.window.cancel_button.click()
    gui.wait_jobs()
    assert results == []
    assert "已取消" in gui.window.statusBar().currentMessage()


def test_a_failing_job_becomes_a_chinese_dialog_without_traceback(gui):
    def unreadable(progress, cancelled):
        raise CorruptWorkbookError("文件已损坏，无法读取。", "请让填报单位重新保存后发送。")

    def bug(progress, cancelled):
        raise ZeroDivisionError("division by zero")

    gui.window.start_job(unreadable, "读取", lambda r: None)
    gui.wait_jobs()
    gui.window.start_job(bug, "计算", lambda r: None)
    gui.wait_jobs()
    (title1, known), (_, internal) = gui.dialogs.failures
    assert title1 == "读取失败" and known.message == "文件已损坏，无法读取。"
    assert known.action == "请让填报单位重新保存后发送。" and not known.internal
    assert internal.internal and "内部出错（ZeroDivisionError）" in internal.message
    assert "Traceback" not in internal.message and internal.log_file
    with open(internal.log_file, encoding="utf-8") as fh:
        assert "ZeroDivisionError" in fh.read()


def test_settings_are_remembered(gui, tmp_path):
    from PySide6.QtCore import QSettings

    from nianbao.desktop.gui.settings import Settings

    gui.settings.page("template").set("unit", "青禾镇人民政府")
    gui.settings.page("template").set("year", 2025)
    gui.settings.output_dir = tmp_path
    gui.settings.add_recent("workbook", tmp_path)
    again = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    template = again.page("template")
    assert (template.text("unit"), template.number("year")) == ("青禾镇人民政府", 2025)
    assert again.output_dir == tmp_path and again.recent("workbook") == [tmp_path]
    assert again.page("rollup").text("unit") == ""  # a page reads only its own fields


def test_about_box_names_version_and_formats():
    from nianbao import __version__
    from nianbao.desktop.gui.dialogs import about_text

    text = about_text()
    assert __version__ in text and "2021 版" in text and "2019 版" in text


def test_dropped_files_go_to_the_page_that_takes_them(gui, sample_path, tmp_path):
    window = gui.window
    window.go("template")
    window.open_files([tmp_path])  # a folder: the inbox of 汇总
    assert window.current_page() is window.pages["rollup"]
    assert window.pages["rollup"].inbox.path() == tmp_path
    window.go("rollup")
    window.open_files([sample_path])  # one filled workbook: 校验 checks it
    gui.wait_jobs()
    assert window.current_page() is window.pages["check"]
    assert window.pages["check"].current_file() == sample_path
    assert window.windowTitle() == f"{sample_path.name} — 年报助手"
    assert gui.settings.recent("workbook") == [sample_path]
    window.go("template")
    window.recent_menu.aboutToShow.emit()  # 文件 → 最近的文件
    (entry,) = window.recent_menu.actions()
    assert entry.text() == sample_path.name
    entry.trigger()
    gui.wait_jobs()
    assert window.current_page() is window.pages["check"]


def test_settings_dialog_stores_output_folder_and_fonts(gui, tmp_path):
    from nianbao.desktop.gui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(gui.settings, gui.window)
    dialog.output.set_path(tmp_path)
    dialog.font_set.setCurrentIndex(dialog.font_set.findData("common"))
    dialog.role_edits["body"].setText("方正仿宋_GBK")
    dialog.accept()
    assert gui.settings.output_dir == tmp_path
    fonts = gui.settings.fonts()
    assert fonts.body == "方正仿宋_GBK" and fonts.title == "宋体"


def test_the_installed_entry_point_opens_the_window_and_logs(tmp_path, sample_path):
    """`python -m desktop gui FILE` starts the real app (offscreen), checks FILE on the 校验 page
    (not the first page's 上年填报表 field) and writes its log file."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "nianbao", "gui", str(sample_path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    log = tmp_path / "state" / "nianbao" / "nianbao.log"
    deadline = time.monotonic() + 30

    def logged() -> str:
        return log.read_text(encoding="utf-8") if log.exists() else ""

    while time.monotonic() < deadline and proc.poll() is None and "完成：校验" not in logged():
        time.sleep(0.1)
    time.sleep(0.5)
    running = proc.poll() is None
    proc.terminate()
    _, stderr = proc.communicate(timeout=30)
    assert running, stderr[-1000:]
    assert "启动" in logged() and "完成：校验" in logged()
    assert "上年填报表" not in logged()
    assert "Traceback" not in stderr


def test_window_opens_inside_the_screen_and_where_it_was_when_that_still_fits(gui):
    from PySide6.QtCore import QRect

    from nianbao.desktop.gui.window import MainWindow
    from nianbao.desktop.viewmodels.window_state import Rect

    window = gui.window
    area = window.screen().availableGeometry()
    assert area.contains(window.frameGeometry())
    window.setGeometry(QRect(40, 60, 600, 500))
    window.close()
    assert gui.settings.window_geometry == Rect(40, 60, 600, 500)
    again = MainWindow(gui.settings)
    gui.qtbot.addWidget(again)
    assert again.geometry() == QRect(40, 60, 600, 500)
    # Saved on a screen that is not there any more: back on this one, inside its free area.
    gui.settings.window_geometry = Rect(area.right() + 200, 40, 600, 500)
    moved = MainWindow(gui.settings)
    gui.qtbot.addWidget(moved)
    moved.show()
    assert area.contains(moved.frameGeometry())
    # Shown partly off the screen (a window manager's frame larger than allowed for): moved in.
    moved.setGeometry(QRect(area.right() - 300, area.bottom() - 200, 600, 500))
    moved.keep_on_screen()
    assert area.contains(moved.frameGeometry()) and moved.width() == 600


@pytest.fixture
def qt_chinese(qapp):
    """Qt's Chinese installed as the app does at start (pytest-qt made the app without it)."""
    from nianbao.desktop.gui.translation import install_qt_chinese

    installed = install_qt_chinese(qapp)
    yield installed
    for translator in installed:
        qapp.removeTranslator(translator)


@pytest.mark.parametrize("mode", ["open", "save", "folder"])
def test_qt_file_dialog_is_all_chinese(qt_chinese, qtbot, tmp_path, mode):
    """Qt's own file dialog (the one Linux desktops without a native one show): every label
    and button in Chinese, the labels' mnemonics kept."""
    from PySide6.QtWidgets import QAbstractButton, QFileDialog, QLabel, QTreeView

    assert qt_chinese, "qtbase_zh_CN.qm is missing from PySide6's translations"
    (tmp_path / "收到的报表").mkdir()
    dialog = QFileDialog(None, "选择文件", str(tmp_path), "填报表 (*.xlsx)")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    if mode == "save":
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    elif mode == "folder":
        dialog.setFileMode(QFileDialog.FileMode.Directory)
    qtbot.addWidget(dialog)
    dialog.show()
    labels = [w.text() for w in dialog.findChildren(QLabel) if w.isVisible() and w.text()]
    buttons = [w.text() for w in dialog.findChildren(QAbstractButton) if w.isVisible()]
    assert "查找范围(&L)：" in labels and "文件类型(&T)：" in labels
    english = [t for t in labels + buttons if re.search(r"[A-Za-z]{2}", t.replace("&", ""))]
    assert english == []
    assert "取消" in buttons
    # The list's 类型 column: "Folder" was English too (a string Qt 6 moved).
    (files,) = [v for v in dialog.findChildren(QTreeView) if v.objectName() == "treeView"]
    model, root = files.model(), files.rootIndex()
    qtbot.waitUntil(lambda: model.rowCount(root) > 0)
    assert model.index(0, 2, root).data() == "文件夹"


def test_the_user_guide_opens_from_help_and_covers_the_four_tasks(gui):
    window = gui.window
    (help_menu,) = [a.menu() for a in window.menuBar().actions() if a.text() == "帮助(&H)"]
    (guide,) = [a for a in help_menu.actions() if a.text() == "使用说明(&G)"]
    guide.trigger()
    dialog = window._guide
    assert dialog is not None and dialog.isVisible()
    text = dialog.browser.toPlainText()
    for task in ("1 生成填报表", "2 校验", "3 汇总", "4 生成报告", "默认输出文件夹"):
        assert task in text
    assert "找不到使用说明" not in text
    from nianbao.desktop.gui.guide import guide_html

    html = guide_html()
    links = set(re.findall(r'href="#([^"]+)"', html))
    assert links and links <= set(re.findall(r'name="([^"]+)"', html))  # each goes somewhere
    area = window.screen().availableGeometry()
    assert area.contains(dialog.frameGeometry())


def test_each_page_remembers_its_own_fields_and_only_settings_the_output_folder(gui, tmp_path):
    from nianbao.desktop.gui.window import MainWindow

    out = tmp_path / "生成"
    out.mkdir()
    page = gui.window.go("template")
    page.unit_edit.setText("青禾镇人民政府")
    page.folder_field.set_path(out)
    page.generate()
    gui.wait_jobs()
    assert [p.name for p in out.glob("青禾镇人民政府-*年度填报表.xlsx")]
    assert gui.settings.output_dir is None  # 设置's folder is changed in 设置 only
    rollup = gui.window.go("rollup")
    assert rollup.unit.text() == ""  # not the unit typed on 生成填报表
    rollup.unit.setText("青禾县人民政府办公室")
    rollup.inbox.set_path(out)
    rollup.output.set_path(tmp_path / "汇总表.xlsx")
    rollup.start_rollup()
    gui.wait_jobs()
    assert (tmp_path / "汇总表.xlsx").exists() and not gui.dialogs.failures
    report = gui.window.go("report")
    assert report.folder.path() is None  # its outputs go beside the workbook

    again = MainWindow(gui.settings)
    gui.qtbot.addWidget(again)
    assert again.page("template").unit_edit.text() == "青禾镇人民政府"
    assert again.page("template").folder_field.path() == out
    assert again.page("rollup").unit.text() == "青禾县人民政府办公室"


def test_a_folder_the_old_version_stored_as_output_folder_is_the_template_pages(tmp_path, qtbot):
    """Before, 生成填报表 overwrote 设置's folder with each workbook's: an old settings file's
    folder is that page's last folder, not a default for every output."""
    from PySide6.QtCore import QSettings

    from nianbao.desktop.gui.settings import Settings
    from nianbao.desktop.gui.window import MainWindow

    store = QSettings(str(tmp_path / "old.ini"), QSettings.Format.IniFormat)
    for key, value in (("paths/output", str(tmp_path)), ("unit/name", "白云街道办事处")):
        store.setValue(key, value)
    settings = Settings(store)
    assert settings.output_dir is None
    window = MainWindow(settings)
    qtbot.addWidget(window)
    page = window.page("template")
    assert page.folder_field.path() == tmp_path and page.unit_edit.text() == "白云街道办事处"
    assert window.page("rollup").unit.text() == ""
