"""The canvas's actions and their hotkeys, which the labeler may change (settings dialog).

Defaults avoid the keys others own: digits tag the image, Enter accepts a model suggestion
(except while a polygon is being drawn). Changed keys are kept in the per-person settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from s2ide.core.settings import Settings

SETTINGS_KEY = "canvas_hotkeys"


@dataclass(frozen=True)
class ActionSpec:
    id: str
    title: str
    keys: tuple[str, ...]
    tip: str = ""


SPECS: tuple[ActionSpec, ...] = (
    ActionSpec("tool.select", "Select", ("V",), "Select, move and reshape shapes"),
    ActionSpec("tool.box", "Box", ("B",), "Drag a box; Shift for a rotated box"),
    ActionSpec("tool.polygon", "Polygon", ("P",), "Click vertices or drag freehand"),
    ActionSpec("tool.line", "Line", ("L",), "Click points or drag freehand: an open polyline"),
    ActionSpec("tool.point", "Point", ("O",), "Click to place a point"),
    ActionSpec(
        "tool.keypoints", "Keypoints", ("K",), "Click the label's keypoints in turn (Shift: hidden, right-click: skip)"
    ),
    ActionSpec("tool.brush", "Brush", ("R",), "Paint the mask of the current label"),
    ActionSpec("tool.eraser", "Eraser", ("E",), "Erase the mask of the current label"),
    ActionSpec("tool.fill", "Fill", ("G",), "Fill the region bounded by shapes' outlines and strong image edges"),
    ActionSpec("tool.wand", "Magic wand", ("W",), "Click selects similar colour; Shift adds, Alt subtracts"),
    ActionSpec("tool.quick_select", "Quick selection", ("Q",), "Drag over an object: the selection follows edges"),
    ActionSpec("tool.scissors", "Magnetic lasso", ("M",), "Click points: the path snaps to edges; closes as a polygon"),
    ActionSpec("tool.grabcut", "Box to mask", ("C",), "Drag a box: GrabCut finds the object; then fg/bg strokes"),
    ActionSpec(
        "tool.classifier", "Pixel classifier", ("I",), "Paint a few strokes per class; every pixel is predicted"
    ),
    ActionSpec("tool.sam", "Segment anything", ("S",), "Click an object: your SAM model outlines it (Model ▸ Models…)"),
    ActionSpec("refine.grow", "Grow", ("Ctrl+Alt+=",), "Grow the selected polygons or the label's mask"),
    ActionSpec("refine.shrink", "Shrink", ("Ctrl+Alt+-",), "Shrink the selected polygons or the label's mask"),
    ActionSpec("refine.smooth", "Smooth", ("Ctrl+Alt+S",), "Smooth the selected polygons or the label's mask"),
    ActionSpec("refine.fill_holes", "Fill holes", ("Ctrl+Alt+H",), "Fill holes in the label's mask"),
    ActionSpec("refine.remove_specks", "Remove specks", ("Ctrl+Alt+X",), "Remove small specks from the label's mask"),
    ActionSpec("refine.simplify", "Simplify polygons", ("Ctrl+Alt+Y",), "Drop vertices within the tolerance"),
    ActionSpec("undo", "Undo", ("Ctrl+Z",)),
    ActionSpec("redo", "Redo", ("Ctrl+Shift+Z", "Ctrl+Y")),
    ActionSpec("delete", "Delete shapes", ("Delete",), "Delete the selected shapes"),
    ActionSpec("copy", "Copy shapes", ("Ctrl+C",), "Copy the selected shapes"),
    ActionSpec("paste", "Paste shapes", ("Ctrl+V",), "Paste copied shapes at the same place (e.g. on the next frame)"),
    ActionSpec("skip", "Skip image", ("Ctrl+K",), "Mark this sample skipped and go to the next"),
    ActionSpec("done", "Done", ("Return", "Enter"), "Detect/segment: every object is drawn; open the next sample"),
    ActionSpec("no_objects", "No objects", ("N",), "Detect/segment: this image has no objects (done, empty)"),
    ActionSpec(
        "accept_all",
        "Accept suggestions",
        ("Shift+Return", "Shift+Enter"),
        "Take every suggested shape above the threshold",
    ),
    ActionSpec(
        "accept",
        "Accept suggestion",
        ("A",),
        "Take the suggested shape or mask under the pointer; with none there, every one above the threshold",
    ),
    ActionSpec("fit", "Fit", ("F",), "Fit the image in the window"),
    ActionSpec("actual", "1:1", ("=",), "Show actual pixels"),
    ActionSpec("zoom_in", "Zoom in", ("Ctrl++", "+"), "Zoom in"),
    ActionSpec("zoom_out", "Zoom out", ("Ctrl+-", "-"), "Zoom out"),
    ActionSpec("captions", "Class captions", ("Shift+C",), "Show or hide the class name on each shape"),
    ActionSpec("zoom_selection", "Zoom to selection", ("Shift+F",), "Zoom to the selected shapes"),
)
SPEC_BY_ID = {spec.id: spec for spec in SPECS}


class Shortcuts(QObject):
    """Creates the QActions and keeps their shortcuts in step with the settings."""

    def __init__(self, settings: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.actions: dict[str, QAction] = {}

    def make(self, spec_id: str, owner: QWidget, slot: Callable[[], object], checkable: bool = False) -> QAction:
        spec = SPEC_BY_ID[spec_id]
        action = QAction(spec.title, owner)
        action.setCheckable(checkable)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        action.setObjectName(f"canvas_{spec_id}")
        owner.addAction(action)
        self.actions[spec_id] = action
        self._apply(spec_id)
        return action

    def adopt(self, spec_id: str, action: QAction, owner: QWidget) -> QAction:
        """Manage the hotkeys of an action made elsewhere (QUndoGroup's undo and redo)."""
        action.setObjectName(f"canvas_{spec_id}")
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        owner.addAction(action)
        self.actions[spec_id] = action
        self._apply(spec_id)
        return action

    def keys(self, spec_id: str) -> list[str]:
        custom = self.settings.get(SETTINGS_KEY, {})
        if isinstance(custom, dict) and spec_id in custom and isinstance(custom[spec_id], list):
            return [str(k) for k in custom[spec_id]]
        return list(SPEC_BY_ID[spec_id].keys)

    def set_keys(self, changes: dict[str, list[str]]) -> None:
        custom = dict(self.settings.get(SETTINGS_KEY, {}) or {})
        for spec_id, keys in changes.items():
            if list(keys) == list(SPEC_BY_ID[spec_id].keys):
                custom.pop(spec_id, None)
            else:
                custom[spec_id] = list(keys)
        self.settings.set(SETTINGS_KEY, custom)
        for spec_id in changes:
            self._apply(spec_id)

    def _apply(self, spec_id: str) -> None:
        action = self.actions.get(spec_id)
        if action is None:
            return
        keys = [QKeySequence(k) for k in self.keys(spec_id) if k]
        action.setShortcuts(keys)
        tip = SPEC_BY_ID[spec_id].tip or SPEC_BY_ID[spec_id].title
        shown = " or ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in keys)
        action.setToolTip(f"{tip} ({shown})" if shown else tip)

    def conflicts(self, changes: dict[str, list[str]]) -> list[str]:
        """Keys given to two actions at once, as readable lines."""
        owner: dict[str, str] = {}
        problems = []
        for spec in SPECS:
            for key in changes.get(spec.id, self.keys(spec.id)):
                normal = QKeySequence(key).toString()
                if not normal:
                    continue
                if normal in owner:
                    problems.append(f"{normal} is given to both {owner[normal]} and {spec.title}")
                owner[normal] = spec.title
        return problems
