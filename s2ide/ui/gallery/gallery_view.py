"""The gallery dock: filter bar, thumbnail grid and the "showing: ..." chip.

A QListView in icon mode with uniform item sizes over `GalleryModel`, painted by
`GalleryDelegate`; nothing is created per sample, so 100,000 samples scroll as 100 do.
It follows the context: a click opens the sample, `sampleChanged` selects it here, the
filters and `showSamplesRequested` narrow the list, and it provides the default "next sample".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
)
from PySide6.QtGui import QColor, QFont, QPainter, QPalette, QPen, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from s2ide.core.clock import local_day_start_iso
from s2ide.core.labeling.done import is_shape_task
from s2ide.core.project import MediaRootError
from s2ide.core.review.agreement import hidden_tags
from s2ide.core.store import SampleFilter
from s2ide.core.store.schema import SPLITS, STATUSES
from s2ide.ui.gallery.gallery_model import GalleryModel, Role
from s2ide.ui.gallery.thumbnails import ThumbnailLoader
from s2ide.ui.shell.context import AppContext, RankedIds

THUMB = 112  # default thumbnail cell; Ctrl+wheel over the gallery changes it
MIN_THUMB, MAX_THUMB = 64, 256
TEXT_H = 30
PAD = 4
STATUS_COLORS = {
    "unlabeled": QColor("#9e9e9e"),
    "labeled": QColor("#2e7d32"),
    "escalated": QColor("#ef6c00"),
    "reviewed": QColor("#1565c0"),
    "skipped": QColor("#6d4c41"),
}
BADGE_COLOR = QColor(25, 25, 25, 200)  # the shape-count badge: readable on any thumbnail
ANY_LABEL = -2  # the label filter's "any label" entry
UNTAGGED = -1  # the label filter's "untagged" entry
HISTORY_FILTERS = (
    ("any history", ""),
    ("labeled by me", "mine"),
    ("labeled today", "today"),
    ("changed since yesterday", "since_yesterday"),
)


class GalleryDelegate(QStyledItemDelegate):
    """Paints thumbnail, file name, label chip, status dot, the model's suggestion and, when the
    gallery shows a similarity ranking, each sample's distance to the examples."""

    def __init__(self, context: AppContext, loader: ThumbnailLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.loader = loader
        self.thumb = THUMB
        self._media_root_said: str | None = None  # the project whose missing media root was announced
        self.distances: dict[int, float] = {}  # sample id -> distance, while a ranking is shown

    def distance_text(self, index: QModelIndex | QPersistentModelIndex) -> str | None:
        """The distance drawn on this thumbnail ("d 0.123"), None outside a similarity ranking."""
        distance = self.distances.get(index.data(Role.SAMPLE_ID)) if self.distances else None
        return None if distance is None else f"d {distance:.3f}"

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        return QSize(self.thumb + 2 * PAD, self.thumb + TEXT_H + 2 * PAD)

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        rect: QRect = option.rect  # type: ignore[attr-defined]
        palette: QPalette = option.palette  # type: ignore[attr-defined]
        selected = bool(option.state & QStyle.StateFlag.State_Selected)  # type: ignore[attr-defined]
        painter.save()
        if selected:
            painter.fillRect(rect, palette.highlight())
        thumb = self.thumb
        thumb_rect = QRect(rect.x() + PAD, rect.y() + PAD, thumb, thumb)
        painter.fillRect(thumb_rect, QColor("#303030"))
        self._paint_thumbnail(painter, thumb_rect, index)
        label = self.context.label_by_id(index.data(Role.LABEL_ID))
        if label is not None:
            self._paint_chip(painter, thumb_rect, label.name, QColor(label.color))
        status = index.data(Role.STATUS)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(STATUS_COLORS.get(status, QColor("#9e9e9e")))
        painter.drawEllipse(thumb_rect.right() - 12, thumb_rect.y() + 4, 9, 9)
        self._paint_shape_badge(painter, thumb_rect, index.data(Role.SHAPES))
        self._paint_prediction(painter, thumb_rect, index)
        text_rect = QRect(rect.x() + PAD, thumb_rect.bottom() + 2, thumb, TEXT_H - 4)
        painter.setPen(palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text))
        # Elided at the left: the end of a name (its number and suffix) tells files apart.
        name = painter.fontMetrics().elidedText(str(index.data()), Qt.TextElideMode.ElideLeft, thumb)
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, name)
        painter.restore()

    def _paint_thumbnail(self, painter: QPainter, rect: QRect, index: QModelIndex | QPersistentModelIndex) -> None:
        project = self.context.project
        if project is None:
            return
        sha256 = str(index.data(Role.SHA256))
        try:
            image = project.image_path(str(index.data(Role.PATH)))
        except MediaRootError as exc:  # a team project without this machine's mount: say it once, by name
            painter.setPen(QColor("#bbbbbb"))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, "no media root")
            if self._media_root_said != project.location:
                self._media_root_said = project.location
                self.context.message(str(exc), 0)
            return
        pixmap = self.loader.pixmap(sha256, image, project.thumbnail_path(sha256))
        if pixmap is None:
            painter.setPen(QColor("#bbbbbb"))
            text = "unreadable" if self.loader.failed(sha256) else "…"
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
            return
        scaled = pixmap.size().scaled(rect.size(), Qt.AspectRatioMode.KeepAspectRatio)
        target = QRect(0, 0, scaled.width(), scaled.height())
        target.moveCenter(rect.center())
        painter.drawPixmap(target, pixmap)

    @staticmethod
    def _paint_chip(painter: QPainter, rect: QRect, text: str, color: QColor) -> None:
        painter.save()
        font = QFont(painter.font())
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.85))
        painter.setFont(font)
        metrics = painter.fontMetrics()
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, rect.width() - 24)
        chip = QRect(rect.x() + 3, rect.y() + 3, metrics.horizontalAdvance(shown) + 8, metrics.height() + 2)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawRoundedRect(chip, 3, 3)
        painter.setPen(QColor("black") if color.lightness() > 140 else QColor("white"))
        painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, shown)
        painter.restore()

    @staticmethod
    def _paint_shape_badge(painter: QPainter, rect: QRect, count: object) -> None:
        """Top right, left of the status dot: a box outline and how many shapes the sample has."""
        if not isinstance(count, int) or count <= 0:
            return
        painter.save()
        font = QFont(painter.font())
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.85))
        painter.setFont(font)
        metrics = painter.fontMetrics()
        text = str(count) if count < 1000 else "999+"
        height = metrics.height() + 2
        width = metrics.horizontalAdvance(text) + height + 4
        badge = QRect(rect.right() - 16 - width, rect.y() + 3, width, height)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(BADGE_COLOR)
        painter.drawRoundedRect(badge, 3, 3)
        painter.setPen(QPen(QColor("white"), 1.2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        icon = height - 8
        painter.drawRect(badge.x() + 3, badge.y() + 4, icon + 3, icon)  # a box, wider than tall
        painter.drawText(badge.adjusted(height - 2, 0, -2, 0), Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def _paint_prediction(self, painter: QPainter, rect: QRect, index: QModelIndex | QPersistentModelIndex) -> None:
        """The bottom band: the distance at the left (similarity results), the suggestion at the right."""
        pred = self.context.label_by_id(index.data(Role.PRED_LABEL_ID))
        distance = self.distance_text(index)
        if pred is None and distance is None:
            return
        metrics = painter.fontMetrics()
        box = QRect(rect.x(), rect.bottom() - metrics.height() - 1, rect.width(), metrics.height() + 2)
        painter.fillRect(box, QColor(0, 0, 0, 140))
        inner = box.adjusted(3, 0, -3, 0)
        if distance is not None:
            painter.setPen(QPen(QColor("#ffd54f")))
            painter.drawText(inner, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, distance)
            inner.setLeft(inner.left() + metrics.horizontalAdvance(distance) + 6)
        if pred is None:
            return
        score = index.data(Role.PRED_SCORE)
        text = f"{pred.name}? {score:.0%}" if score is not None else f"{pred.name}?"
        text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, max(0, inner.width()))
        painter.setPen(QPen(QColor("#e0e0e0")))
        painter.drawText(inner, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)


class ChipButton(QPushButton):
    """The "showing: …" chip: its text shortened in the middle to the gallery's width (the ✕
    stays in sight), the full title in its tooltip; `text()` is the full title."""

    def __init__(self) -> None:
        super().__init__()
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    def setText(self, text: str) -> None:
        self._full = text
        self.setToolTip(f"{text}\nclick to show all samples again")
        self._elide()

    def text(self) -> str:
        return self._full

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        room = max(40, self.width() - 24)
        QPushButton.setText(self, self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideMiddle, room))


class QtGallery(QWidget):
    """Filter bar + thumbnail grid; talks to the rest of the app only through the context."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.model = GalleryModel(self)
        self.loader = ThumbnailLoader(self, display_size=THUMB)
        self._shown_ids: list[int] | None = None
        self._ranked = False  # the shown ids are a ranking: keep their order
        self._syncing = False

        self.label_filter = QComboBox()
        self.status_filter = QComboBox()
        self.status_filter.addItem("any status", "")
        for status in STATUSES:
            self.status_filter.addItem(status, status)
        self.split_filter = QComboBox()
        self.split_filter.addItem("any split", "")
        for split in SPLITS:
            self.split_filter.addItem(split, split)
        self.history_filter = QComboBox()  # from the audit log: who changed a sample, and when
        for text, key in HISTORY_FILTERS:
            self.history_filter.addItem(text, key)
        self.history_filter.setToolTip("Samples by their history in the audit log")
        self.search = QLineEdit()
        self.search.setPlaceholderText("search file names")
        self.search.setClearButtonEnabled(True)
        self.shown = QLabel()
        self.chip = ChipButton()
        self.chip.hide()
        self.chip.clicked.connect(self.clear_shown)

        self.view = QListView()
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setMovement(QListView.Movement.Static)
        self.view.setUniformItemSizes(True)
        self.view.setLayoutMode(QListView.LayoutMode.Batched)
        self.view.setBatchSize(2000)
        self.view.setSpacing(2)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setModel(self.model)
        self.delegate = GalleryDelegate(context, self.loader, self.view)
        self.view.setItemDelegate(self.delegate)
        self.loader.ready.connect(self._on_thumbnail_ready)
        self.view.viewport().installEventFilter(self)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.setToolTip("Ctrl+wheel: thumbnail size")

        # two filters a row: the bar fits a gallery two thumbnails wide (a laptop's layout)
        filters = QGridLayout()
        filters.setContentsMargins(0, 0, 0, 0)
        for index, combo in enumerate((self.label_filter, self.status_filter, self.split_filter, self.history_filter)):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
            filters.addWidget(combo, index // 2, index % 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(filters)
        search_row = QHBoxLayout()
        search_row.addWidget(self.search, 1)
        search_row.addWidget(self.shown)
        layout.addLayout(search_row)
        layout.addWidget(self.chip)  # a row of its own: a long title never squeezes the search box
        layout.addWidget(self.view, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)
        self._search_timer.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        for combo in (self.label_filter, self.status_filter, self.split_filter, self.history_filter):
            combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.view.selectionModel().currentChanged.connect(self._on_current_changed)
        self.view.clicked.connect(self._on_clicked)

        context.projectChanged.connect(self._on_project_changed)
        context.userChanged.connect(self._update_hidden_tags)
        context.userChanged.connect(self._on_user_changed)
        context.samplesChanged.connect(self.reload)
        context.annotationsChanged.connect(self._on_annotations_changed)
        context.predictionsChanged.connect(self.reload)
        context.modelsChanged.connect(self.reload)
        context.labelsChanged.connect(self._fill_label_filter)
        context.labelsChanged.connect(self.view.viewport().update)
        context.sampleChanged.connect(self._on_sample_changed)
        context.showSamplesRequested.connect(self.show_samples)
        self._fill_label_filter()
        if context.project is not None:
            self.reload()

    # -- filters ---------------------------------------------------------------------------
    def current_filter(self) -> SampleFilter:
        label = self.label_filter.currentData()
        return replace(
            self._history_filter(),
            split=self.split_filter.currentData() or None,
            status=self.status_filter.currentData() or None,
            label_id=label if isinstance(label, int) and label >= 0 else None,
            unlabeled_only=label == UNTAGGED,
            search=self.search.text().strip() or None,
            ids=self._shown_ids,
        )

    def _history_filter(self) -> SampleFilter:
        """The history choice as audit-log conditions ("by me" needs the person working)."""
        key = self.history_filter.currentData()
        if key == "mine":
            user = self.context.user.name if self.context.user is not None else ""
            return SampleFilter(changed_by=user, labeling_only=True)
        if key == "today":
            return SampleFilter(changed_since=local_day_start_iso(0), labeling_only=True)
        if key == "since_yesterday":
            return SampleFilter(changed_since=local_day_start_iso(1))
        return SampleFilter()

    def set_history_filter(self, key: str) -> None:
        """ "" (any), "mine", "today" or "since_yesterday"."""
        self.history_filter.setCurrentIndex(max(0, self.history_filter.findData(key)))

    def _on_user_changed(self) -> None:
        if self.history_filter.currentData() == "mine":
            self.reload()

    def _fill_label_filter(self) -> None:
        chosen = self.label_filter.currentData()
        self.label_filter.blockSignals(True)
        self.label_filter.clear()
        self.label_filter.addItem("any label", ANY_LABEL)
        self.label_filter.addItem("untagged", UNTAGGED)
        if self.context.project is not None:
            for label in self.context.labels():
                self.label_filter.addItem(label.name, label.id)
        found = self.label_filter.findData(chosen)
        self.label_filter.setCurrentIndex(max(0, found))
        self.label_filter.blockSignals(False)

    def set_label_filter(self, label_id: int | None) -> None:
        """Select a label (UNTAGGED for samples without a tag, None for any)."""
        wanted = ANY_LABEL if label_id is None else label_id
        self.label_filter.setCurrentIndex(max(0, self.label_filter.findData(wanted)))

    def reload(self) -> None:
        """Re-run the query with the current filters, keeping the open sample selected."""
        if self.context.project is None:
            self.model.clear()
            self.shown.clear()
            return
        self.model.load(self.context.store.samples, self.current_filter())
        if self._ranked and self._shown_ids:
            self.model.order_by(self._shown_ids)
        self.shown.setText(f"{self.model.rowCount():,} shown")
        self._select(self.context.current_sample_id)

    def show_samples(self, ids: Sequence[int] | None, title: str) -> None:
        """Show just these samples (None: all), with a chip to go back to all."""
        self._shown_ids = None if ids is None else list(ids)
        self._ranked = isinstance(ids, RankedIds)
        self.delegate.distances = ids.distances if isinstance(ids, RankedIds) else {}
        if ids is None:
            self.chip.hide()
        else:
            self.chip.setText(f"showing: {title} ✕")
            self.chip.show()
        self.reload()
        if self._ranked and self.model.row_of(self.context.current_sample_id or -1) is None:
            self.view.scrollToTop()  # a ranking starts at its nearest, not where the last list was

    def clear_shown(self) -> None:
        self.show_samples(None, "")

    def _context_menu(self, pos) -> None:  # type: ignore[no-untyped-def]
        """Right-click: actions on the samples under the mouse (the selection when it holds that one)."""
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        clicked = self.model.sample_id(index.row())
        selected = [self.model.sample_id(i.row()) for i in self.view.selectionModel().selectedIndexes()]
        ids = selected if clicked in selected else [clicked]
        menu = QMenu(self)
        label = "Find similar" if len(ids) == 1 else f"Find similar to these {len(ids)}"
        menu.addAction(label, lambda: self.context.find_similar(ids))
        menu.popup(self.view.viewport().mapToGlobal(pos))

    # -- following the context -------------------------------------------------------------
    def _on_project_changed(self) -> None:
        self.loader.clear()
        self._shown_ids = None
        self.delegate.distances = {}
        self.chip.hide()
        self._fill_label_filter()
        self._name_done_status()
        self.reload()

    def _name_done_status(self) -> None:
        """Detect/segment projects call the labeled status 'done' (the labeler said so)."""
        shapes = self.context.project is not None and is_shape_task(self.context.project.task)
        index = self.status_filter.findData("labeled")
        if index >= 0:
            self.status_filter.setItemText(index, "done" if shapes else "labeled")

    def _on_annotations_changed(self, sample_id: int) -> None:
        if self.context.project is not None:
            self.model.refresh_sample(self.context.store.samples, sample_id)
            self._update_hidden_tags()

    def _update_hidden_tags(self) -> None:
        context = self.context
        if context.project is None or context.user is None:
            self.model.set_hidden_tags(set())
        else:
            self.model.set_hidden_tags(hidden_tags(context.store, context.user.name))

    def _on_sample_changed(self, sample_id: int) -> None:
        self._select(sample_id if sample_id >= 0 else None)

    def _select(self, sample_id: int | None) -> None:
        row = None if sample_id is None else self.model.row_of(sample_id)
        self._syncing = True
        try:
            if row is None:
                self.view.selectionModel().clearCurrentIndex()
                self.view.clearSelection()
            else:
                index = self.model.index(row)
                selection = self.view.selectionModel()
                if self.view.currentIndex() != index:  # opened elsewhere (Next, a plot): it alone
                    selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
                # else a click here opened it: Ctrl/Shift-click's multi-selection stays as made
                self.view.scrollTo(index)
        finally:
            self._syncing = False

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._syncing or not current.isValid():
            return
        sample_id = self.model.sample_id(current.row())
        if sample_id != self.context.current_sample_id:
            self.context.open_sample(sample_id)

    def _on_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            sample_id = self.model.sample_id(index.row())
            if sample_id != self.context.current_sample_id:
                self.context.open_sample(sample_id)

    # -- thumbnail size --------------------------------------------------------------------
    def thumbnail_size(self) -> int:
        return self.delegate.thumb

    def set_thumbnail_size(self, size: int) -> None:
        """Cells of `size` pixels (64-256); thumbnails are re-read at that size."""
        size = max(MIN_THUMB, min(MAX_THUMB, int(size)))
        if size == self.delegate.thumb:
            return
        self.delegate.thumb = size
        self.loader.display_size = size
        self.loader.clear()
        current = self.view.currentIndex()
        self.view.reset()  # drops the cached uniform item size
        if current.isValid():
            self._select(self.model.sample_id(current.row()))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.view.viewport()
            and event.type() == QEvent.Type.Wheel
            and isinstance(event, QWheelEvent)
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            steps = event.angleDelta().y() / 120
            self.set_thumbnail_size(round(self.delegate.thumb * (1.15**steps)))
            return True
        return super().eventFilter(watched, event)

    def _on_thumbnail_ready(self, _sha256: str) -> None:
        self.view.viewport().update()

    # -- the default next sample -----------------------------------------------------------
    def next_unlabeled(self, _context: AppContext, current: int | None) -> int | None:
        return self.model.next_unlabeled(current)

    def thumbnail_source(self, row: int) -> tuple[str, Path, Path] | None:
        """(sha256, image, cached thumbnail) of a row: what the loader reads."""
        project = self.context.project
        if project is None:
            return None
        sha256 = str(self.model.value(row, "sha256"))
        return sha256, project.image_path(str(self.model.value(row, "path"))), project.thumbnail_path(sha256)

    def shutdown(self) -> None:
        self.loader.shutdown()
