"""Pre-labels as shapes: the active model's boxes and polygons on the canvas, taken or left.

The canvas draws the model's suggestions in the predictions layer (dashed). Here:
- clicking a suggestion with the Select tool takes it: it becomes a shape of the labeler's
  (source model-accepted, one undo step) and stays selected, so a drag in the same gesture moves
  it or its handles (then it counts as edited) and Delete throws it away (rejected);
- Shift+Enter takes every suggestion at or above the pre-label threshold at once;
- a suggestion already taken is hidden; those under the pre-label threshold (the model's
  calibrated one, `effective_threshold`, unless the team set one by hand) are drawn dimmed, not
  hidden, so a young model's 20 % guesses stay in sight; only noise under FLOOR is left out;
- a young model's suggestions (fewer than YOUNG_PER_CLASS images per class) are all dimmed,
  not hidden.
What became of each suggestion is decided when the sample is marked done
(core/labeling/prelabel_outcomes.py). A mask suggestion (one instance) is taken the same
way: a click on its pixels adds them to its label's mask (one undo step with any shapes taken).
A (the accept key) takes the suggestion under the pointer, or with none there every one at or
above the threshold, like Shift+Enter.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QGraphicsItem

from s2ide.core.engine.prelabel_threshold import effective_threshold
from s2ide.core.errors import S2Error
from s2ide.core.geometry import bounds
from s2ide.core.labeling.document import SampleDocument
from s2ide.core.labeling.history import Edit
from s2ide.core.labeling.prediction_shapes import PredictedShape
from s2ide.core.labeling.take_suggestions import TakeSuggestions
from s2ide.core.labeling.tiles import Box, occupied_box
from s2ide.ui.canvas.items.base import ShapeItem
from s2ide.ui.canvas.layers import Layers
from s2ide.ui.shell.context import AppContext

YOUNG_PER_CLASS = 10
DIM = 0.35
FLOOR = 0.05  # scores under this are noise, not suggestions (a detector proposes many)
TAKEN_IOU = 0.98
VECTOR = ("box", "polygon", "line", "point")


def _iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    iw = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else (1.0 if a == b else 0.0)


class PrelabelHost(Protocol):
    """What the suggestions need of the canvas (AnnotationCanvas), named so the two modules do
    not import each other."""

    context: AppContext
    doc: SampleDocument | None
    layers: Layers

    def message(self, text: str, timeout_ms: int = 4000) -> None: ...

    def can_draw(self, kind: str) -> bool: ...

    def commit(self, edit: Edit) -> bool: ...

    def set_selection(self, ids: set[int]) -> None: ...


def _covered(shape: PredictedShape, box: Box | None, final: np.ndarray | None) -> bool:
    """Whether a suggested mask instance already lies (TAKEN_IOU of its pixels) in its label's mask."""
    if shape.mask is None or box is None or final is None:
        return False
    x0, y0, x1, y1 = box
    mine = shape.mask[y0:y1, x0:x1]
    total = int(np.count_nonzero(mine))
    return total > 0 and int(np.count_nonzero(mine & final[y0:y1, x0:x1])) >= TAKEN_IOU * total


