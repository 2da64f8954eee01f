"""GalleryModel: the samples of a project as a flat list model, one query, no widget per sample.

A reload is one `SampleRepository.slim_rows` query (id, status, tag, shape count, suggestion: what filters,
"next unlabeled" and the delegate's chips need for every row). File names and hashes are read
for the rows on screen only, a page at a time (`details`), so 100,000 samples open as fast as
SQLite can hand over three small columns. Thumbnails are not here: the delegate asks
`ThumbnailLoader` for the visible ones only.
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import PurePosixPath
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from s2ide.core.store import SampleFilter
from s2ide.core.store.repositories import SampleRepository

Index = QModelIndex | QPersistentModelIndex

_COL = {name: i for i, name in enumerate(SampleRepository.SLIM_COLUMNS)}
_DETAIL = {name: i for i, name in enumerate(SampleRepository.DETAIL_COLUMNS)}
PAGE = 256  # rows whose details are read together
MAX_PAGES = 400  # pages of details kept (about 100,000 rows)


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
    SHAPES = Qt.ItemDataRole.UserRole + 10  # how many shapes (boxes, polygons, masks, ...) it has


def file_name(path: str) -> str:
    return PurePosixPath(path.replace("\\", "/")).name


class GalleryModel(QAbstractListModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple] = []
        self._row_of: dict[int, int] | None = None
        self._pages: dict[int, list[tuple]] = {}
        self._samples: SampleRepository | None = None
        self.filter = SampleFilter()
        self.hidden_tags: set[int] = set()  # samples whose tag the current labeler must not see

    # -- loading ---------------------------------------------------------------------------
    def load(self, samples: SampleRepository, flt: SampleFilter | None = None) -> None:
        """Replace the rows with those matching `flt` (kept for later reloads)."""
        if flt is not None:
            self.filter = flt
        rows = samples.slim_rows(self.filter)
        self.beginResetModel()
        self._samples = samples
        self._rows = rows
        self._row_of = None
        self._pages = {}
        self.endResetModel()

    def order_by(self, ids: list[int]) -> None:
        """Put the rows in this order (a ranking, e.g. most similar first); rows not named go last."""
        rank = {int(sample_id): i for i, sample_id in enumerate(ids)}
        self.beginResetModel()
        self._rows.sort(key=lambda row: rank.get(row[0], len(rank)))
        self._row_of = None
        self._pages = {}
        self.endResetModel()

    def clear(self) -> None:
        self.beginResetModel()
        self._rows = []
        self._row_of = None
        self._pages = {}
        self._samples = None
        self.endResetModel()

    def refresh_sample(self, samples: SampleRepository, sample_id: int) -> None:
        """Re-read one sample's row (its tag or status changed) and repaint just that item."""
        row = self.row_of(sample_id)
        if row is None:
            return
        fresh = samples.slim_rows(SampleFilter(ids=[sample_id]))
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

    def set_hidden_tags(self, sample_ids: set[int]) -> None:
        """Blind double-labeling: draw these samples as untagged for the current user."""
        changed = sample_ids ^ self.hidden_tags
        self.hidden_tags = set(sample_ids)
        for sample_id in changed:
            row = self.row_of(sample_id)
            if row is not None:
                self.dataChanged.emit(self.index(row), self.index(row))

    def value(self, row: int, column: str) -> Any:
        """A column of a row: SLIM_COLUMNS from memory, DETAIL_COLUMNS from its page."""
        if column == "label_id" and self._rows[row][0] in self.hidden_tags:
            return None
        if column in _COL:
            return self._rows[row][_COL[column]]
        detail = self.detail(row)
        return None if detail is None else detail[_DETAIL[column]]

    def detail(self, row: int) -> tuple | None:
        """(path, sha256, width, height, split) of a row, reading its page of rows on first use."""
        page = row // PAGE
        found = self._pages.get(page)
        if found is None:
            if self._samples is None:
                return None
            ids = [r[0] for r in self._rows[page * PAGE : (page + 1) * PAGE]]
            by_id = self._samples.details(ids)
            found = [by_id.get(i, ("", "", 0, 0, "none")) for i in ids]
            if len(self._pages) >= MAX_PAGES:
                self._pages.pop(next(iter(self._pages)))
            self._pages[page] = found
        return found[row - page * PAGE]

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
        row = index.row()
        column = _ROLE_COLUMN.get(role)
        if column is not None:
            return self.value(row, column)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Role.SIZE):
            detail = self.detail(row)
            if detail is None:
                return None
            path, _sha, width, height, split = detail
            if role == Qt.ItemDataRole.DisplayRole:
                return file_name(path)
            if role == Role.SIZE:
                return (width, height)
            shapes = self._rows[row][_COL["shapes"]]
            drawn = f", {shapes} shape(s)" if shapes else ""
            return f"{path}\n{width}×{height}, {self._rows[row][_COL['status']]}{drawn}, split {split}"
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
    Role.SHAPES: "shapes",
}
