"""Box to mask: drag a box and GrabCut (OpenCV, in a worker) finds the object inside it. Then
drag over parts it missed (foreground strokes) or Alt-drag over parts it took wrongly
(background strokes) and it runs again. Enter keeps the result in the current label's mask,
Shift+Enter as polygons; Shift-drag starts a new box; Esc drops everything."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPen
from PySide6.QtWidgets import QGraphicsRectItem

from s2ide.core.labeling.selection import grabcut
from s2ide.core.labeling.selection.regions import Combine
from s2ide.ui.canvas.tools.base import ToolKind, left, left_held
from s2ide.ui.canvas.tools.selection import SelectionTool
from s2ide.ui.canvas.tools.strokes import Scribbles

FOREGROUND, BACKGROUND = 1, 0
MIN_BOX_PX = 4


class GrabCutTool(SelectionTool):
    kind = ToolKind.GRABCUT
    title = "Box to mask"
    hotkey = "C"
    tip = "Drag a box: GrabCut finds the object; drag adds, Alt-drag removes parts; Enter keeps it as mask"

    def __init__(self, canvas) -> None:
        super().__init__(canvas)
        self.box: tuple[int, int, int, int] | None = None
        self.start: QPointF | None = None
        self.rect_item: QGraphicsRectItem | None = None
        self.scribbles = Scribbles(canvas)
        self.stroke_class: int | None = None
        self.last: QPointF | None = None
        self.running = False

    @property
    def busy(self) -> bool:
        return self.box is not None or self.start is not None or self.selection is not None

    def cancel(self) -> None:
        super().cancel()
        self.box = None
        self.start = None
        self.stroke_class = None
        self.running = False
        self.scribbles.clear()
        if self.rect_item is not None:
            self.canvas.scene.removeItem(self.rect_item)
            self.rect_item = None

    def _show_rect(self, a: QPointF, b: QPointF) -> None:
        if self.rect_item is None:
            self.rect_item = QGraphicsRectItem()
            pen = QPen(QColor("white"), 1.5, Qt.PenStyle.DashLine)
            pen.setCosmetic(True)
            self.rect_item.setPen(pen)
            self.rect_item.setZValue(65)
            self.canvas.scene.addItem(self.rect_item)
        self.rect_item.setRect(QRectF(a, b).normalized())

    def press(self, pos: QPointF, event: QMouseEvent) -> bool:
        if not left(event):
            return False
        canvas = self.canvas
        new_box = self.box is None or bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if new_box:
            if not canvas.can_draw("mask") or self.image() is None:
                return True
            self.cancel()
            self.start = canvas.clamp(pos)
            self._show_rect(self.start, self.start)
            return True
        alt = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
        self.stroke_class = BACKGROUND if alt else FOREGROUND
        self.last = pos
        self._scribble(pos)
        return True

    def _scribble(self, pos: QPointF) -> None:
        assert self.stroke_class is not None and self.last is not None
        color = QColor("#30ff30") if self.stroke_class == FOREGROUND else QColor("#ff3030")
        self.scribbles.paint(self.stroke_class, self.last, pos, color)
        self.last = pos

    def move(self, pos: QPointF, event: QMouseEvent) -> bool:
        if not left_held(event):
            return False
        if self.start is not None:
            self._show_rect(self.start, self.canvas.clamp(pos))
            return True
        if self.stroke_class is not None:
            self._scribble(pos)
            return True
        return False

    def release(self, pos: QPointF, event: QMouseEvent) -> bool:
        if not left(event):
            return False
        if self.start is not None:
            end = self.canvas.clamp(pos)
            rect = QRectF(self.start, end).normalized()
            self.start = None
            if rect.width() < MIN_BOX_PX or rect.height() < MIN_BOX_PX:
                self.cancel()
                return True
            self.box = (int(rect.left()), int(rect.top()), int(rect.right()) + 1, int(rect.bottom()) + 1)
            self._run()
            return True
        if self.stroke_class is not None:
            self.stroke_class = None
            self._run()
            return True
        return False

    def _run(self) -> None:
        image = self.image()
        if image is None or self.box is None:
            return
        inputs = grabcut.GrabCutInputs(
            image,
            self.box,
            foreground=self.scribbles.layers.get(FOREGROUND),
            background=self.scribbles.layers.get(BACKGROUND),
        )
        sample_id = self.canvas.sample_id
        self.running = True
        self.canvas.message("Box to mask: finding the object…", 0)

        def done(mask) -> None:
            self.running = False
            if self.canvas.sample_id == sample_id and self.box is not None:
                self.apply_selection(mask, Combine.REPLACE)

        def failed(_text: str) -> None:
            self.running = False

        self.run_job(lambda state: grabcut.run(inputs, state), done, "GrabCut", failed)

    def keep(self, as_polygons: bool) -> bool:
        kept = super().keep(as_polygons)
        if kept:
            self.cancel()
        return kept
