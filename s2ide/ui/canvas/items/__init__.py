"""Canvas items, one class per annotation kind, found through ITEM_CLASSES (DESIGN.md §6.8)."""

from __future__ import annotations

from s2ide.ui.canvas.items.base import ShapeItem
from s2ide.ui.canvas.items.box import BoxItem
from s2ide.ui.canvas.items.keypoints import KeypointsItem
from s2ide.ui.canvas.items.mask import MaskItem
from s2ide.ui.canvas.items.point import PointItem
from s2ide.ui.canvas.items.polygon import LineItem, PolygonItem

ITEM_CLASSES: dict[str, type[ShapeItem]] = {
    "box": BoxItem,
    "polygon": PolygonItem,
    "line": LineItem,
    "point": PointItem,
    "keypoints": KeypointsItem,
}

__all__ = ["ITEM_CLASSES", "BoxItem", "KeypointsItem", "LineItem", "MaskItem", "PointItem", "PolygonItem", "ShapeItem"]
