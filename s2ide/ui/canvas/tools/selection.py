"""Selection tools' shared state: a pending selection shown over the image until the labeler
keeps it (Enter: into the current label's mask; Shift+Enter: as polygons of that label) or drops
it (Escape). Click replaces the selection, Shift-click adds to it, Alt-click subtracts, as in
Photoshop. Keeping it is one edit: one save, one undo step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent

from s2ide.core.labeling.history import AddShapes, MaskEdit
from s2ide.core.labeling.selection.regions import Combine, combine, mask_deltas, polygons
from s2ide.core.labeling.tiles import occupied_box, union
from s2ide.ui.canvas.items.mask import MaskItem
from s2ide.ui.canvas.tools.base import Tool
from s2ide.ui.shell.workers import TaskRunner

SELECTION_COLOR = "#00e5ff"


def combine_mode(event: QMouseEvent | QKeyEvent) -> Combine:
    modifiers = event.modifiers()
    if modifiers & Qt.KeyboardModifier.AltModifier:
        return Combine.SUBTRACT
    if modifiers & Qt.KeyboardModifier.ShiftModifier:
        return Combine.ADD
    return Combine.REPLACE


class SelectionTool(Tool):
    """A tool whose gestures build a pending selection (a boolean HxW array)."""

    def __init__(self, canvas) -> None:
        super().__init__(canvas)
        self.selection: np.ndarray | None = None
        self.overlay: MaskItem | None = None
        self._runner: TaskRunner | None = None

    # -- the pending selection ---------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.selection is not None

    def set_selection(self, selection: np.ndarray | None) -> None:
        """Show `selection` as the pending one (None: none)."""
        old = self.selection
        if selection is not None and not selection.any():
            selection = None
        self.selection = selection
        if selection is None:
            if self.overlay is not None:
                self.canvas.scene.removeItem(self.overlay)
                self.overlay = None
            return
        if self.overlay is None or self.overlay.array.shape != selection.shape:
            if self.overlay is not None:
                self.canvas.scene.removeItem(self.overlay)
            self.overlay = MaskItem(0, selection, QColor(SELECTION_COLOR))
            self.overlay.setZValue(60)
            self.overlay.setOpacity(0.45)
            self.canvas.scene.addItem(self.overlay)
            return
        box = union(occupied_box(old) if old is not None else None, occupied_box(selection))
        self.overlay.array = selection
        self.overlay.refresh(box)

    def apply_selection(self, new: np.ndarray, how: Combine) -> None:
        self.set_selection(combine(self.selection, new, how))
        if self.selection is not None:
            pixels = int(np.count_nonzero(self.selection))
            self.canvas.message(
                f"{self.title}: {pixels:,} pixels selected. Enter keeps them as a mask, Shift+Enter as polygons, "
                "Esc drops them",
                0,
            )

    def cancel(self) -> None:
        if self._runner is not None:
            self._runner.cancel()
        self.set_selection(None)

    def shutdown(self) -> None:
        if self._runner is not None:
            self._runner.shutdown()

    def keep(self, as_polygons: bool) -> bool:
        """Save the pending selection into the current label: one edit. False if nothing saved."""
        canvas = self.canvas
        selection = self.selection
        if selection is None:
            return False
        if not canvas.can_draw("polygon" if as_polygons else "mask"):
            return False
        assert canvas.doc is not None and canvas.label_id is not None
        label_id = canvas.label_id
        if as_polygons:
            found = polygons(selection)
            if not found:
                canvas.message("The selection is too small for a polygon")
                return False
            edit: Any = AddShapes(canvas.sample_id_or_fail(), [("polygon", label_id, {"points": p}) for p in found])
        else:
            deltas, _box = mask_deltas(canvas.doc.mask(label_id).array, selection)
            if not deltas:
                canvas.message("The selection is already in this label's mask")
                self.set_selection(None)
                return False
            edit = MaskEdit(canvas.sample_id_or_fail(), label_id, deltas, self.title.lower(), painted=False)
        kept = canvas.commit(edit)
        if kept:
            self.set_selection(None)
            canvas.message(f"{self.title}: saved", 2000)
        return kept

    # -- events ------------------------------------------------------------------------------
    def key_press(self, event: QKeyEvent) -> bool:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.selection is not None:
            self.keep(as_polygons=bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier))
            return True
        if key == Qt.Key.Key_Escape and self.busy:
            self.cancel()
            return True
        return False

    # -- helpers -----------------------------------------------------------------------------
    def image(self) -> np.ndarray | None:
        """The open image's pixels (HxWx3 uint8), or None with a message while it is loading."""
        image = self.canvas.image_array()
        if image is None:
            self.canvas.message("Wait: the image is still loading at full resolution")
        return image

    def run_job(
        self,
        fn: Callable[..., Any],
        done: Callable[[Any], None],
        title: str,
        failed: Callable[[str], None] | None = None,
    ) -> None:
        """Run `fn(state)` in a worker (one at a time per tool; a new one cancels the last)."""
        if self._runner is None:
            parent: QObject = self.canvas
            self._runner = TaskRunner(parent)
            self._runner.finished.connect(self._job_done)
            self._runner.failed.connect(self._job_failed)
        self._on_done: Callable[[Any], None] | None = done
        self._on_failed = failed
        self._runner.start(fn, title)

    def _job_done(self, result: Any) -> None:
        callback = self._on_done
        if callback is not None:
            callback(result)

    def _job_failed(self, text: str) -> None:
        self.canvas.message(f"{self.title}: {text}", 0)
        callback = getattr(self, "_on_failed", None)
        if callback is not None:
            callback(text)
