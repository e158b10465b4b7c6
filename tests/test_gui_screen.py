"""The window on a 1366×768 laptop whose taskbar leaves 1366×728: it opens inside that free
area, and on every page, in its fullest state (results shown, a job running), every button and
combo box is wholly visible in the window and shows its whole text.

Qt's offscreen screen gets its size from a configuration file read when Qt starts, so the
window is driven in a child process (this file run as a script) and the test reads what it
found. The child drives each page through its own methods with the real core behind it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.gui

REPO = Path(__file__).resolve().parent.parent
LAPTOP = {"width": 1366, "height": 728}  # 1366×768 less a 40-pixel taskbar (Windows 10)


@pytest.mark.slow
def test_window_and_every_button_fit_a_laptop_screen(tmp_path):
    config = tmp_path / "screen.json"
    screen = {"name": "laptop", "x": 0, "y": 0, **LAPTOP, "logicalDpi": 96, "dpr": 1}
    config.write_text(json.dumps({"screens": [screen]}), encoding="utf-8")
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    child = subprocess.run(
        [sys.executable, __file__, str(tmp_path / "work")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert child.returncode == 0, child.stderr[-3000:]
    found = json.loads(child.stdout.strip().splitlines()[-1])
    assert found["area"] == [0, 0, LAPTOP["width"], LAPTOP["height"]]
    assert found["outside"] == [], "window outside the free area"
    # Each state was reached (a page that failed to get there would have nothing to check).
    assert set(found["checked"]) == set(STATES)
    assert all(n > 3 for n in found["checked"].values()), found["checked"]
    assert found["problems"] == []
    # The app as started installs Qt's Chinese: its file dialog has no English label left.
    assert "查找范围(&L)：" in found["file_dialog"] and "文件类型(&T)：" in found["file_dialog"]


# -- the child -------------------------------------------------------------------------------

STATES = (
    "生成填报表：已生成",
    "校验：有问题",
    "汇总：已下发",
    "汇总：已汇总",
    "生成报告：已生成",
    "生成报告：不能生成",
    "状态栏：任务进行中",
)


def _problems(window, widgets) -> tuple[int, list[str]]:
    """Return how many widgets were looked at and what is wrong with them: a widget not wholly
    visible (cut by the window, a scroll area or a splitter), a button narrower than its text,
    a combo box whose longest entry does not fit beside its arrow."""
    from PySide6.QtGui import QFontMetrics
    from PySide6.QtWidgets import QComboBox, QLineEdit, QStyle, QStyleOptionComboBox

    problems = []
    count = 0
    for widget in widgets:
        # A line's own clear button is drawn inside it, at the size of its icon.
        if not widget.isVisible() or isinstance(widget.parent(), QLineEdit):
            continue
        count += 1
        name = getattr(widget, "text", lambda: "")() or widget.toolTip() or type(widget).__name__
        name = name if isinstance(name, str) else type(widget).__name__
        top_left = widget.mapTo(window, widget.rect().topLeft())
        bottom_right = widget.mapTo(window, widget.rect().bottomRight())
        if not (window.rect().contains(top_left) and window.rect().contains(bottom_right)):
            problems.append(f"{name}：在窗口外")
        elif widget.visibleRegion().boundingRect() != widget.rect():
            problems.append(f"{name}：只看得到一部分")
        if isinstance(widget, QComboBox):
            option = QStyleOptionComboBox()
            widget.initStyleOption(option)
            field = widget.style().subControlRect(
                QStyle.ComplexControl.CC_ComboBox,
                option,
                QStyle.SubControl.SC_ComboBoxEditField,
                widget,
            )
            metrics = QFontMetrics(widget.font())
            for i in range(widget.count()):
                text = widget.itemText(i)
                if metrics.horizontalAdvance(text) > field.width():
                    problems.append(f"下拉框“{text}”：显示不全")
        elif widget.width() < widget.sizeHint().width():
            problems.append(f"{name}：比文字窄（{widget.width()} < {widget.sizeHint().width()}）")
        elif getattr(widget, "menu", lambda: None)() is not None:
            # A button with a menu draws an arrow at its right: the text must fit beside it.
            style = widget.style()
            room = widget.width() - 2 * style.pixelMetric(QStyle.PixelMetric.PM_ButtonMargin)
            room -= style.pixelMetric(QStyle.PixelMetric.PM_MenuButtonIndicator)
            text = QFontMetrics(widget.font()).horizontalAdvance(widget.text().replace("&", ""))
            if text > room:
                problems.append(f"{name}：箭头盖住了文字")
    return count, problems


def _check(window, app, state: str, found: dict) -> None:
    """Look at every button and combo box the window shows now."""
    from PySide6.QtWidgets import QAbstractButton, QComboBox

    for _ in range(5):
        app.processEvents()
    widgets = [*window.findChildren(QAbstractButton), *window.findChildren(QComboBox)]
    count, problems = _problems(window, widgets)
    found["checked"][state] = count
    found["problems"] += [f"{state}：{p}" for p in problems]
    area = window.screen().availableGeometry()
    if not area.contains(window.frameGeometry()):
        found["outside"].append(f"{state}：{window.frameGeometry()} 不在 {area} 内")


def _file_dialog_labels(app) -> list[str]:
    """Return the labels of Qt's own file dialog in the app as started (its translators)."""
    from PySide6.QtWidgets import QFileDialog, QLabel

    dialog = QFileDialog(None, "选择文件")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    dialog.show()
    app.processEvents()
    labels = [label.text() for label in dialog.findChildren(QLabel) if label.isVisible()]
    dialog.close()
    return [text for text in labels if text]


