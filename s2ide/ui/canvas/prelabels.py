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
(core/labeling/prelabel_outcomes.py). Mask suggestions are shown but taken only as a whole
label mask by painting over them (not by a click).
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QPointF

from s2ide.core.engine.prelabel_threshold import effective_threshold
from s2ide.core.errors import S2Error
from s2ide.core.geometry import bounds
from s2ide.core.labeling.document import SampleDocument
from s2ide.core.labeling.history import AddShapes, Edit
from s2ide.core.labeling.prediction_shapes import PredictedShape
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


class Prelabels:
    """The suggestions shown on the open sample and what the labeler does with them."""

    def __init__(self, canvas: PrelabelHost) -> None:
        self.canvas = canvas
        self.shown: list[tuple[PredictedShape, ShapeItem]] = []
        self.threshold = 0.5
        self.young = False

    def reset(self) -> None:
        self.shown = []
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

    def add(self, shape: PredictedShape, item: ShapeItem) -> None:
        self.shown.append((shape, item))

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
        for shape, item in self.shown:
            mine = bounds(shape.kind, shape.geometry)
            taken = any(kind == shape.kind and _iou(mine, other) >= TAKEN_IOU for kind, other in finals)
            faint = shape.score is not None and shape.score < min(FLOOR, self.threshold)
            item.setVisible(layer.visible and not taken and not faint)
            weak = shape.score is not None and shape.score < self.threshold
            item.setOpacity(layer.opacity * (DIM if weak or self.young else 1.0))

    def at(self, pos: QPointF) -> PredictedShape | None:
        """The visible suggestion under `pos`: the most confident when they overlap (then the smallest)."""
        hits = [
            (shape, item)
            for shape, item in self.shown
            if item.isVisible() and item.boundingRect().contains(pos) and item.hit(pos)
        ]
        if not hits:
            return None

        def rank(pair: tuple[PredictedShape, ShapeItem]) -> tuple[float, float]:
            rect = pair[1].boundingRect()
            return (-(pair[0].score or 0.0), rect.width() * rect.height())

        return min(hits, key=rank)[0]

    def take(self, shapes: list[PredictedShape]) -> bool:
        """Turn suggestions into the labeler's shapes (one undo step), selected."""
        canvas = self.canvas
        doc = canvas.doc
        wanted = [s for s in shapes if s.kind in VECTOR]
        if doc is None or not wanted or not canvas.can_draw(wanted[0].kind):
            return False
        before = set(doc.shapes)
        if not canvas.commit(AddShapes(doc.sample_id, [(s.kind, s.label_id, dict(s.geometry)) for s in wanted],
                                       source="model-accepted")):  # fmt: skip
            return False
        canvas.set_selection(set(doc.shapes) - before)
        self.refresh()
        return True

    def take_all(self) -> int:
        """Shift+Enter: every visible suggestion at or above the threshold."""
        strong = [
            shape
            for shape, item in self.shown
            if item.isVisible() and shape.kind in VECTOR and (shape.score is None or shape.score >= self.threshold)
        ]
        if not strong:
            self.canvas.message(f"No suggestion at or above {self.threshold:.0%} left to accept")
            return 0
        return len(strong) if self.take(strong) else 0
