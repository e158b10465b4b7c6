"""帮助 → 使用说明: the short user guide, shipped beside this module as guide.html and shown in
the program's own window, so that it opens offline and without a browser."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from ..viewmodels.window_state import Rect, keep_inside

GUIDE = Path(__file__).with_name("guide.html")
SIZE = (760, 640)


def guide_html() -> str:
    """Return the guide's HTML (a line saying it is missing when a broken install lost it)."""
    try:
        return GUIDE.read_text(encoding="utf-8")
    except OSError:
        return "<p>找不到使用说明文件（guide.html），请重新安装年报助手。</p>"


class GuideDialog(QDialog):
    """The guide in a window of its own, beside the main window (not modal)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("年报助手使用说明")
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser(self)
        self.browser.setOpenExternalLinks(False)  # the guide links only to its own headings
        self.browser.setHtml(guide_html())
        layout.addWidget(self.browser)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
        width, height = SIZE
        screen = parent.screen() if parent is not None else self.screen()
        if screen is not None:  # a laptop's screen: no taller than what the taskbar leaves
            area = screen.availableGeometry()
            width, height = min(width, area.width() - 40), min(height, area.height() - 80)
        self.resize(width, height)

    def showEvent(self, event: QShowEvent) -> None:
        """Open inside the screen's free area, even beside a window that is partly off it."""
        super().showEvent(event)
        screen = self.screen()
        if screen is None:
            return
        frame, area = self.frameGeometry(), screen.availableGeometry()
        inside = keep_inside(
            Rect(frame.x(), frame.y(), frame.width(), frame.height()),
            Rect(area.x(), area.y(), area.width(), area.height()),
        )
        if inside is not None:
            self.move(inside.x, inside.y)
