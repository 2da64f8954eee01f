"""Keypoints tool: click the label's keypoints one after another, in its skeleton's order.

Click: the next point, visible; Shift+click: the next point, labelled but hidden; right-click:
skip the next point (not labelled); Backspace: take the last one back; Enter: finish early (the
rest not labelled); Escape: drop the shape. The shape is saved (one undo step) when its last point is
placed. A label without a skeleton takes as many points as are clicked before Enter, and that
number becomes its skeleton ("1".."n").
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent

from s2ide.core.errors import S2Error
from s2ide.core.labeling.history import AddShape
from s2ide.core.labeling.keypoints import ensure_skeleton, skeleton_of
from s2ide.ui.canvas.items.keypoints import KeypointsItem
from s2ide.ui.canvas.tools.base import Tool, ToolKind, left


class KeypointsTool(Tool):
    kind = ToolKind.KEYPOINTS
    title = "Keypoints"
    hotkey = "K"
    tip = "Click each keypoint in turn (Shift: hidden, right-click: skip, Backspace: undo a point, Enter: finish)"

    def __init__(self, canvas) -> None:  # type: ignore[no-untyped-def]
        super().__init__(canvas)
        self.points: list[list[float]] = []
        self.names: list[str] | None = None
        self.preview: KeypointsItem | None = None
        self.right_press_used = False  # the context menu that follows a skipping right-click is not shown

    @property
    def busy(self) -> bool:
        return bool(self.points)

    def cancel(self) -> None:
        self.points = []
        self.names = None
        if self.preview is not None:
            self.canvas.scene.removeItem(self.preview)
            self.preview = None

    def _prompt(self) -> None:
        done = len(self.points)
        if self.names is None:
            self.canvas.message(f"Keypoint {done + 1}: click it (Enter when all are placed)", 0)
        elif done < len(self.names):
            self.canvas.message(f"Keypoint {done + 1}/{len(self.names)}: {self.names[done]} (right-click skips it)", 0)

    def _redraw(self) -> None:
        if not any(p[2] for p in self.points):
            if self.preview is not None:
                self.canvas.scene.removeItem(self.preview)
                self.preview = None
            return
        geometry = {"points": self.points}
        if self.preview is None:
            self.preview = KeypointsItem(None, geometry, self.canvas.color_for(self.canvas.label_id))
            self.preview.setZValue(50)
            skeleton = skeleton_of(self.canvas.context.store, self.canvas.label_id) if self.canvas.label_id else None
            if skeleton is not None:
                self.preview.set_skeleton(skeleton.names, skeleton.edges)
            self.canvas.scene.addItem(self.preview)
        else:
            self.preview.set_geometry(geometry)
        self.preview.set_pixel_size(self.canvas.pixel_size)

    def _add(self, point: list[float]) -> None:
        self.points.append(point)
        self._redraw()
        if self.names is not None and len(self.points) >= len(self.names):
            self.finish()
        else:
            self._prompt()

    def press(self, pos: QPointF, event: QMouseEvent) -> bool:
        skip = event.button() == Qt.MouseButton.RightButton
        if not left(event) and not skip:
            return False
        canvas = self.canvas
        if not self.points:
            if not canvas.can_draw("keypoints") or canvas.label_id is None:
                return True
            skeleton = skeleton_of(canvas.context.store, canvas.label_id)
            self.names = list(skeleton.names) if skeleton is not None else None
        if skip:
            if self.names is None:
                return False  # nothing to skip without named points: the context menu
            self.right_press_used = True
            self._add([0.0, 0.0, 0])
            return True
        if not canvas.inside(pos):
            return True
        hidden = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        self._add([pos.x(), pos.y(), 1 if hidden else 2])
        return True

    def key_press(self, event: QKeyEvent) -> bool:
        if not self.points:
            return False
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.finish()
        elif key == Qt.Key.Key_Escape:
            self.cancel()
            self.canvas.message("Keypoints dropped", 3000)
        elif key == Qt.Key.Key_Backspace:
            self.points.pop()
            self._redraw()
            self._prompt()
        else:
            return False
        return True

    def finish(self) -> None:
        """Save the points placed (the rest of the skeleton not labelled), one undo step."""
        points, names = list(self.points), self.names
        self.cancel()
        canvas = self.canvas
        if not any(p[2] for p in points) or canvas.label_id is None:
            canvas.message("Keypoints need one placed point", 3000)
            return
        if names is None:
            try:
                names = ensure_skeleton(canvas.context.store, canvas.label_id, len(points)).names
            except S2Error as exc:
                canvas.message(f"Cannot give the label its keypoints: {exc}", 0)
                return
        points += [[0.0, 0.0, 0]] * (len(names) - len(points))
        if len(points) != len(names):
            canvas.message(f"This label's keypoints are {len(names)} points; {len(points)} were placed", 0)
            return
        canvas.commit(AddShape(canvas.sample_id_or_fail(), "keypoints", canvas.label_id, {"points": points}))
