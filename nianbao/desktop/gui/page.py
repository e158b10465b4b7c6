"""What every task page has: the app context, a way to run long work, and file hand-over.

A page knows its window only as a ``PageHost``: what it needs from it, said here. The window
(``window.MainWindow``) imports this module and is one; nothing here or in the pages imports it
back, even for types.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import Signal, SignalInstance
from PySide6.QtWidgets import QLabel, QStatusBar, QVBoxLayout, QWidget

from .settings import PageFields, Settings
from .widgets import PathField, link_fields
from .worker import Job, Work

REFUSAL_MS = 15_000  # how long the status bar says why a file was not taken


class PageHost(Protocol):
    """What a page needs from the window it is on."""

    @property
    def settings(self) -> Settings:
        """Return the app's remembered choices."""
        ...

    @property
    def pages(self) -> Mapping[str, Page]:
        """Return the pages created so far, by key ("template", "check", "rollup", "report")."""
        ...

    @property
    def job_ended(self) -> SignalInstance:
        """Return the signal ``job_ended(job)``, emitted when any job finished, however."""
        ...

    def start_job(
        self,
        work: Work,
        label: str,
        on_done: Callable[[Any], None],
        *,
        cancellable: bool = False,
    ) -> Job:
        """Run ``work`` as a job; see ``Page.run_job``."""
        ...

    def go(self, key: str) -> Page:
        """Switch to the page ``key`` (creating it) and return it."""
        ...

    def statusBar(self) -> QStatusBar:
        """Return the window's status bar, for short messages."""
        ...


class Page(QWidget):
    """Base of the four task pages.

    ``file_opened(path)`` tells the window which file the page shows (for the title).
    ``open_files(paths)`` receives files dropped on the window or picked from 最近文件 and
    returns whether the page took them.
    """

    file_opened = Signal(object)

    def __init__(self, window: PageHost) -> None:
        # The window is the page's parent; a host that is not a widget leaves it without one
        # until it is placed.
        super().__init__(window if isinstance(window, QWidget) else None)
        self.window_ = window

    # The key under which the page remembers its own fields (see ``remembered``).
    key = ""

    @property
    def settings(self) -> Settings:
        return self.window_.settings

    @property
    def remembered(self) -> PageFields:
        """Return what this page remembers of its own fields; no other page reads them."""
        return self.settings.page(self.key)

    def open_files(self, paths: list[Path]) -> bool:
        return False

    def current_file(self) -> Path | None:
        return None

    def take_files_in(self, fields: Sequence[PathField]) -> None:
        """Link the page's file boxes, so that a file refused by one names the one it belongs
        in, and say each refusal."""
        link_fields(fields)
        for field in fields:
            field.refused.connect(self.say_refused)

    def say_refused(self, message: str) -> None:
        """Say why a file was not taken, in the window's status bar."""
        self.window_.statusBar().showMessage(message, REFUSAL_MS)

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
