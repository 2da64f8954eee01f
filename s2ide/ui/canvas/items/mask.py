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

from s2ide.core.labeling.tiles import Box, TileKey, color_tiles, opaque_argb, tile_box, tile_view, tiles_in

# a mask's tiles made ahead (in a worker) with the color they were made for: (argb, key -> pixels)
PreparedTiles = tuple[int, dict[TileKey, np.ndarray]]


def _wrap(pixels: np.ndarray) -> QImage:
    height, width = pixels.shape
    return QImage(pixels.data, width, height, width * 4, QImage.Format.Format_ARGB32_Premultiplied)


class MaskItem(QGraphicsItem):
    kind = "mask"

    def __init__(
        self,
        label_id: int,
        array: np.ndarray,
        color: QColor,
        prediction: bool = False,
        prepared: PreparedTiles | None = None,
    ) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        self.label_id = label_id
        self.array = array
        self.prediction = prediction
        self._tiles: dict[TileKey, tuple[np.ndarray, QImage]] = {}
        self._rgba = np.uint32(0)
        if prepared is not None and prepared[0] == opaque_argb(color.name()):
            self._adopt(prepared)
        else:
            self.set_color(color)

    def set_color(self, color: QColor) -> None:
        argb = opaque_argb(color.name())
        assert argb is not None  # QColor.name() is always #rrggbb
        self._adopt((argb, color_tiles(self.array, argb)))
        self.update()

    def _adopt(self, prepared: PreparedTiles) -> None:
        self._rgba = np.uint32(prepared[0])
        self._tiles = {key: (pixels, _wrap(pixels)) for key, pixels in prepared[1].items()}

    def prepared(self) -> PreparedTiles:
        """The tiles as they are now, to build this layer again without recoloring it."""
        return int(self._rgba), {key: pixels for key, (pixels, _image) in self._tiles.items()}

    def boundingRect(self) -> QRectF:
        height, width = self.array.shape
        return QRectF(0, 0, width, height)

    def refresh(self, box: Box | None) -> None:
        """Re-color the pixels under `box` (None: all) after they changed; only that part of each
        tile is recomputed, so a brush dab costs its own size, not a tile's."""
        height, width = self.array.shape
        whole = (0, 0, width, height)
        bx0, by0, bx1, by1 = box or whole
        for key in tiles_in(box or whole):
            bits = tile_view(self.array, key)
            x0, y0, _x1, _y1 = tile_box(key, width, height)
            sx, sy = max(bx0 - x0, 0), max(by0 - y0, 0)
            ex, ey = min(bx1 - x0, bits.shape[1]), min(by1 - y0, bits.shape[0])
            existing = self._tiles.get(key)
            if existing is not None:
                pixels = existing[0]
                pixels[sy:ey, sx:ex] = np.where(bits[sy:ey, sx:ex], self._rgba, np.uint32(0))
                if not pixels[sy:ey, sx:ex].any() and not bits.any():
                    del self._tiles[key]
                continue
            if not bits[sy:ey, sx:ex].any():
                continue
            pixels = np.where(bits, self._rgba, np.uint32(0)).astype(np.uint32)
            self._tiles[key] = (pixels, _wrap(pixels))  # the array keeps the image's memory alive
        self.update(QRectF(bx0, by0, bx1 - bx0, by1 - by0))

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
