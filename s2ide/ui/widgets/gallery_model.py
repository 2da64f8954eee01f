"""GalleryModel: the samples of a project as a flat list model, one query, no widget per sample.

Rows are kept as plain column lists (ids, names, status, ...) so 100,000 samples cost a few
megabytes and a reload is one `SampleRepository.row_tuples` call. Thumbnails are not here:
the delegate asks `ThumbnailLoader` for the visible ones only.
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import PurePosixPath
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from s2ide.core.store import SampleFilter
from s2ide.core.store.repositories import SampleRepository

Index = QModelIndex | QPersistentModelIndex

_COL = {name: i for i, name in enumerate(SampleRepository.ROW_COLUMNS)}


class Role(IntEnum):
    SAMPLE_ID = Qt.ItemDataRole.UserRole + 1
    PATH = Qt.ItemDataRole.UserRole + 2
    SHA256 = Qt.ItemDataRole.UserRole + 3
    STATUS = Qt.ItemDataRole.UserRole + 4
    LABEL_ID = Qt.ItemDataRole.UserRole + 5
    PRED_LABEL_ID = Qt.ItemDataRole.UserRole + 6
    PRED_SCORE = Qt.ItemDataRole.UserRole + 7
    SPLIT = Qt.ItemDataRole.UserRole + 8
    SIZE = Qt.ItemDataRole.UserRole + 9


def file_name(path: str) -> str:
    return PurePosixPath(path.replace("\\", "/")).name


class GalleryModel(QAbstractListModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple] = []
        self._row_of: dict[int, int] | None = None
        self.filter = SampleFilter()

    # -- loading ---------------------------------------------------------------------------
    def load(self, samples: SampleRepository, flt: SampleFilter | None = None) -> None:
        """Replace the rows with those matching `flt` (kept for later reloads)."""
        if flt is not None:
            self.filter = flt
        rows = samples.row_tuples(self.filter)
        self.beginResetModel()
        self._rows = rows
        self._row_of = None
        self.endResetModel()

    def clear(self) -> None:
        self.beginResetModel()
        self._rows = []
        self._row_of = None
        self.endResetModel()

    def refresh_sample(self, samples: SampleRepository, sample_id: int) -> None:
        """Re-read one sample's row (its tag or status changed) and repaint just that item."""
        row = self.row_of(sample_id)
        if row is None:
            return
        fresh = samples.row_tuples(SampleFilter(ids=[sample_id]))
        if not fresh:
            return
        self._rows[row] = fresh[0]
        index = self.index(row)
        self.dataChanged.emit(index, index)

    # -- lookups ---------------------------------------------------------------------------
    def row_of(self, sample_id: int) -> int | None:
        if self._row_of is None:
            self._row_of = {r[0]: i for i, r in enumerate(self._rows)}
        return self._row_of.get(sample_id)

    def sample_id(self, row: int) -> int:
        return int(self._rows[row][0])

    def ids(self) -> list[int]:
        return [r[0] for r in self._rows]

    def value(self, row: int, column: str) -> Any:
        return self._rows[row][_COL[column]]

    def next_unlabeled(self, after: int | None) -> int | None:
        """The first unlabeled sample after `after` in this order, wrapping; None if there is none."""
        n = len(self._rows)
        if n == 0:
            return None
        start = -1 if after is None else self.row_of(after)
        if start is None:
            start = -1
        status = _COL["status"]
        for step in range(1, n + 1):
            row = (start + step) % n
            if self._rows[row][status] == "unlabeled" and self._rows[row][0] != after:
                return int(self._rows[row][0])
        return None

    # -- Qt model --------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            name = file_name(row[_COL["path"]])
            if role == Qt.ItemDataRole.DisplayRole:
                return name
            return f"{row[_COL['path']]}\n{row[_COL['width']]}×{row[_COL['height']]}, {row[_COL['status']]}"
        column = _ROLE_COLUMN.get(role)
        if column is not None:
            return row[_COL[column]]
        if role == Role.SIZE:
            return (row[_COL["width"]], row[_COL["height"]])
        return None


_ROLE_COLUMN: dict[int, str] = {
    Role.SAMPLE_ID: "id",
    Role.PATH: "path",
    Role.SHA256: "sha256",
    Role.STATUS: "status",
    Role.LABEL_ID: "label_id",
    Role.PRED_LABEL_ID: "pred_label_id",
    Role.PRED_SCORE: "pred_score",
    Role.SPLIT: "split",
}
