"""Small widgets shared by the pages: a file chooser that accepts drops, a drop area, a label
that shortens a path to its room, a combo box as wide as its entries."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyleOptionComboBox,
    QToolButton,
    QWidget,
)

from ..viewmodels.file_kinds import Box, refusal


def dropped_paths(event: QDropEvent | QDragEnterEvent) -> list[Path]:
    """Return the local files and folders carried by a drag."""
    data = event.mimeData()
    if not data.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in data.urls() if url.isLocalFile()]


class PathField(QWidget):
    """A line with a path, a 浏览… button and a clear button; files or folders can be dropped on
    it. Emits ``changed(path or None)``.

    What the field takes is its ``box``; a file it does not take (dropped, chosen or typed) is
    not put in: ``refused(sentence)`` says what the file is and which of its ``neighbours``
    (the page's other boxes, see ``link_fields``) takes it.
    """

    changed = Signal(object)
    refused = Signal(str)

    def __init__(
        self,
        placeholder: str,
        *,
        suffixes: Sequence[str] = (),
        filter_text: str = "",
        folder: bool = False,
        save: bool = False,
        settings=None,
        box: Box | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._filter = filter_text
        self._folder = folder
        self._save = save
        self._settings = settings
        suffixes = tuple(s.lower() for s in suffixes)
        self.box = box or Box("", "所需的文件", "、".join(suffixes), suffixes, folder)
        self.neighbours: tuple[Box, ...] = ()
        self._accepted = ""  # the text last taken, to go back to when a typed path is refused
        self.setAcceptDrops(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText(placeholder)
        self.edit.setClearButtonEnabled(True)
        # A drop on the line would insert the file's name as text: the field takes it instead.
        self.edit.setAcceptDrops(False)
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
        self._accepted = self.edit.text()
        self.changed.emit(path)

    def refusal(self, path: Path) -> str | None:
        """Return why the field does not take ``path`` (an existing file or folder), or None."""
        if self._save or not path.exists():
            return None  # a file to write, or one that is not there: the page says so
        return refusal(path, self.box, self.neighbours)

    def offer(self, path: Path) -> bool:
        """Put ``path`` in the field if it takes it, else say why not; return whether taken."""
        message = self.refusal(path)
        if message is not None:
            self.refused.emit(message)
            return False
        self.set_path(path)
        return True

    def _edited(self) -> None:
        path = self.path()
        message = self.refusal(path) if path is not None else None
        if message is not None:
            self.edit.setText(self._accepted)  # what was there before it was typed over
            self.refused.emit(message)
            return
        self._accepted = self.edit.text()
        self.changed.emit(path)

    def _maybe_cleared(self, text: str) -> None:
        if not text:
            self._accepted = ""
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
            self.offer(path)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        # Any file: one the field does not take is refused on the drop, saying where it goes.
        if dropped_paths(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = dropped_paths(event)
        if paths:
            self.offer(paths[0])
            event.acceptProposedAction()


def link_fields(fields: Sequence[PathField]) -> None:
    """Let each field of a page name the others when it refuses a file that belongs there."""
    for field in fields:
        field.neighbours = tuple(other.box for other in fields if other is not field)


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


class ElidedLabel(QLabel):
    """A one-line label that shortens its text in the middle (a path keeps its file name) to
    the room it has, with the whole text as its tooltip: a path is one word no label can wrap,
    and shown whole it would make the window wider than a laptop's screen."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text)

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        metrics = QFontMetrics(self.font())
        rect = self.contentsRect()
        shown = metrics.elidedText(self.text(), Qt.TextElideMode.ElideMiddle, rect.width())
        painter.drawText(rect, int(self.alignment()), shown)


def fit_combo(combo: QComboBox) -> None:
    """Make ``combo`` at least wide enough for its longest entry beside the arrow: the styles'
    own size hint is a few pixels short for CJK text and cuts off a closing '）'."""
    option = QStyleOptionComboBox()
    combo.initStyleOption(option)
    frame = combo.style().subControlRect(
        QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, combo
    )
    arrow_and_frame = combo.width() - frame.width()
    metrics = QFontMetrics(combo.font())
    texts = [combo.itemText(i) for i in range(combo.count())]
    longest = max((metrics.horizontalAdvance(text) for text in texts), default=0)
    combo.setMinimumWidth(longest + arrow_and_frame + metrics.horizontalAdvance("  "))
