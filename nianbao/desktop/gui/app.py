"""Start the desktop app: QApplication, log file, fault handler, main window."""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from nianbao.applog import setup_app_log

from .settings import APPLICATION, ORGANIZATION
from .translation import install_qt_chinese

log = logging.getLogger("nianbao")

# Shipped as package data (and in the installers' bundles): the window and taskbar icon.
ICON = Path(__file__).with_name("icons") / "nianbao.png"

STYLE = """
QListWidget#nav { background: #f3f4f6; border: none; border-right: 1px solid #d9dce1;
                  font-size: 11pt; padding-top: 8px; }
QListWidget#nav::item { padding-left: 16px; }
QListWidget#nav::item:selected { background: #ffffff; color: #b3261e;
                                 border-left: 3px solid #b3261e; }
QLabel#pageTitle { font-size: 15pt; font-weight: bold; }
QLabel#pageHint { color: #555; }
QLabel#dropArea { border: 2px dashed #b8bec7; border-radius: 6px; color: #555; padding: 8px; }
QLabel#summary { font-size: 11pt; }
"""


def create_app(argv: list[str] | None = None) -> QApplication:
    """Return the QApplication (creating it once), set up for Chinese and high-DPI screens."""
    app = QApplication.instance()
    if app is not None:
        return app  # type: ignore[return-value]
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    app = QApplication(list(argv) if argv is not None else sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APPLICATION)
    app.setStyleSheet(STYLE)
    app.setWindowIcon(QIcon(str(ICON)))
    # Lets Linux desktops match the window to nianbao.desktop (its icon and name in the panel).
    QGuiApplication.setDesktopFileName("nianbao")
    install_qt_chinese(app)  # Qt's own Chinese for its buttons and dialogs (确定/取消, 查找范围)
    return app


def _install_fault_handler(window) -> None:
    """Turn an unexpected exception in a slot into a logged fault and a Chinese dialog."""
    from . import dialogs
    from .worker import Failure

    def hook(exc_type, exc, tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            QApplication.quit()
            return
        failure = Failure.from_exception(exc.with_traceback(tb))
        log.error("内部错误：%s", failure.message)
        QTimer.singleShot(0, lambda: dialogs.show_failure(window, "年报助手内部出错", failure))

    sys.excepthook = hook


def run(argv: list[str] | None = None) -> int:
    """Open the main window (with files named on the command line) and run until it closes."""
    args = list(sys.argv[1:] if argv is None else argv)
    # The command line's stop handlers raise in Python code, which never runs while Qt's loop
    # waits: a window asked to stop (SIGTERM, SIGHUP at logout) simply ends, as before.
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    app = create_app(sys.argv[:1])
    log_file = setup_app_log()
    log.info("启动，日志：%s", log_file)
    from .window import MainWindow

    window = MainWindow()
    _install_fault_handler(window)
    window.show()
    files = [Path(a) for a in args if not a.startswith("-")]
    if files:
        QTimer.singleShot(0, lambda: window.open_files(files, here=False))
    return app.exec()
