"""Live pixel classifier (the ilastik idea): paint a few strokes with the current label and
Alt-drag strokes over background; after each stroke a small classifier on multi-scale filter
features retrains (in a worker) and predicts every pixel. The current label's predicted pixels
show as the pending selection: Enter keeps them in its mask, Shift+Enter as polygons.

Strokes painted on the images opened before in this session train it too, and so do the masks
already painted on the project's most recently edited images (read once, in the worker), so it
improves as the labeler moves through the project.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QMouseEvent

from s2ide.core.labeling.selection import pixel_classifier as pc
from s2ide.core.labeling.selection.regions import Combine
from s2ide.ui.canvas.tools.base import ToolKind, left, left_held
from s2ide.ui.canvas.tools.selection import SelectionTool
from s2ide.ui.canvas.tools.strokes import Scribbles

BACKGROUND = -1
MAX_EARLIER_IMAGES = 8
PROJECT_IMAGES = 3  # painted images of the project that train it too


def project_examples(project_path, exclude: int | None, limit: int = PROJECT_IMAGES) -> tuple[list, int]:
    """(X, y) training pixels from the masks of the project's most recently painted images (each
    label's mask is that class, unpainted pixels background), and how many images could not be
    read. Runs in the worker on its own connection."""
    from PIL import ImageOps

    from s2ide.core.errors import S2Error
    from s2ide.core.io.images import open_image, read_bytes
    from s2ide.core.labeling.document import SampleDocument
    from s2ide.core.project import Project

    project = Project.open(project_path)
    out, failed = [], 0
    try:
        store = project.store
        for sample_id in store.annotations.samples_with_kind("mask", limit, exclude):
            try:
                doc = SampleDocument.load(store, sample_id)
                path = project.image_path(store.samples.get(sample_id).path)
                image = ImageOps.exif_transpose(open_image(path, read_bytes(path))).convert("RGB")
            except (S2Error, OSError):
                failed += 1
                continue
            pixels = np.asarray(image)
            masks = {label_id: layer.array for label_id, layer in doc.masks.items() if layer.array.any()}
            if not masks or pixels.shape[:2] != next(iter(masks.values())).shape:
                continue
            painted = np.zeros(pixels.shape[:2], bool)
            for array in masks.values():
                painted |= array
            strokes = {**masks, BACKGROUND: ~painted}
            out.append(pc.training_samples(pc.features(pixels), strokes, seed=sample_id))
    finally:
        project.close()
    return out, failed


class ClassifierTool(SelectionTool):
    kind = ToolKind.CLASSIFIER
    title = "Pixel classifier"
    hotkey = "I"
    tip = "Paint strokes with the label, Alt-drag over background; every pixel is predicted; Enter keeps it"

    def __init__(self, canvas) -> None:
        super().__init__(canvas)
        self.scribbles = Scribbles(canvas)
        self.stroke_class: int | None = None
        self.last: QPointF | None = None
        self.feats: np.ndarray | None = None
        self._feats_sample: int | None = None
        self.prediction: np.ndarray | None = None
        self.earlier: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # sample id -> (X, y)
        self._strokes_sample: int | None = None
        self.running = False
        self.from_project: list | None = None  # (X, y) from the project's painted images, read once
        self._project_for: object = None
        canvas.labelChanged.connect(self._on_label)

    def _on_label(self, _label_id: object) -> None:
        """Choosing another label shows that label's predicted pixels (no retraining needed)."""
        if self.canvas.tool is self and self.prediction is not None:
            self.show_prediction()

    @property
    def busy(self) -> bool:
        return self.selection is not None or self.stroke_class is not None

    def cancel(self) -> None:
        super().cancel()
        self._remember()
        self.scribbles.clear()
        self.stroke_class = None
        self.prediction = None
        self.running = False

    def _remember(self) -> None:
        """Keep this image's strokes as training pixels for the next images."""
        if self.scribbles and self.feats is not None and self._strokes_sample is not None:
            x, y = pc.training_samples(self.feats, dict(self.scribbles.layers))
            self.earlier[self._strokes_sample] = (x, y)
            while len(self.earlier) > MAX_EARLIER_IMAGES:
                self.earlier.pop(next(iter(self.earlier)))

    def press(self, pos: QPointF, event: QMouseEvent) -> bool:
        if not left(event):
            return False
        canvas = self.canvas
        if not canvas.can_draw("mask") or self.image() is None:
            return True
        assert canvas.label_id is not None
        if self._strokes_sample != canvas.sample_id:
            self.scribbles.clear()
            self._strokes_sample = canvas.sample_id
        alt = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
        self.stroke_class = BACKGROUND if alt else canvas.label_id
        self.last = pos
        self._paint(pos)
        return True

    def _paint(self, pos: QPointF) -> None:
        assert self.stroke_class is not None and self.last is not None
        cls = self.stroke_class
        color = QColor("#808080") if cls == BACKGROUND else self.canvas.color_for(cls)
        self.scribbles.paint(cls, self.last, pos, color)
        self.last = pos

    def move(self, pos: QPointF, event: QMouseEvent) -> bool:
        if self.stroke_class is None or not left_held(event):
            return False
        self._paint(pos)
        return True

    def release(self, pos: QPointF, event: QMouseEvent) -> bool:
        if self.stroke_class is None or not left(event):
            return False
        self.stroke_class = None
        self.retrain()
        return True

    def retrain(self) -> None:
        canvas = self.canvas
        image = canvas.image_array()
        if image is None or canvas.doc is None:
            return
        sample_id = canvas.sample_id
        strokes = {cls: layer.copy() for cls, layer in self.scribbles.layers.items()}
        extra = [xy for sid, xy in self.earlier.items() if sid != sample_id]
        project = canvas.context.project
        if self._project_for != (project.path if project else None):
            self.from_project, self._project_for = None, (project.path if project else None)
        known = self.from_project
        if known is not None:
            extra += known
        if len(set(strokes) | {int(c) for _x, y in extra for c in np.unique(y)}) < 2 and project is None:
            canvas.message("Pixel classifier: paint background too (Alt-drag), then it predicts", 0)
            return
        feats = self.feats if self._feats_sample == sample_id else None
        size = (canvas.doc.width, canvas.doc.height)
        project_path = project.path if project is not None else None

        def job(state):
            nonlocal feats
            found: list = []
            failed = 0
            if known is None and project_path is not None:  # once per project: its painted images
                found, failed = project_examples(project_path, sample_id)
            state.check()
            if feats is None:
                feats = pc.features(image)
            state.check()
            predicted = pc.run(pc.ClassifierInputs(feats, strokes, size, extra + found), state)
            return feats, predicted, found if known is None else known, failed

        def done(result) -> None:
            self.running = False
            if self.from_project is None and self._project_for == project_path:
                self.from_project = result[2]
                if result[3]:
                    canvas.message(f"Pixel classifier: {result[3]} painted image(s) could not be read for training", 0)
            if canvas.sample_id != sample_id:
                return
            self.feats, self._feats_sample = result[0], sample_id
            self.prediction = result[1]
            self.show_prediction()

        def failed(_text: str) -> None:
            self.running = False

        self.running = True
        canvas.message("Pixel classifier: training…", 0)
        self.run_job(job, done, "pixel classifier", failed)

    def show_prediction(self) -> None:
        if self.prediction is None or self.canvas.label_id is None:
            return
        self.apply_selection(self.prediction == self.canvas.label_id, Combine.REPLACE)

    def keep(self, as_polygons: bool) -> bool:
        kept = super().keep(as_polygons)
        if kept:
            self.cancel()
        return kept
