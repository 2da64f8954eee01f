"""Brush and eraser: paint the current label's mask with a round brush.

Each mouse move paints the segment from the last position (so fast strokes leave no gaps);
Shift-click paints a straight line from where the previous stroke ended, as in Photoshop.
records the tiles it is about to touch, and re-colors just those tiles. The whole stroke,
press to release, is one MaskEdit: one save and one undo step. `[` and `]` or Ctrl+wheel
change the size; a circle under the cursor previews it.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPen, QWheelEvent
from PySide6.QtWidgets import QGraphicsEllipseItem

from s2ide.core.labeling.history import MaskEdit
from s2ide.core.labeling.masks import paint_segment, segment_box
from s2ide.core.labeling.tiles import TileRecorder
from s2ide.ui.canvas.tools.base import Tool, ToolKind, left, left_held

MIN_SIZE = 1
MAX_SIZE = 1000


class BrushTool(Tool):
    kind = ToolKind.BRUSH
    title = "Brush"
    hotkey = "R"
    tip = "Paint the current label's mask; [ and ] or Ctrl+wheel change the size"
    value = True
    cursor = Qt.CursorShape.BlankCursor

    def __init__(self, canvas) -> None:
        super().__init__(canvas)
        self.recorder: TileRecorder | None = None
        self.label_id: int | None = None
        self.last: QPointF | None = None
        self.stroke_end: QPointF | None = None  # where the previous stroke of this tool ended
        self.outline = QGraphicsEllipseItem()
        pen = QPen(QColor("white"), 1.0, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        self.outline.setPen(pen)
        self.outline.setZValue(100)
        self.outline.setVisible(False)
        canvas.scene.addItem(self.outline)

    @property
    def busy(self) -> bool:
        return self.recorder is not None

    def activate(self) -> None:
        self.outline.setVisible(False)

    def deactivate(self) -> None:
        self.finish()
        self.outline.setVisible(False)

    def cancel(self) -> None:
        self.finish()

    def show_outline(self, pos: QPointF | None) -> None:
        if pos is None:
            self.outline.setVisible(False)
            return
        radius = self.canvas.brush_size / 2
        self.outline.setRect(QRectF(pos.x() - radius, pos.y() - radius, 2 * radius, 2 * radius))
        self.outline.setVisible(True)

    def press(self, pos: QPointF, event: QMouseEvent) -> bool:
        if not left(event):
            return False
        canvas = self.canvas
        if not canvas.can_draw("mask"):
            return True
        assert canvas.doc is not None and canvas.label_id is not None
        self.label_id = canvas.label_id
        layer = canvas.doc.mask(self.label_id)
        self.recorder = TileRecorder(layer.array)
        straight = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier) and self.stroke_end is not None
        start = self.stroke_end if straight and self.stroke_end is not None else pos
        self.last = pos
        self._paint(start, pos)
        return True

    def move(self, pos: QPointF, event: QMouseEvent) -> bool:
        self.show_outline(pos)
        if self.recorder is None or not left_held(event) or self.last is None:
            return self.recorder is not None
        self._paint(self.last, pos)
        self.last = pos
        return True

    def _paint(self, a: QPointF, b: QPointF) -> None:
        canvas = self.canvas
        assert self.recorder is not None and self.label_id is not None and canvas.doc is not None
        radius = canvas.brush_size / 2
        array = self.recorder.mask
        height, width = array.shape
        box = segment_box(a.x(), a.y(), b.x(), b.y(), radius, width, height)
        if box is None:
            return
        self.recorder.touch(box)
        paint_segment(array, a.x(), a.y(), b.x(), b.y(), radius, self.value)
        canvas.doc.mask_changed(self.label_id, box)

    def release(self, pos: QPointF, event: QMouseEvent) -> bool:
        if not left(event) or self.recorder is None:
            return False
        self.finish()
        return True

    def finish(self) -> None:
        """End the stroke: save what changed as one edit (nothing if nothing changed)."""
        recorder, label_id = self.recorder, self.label_id
        self.recorder = None
        self.stroke_end = self.last
        self.last = None
        if recorder is None or label_id is None:
            return
        deltas = recorder.deltas()
        if deltas:
            text = "paint" if self.value else "erase"
            self.canvas.commit(MaskEdit(self.canvas.sample_id_or_fail(), label_id, deltas, text, painted=True))

    def key_press(self, event: QKeyEvent) -> bool:
        if event.key() == Qt.Key.Key_BracketLeft:
            self.canvas.set_brush_size(self.canvas.brush_size / 1.25)
        elif event.key() == Qt.Key.Key_BracketRight:
            self.canvas.set_brush_size(self.canvas.brush_size * 1.25)
        else:
            return False
        if self.outline.isVisible():
            self.show_outline(self.outline.rect().center())
        return True

    def wheel(self, event: QWheelEvent) -> bool:
        if not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            return False
        delta = event.angleDelta().y()
        if delta:
            self.canvas.set_brush_size(self.canvas.brush_size * (1.1 if delta > 0 else 1 / 1.1))
            if self.outline.isVisible():
                self.show_outline(self.outline.rect().center())
        return True


class EraserTool(BrushTool):
    kind = ToolKind.ERASER
    title = "Eraser"
    hotkey = "E"
    tip = "Erase the current label's mask; [ and ] or Ctrl+wheel change the size"
    value = False
