"""The canvas item for one shape a model predicted: drawn under the labeler's own shapes, dimmed
by the predictions layer, with its class and score as a tooltip."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsItem

from s2ide.core.labeling.prediction_shapes import PredictedShape
from s2ide.ui.canvas.items import ITEM_CLASSES
from s2ide.ui.canvas.items.mask import MaskItem


def prediction_item(
    shape: PredictedShape, color: QColor, pixel_size: float, label_name: Callable[[int | None], str]
) -> QGraphicsItem | None:
    """A mask or shape item for `shape`, or None for a kind the canvas cannot draw."""
    if shape.mask is not None:
        mask = MaskItem(shape.label_id or 0, shape.mask, color, prediction=True)
        mask.setZValue(-40)
        return mask
    cls = ITEM_CLASSES.get(shape.kind)
    if cls is None:
        return None
    item = cls(None, shape.geometry, color, prediction=True, label_id=shape.label_id)
    item.set_pixel_size(pixel_size)
    item.setZValue(-5)
    if shape.score is not None:
        item.setToolTip(f"{label_name(shape.label_id)} {shape.score:.2f}: click or A takes it, Shift+Enter takes all")
    return item
