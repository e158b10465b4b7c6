"""Small widgets shared by the pages: a file chooser that accepts drops, a drop area."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QToolButton,
    QWidget,
)


def dropped_paths(event: QDropEvent | QDragEnterEvent) -> list[Path]:
    """Return the local files and folders carried by a drag."""
    data = event.mimeData()
    if not data.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in data.urls() if url.isLocalFile()]


def accepts(path: Path, suffixes: Sequence[str], folders: bool) -> bool:
    if path.is_dir():
        return folders
    return not suffixes or path.suffix.lower() in suffixes


class PathField(QWidget):
    """A line with a path, a 浏览… button and a clear button; files or folders can be dropped on
    it. Emits ``changed(path or None)``."""

    changed = Signal(object)

    def __init__(
        self,
        placeholder: str,
        *,
        suffixes: Sequence[str] = (),
        filter_text: str = "",
        folder: bool = False,
        save: bool = False,
        settings=None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._suffixes = tuple(s.lower() for s in suffixes)
        self._filter = filter_text
        self._folder = folder
        self._save = save
        self._settings = settings
        self.setAcceptDrops(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText(placeholder)
        self.edit.setClearButtonEnabled(True)
        self.edit.editingFinished.connect(self._edited)
        self.edit.textChanged.connect(self._maybe_cleared)
        self.browse = QPushButton("浏览…", self)
        self.browse.clicked.connect(self.choose)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.browse)

    def path(self) -> Path | None:
        text = self.edit.text().strip().strip('"')
        return Path(text) if text else None

    def set_path(self, path: Path | None) -> None:
        self.edit.setText(str(path) if path else "")
        self.changed.emit(path)

    def _edited(self) -> None:
        self.changed.emit(self.path())

    def _maybe_cleared(self, text: str) -> None:
        if not text:
            self.changed.emit(None)

    def _start_dir(self) -> str:
        current = self.path()
        if current is not None:
            return str(current if current.is_dir() else current.parent)
        return str(self._settings.last_dir) if self._settings else ""

    def choose(self) -> None:
        start = self._start_dir()
        if self._folder:
            chosen = QFileDialog.getExistingDirectory(self, "选择文件夹", start)
        elif self._save:
            chosen, _ = QFileDialog.getSaveFileName(self, "保存为", start, self._filter)
        else:
            chosen, _ = QFileDialog.getOpenFileName(self, "选择文件", start, self._filter)
        if chosen:
            path = Path(chosen)
            if self._settings:
                self._settings.last_dir = path if path.is_dir() else path.parent
            self.set_path(path)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        paths = dropped_paths(event)
        if paths and accepts(paths[0], self._suffixes, self._folder):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = dropped_paths(event)
        if paths:
            self.set_path(paths[0])
            event.acceptProposedAction()


class DropArea(QLabel):
    """A framed area saying what can be dropped; emits ``dropped(list[Path])``."""

    dropped = Signal(list)

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setAcceptDrops(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setMinimumHeight(56)
        self.setObjectName("dropArea")

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_paths(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = dropped_paths(event)
        if paths:
            self.dropped.emit(paths)
            event.acceptProposedAction()


def fill_recent_menu(menu: QMenu, paths: Sequence[Path], pick: Callable[[Path], object]) -> None:
    """Refill a 最近的文件 menu: one entry per path (its folder in the tooltip), or （没有）."""
    menu.clear()
    if not paths:
        menu.addAction("（没有）").setEnabled(False)
    for path in paths:
        action = menu.addAction(path.name)
        action.setToolTip(str(path))
        action.triggered.connect(lambda _=False, p=path: pick(p))
    menu.setToolTipsVisible(True)


def small_button(text: str, tip: str, parent: QWidget | None = None) -> QToolButton:
    button = QToolButton(parent)
    button.setText(text)
    button.setToolTip(tip)
    return button
