"""MaskItem: one label's boolean mask drawn as translucent color, tile by tile.

Only tiles with painted pixels hold an image (256x256 ARGB32), so an empty 8K mask costs
nothing and a brush dab re-colors one or two tiles, not the whole mask: that is what keeps a
stroke on a 4K mask well under a frame.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from s2ide.core.tiles import Box, TileKey, tile_box, tile_view, tiles_in


class MaskItem(QGraphicsItem):
    kind = "mask"

    def __init__(self, label_id: int, array: np.ndarray, color: QColor, prediction: bool = False) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        self.label_id = label_id
        self.array = array
        self.prediction = prediction
        self._tiles: dict[TileKey, tuple[np.ndarray, QImage]] = {}
        self._rgba = np.uint32(0)
        self.set_color(color)

    def set_color(self, color: QColor) -> None:
        self._rgba = np.uint32(0xFF000000 | (color.red() << 16) | (color.green() << 8) | color.blue())
        self.refresh(None)

    def boundingRect(self) -> QRectF:
        height, width = self.array.shape
        return QRectF(0, 0, width, height)

    def refresh(self, box: Box | None) -> None:
        """Re-color the tiles under `box` (None: all) after their pixels changed."""
        height, width = self.array.shape
        whole = (0, 0, width, height)
        for key in tiles_in(box or whole):
            bits = tile_view(self.array, key)
            if not bits.any():
                self._tiles.pop(key, None)
                continue
            pixels = np.where(bits, self._rgba, np.uint32(0)).astype(np.uint32)
            image = QImage(
                pixels.data,
                pixels.shape[1],
                pixels.shape[0],
                pixels.shape[1] * 4,
                QImage.Format.Format_ARGB32_Premultiplied,
            )
            self._tiles[key] = (pixels, image)  # the array keeps the image's memory alive
        x0, y0, x1, y1 = box or whole
        self.update(QRectF(x0, y0, x1 - x0, y1 - y0))

    @property
    def tile_count(self) -> int:
        return len(self._tiles)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        exposed = option.exposedRect  # type: ignore[attr-defined]
        height, width = self.array.shape
        for key, (_pixels, image) in self._tiles.items():
            x0, y0, x1, y1 = tile_box(key, width, height)
            rect = QRectF(x0, y0, x1 - x0, y1 - y0)
            if rect.intersects(exposed):
                painter.drawImage(rect, image)
