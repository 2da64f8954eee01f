"""Tool: a small state machine fed with mouse and key events in image coordinates (DESIGN §6.4).

The canvas routes events from the view to the active tool; a tool returns True when it used
the event. A gesture in progress is the tool's own state; a finished gesture becomes one
history Edit committed through the canvas (saved at once, one undo step).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent, QWheelEvent

if TYPE_CHECKING:
    from s2ide.ui.canvas.canvas import AnnotationCanvas


class ToolKind(StrEnum):
    SELECT = "select"
    BOX = "box"
    POLYGON = "polygon"
    LINE = "line"
    POINT = "point"
    KEYPOINTS = "keypoints"
    BRUSH = "brush"
    ERASER = "eraser"
    FILL = "fill"
    WAND = "wand"
    QUICK_SELECT = "quick_select"
    SCISSORS = "scissors"
    GRABCUT = "grabcut"
    CLASSIFIER = "classifier"
    SAM = "sam"


class Tool:
    kind = ToolKind.SELECT
    title = "Tool"
    hotkey = ""
    tip = ""
    cursor = Qt.CursorShape.CrossCursor

    def __init__(self, canvas: AnnotationCanvas) -> None:
        self.canvas = canvas

    @property
    def busy(self) -> bool:
        """A gesture is in progress (Enter and Escape belong to the tool then)."""
        return False

    def activate(self) -> None:
        """Called when the tool becomes the active one."""

    def deactivate(self) -> None:
        self.cancel()

    def cancel(self) -> None:
        """Drop a gesture in progress without saving anything."""

    def press(self, pos: QPointF, event: QMouseEvent) -> bool:
        return False

    def move(self, pos: QPointF, event: QMouseEvent) -> bool:
        return False

    def release(self, pos: QPointF, event: QMouseEvent) -> bool:
        return False

    def double_click(self, pos: QPointF, event: QMouseEvent) -> bool:
        return False

    def key_press(self, event: QKeyEvent) -> bool:
        return False

    def wheel(self, event: QWheelEvent) -> bool:
        return False


def left(event: QMouseEvent) -> bool:
    return event.button() == Qt.MouseButton.LeftButton


def left_held(event: QMouseEvent) -> bool:
    return bool(event.buttons() & Qt.MouseButton.LeftButton)