def _wait(app, window) -> None:
    deadline = time.monotonic() + 300
    while window.jobs and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    for _ in range(20):
        app.processEvents()


def main(work: Path) -> int:
    sys.path.insert(0, str(REPO))
    from PySide6.QtCore import QSettings

    from nianbao.desktop.gui import dialogs
    from nianbao.desktop.gui.app import create_app
    from nianbao.desktop.gui.settings import Settings
    from nianbao.desktop.gui.window import MainWindow
    from nianbao.workbook_templates import build_template
    from nianbao.workbook_templates.sample import sample_request, sample_with_mistakes
    from tests.county import make_county

    # Folders as deep and long-named as on a clerk's desktop: a path is one word that no label
    # can wrap, so any label showing one whole would widen the window past the screen.
    work = work / "2025年度政府信息公开工作年度报告（县政府办公室汇总用）" / "各单位报送的材料"
    work.mkdir(parents=True, exist_ok=True)
    this_year = build_template(work / "青禾镇人民政府-2025年度填报表.xlsx", sample_request(2025))
    last_year = build_template(work / "青禾镇人民政府-2024年度填报表.xlsx", sample_request(2024))
    broken = build_template(
        work / "示例-有错误的填报表.xlsx", sample_with_mistakes(sample_request(2025))
    )
    county = make_county(work / "县", n_units=12)
    # Opening files in other programs and asking questions are not part of the layout.
    dialogs.open_path = lambda parent, path: True
    failures: list[str] = []
    dialogs.show_failure = lambda parent, title, failure: failures.append(f"{title}：{failure}")

    app = create_app()
    settings = Settings(QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat))
    window = MainWindow(settings)
    window.show()
    _wait(app, window)
    found: dict = {
        "area": list(window.screen().availableGeometry().getRect()),
        "checked": {},
        "problems": [],
        "outside": [],
        "file_dialog": _file_dialog_labels(app),
    }

    out = work / "生成"
    out.mkdir()
    page = window.go("template")
    page.unit_edit.setText("青禾镇人民政府")
    page.kind_combo.setCurrentIndex(0)  # the longest entry: （由填报单位选择）
    page.folder_field.set_path(out)
    page.open_files([last_year])
    _wait(app, window)
    page.generate()
    _wait(app, window)
    _check(window, app, STATES[0], found)

    page = window.go("check")
    page.show_workbook(broken, last_year)
    _wait(app, window)
    page.select_finding("表三!D30")
    _check(window, app, STATES[1], found)

    page = window.go("rollup")
    page.open_files([county.roster])
    _wait(app, window)
    page.tabs.setCurrentWidget(page.handout_tab)
    page.handout_folder.set_path(work / "下发")
    page.start_handout()
    _wait(app, window)
    _check(window, app, STATES[2], found)
    page.open_files([county.roster, county.inbox])
    page.unit.setText("青禾县人民政府办公室")
    page.output.set_path(work / "青禾县2025年度汇总表.xlsx")
    page.start_rollup()
    _wait(app, window)
    page.grid.selectRow(0)
    _check(window, app, STATES[3], found)

    page = window.go("report")
    page.open_files([this_year])
    page.previous.set_path(last_year)
    page.generate()
    _wait(app, window)
    _check(window, app, STATES[4], found)
    page.open_files([broken])
    # The same unit's report by default has the same name (its title): name this one apart, or
    # the question whether to replace the report just written would wait for an answer here.
    page.name.setText("有错误的填报表-报告")
    page.generate()
    _wait(app, window)
    _check(window, app, STATES[5], found)

    release = threading.Event()

    def work_until_cancelled(progress, cancelled):
        from nianbao.errors import Cancelled

        progress(0.3, "正在处理")
        while not cancelled():
            time.sleep(0.01)
        release.set()
        raise Cancelled()

    window.start_job(work_until_cancelled, "长任务", lambda result: None, cancellable=True)
    for _ in range(20):
        app.processEvents()
    _check(window, app, STATES[6], found)
    window.cancel_jobs()
    _wait(app, window)
    release.wait(10)
    found["problems"] += failures
    print(json.dumps(found, ensure_ascii=False))
    window.close()
    return 0


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as _tmp:
        sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(_tmp)))