class Prelabels:
    """The suggestions shown on the open sample and what the labeler does with them."""

    def __init__(self, canvas: PrelabelHost) -> None:
        self.canvas = canvas
        self.shown: list[tuple[PredictedShape, QGraphicsItem]] = []
        self.mask_boxes: dict[int, Box | None] = {}  # by index in `shown`: a mask instance's extent, when needed
        self.threshold = 0.5
        self.young = False

    def reset(self) -> None:
        self.shown = []
        self.mask_boxes = {}
        context = self.canvas.context
        if context.project is None:
            return
        store = context.store
        try:
            self.threshold = effective_threshold(store)[0]
        except S2Error:
            self.threshold = 0.5
        model = store.models.active()
        self.young = model is not None and model.trained_on < YOUNG_PER_CLASS * max(1, len(model.label_ids))

    def add(self, shape: PredictedShape, item: QGraphicsItem) -> None:
        self.shown.append((shape, item))

    def _mask_box(self, index: int) -> Box | None:
        """A mask instance's extent, found on first use (a full-image scan: not on every load)."""
        if index not in self.mask_boxes:
            mask = self.shown[index][0].mask
            self.mask_boxes[index] = occupied_box(mask) if mask is not None else None
        return self.mask_boxes[index]

    def _takeable(self, shape: PredictedShape) -> bool:
        return shape.kind in VECTOR or (shape.mask is not None and shape.label_id is not None)

    def refresh(self) -> None:
        """Hide suggestions already taken; dim weak ones (and all of a young model's)."""
        doc = self.canvas.doc
        finals = []
        if doc is not None:
            for annotation in doc.shapes.values():
                try:
                    finals.append((annotation.kind, bounds(annotation.kind, annotation.geometry or {})))
                except (S2Error, KeyError, TypeError, ValueError):
                    continue
        layer = self.canvas.layers.get("predictions")
        for index, (shape, item) in enumerate(self.shown):
            if shape.mask is not None:
                final = doc.masks.get(shape.label_id) if doc is not None and shape.label_id is not None else None
                taken = final is not None and _covered(shape, self._mask_box(index), final.array)
            else:
                mine = bounds(shape.kind, shape.geometry)
                taken = any(kind == shape.kind and _iou(mine, other) >= TAKEN_IOU for kind, other in finals)
            faint = shape.score is not None and shape.score < min(FLOOR, self.threshold)  # weak ones are dimmed
            item.setVisible(layer.visible and not taken and not faint)
            weak = shape.score is not None and shape.score < self.threshold
            item.setOpacity(layer.opacity * (DIM if weak or self.young else 1.0))

    def _hit(self, index: int, pos: QPointF) -> bool:
        shape, item = self.shown[index]
        if not item.isVisible():
            return False
        if shape.mask is not None:
            x, y = int(pos.x()), int(pos.y())
            height, width = shape.mask.shape
            return 0 <= x < width and 0 <= y < height and bool(shape.mask[y, x])
        return isinstance(item, ShapeItem) and item.boundingRect().contains(pos) and item.hit(pos)

    def _area(self, index: int) -> float:
        shape, item = self.shown[index]
        if shape.mask is not None:
            box = self._mask_box(index)
            return float((box[2] - box[0]) * (box[3] - box[1])) if box else 0.0
        rect = item.boundingRect()
        return rect.width() * rect.height()

    def at(self, pos: QPointF) -> PredictedShape | None:
        """The visible suggestion under `pos`: the most confident when they overlap (then the smallest)."""
        hits = [index for index in range(len(self.shown)) if self._hit(index, pos)]
        if not hits:
            return None
        best = min(hits, key=lambda index: (-(self.shown[index][0].score or 0.0), self._area(index)))
        return self.shown[best][0]

    def take(self, shapes: list[PredictedShape]) -> bool:
        """Turn suggestions into the labeler's shapes and masks (one undo step); new shapes are selected."""
        canvas = self.canvas
        doc = canvas.doc
        wanted = [s for s in shapes if self._takeable(s)]
        if doc is None or not wanted:
            return False
        vectors = [s for s in wanted if s.mask is None]
        masks = [(int(s.label_id), s.mask) for s in wanted if s.mask is not None and s.label_id is not None]
        if vectors and not canvas.can_draw(vectors[0].kind):
            return False
        if masks and not canvas.can_draw("mask"):
            return False
        edit = TakeSuggestions(doc, [(s.kind, s.label_id, dict(s.geometry)) for s in vectors], masks)
        if edit.empty:
            self.refresh()
            return False
        before = set(doc.shapes)
        if not canvas.commit(edit):
            return False
        canvas.set_selection(set(doc.shapes) - before)
        self.refresh()
        return True

    @staticmethod
    def taken_message(shape: PredictedShape) -> str:
        if shape.mask is not None:
            return "Suggested mask added to its label's mask: the brush and eraser refine it, Ctrl+Z undoes it"
        return "Suggestion taken: drag to adjust, Delete to drop it, Ctrl+Z to undo"

    def take_all(self) -> int:
        """Shift+Enter: every visible suggestion at or above the threshold."""
        strong = [
            shape
            for shape, item in self.shown
            if item.isVisible() and self._takeable(shape) and (shape.score is None or shape.score >= self.threshold)
        ]
        if not strong:
            self.canvas.message(f"No suggestion at or above {self.threshold:.0%} left to accept")
            return 0
        return len(strong) if self.take(strong) else 0

    def accept_key(self, pointer: QPointF | None) -> int:
        """A: the suggestion under the pointer, or with none there every one at or above the threshold."""
        under = self.at(pointer) if pointer is not None else None
        if under is not None:
            if not self.take([under]):
                return 0
            self.canvas.message(self.taken_message(under))
            return 1
        taken = self.take_all()
        if taken:
            self.canvas.message(f"{taken} suggestion(s) taken; Ctrl+Z undoes them")
        return taken
