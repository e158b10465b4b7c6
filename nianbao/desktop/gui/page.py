"""What every task page has: the app context, a way to run long work, and file hand-over."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from .worker import Job, Work

if TYPE_CHECKING:
    from .settings import Settings
    from .window import MainWindow


class Page(QWidget):
    """Base of the four task pages.

    ``file_opened(path)`` tells the window which file the page shows (for the title).
    ``open_files(paths)`` receives files dropped on the window or picked from 最近文件 and
    returns whether the page took them.
    """

    file_opened = Signal(object)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window_ = window

    @property
    def settings(self) -> Settings:
        return self.window_.settings

    def open_files(self, paths: list[Path]) -> bool:
        return False

    def current_file(self) -> Path | None:
        return None

    def run_job(
        self,
        work: Work,
        label: str,
        on_done: Callable[[Any], None],
        *,
        cancellable: bool = False,
    ) -> Job:
        """Run ``work(progress, cancelled)`` off the GUI thread; ``on_done(result)`` runs in the GUI
        thread on success. Failures are shown as a dialog by the window; progress and a cancel
        button appear in the status bar."""
        return self.window_.start_job(work, label, on_done, cancellable=cancellable)


def page_header(layout: QVBoxLayout, title: str, hint: str) -> None:
    """Add the page's title and one line saying what the page is for."""
    heading = QLabel(title)
    heading.setObjectName("pageTitle")
    layout.addWidget(heading)
    line = QLabel(hint)
    line.setObjectName("pageHint")
    line.setWordWrap(True)
    layout.addWidget(line)
