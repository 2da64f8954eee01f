"""Mouse, wheel, context-menu and key events of the canvas view, routed to the active tool.

The canvas owns the document and the tools; this filter only decides who gets an event: the
tool (in image coordinates), the selection's arrow-key nudge, or the view (panning).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QContextMenuEvent, QKeyEvent, QMouseEvent, QWheelEvent

from s2ide.ui.canvas.canvas import AnnotationCanvas
from s2ide.ui.canvas.tools.base import ToolKind
from s2ide.ui.canvas.tools.brush import BrushTool

_MOUSE_EVENTS = {
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.MouseButtonRelease,
    QEvent.Type.MouseButtonDblClick,
}
_TOOL_KEYS = {Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape, Qt.Key.Key_Backspace}
_ARROWS = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, -1), Qt.Key.Key_Down: (0, 1)}


class CanvasInput(QObject):
    def __init__(self, canvas: AnnotationCanvas) -> None:
        super().__init__(canvas)
        self.canvas = canvas
        self.viewport = canvas.view.viewport()
        self.viewport.installEventFilter(self)
        canvas.view.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self.viewport:
            if kind in _MOUSE_EVENTS and isinstance(event, QMouseEvent):
                return self._mouse(kind, event)
            if kind == QEvent.Type.Wheel and isinstance(event, QWheelEvent):
                return self.canvas.tool.wheel(event)
            if kind == QEvent.Type.ContextMenu and getattr(self.canvas.tool, "right_press_used", False):
                self.canvas.tool.right_press_used = False  # type: ignore[attr-defined]
                return True  # that right-click was the tool's (keypoints: skip a point), not a menu
            if kind == QEvent.Type.ContextMenu and isinstance(event, QContextMenuEvent) and not self.canvas.tool.busy:
                menu = self.canvas.context_menu(self.canvas.view.mapToScene(event.pos()))
                if menu is not None:
                    menu.exec(event.globalPos())
                return True
            if kind == QEvent.Type.Leave and isinstance(self.canvas.tool, BrushTool):
                self.canvas.tool.show_outline(None)
            return False
        if watched is self.canvas.view and isinstance(event, QKeyEvent):
            if kind == QEvent.Type.ShortcutOverride and self._tool_wants(event):
                event.accept()  # Enter closes the polygon being drawn instead of accepting a suggestion
                return True
            if kind == QEvent.Type.KeyPress and self._tool_wants(event):
                return self.canvas.tool.key_press(event)
            if kind == QEvent.Type.KeyPress and self._nudge(event):
                return True
        return False

    def _nudge(self, event: QKeyEvent) -> bool:
        """Arrow keys move the selection by a pixel (ten with Shift), one undo step a press."""
        step = _ARROWS.get(Qt.Key(event.key()))
        if (
            step is None
            or not self.canvas.selection
            or self.canvas.tool.busy
            or self.canvas.tool.kind != ToolKind.SELECT
        ):
            return False
        if event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        scale = 10.0 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1.0
        self.canvas.nudge_selection(step[0] * scale, step[1] * scale)
        return True

    def _tool_wants(self, event: QKeyEvent) -> bool:
        if event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier):
            return False
        if event.key() in (Qt.Key.Key_BracketLeft, Qt.Key.Key_BracketRight):
            return isinstance(self.canvas.tool, BrushTool)
        return event.key() in _TOOL_KEYS and self.canvas.tool.busy

    def _mouse(self, kind: QEvent.Type, event: QMouseEvent) -> bool:
        view = self.canvas.view
        if view.panning or event.button() == Qt.MouseButton.MiddleButton:
            return False  # the view pans
        if event.buttons() & Qt.MouseButton.MiddleButton:
            return False
        pos = view.viewportTransform().inverted()[0].map(event.position())  # sub-pixel precise
        if kind == QEvent.Type.MouseButtonPress:
            view.setFocus(Qt.FocusReason.MouseFocusReason)
            if (
                self.canvas.tool.kind == ToolKind.SELECT
                and event.button() == Qt.MouseButton.LeftButton
                and self.canvas.item_at(pos) is None
            ):
                suggestion = self.canvas.prelabels.at(pos)
                if suggestion is not None and self.canvas.prelabels.take([suggestion]):
                    self.canvas.message(self.canvas.prelabels.taken_message(suggestion))
            return self.canvas.tool.press(pos, event)
        if kind == QEvent.Type.MouseMove:
            return self.canvas.tool.move(pos, event)
        if kind == QEvent.Type.MouseButtonRelease:
            return self.canvas.tool.release(pos, event)
        return self.canvas.tool.double_click(pos, event)
