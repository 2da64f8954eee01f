"""Scribbles a selection tool collects (GrabCut's foreground/background strokes, the pixel
classifier's class strokes): boolean masks painted with the brush size, drawn as dabs."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor

from s2ide.core.labeling.masks import paint_segment
from s2ide.ui.canvas.items.mask import MaskItem


class Scribbles:
    """One boolean layer per class id, each shown as a MaskItem in its colour."""

    def __init__(self, canvas) -> None:
        self.canvas = canvas
        self.layers: dict[int, np.ndarray] = {}
        self.items: dict[int, MaskItem] = {}

    def paint(self, cls: int, a: QPointF, b: QPointF, color: QColor) -> None:
        doc = self.canvas.doc
        if doc is None:
            return
        layer = self.layers.get(cls)
        if layer is None:
            layer = self.layers[cls] = np.zeros((doc.height, doc.width), bool)
        radius = max(1.0, self.canvas.brush_size / 4)
        box = paint_segment(layer, a.x(), a.y(), b.x(), b.y(), radius, True)
        item = self.items.get(cls)
        if item is None:
            item = self.items[cls] = MaskItem(cls, layer, color)
            item.setZValue(70)
            item.setOpacity(0.9)
            self.canvas.scene.addItem(item)
        else:
            item.refresh(box)

    def clear(self) -> None:
        for item in self.items.values():
            self.canvas.scene.removeItem(item)
        self.items.clear()
        self.layers.clear()

    def __bool__(self) -> bool:
        return bool(self.layers)
