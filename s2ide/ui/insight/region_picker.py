"""One drag on the canvas that names a region to search by (Find similar to a region).

While armed it takes the canvas view's mouse before the active tool does: a press starts a
dashed box, moves stretch it, the release reports (sample id, (x, y, w, h) in image pixels)
and disarms. Escape or a right click cancels. Nothing is drawn into the document: the box is
a temporary scene item, gone when the drag ends.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPen
from PySide6.QtWidgets import QGraphicsRectItem

from s2ide.ui.canvas.canvas import AnnotationCanvas

MIN_SIDE = 2.0  # image pixels: a click without a drag is not a region


class RegionPicker(QObject):
    picked = Signal(int, object)  # sample id, (x, y, w, h)

    def __init__(self, canvas: AnnotationCanvas, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.canvas = canvas
        self.armed = False
        self._origin: QPointF | None = None
        self._item: QGraphicsRectItem | None = None

    def start(self) -> bool:
        """Arm for one drag on the open sample; False (and a message) when none is open."""
        if self.canvas.doc is None:
            self.canvas.message("Open a sample first, then drag a box to search by")
            return False
        if not self.armed:
            self.armed = True
            self.canvas.view.viewport().installEventFilter(self)
            self.canvas.view.installEventFilter(self)
            self.canvas.view.viewport().setCursor(Qt.CursorShape.CrossCursor)
        self.canvas.message("Find similar: drag a box around the part to search by (Esc cancels)", 0)
        return True

    def cancel(self) -> None:
        if self.armed:
            self._stop()
            self.canvas.message("Find similar to a region: cancelled")

    def _stop(self) -> None:
        self.armed = False
        self._origin = None
        if self._item is not None:
            scene = self._item.scene()
            if scene is not None:
                scene.removeItem(self._item)
            self._item = None
        self.canvas.view.viewport().removeEventFilter(self)
        self.canvas.view.removeEventFilter(self)
        self.canvas.view.viewport().setCursor(self.canvas.tool.cursor)

    def _rect(self, pos: QPointF) -> QRectF:
        origin = self._origin if self._origin is not None else pos
        return QRectF(origin, self.canvas.clamp(pos)).normalized()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self.armed:
            return False
        kind = event.type()
        if watched is self.canvas.view and kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() == Qt.Key.Key_Escape:
                self.cancel()
                return True
            return False
        if watched is not self.canvas.view.viewport():
            return False
        if kind == QEvent.Type.ContextMenu:
            self.cancel()
            return True
        if not isinstance(event, QMouseEvent):
            return False
        pos = self.canvas.view.mapToScene(event.position().toPoint())
        if kind == QEvent.Type.MouseButtonPress:
            if event.button() != Qt.MouseButton.LeftButton:
                self.cancel()
                return True
            self._begin(pos)
            return True
        if kind == QEvent.Type.MouseMove and self._origin is not None:
            if self._item is not None:
                self._item.setRect(self._rect(pos))
            return True
        if kind == QEvent.Type.MouseButtonRelease and self._origin is not None:
            self.finish(self._rect(pos))
            return True
        return kind in (QEvent.Type.MouseButtonDblClick, QEvent.Type.MouseButtonRelease)

    def _begin(self, pos: QPointF) -> None:
        self._origin = self.canvas.clamp(pos)
        pen = QPen(QColor("#ffd54f"), 0, Qt.PenStyle.DashLine)  # cosmetic: 1 px at any zoom
        self._item = QGraphicsRectItem(QRectF(self._origin, self._origin))
        self._item.setPen(pen)
        self._item.setZValue(1e6)
        self.canvas.scene.addItem(self._item)

    def finish(self, rect: QRectF) -> bool:
        """Report the region (image pixels) of the open sample and disarm; False for a mere click."""
        sample_id = self.canvas.sample_id
        self._stop()
        if sample_id is None or rect.width() < MIN_SIDE or rect.height() < MIN_SIDE:
            self.canvas.message("Find similar to a region: drag a box, not a click")
            return False
        self.canvas.message("Find similar: searching by the region…")
        self.picked.emit(sample_id, (rect.x(), rect.y(), rect.width(), rect.height()))
        return True
