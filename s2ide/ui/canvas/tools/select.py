"""Select tool: click to select (Shift or Ctrl adds), drag shapes to move them, drag a handle
(corner or vertex) to reshape, Shift-drag a box corner to rotate the box, drag on empty canvas
for a selection band. Double-click a selected polygon's edge to add a vertex, Alt-click a vertex
to remove it. Delete removes the selection; choosing a label relabels it. Each gesture is one
undo step for all the shapes it changed."""

from __future__ import annotations

from enum import Enum
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPen
from PySide6.QtWidgets import QGraphicsRectItem

from s2ide.core.labeling.history import ChangeShapes, FieldChange
from s2ide.ui.canvas.items.base import ShapeItem
from s2ide.ui.canvas.items.box import BoxItem, rotated
from s2ide.ui.canvas.items.keypoints import KeypointsItem
from s2ide.ui.canvas.items.polygon import PolygonItem
from s2ide.ui.canvas.tools.base import Tool, ToolKind, left, left_held


class Drag(Enum):
    NONE = 0
    MOVE = 1
    HANDLE = 2
    BAND = 3


class SelectTool(Tool):
    kind = ToolKind.SELECT
    title = "Select"
    hotkey = "V"
    tip = "Select, move and reshape shapes; Delete removes them"
    cursor = Qt.CursorShape.ArrowCursor

    def __init__(self, canvas) -> None:
        super().__init__(canvas)
        self.drag = Drag.NONE
        self.start = QPointF()
        self.handle_item: ShapeItem | None = None
        self.handle_index = 0
        self.originals: dict[int, dict[str, Any]] = {}
        self.band: QGraphicsRectItem | None = None

    @property
    def busy(self) -> bool:
        return self.drag != Drag.NONE

    def cancel(self) -> None:
        for annotation_id, geometry in self.originals.items():
            item = self.canvas.items.get(annotation_id)
            if item is not None:
                item.set_geometry(geometry)
        self._reset()

    def _reset(self) -> None:
        self.drag = Drag.NONE
        self.originals = {}
        self.handle_item = None
        if self.band is not None:
            self.canvas.scene.removeItem(self.band)
            self.band = None

    def press(self, pos: QPointF, event: QMouseEvent) -> bool:
        if not left(event):
            return False
        canvas = self.canvas
        additive = bool(event.modifiers() & (Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier))
        self.start = pos
        for annotation_id in canvas.selection:
            item = canvas.items.get(annotation_id)
            if item is not None and not canvas.layers.locked_kind(item.kind):
                index = item.handle_at(pos)
                if index is not None and event.modifiers() & Qt.KeyboardModifier.AltModifier:
                    if isinstance(item, PolygonItem):
                        self._reshape(item, item.without_vertex(index), "remove vertex")
                    elif isinstance(item, KeypointsItem):
                        self._reshape(item, item.without_vertex(index), "unlabel keypoint")
                    return True
                if index is not None:
                    self.drag = Drag.HANDLE
                    self.handle_item, self.handle_index = item, index
                    self.originals = {annotation_id: item.geometry}
                    return True
        item = canvas.item_at(pos)
        if item is None:
            if not additive:
                canvas.set_selection(set())
            self.drag = Drag.BAND
            return True
        assert item.annotation_id is not None
        if additive:
            canvas.set_selection(canvas.selection ^ {item.annotation_id})
            return True
        if item.annotation_id not in canvas.selection:
            canvas.set_selection({item.annotation_id})
        self.drag = Drag.MOVE
        self.originals = {
            i: canvas.items[i].geometry
            for i in canvas.selection
            if i in canvas.items and not canvas.layers.locked_kind(canvas.items[i].kind)
        }
        return True

    def move(self, pos: QPointF, event: QMouseEvent) -> bool:
        if self.drag == Drag.NONE and not event.buttons():
            self.hover(pos)
            return False
        if self.drag == Drag.NONE or not left_held(event):
            return False
        canvas = self.canvas
        if self.drag == Drag.HANDLE and self.handle_item is not None:
            original = self.originals[self.handle_item.annotation_id or 0]
            self.handle_item.set_geometry(original)
            rotate = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            if rotate and isinstance(self.handle_item, BoxItem):
                self.handle_item.set_geometry(rotated(original, self.start, pos))
            else:
                self.handle_item.set_geometry(self.handle_item.with_handle(self.handle_index, canvas.clamp(pos)))
        elif self.drag == Drag.MOVE:
            delta = pos - self.start
            for annotation_id, geometry in self.originals.items():
                item = canvas.items[annotation_id]
                item.set_geometry(geometry)
                item.set_geometry(item.moved(delta.x(), delta.y()))
        elif self.drag == Drag.BAND:
            rect = QRectF(self.start, pos).normalized()
            if self.band is None:
                self.band = QGraphicsRectItem()
                pen = QPen(QColor("white"), 1.0, Qt.PenStyle.DashLine)
                pen.setCosmetic(True)
                self.band.setPen(pen)
                self.band.setZValue(100)
                canvas.scene.addItem(self.band)
            self.band.setRect(rect)
        return True

    def double_click(self, pos: QPointF, event: QMouseEvent) -> bool:
        for annotation_id in self.canvas.selection:
            item = self.canvas.items.get(annotation_id)
            if isinstance(item, KeypointsItem) and not self.canvas.layers.locked_kind(item.kind):
                index = item.handle_at(pos)
                if index is not None:  # a keypoint: visible <-> hidden
                    self._reshape(item, item.with_visibility_toggled(index), "keypoint visibility")
                    return True
            if isinstance(item, PolygonItem) and not self.canvas.layers.locked_kind(item.kind):
                geometry = item.with_vertex_inserted(pos)
                if geometry is not None:
                    self._reshape(item, geometry, "add vertex")
                    return True
        return False

    def _reshape(self, item: ShapeItem, geometry: dict[str, Any] | None, text: str) -> None:
        if geometry is None or item.annotation_id is None:
            least = getattr(item, "min_points", 3)
            if isinstance(item, KeypointsItem):
                self.canvas.message("Keypoints keep at least one labelled point (delete the shape instead)")
            else:
                self.canvas.message(f"A {item.kind} keeps at least {least} vertices")
            return
        change = FieldChange(item.annotation_id, {"geometry": item.geometry}, {"geometry": geometry})
        self.canvas.commit(ChangeShapes(self.canvas.sample_id_or_fail(), [change], text))

    def hover(self, pos: QPointF) -> None:
        """A cursor that says what a press would do here."""
        canvas = self.canvas
        shape = Qt.CursorShape.ArrowCursor
        for annotation_id in canvas.selection:
            item = canvas.items.get(annotation_id)
            if item is not None and not canvas.layers.locked_kind(item.kind) and item.handle_at(pos) is not None:
                shape = Qt.CursorShape.CrossCursor
                break
        else:
            if canvas.item_at(pos) is not None:
                shape = Qt.CursorShape.SizeAllCursor
        canvas.view.viewport().setCursor(shape)

    def key_press(self, event: QKeyEvent) -> bool:
        if self.busy and event.key() == Qt.Key.Key_Escape:
            self.cancel()  # the shapes go back where they were; nothing is saved
            return True
        return False

    def release(self, pos: QPointF, event: QMouseEvent) -> bool:
        if not left(event) or self.drag == Drag.NONE:
            return False
        canvas = self.canvas
        if self.drag == Drag.BAND:
            rect = QRectF(self.start, pos).normalized()
            if rect.width() > 0 and rect.height() > 0:
                hits = {
                    i
                    for i, item in canvas.items.items()
                    if item.isVisible() and rect.intersects(item.shape().boundingRect())
                }
                canvas.set_selection(canvas.selection | hits)
            self._reset()
            return True
        changes = []
        for annotation_id, before in self.originals.items():
            after = canvas.items[annotation_id].geometry
            if after != before:
                changes.append(FieldChange(annotation_id, {"geometry": before}, {"geometry": after}))
        text = "reshape" if self.drag == Drag.HANDLE else "move"
        self.originals = {}  # the geometry now on screen is the one to save
        self._reset()
        if changes and not canvas.commit(ChangeShapes(canvas.sample_id_or_fail(), changes, text)):
            canvas.reload_items()
        return True
