"""The Qt models of the 校验 page: the findings list's filter (severity groups, each cause with
what it explains under it) and the read-only grid of one official table. What they show is
prepared in ``viewmodels.check``."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractTableModel, QObject, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from nianbao.validation import Finding

from ...viewmodels.check import (
    Highlight,
    TablePreview,
    cell_colours,
    cell_tooltip,
    shown_in_list,
    wrap_label,
)

INDEX_ROLE = Qt.ItemDataRole.UserRole + 1  # a finding's row: its number in the page's list
LABEL_ROLE = Qt.ItemDataRole.UserRole + 2
TOTAL_ROLE = Qt.ItemDataRole.UserRole + 3


class FindingsFilter(QSortFilterProxyModel):
    """Shows the findings of one severity (or all) whose words match the text filter, each
    finding another explains under its cause; group headers show how many of their problems
    (the causes) are shown."""

    def __init__(self, parent: QObject, finding_at: Callable[[object], Finding | None]) -> None:
        super().__init__(parent)
        self._finding_at = finding_at  # the finding of a row, by the number it carries
        self.severity: str | None = None
        self.query = ""
        self.setRecursiveFilteringEnabled(True)

    def set_filter(self, severity: str | None, query: str) -> None:
        self.beginFilterChange()
        self.severity, self.query = severity, query
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent) -> bool:
        if not source_parent.isValid():
            return False  # a group: shown when one of its findings is
        index = self.sourceModel().index(source_row, 0, source_parent)
        finding = self._finding_at(index.data(INDEX_ROLE))
        if finding is None:
            return False
        cause = None
        if source_parent.parent().isValid():  # under its cause
            cause = self._finding_at(source_parent.data(INDEX_ROLE))
            if cause is None:
                return False
        return shown_in_list(finding, cause, self.severity, self.query)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if (
            role == Qt.ItemDataRole.DisplayRole
            and index.isValid()
            and index.column() == 0
            and not index.parent().isValid()
        ):
            source = self.mapToSource(index)
            label, total = source.data(LABEL_ROLE), source.data(TOTAL_ROLE)
            shown = self.rowCount(index)
            return f"{label}（{shown}）" if shown == total else f"{label}（{shown}/{total}）"
        return super().data(index, role)


class PreviewModel(QAbstractTableModel):
    """One official table, read-only, with the finding's cell and the cells it compares
    highlighted."""

    ROW_LABEL_WIDTH = 14
    COL_LABEL_WIDTH = 4

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.preview: TablePreview | None = None
        self.highlight = Highlight(None, frozenset())
        self.severity = "error"

    def show(self, preview: TablePreview | None, mark: Highlight, severity: str) -> None:
        self.beginResetModel()
        self.preview, self.highlight, self.severity = preview, mark, severity
        self.endResetModel()

    def rowCount(self, parent=None) -> int:
        top = parent is None or not parent.isValid()
        return len(self.preview.row_labels) if self.preview and top else 0

    def columnCount(self, parent=None) -> int:
        top = parent is None or not parent.isValid()
        return len(self.preview.col_labels) if self.preview and top else 0

    def flags(self, index) -> Qt.ItemFlag:
        return Qt.ItemFlag.ItemIsEnabled  # read-only, not selectable: the colours stay visible

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if self.preview is None or not index.isValid():
            return None
        row, col = index.row(), index.column()
        cell = self.preview.cell(row, col)
        if role == Qt.ItemDataRole.DisplayRole:
            return cell.text if cell else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return cell_tooltip(self.preview, row, col)
        focus = (row, col) == self.highlight.focus
        if role == Qt.ItemDataRole.FontRole and focus:
            return bold()
        background, foreground = cell_colours(self.preview, self.highlight, self.severity, row, col)
        if role == Qt.ItemDataRole.BackgroundRole and background:
            return QBrush(QColor(background))
        if role == Qt.ItemDataRole.ForegroundRole and foreground:
            return QBrush(QColor(foreground))
        return None

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole):
        if self.preview is None:
            return None
        vertical = orientation == Qt.Orientation.Vertical
        labels = self.preview.row_labels if vertical else self.preview.col_labels
        if section >= len(labels):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            width = self.ROW_LABEL_WIDTH if vertical else self.COL_LABEL_WIDTH
            return wrap_label(labels[section], width)
        if role == Qt.ItemDataRole.ToolTipRole:
            return labels[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            align = Qt.AlignmentFlag.AlignLeft if vertical else Qt.AlignmentFlag.AlignHCenter
            return int(align | Qt.AlignmentFlag.AlignVCenter)
        focus = self.highlight.focus
        if role == Qt.ItemDataRole.FontRole and focus is not None:
            return bold() if section == focus[0 if vertical else 1] else None
        return None


def bold() -> QFont:
    """Return the bold font of group heads and of the finding's row and column in the grid."""
    font = QFont()
    font.setBold(True)
    return font
