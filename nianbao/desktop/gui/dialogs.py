"""Dialogs in plain Chinese: errors with what to do, overwrite questions, a text to read (a
comparison of two versions), the About box."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from nianbao.files import numbered_path

from .worker import Failure


def show_failure(parent: QWidget | None, title: str, failure: Failure) -> None:
    """Show an error as a dialog: what happened, then what to do. Never a traceback."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical if failure.internal else QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText(failure.message)
    if failure.action:
        box.setInformativeText(f"怎么办：{failure.action}")
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.exec()


def show_error(parent: QWidget | None, title: str, message: str, action: str = "") -> None:
    show_failure(parent, title, Failure(message, action))


def show_text(parent: QWidget | None, title: str, lines: list[str]) -> None:
    """Show a text to read and copy (selectable, scrolled), sized to fit a 1366×768 screen."""
    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    layout = QVBoxLayout(dialog)
    text = QPlainTextEdit(dialog)
    text.setReadOnly(True)
    text.setPlainText("\n".join(lines))
    text.setAccessibleName(title)
    layout.addWidget(text, 1)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
    buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    screen = dialog.screen().availableGeometry() if dialog.screen() else None
    width = min(900, screen.width() - 80) if screen else 900
    height = min(600, screen.height() - 120) if screen else 600
    dialog.resize(width, height)
    dialog.exec()


def confirm(parent: QWidget | None, title: str, text: str, yes: str) -> bool:
    """Ask before doing ``text``; return whether the user chose ``yes`` (the default is no)."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setText(text)
    go = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton("取消", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(cancel)
    box.exec()
    return box.clickedButton() is go


def choose_output(parent: QWidget | None, path: Path) -> Path | None:
    """Return where to write ``path``: itself when free; when it exists, ask whether to
    overwrite or to write a numbered copy beside it. None when the user cancels."""
    if not path.exists():
        return path
    numbered = numbered_path(path)
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    what = "文件夹" if path.is_dir() else "文件"
    box.setWindowTitle(f"{what}已存在")
    box.setText(f"{what} {path.name} 已经存在。")
    box.setInformativeText(f"要覆盖它，还是另存为 {numbered.name}？")
    keep = box.addButton(f"另存为 {numbered.name}", QMessageBox.ButtonRole.AcceptRole)
    overwrite = box.addButton("覆盖", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton("取消", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.exec()
    clicked = box.clickedButton()
    if clicked is keep:
        return numbered
    if clicked is overwrite:
        return path
    return None


def open_path(parent: QWidget | None, path: Path) -> bool:
    """Open a file or folder with the system's program (WPS/Excel/Word, the file manager)."""
    if not path.exists():
        show_error(parent, "打不开", f"找不到 {path}。", "文件可能已被移动或删除，请重新生成。")
        return False
    if QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
        return True
    show_error(
        parent,
        "打不开",
        f"系统没有能打开 {path.name} 的程序。",
        f"请在文件管理器中打开 {path.parent}，或安装 WPS Office。",
    )
    return False


def about_text() -> str:
    """Return the About box text: version, supported format versions, where the log is."""
    from nianbao import __version__
    from nianbao.applog import log_dir
    from nianbao.workbook_templates.loader import load_spec

    formats = []
    for version in ("2021", "2019"):
        try:
            formats.append(load_spec(version).label)
        except Exception:  # a broken format file must not break the About box
            continue
    lines = [
        f"<h3>年报助手 nianbao {__version__}</h3>",
        "<p>政府信息公开工作年度报告的标准填报表、校验、汇总与报告生成。完全离线运行，"
        "不收集、不上传任何数据。</p>",
        "<p>支持的格式：" + "；".join(formats) + "。</p>",
        f"<p>日志文件夹：{log_dir()}</p>",
    ]
    return "".join(lines)


def show_about(parent: QWidget | None) -> None:
    QMessageBox.about(parent, "关于年报助手", about_text())
