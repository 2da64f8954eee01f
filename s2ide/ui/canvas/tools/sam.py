"""Segment anything (bring-your-own SAM-family ONNX model): click on an object and the model
outlines it; Alt-click marks a part that is not the object; drag draws a box prompt. The
encoder runs once per image in a worker; each click runs the decoder (well under 50 ms for
the small SAM decoders). Enter keeps the mask in the current label, Shift+Enter as polygons.

The same tool shows an external YOLO model's pre-labels for the open image (Model ▸ Models… ▸
Pre-label this image): Enter keeps them all as shapes (one undo step), Esc drops them.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem

from s2ide.core.errors import S2Error
from s2ide.core.labeling.history import AddShapes
from s2ide.core.labeling.selection.regions import Combine
from s2ide.ui.canvas.items import ITEM_CLASSES
from s2ide.ui.canvas.items.point import PointItem
from s2ide.ui.canvas.tools.base import ToolKind, left, left_held
from s2ide.ui.canvas.tools.selection import SelectionTool

SETTINGS_KEY = "sam_model"  # the name of the external SAM model the tool uses
DRAG_PX = 4.0


class SamTool(SelectionTool):
    kind = ToolKind.SAM
    title = "Segment anything"
    hotkey = "S"
    tip = "Click an object (Alt-click: not this), or drag a box; uses your SAM model (Model ▸ Models…); Enter keeps it"

    def __init__(self, canvas) -> None:
        super().__init__(canvas)
        self.model: Any = None
        self.model_name: str | None = None
        self.embedding: Any = None
        self._embedding_sample: int | None = None
        self.points: list[tuple[float, float]] = []
        self.labels: list[int] = []
        self.box: tuple[float, float, float, float] | None = None
        self.press_pos: QPointF | None = None
        self.rect_item: QGraphicsRectItem | None = None
        self.marks: list[QGraphicsItem] = []
        self.encoding = False
        self.last_decode_ms = 0.0
        self.prelabels: list[tuple[str, int, dict]] = []
        self.prelabel_items: list[QGraphicsItem] = []

    @property
    def busy(self) -> bool:
        return self.selection is not None or bool(self.points) or self.box is not None or bool(self.prelabels)

    def cancel(self) -> None:
        super().cancel()
        self.points, self.labels, self.box, self.press_pos = [], [], None, None
        self.encoding = False
        for item in [*self.marks, *self.prelabel_items, *([self.rect_item] if self.rect_item else [])]:
            self.canvas.scene.removeItem(item)
        self.marks, self.prelabel_items, self.rect_item = [], [], None
        self.prelabels = []

    # -- the model and the image's embedding -------------------------------------------------
    def _wanted_name(self) -> str | None:
        context = self.canvas.context
        if context.project is None:
            return None
        name = context.settings.get(SETTINGS_KEY)
        models = [m for m in context.store.external_models.list() if m.kind == "sam"]
        names = [m.name for m in models]
        if isinstance(name, str) and name in names:
            return name
        return names[0] if names else None

    def _ensure_embedding(self) -> bool:
        """True when the open image's embedding is ready; else starts the encoder (once)."""
        canvas = self.canvas
        name = self._wanted_name()
        if name is None:
            canvas.message("Segment anything needs a SAM model: add one in Model ▸ Models…", 0)
            return False
        if self.embedding is not None and self._embedding_sample == canvas.sample_id and self.model_name == name:
            return True
        if self.encoding:
            return False
        image = self.image()
        if image is None:
            return False
        record = canvas.context.store.external_models.by_name(name)
        if record is None:
            return False
        self.encoding = True
        sample_id = canvas.sample_id
        model = self.model if self.model_name == name else None
        canvas.message(f"Segment anything: {name} is reading the image…", 0)

        def job(state) -> tuple[Any, Any]:
            from s2ide.ml.external.registry import load

            loaded = model if model is not None else load(record)
            state.check()
            return loaded, loaded.encode(image)

        def done(result: tuple[Any, Any]) -> None:
            self.encoding = False
            self.model, self.model_name = result[0], name
            if canvas.sample_id == sample_id:
                self.embedding, self._embedding_sample = result[1], sample_id
                canvas.message(f"Segment anything: ready ({name})", 3000)
                if self.points or self.box is not None:
                    self._decode()

        def failed(_text: str) -> None:
            self.encoding = False

        self.run_job(job, done, "SAM encoder", failed)
        return False

    def _decode(self) -> None:
        if self.embedding is None or self.model is None or (not self.points and self.box is None):
            return
        started = time.perf_counter()
        try:
            mask = self.model.decode(self.embedding, self.points, self.labels, self.box)
        except S2Error as exc:
            self.canvas.message(f"Segment anything: {exc}", 0)
            return
        self.last_decode_ms = (time.perf_counter() - started) * 1000
        self.apply_selection(mask, Combine.REPLACE)

    # -- gestures ------------------------------------------------------------------------------
    def press(self, pos: QPointF, event: QMouseEvent) -> bool:
        if not left(event):
            return False
        if self.prelabels:
            return True  # Enter or Esc decides the pre-labels first
        if not self.canvas.inside(pos) or not self.canvas.can_draw("mask"):
            return True
        self.press_pos = pos
        return True

    def move(self, pos: QPointF, event: QMouseEvent) -> bool:
        if self.press_pos is None or not left_held(event):
            return False
        if (
            max(abs(pos.x() - self.press_pos.x()), abs(pos.y() - self.press_pos.y()))
            >= DRAG_PX * self.canvas.pixel_size
        ):
            self._show_rect(self.press_pos, self.canvas.clamp(pos))
        return True

    def release(self, pos: QPointF, event: QMouseEvent) -> bool:
        if self.press_pos is None or not left(event):
            return False
        start, self.press_pos = self.press_pos, None
        pos = self.canvas.clamp(pos)
        if self.rect_item is not None and self.rect_item.isVisible():
            rect = QRectF(start, pos).normalized()
            self.box = (rect.left(), rect.top(), rect.right(), rect.bottom())
        else:
            negative = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
            self.points.append((pos.x(), pos.y()))
            self.labels.append(0 if negative else 1)
            self._mark(pos, negative)
        if self._ensure_embedding():
            self._decode()
        return True

    def _show_rect(self, a: QPointF, b: QPointF) -> None:
        if self.rect_item is None:
            self.rect_item = QGraphicsRectItem()
            pen = QPen(QColor("white"), 1.5, Qt.PenStyle.DashLine)
            pen.setCosmetic(True)
            self.rect_item.setPen(pen)
            self.rect_item.setZValue(65)
            self.canvas.scene.addItem(self.rect_item)
        self.rect_item.setRect(QRectF(a, b).normalized())
        self.rect_item.setVisible(True)

    def _mark(self, pos: QPointF, negative: bool) -> None:
        item = PointItem(None, {"x": pos.x(), "y": pos.y()}, QColor("#ff3030" if negative else "#30ff30"))
        item.set_pixel_size(self.canvas.pixel_size)
        item.setZValue(75)
        self.canvas.scene.addItem(item)
        self.marks.append(item)

    def key_press(self, event: QKeyEvent) -> bool:
        if self.prelabels and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.keep_prelabels()
            return True
        if event.key() == Qt.Key.Key_Backspace and self.points:
            self.points.pop()
            self.labels.pop()
            self.canvas.scene.removeItem(self.marks.pop())
            if self.points or self.box is not None:
                self._decode()
            else:
                self.set_selection(None)
            return True
        return super().key_press(event)

    def keep(self, as_polygons: bool) -> bool:
        kept = super().keep(as_polygons)
        if kept:
            self.cancel()
        return kept

    # -- pre-labels from an external detector or segmenter ---------------------------------
    def show_prelabels(self, shapes: list[tuple[str, int, dict]], scores: list[float]) -> None:
        """Show an external model's shapes dashed, as suggestions to keep (Enter) or drop (Esc)."""
        self.cancel()
        for (kind, label_id, geometry), score in zip(shapes, scores, strict=True):
            cls = ITEM_CLASSES.get(kind)
            if cls is None:
                continue
            item = cls(None, geometry, self.canvas.color_for(label_id), prediction=True, label_id=label_id)
            item.set_pixel_size(self.canvas.pixel_size)
            item.setZValue(55)
            item.setToolTip(f"{score:.2f}")
            self.canvas.scene.addItem(item)
            self.prelabel_items.append(item)
        self.prelabels = list(shapes)

    def keep_prelabels(self) -> bool:
        canvas = self.canvas
        shapes = self.prelabels
        if not shapes or canvas.doc is None:
            return False
        kept = canvas.commit(AddShapes(canvas.doc.sample_id, shapes))
        if kept:
            self.cancel()
            canvas.message(f"Kept {len(shapes)} pre-label(s)", 3000)
        return kept
