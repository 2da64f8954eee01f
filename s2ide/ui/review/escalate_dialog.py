"""The Escalate dialog: a reason, a note, an optional proposed label and an optional region.

The region is drawn on a small view of the image inside the dialog: drag for a box, click for
a point. It is kept in image pixels (core/geometry.py), whatever the view's scale.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QImage, QImageReader, QMouseEvent, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGraphicsEllipseItem,
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from s2ide.core.errors import S2Error
from s2ide.core.labeling.escalate_edit import EscalateEdit
from s2ide.core.labeling.history import Session
from s2ide.core.review.escalations import reasons
from s2ide.core.store.escalations import Escalation
from s2ide.ui.shell.context import AppContext

CLICK_TOLERANCE_PX = 4  # a drag shorter than this (on screen) is a click: a point
REGION_COLOR = QColor("#ff8c00")
PICKER_SIZE = 360


def read_preview(path: str, longest: int = 1024) -> QImage:
    """A scaled image for the dialog (big images are decoded at reduced size)."""
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid() and max(size.width(), size.height()) > longest:
        size.scale(longest, longest, Qt.AspectRatioMode.KeepAspectRatio)
        reader.setScaledSize(size)
    return reader.read()


class RegionPicker(QGraphicsView):
    """Drag a box or click a point on the image; `region()` gives it in full-image pixels."""

    regionChanged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHints(QPainter.RenderHint.SmoothPixmapTransform | QPainter.RenderHint.Antialiasing)
        self.setMinimumSize(PICKER_SIZE, int(PICKER_SIZE * 0.7))
        self.setBackgroundBrush(Qt.GlobalColor.darkGray)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self._pixmap_item = QGraphicsPixmapItem()
        self.scene().addItem(self._pixmap_item)
        self._image_scale = 1.0  # full-image pixels per preview pixel
        self._press: QPointF | None = None
        self._press_screen: QPointF | None = None
        self._item: QGraphicsRectItem | QGraphicsEllipseItem | None = None
        self._region: dict[str, Any] | None = None

    def set_image(self, image: QImage, full_width: int) -> None:
        self._pixmap_item.setPixmap(QPixmap.fromImage(image))
        self._image_scale = full_width / image.width() if image.width() else 1.0
        self.scene().setSceneRect(QRectF(0, 0, image.width(), image.height()))
        self._fit()

    def _fit(self) -> None:
        if not self._pixmap_item.pixmap().isNull():
            self.fitInView(self._pixmap_item, Qt.AspectRatioMode.KeepAspectRatio)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def region(self) -> dict[str, Any] | None:
        return self._region

    def clear_region(self) -> None:
        if self._item is not None:
            self.scene().removeItem(self._item)
            self._item = None
        self._region = None
        self.regionChanged.emit()

    def set_box(self, x: float, y: float, w: float, h: float) -> None:
        """In full-image pixels (also what a drag ends in)."""
        self.clear_region()
        s = self._image_scale
        pen = QPen(REGION_COLOR, 2)
        pen.setCosmetic(True)
        item = self.scene().addRect(QRectF(x / s, y / s, w / s, h / s), pen, QBrush(QColor(255, 140, 0, 50)))
        self._item = item
        self._region = {"kind": "box", "geometry": {"x": x, "y": y, "w": w, "h": h, "angle": 0.0}}
        self.regionChanged.emit()

    def set_point(self, x: float, y: float) -> None:
        self.clear_region()
        s = self._image_scale
        radius = max(2.0, 6.0 / max(self.transform().m11(), 1e-6))
        pen = QPen(REGION_COLOR, 2)
        pen.setCosmetic(True)
        item = self.scene().addEllipse(
            QRectF(x / s - radius, y / s - radius, 2 * radius, 2 * radius), pen, QBrush(REGION_COLOR)
        )
        self._item = item
        self._region = {"kind": "point", "geometry": {"x": x, "y": y}}
        self.regionChanged.emit()

    def _clamped(self, scene_point: QPointF) -> QPointF:
        rect = self.sceneRect()
        return QPointF(
            min(max(scene_point.x(), rect.left()), rect.right()), min(max(scene_point.y(), rect.top()), rect.bottom())
        )

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and not self._pixmap_item.pixmap().isNull():
            self._press = self._clamped(self.mapToScene(event.position().toPoint()))
            self._press_screen = event.position()
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is not None:
            end = self._clamped(self.mapToScene(event.position().toPoint()))
            rect = QRectF(self._press, end).normalized()
            s = self._image_scale
            if rect.width() > 0 and rect.height() > 0:
                self.set_box(rect.x() * s, rect.y() * s, rect.width() * s, rect.height() * s)
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._press is not None and event.button() == Qt.MouseButton.LeftButton:
            moved = event.position() - (self._press_screen or event.position())
            s = self._image_scale
            if abs(moved.x()) + abs(moved.y()) < CLICK_TOLERANCE_PX:
                self.set_point(self._press.x() * s, self._press.y() * s)
            else:
                end = self._clamped(self.mapToScene(event.position().toPoint()))
                rect = QRectF(self._press, end).normalized()
                if rect.width() > 0 and rect.height() > 0:
                    self.set_box(rect.x() * s, rect.y() * s, rect.width() * s, rect.height() * s)
            self._press = None
            event.accept()
            return
        super().mouseReleaseEvent(event)


class EscalateDialog(QDialog):
    """Escalates `sample_id` as the context's user; `escalation` holds the result after accept."""

    def __init__(self, context: AppContext, sample_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.sample_id = sample_id
        self.escalation: Escalation | None = None
        store = context.store
        sample = store.samples.get(sample_id)
        self.setWindowTitle(f"Escalate sample {sample_id}")

        self.reason = QComboBox()
        self.reason.addItems(reasons(store))
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("What is confusing? The lead reads this first.")
        self.note.setFixedHeight(70)
        self.proposed = QComboBox()
        self.proposed.addItem("(no proposal)", None)
        for label in context.labels():
            self.proposed.addItem(label.name, label.id)
        tag = store.annotations.tag_of(sample_id)
        if tag is not None and tag.label_id is not None:
            index = self.proposed.findData(tag.label_id)
            if index >= 0:
                self.proposed.setCurrentIndex(index)

        self.picker = RegionPicker()
        assert context.project is not None
        image = read_preview(str(context.project.image_path(sample.path)))
        if not image.isNull():
            self.picker.set_image(image, sample.width)
        self.region_text = QLabel()
        self.picker.regionChanged.connect(self._show_region)
        clear = QPushButton("Clear region")
        clear.clicked.connect(self.picker.clear_region)

        self.error = QLabel()
        self.error.setStyleSheet("color: #c0392b;")
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Escalate")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("Reason", self.reason)
        form.addRow("Note", self.note)
        form.addRow("Proposed label", self.proposed)
        region_row = QHBoxLayout()
        region_row.addWidget(self.region_text, 1)
        region_row.addWidget(clear)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel(f"{sample.path} — drag a box or click a point to show what is confusing:"))
        layout.addWidget(self.picker, 1)
        layout.addLayout(region_row)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._show_region()

    def _show_region(self) -> None:
        region = self.picker.region()
        if region is None:
            self.region_text.setText("No region (optional)")
        elif region["kind"] == "point":
            g = region["geometry"]
            self.region_text.setText(f"Point at ({g['x']:.0f}, {g['y']:.0f})")
        else:
            g = region["geometry"]
            self.region_text.setText(f"Box {g['w']:.0f}×{g['h']:.0f} at ({g['x']:.0f}, {g['y']:.0f})")

    def accept(self) -> None:
        """Escalate in the core; a refusal is shown in the dialog and nothing closes."""
        edit = EscalateEdit(
            self.sample_id,
            self.reason.currentText(),
            note=self.note.toPlainText(),
            proposed_label_id=self.proposed.currentData(),
            region=self.picker.region(),
        )
        try:
            edit.apply(Session(self.context.store, self.context.user_name))
        except S2Error as exc:
            self.error.setText(str(exc))
            return
        self.escalation = edit.escalation
        self.context.record_edit(edit)  # Ctrl+Z withdraws it while no lead has acted
        super().accept()
