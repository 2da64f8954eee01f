"""Minimap: a small navigator in the corner of the view showing where the view is on the image.

It appears only when the view shows part of the image; clicking or dragging in it moves the
view there.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from s2ide.ui.canvas.view import ImageView

SIDE = 180
MARGIN = 12


class Minimap(QWidget):
    def __init__(self, view: ImageView) -> None:
        super().__init__(view)
        self.view = view
        self.thumb = QImage()
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Navigator: click or drag to move the view")
        view.imageChanged.connect(self._on_image)
        view.viewportMoved.connect(self.relayout)
        self.hide()

    def _on_image(self) -> None:
        item = self.view.image_item
        source = item.preview()
        if source is None:
            tiles = item.tiles()
            source = tiles[0][1] if len(tiles) == 1 else None
        if source is None or item.size.isEmpty():
            self.thumb = QImage()
        else:
            self.thumb = source.scaled(
                SIDE, SIDE, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        self.relayout()

    def relayout(self) -> None:
        view = self.view
        if self.thumb.isNull() or not view.has_image():
            self.hide()
            return
        visible = view.visible_scene_rect()
        whole = view.image_rect()
        if visible.contains(whole):
            self.hide()
            return
        self.setFixedSize(self.thumb.width() + 4, self.thumb.height() + 4)
        port = view.viewport().geometry()
        self.move(port.right() - self.width() - MARGIN, port.bottom() - self.height() - MARGIN)
        self.show()
        self.raise_()
        self.update()

    def _scale(self) -> float:
        return self.thumb.width() / max(1.0, self.view.image_rect().width())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(20, 20, 20, 200))
        painter.drawImage(2, 2, self.thumb)
        scale = self._scale()
        visible = self.view.visible_scene_rect().intersected(self.view.image_rect())
        frame = QRectF(
            2 + visible.x() * scale, 2 + visible.y() * scale, visible.width() * scale, visible.height() * scale
        )
        painter.setPen(QPen(QColor("#ffd400"), 2))
        painter.drawRect(frame)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._go(event.position())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._go(event.position())

    def _go(self, pos: QPointF) -> None:
        scale = self._scale()
        self.view.center_on(QPointF((pos.x() - 2) / scale, (pos.y() - 2) / scale))
