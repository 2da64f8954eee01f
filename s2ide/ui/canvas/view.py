"""ImageView: a QGraphicsView showing one image, with fit, 1:1, zoom around the cursor and pan.

Pan by dragging with the middle button or with space held; the wheel zooms around the cursor.
Scene coordinates are image pixels of the displayed (EXIF-oriented) image, whatever resolution
is currently on screen: a reduced preview is drawn scaled up to the full size, so annotation
items never care whether the full resolution has arrived yet. Annotation items are added to
`scene()` above the image item by the canvas layers.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QImage,
    QImageReader,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsView,
    QLabel,
    QStyleOptionGraphicsItem,
    QWidget,
)

MIN_SCALE = 0.005
MAX_SCALE = 64.0
WHEEL_STEP = 1.0015  # per wheel angle unit: one notch (120) zooms by about 20 %

Tile = tuple[QRect, QImage]


def load_image(path: Path) -> tuple[QImage, str | None]:
    """(image, None) or (null image, reason); never raises."""
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    image = reader.read()
    if image.isNull():
        return image, f"{path.name}: {reader.errorString()}"
    return image, None


Reduced = QImage | Sequence[QImage] | None


class ImageItem(QGraphicsItem):
    """The image as full-resolution tiles plus reduced copies (a small pyramid).

    Painting touches only the exposed part, from the smallest copy that still has at least one
    image pixel per screen pixel: panning or zooming a zoomed-out 8K image costs about what a
    1080p one does. Before the full decode arrives, the preview stands in for the tiles.
    """

    def __init__(self) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        self._size = QSize()
        self._tiles: list[Tile] = []
        self._levels: list[QImage] = []  # reduced copies, smallest first

    def set_content(self, size: QSize, tiles: Sequence[Tile], reduced: Reduced) -> None:
        self.prepareGeometryChange()
        self._size = QSize(size)
        self._tiles = list(tiles)
        images = [reduced] if isinstance(reduced, QImage) else list(reduced or [])
        self._levels = sorted((i for i in images if not i.isNull()), key=lambda image: image.width())
        self.update()

    def clear(self) -> None:
        self.set_content(QSize(), [], None)

    @property
    def size(self) -> QSize:
        return QSize(self._size)

    @property
    def full_resolution(self) -> bool:
        return bool(self._tiles)

    def tiles(self) -> list[Tile]:
        return list(self._tiles)

    def preview(self) -> QImage | None:
        return self._levels[0] if self._levels else None

    def levels(self) -> list[QImage]:
        return list(self._levels)

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, self._size.width(), self._size.height())

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        if self._size.isEmpty():
            return
        lod = QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, lod < 1.0)
        exposed = option.exposedRect.intersected(self.boundingRect())  # type: ignore[attr-defined]
        if exposed.isEmpty():
            return
        level = next((i for i in self._levels if lod <= i.width() / self._size.width() * 1.05), None)
        if level is None and not self._tiles and self._levels:
            level = self._levels[-1]
        if level is not None:
            sx = level.width() / self._size.width()
            sy = level.height() / self._size.height()
            source = QRectF(exposed.x() * sx, exposed.y() * sy, exposed.width() * sx, exposed.height() * sy)
            painter.drawImage(exposed, level, source)
            return
        for rect, image in self._tiles:
            part = exposed.intersected(QRectF(rect))
            if not part.isEmpty():
                painter.drawImage(part, image, part.translated(-rect.x(), -rect.y()))


class ImageView(QGraphicsView):
    zoomChanged = Signal(float)
    imageChanged = Signal()
    viewportMoved = Signal()  # pan, zoom or resize: the minimap follows

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.MinimalViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState, True)
        self.setDragMode(QGraphicsView.DragMode.NoDrag)
        self.setBackgroundBrush(Qt.GlobalColor.darkGray)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.image_item = ImageItem()
        self.image_item.setZValue(-100)
        self.scene().addItem(self.image_item)
        self._space_held = False
        self._panning_from: QPointF | None = None
        self._fit_on_resize = True
        self._message = QLabel(self.viewport())
        self._message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._message.setWordWrap(True)
        self._message.setStyleSheet(
            "QLabel { color: white; background: rgba(120, 20, 20, 200); padding: 16px; border-radius: 6px; }"
        )
        self._message.hide()
        self.horizontalScrollBar().valueChanged.connect(self.viewportMoved)
        self.verticalScrollBar().valueChanged.connect(self.viewportMoved)

    # -- image -----------------------------------------------------------------------------
    def set_image(self, image: QImage | None) -> None:
        """Show one whole image at full resolution and fit it."""
        if image is None or image.isNull():
            self.show_image(QSize(), [], None)
        else:
            self.show_image(image.size(), [(QRect(0, 0, image.width(), image.height()), image)], None)

    def show_image(self, size: QSize, tiles: Sequence[Tile], reduced: Reduced = None, keep_view: bool = False) -> None:
        """Show `size` image pixels from full tiles and/or reduced copies; keep_view keeps zoom and
        pan (the full resolution replacing its preview must not move what the labeler looks at)."""
        self.hide_message()
        same_size = self.image_item.size == size
        self.image_item.set_content(size, tiles, reduced)
        self.scene().setSceneRect(QRectF(0, 0, size.width(), size.height()))
        if not (keep_view and same_size):
            self.fit()
        self.imageChanged.emit()

    def has_image(self) -> bool:
        return not self.image_item.size.isEmpty()

    def image_rect(self) -> QRectF:
        return self.image_item.boundingRect()

    # -- message ---------------------------------------------------------------------------
    def show_message(self, text: str) -> None:
        """A clear message over the canvas (an image that cannot be shown, and why)."""
        self._message.setText(text)
        self._message.show()
        self._place_message()

    def hide_message(self) -> None:
        self._message.hide()

    def message(self) -> str:
        return self._message.text() if self._message.isVisible() else ""

    def _place_message(self) -> None:
        width = min(560, max(200, self.viewport().width() - 40))
        self._message.setFixedWidth(width)
        self._message.adjustSize()
        self._message.move(
            (self.viewport().width() - width) // 2, (self.viewport().height() - self._message.height()) // 2
        )

    # -- zoom ------------------------------------------------------------------------------
    @property
    def scale_factor(self) -> float:
        return self.transform().m11()

    def fit(self) -> None:
        self._fit_on_resize = True
        if self.has_image():
            self.fitInView(self.image_rect(), Qt.AspectRatioMode.KeepAspectRatio)
        self.zoomChanged.emit(self.scale_factor)
        self.viewportMoved.emit()

    def actual_size(self) -> None:
        self._fit_on_resize = False
        self.set_scale(1.0)

    def set_scale(self, scale: float) -> None:
        scale = max(MIN_SCALE, min(MAX_SCALE, scale))
        factor = scale / self.scale_factor
        self.scale(factor, factor)
        self.zoomChanged.emit(self.scale_factor)
        self.viewportMoved.emit()

    def zoom_by(self, factor: float) -> None:
        self._fit_on_resize = False
        self.set_scale(self.scale_factor * factor)

    def zoom_at(self, factor: float, viewport_pos: QPointF) -> None:
        """Zoom keeping the image point under `viewport_pos` where it is on screen."""
        anchor = self.mapToScene(viewport_pos.toPoint())
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.zoom_by(factor)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        moved = self.mapFromScene(anchor)
        self.pan_by(viewport_pos.x() - moved.x(), viewport_pos.y() - moved.y())

    def zoom_in(self) -> None:
        self._zoom_centered(1.25)

    def zoom_out(self) -> None:
        self._zoom_centered(0.8)

    def _zoom_centered(self, factor: float) -> None:
        anchor = self.transformationAnchor()
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.zoom_by(factor)
        self.setTransformationAnchor(anchor)

    def center_on(self, point: QPointF) -> None:
        self._fit_on_resize = False
        self.centerOn(point)
        self.viewportMoved.emit()

    def visible_scene_rect(self) -> QRectF:
        return self.mapToScene(self.viewport().rect()).boundingRect()

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier):
            super().wheelEvent(event)  # left for tools (brush size)
            return
        delta = event.angleDelta().y()
        if delta:
            self.zoom_at(WHEEL_STEP**delta, event.position())
        event.accept()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fit_on_resize:
            self.fit()
        if self._message.isVisible():
            self._place_message()
        self.viewportMoved.emit()

    # -- pan -------------------------------------------------------------------------------
    @property
    def panning(self) -> bool:
        return self._panning_from is not None or self._space_held

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = False
            self.viewport().unsetCursor()
            event.accept()
            return
        super().keyReleaseEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.MiddleButton or (
            self._space_held and event.button() == Qt.MouseButton.LeftButton
        ):
            self._panning_from = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._panning_from is not None:
            delta = event.position() - self._panning_from
            self._panning_from = event.position()
            self.pan_by(delta.x(), delta.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._panning_from is not None and event.button() in (
            Qt.MouseButton.MiddleButton,
            Qt.MouseButton.LeftButton,
        ):
            self._panning_from = None
            if self._space_held:
                self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            else:
                self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def pan_by(self, dx: float, dy: float) -> None:
        """Move the view by screen pixels (positive dx shows what lies to the left)."""
        self._fit_on_resize = False
        self.horizontalScrollBar().setValue(round(self.horizontalScrollBar().value() - dx))
        self.verticalScrollBar().setValue(round(self.verticalScrollBar().value() - dy))
