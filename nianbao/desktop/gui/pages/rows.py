"""The 汇总 page's two lists (units, received files) as sortable read-only tables: a model of
rows that say their own cell texts and sort keys, with the status column coloured as on the
summary's 汇总情况 sheet."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from ...viewmodels import rollup as view

ROOT = QModelIndex()
SORT_ROLE = Qt.ItemDataRole.UserRole
ROW_ROLE = Qt.ItemDataRole.UserRole + 1


class RowsModel(QAbstractTableModel):
    """A read-only table of rows that have ``texts()``, ``sort_keys()`` and a ``status`` code;
    the status column is coloured as on the summary's 汇总情况 sheet."""

    def __init__(
        self, columns: Sequence[str], status_column: int, centred: Sequence[str], parent=None
    ) -> None:
        super().__init__(parent)
        self._columns = tuple(columns)
        self._status_column = status_column
        self._centred = {self._columns.index(name) for name in centred}
        self._rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row(self, index: int) -> Any:
        return self._rows[index]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = ROOT) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._columns[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return row.texts()[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return (row.tips() if hasattr(row, "tips") else row.texts())[column]
        if role == SORT_ROLE:
            return row.sort_keys()[column]
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.TextAlignmentRole and column in self._centred:
            return Qt.AlignmentFlag.AlignCenter
        if column == self._status_column:
            colours = view.status_colours(row.status)
            if colours and role == Qt.ItemDataRole.BackgroundRole:
                return QColor(colours[0])
            if colours and role == Qt.ItemDataRole.ForegroundRole:
                return QColor(colours[1])
        return None


def rows_table(
    model: RowsModel, widths: Sequence[int], *, several: bool = False
) -> tuple[QTableView, QSortFilterProxyModel]:
    """Return a sortable, read-only table view over ``model`` and its sort proxy; ``several``:
    rows can be selected together (Ctrl/Shift-click)."""
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    proxy.setSortLocaleAware(True)
    table = QTableView()
    table.setModel(proxy)
    table.setSortingEnabled(True)
    table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(
        QAbstractItemView.SelectionMode.ExtendedSelection
        if several
        else QAbstractItemView.SelectionMode.SingleSelection
    )
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(False)
    table.setTabKeyNavigation(False)  # Tab leaves the table, arrows move in it
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(26)
    header = table.horizontalHeader()
    header.setStretchLastSection(True)
    header.setHighlightSections(False)
    for column, width in enumerate(widths):
        header.resizeSection(column, width)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return table, proxy
