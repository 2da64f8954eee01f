"""SampleDocument: the annotations of the open sample, in memory, as the canvas edits them.

The store stays the source of truth: a document is loaded from it, and history edits
(core/labeling/history.py) change the store and the document together. The canvas subscribes to the
document and redraws what changed (DESIGN.md §6.1: models own the state, widgets subscribe).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from s2ide.core.geometry import decode_mask
from s2ide.core.labeling.tiles import Box
from s2ide.core.store import Store
from s2ide.core.store.records import Annotation

VECTOR_KINDS = ("box", "polygon", "line", "point", "keypoints")


class Change(Enum):
    SHAPES_ADDED = "shapes added"
    SHAPES_CHANGED = "shapes changed"
    SHAPES_REMOVED = "shapes removed"
    MASK_CHANGED = "mask changed"


@dataclass(frozen=True)
class DocEvent:
    change: Change
    ids: tuple[int, ...] = ()
    label_id: int | None = None
    box: Box | None = None  # the mask pixels that changed; None: all of it


@dataclass
class MaskLayer:
    """One label's mask of the sample and the annotation row that stores it (None: not saved)."""

    label_id: int
    array: np.ndarray
    annotation_id: int | None = None


Listener = Callable[[DocEvent], None]


@dataclass
class SampleDocument:
    sample_id: int
    width: int
    height: int
    shapes: dict[int, Annotation] = field(default_factory=dict)
    masks: dict[int, MaskLayer] = field(default_factory=dict)
    _listeners: list[Listener] = field(default_factory=list, repr=False)

    @classmethod
    def load(cls, store: Store, sample_id: int) -> SampleDocument:
        """Everything the canvas draws for a sample; a damaged mask row raises InvalidInputError."""
        sample = store.samples.get(sample_id)
        doc = cls(sample_id, sample.width, sample.height)
        for annotation in store.annotations.for_sample(sample_id):
            if annotation.kind in VECTOR_KINDS:
                doc.shapes[annotation.id] = annotation
            elif annotation.kind == "mask" and annotation.data is not None and annotation.label_id is not None:
                array = decode_mask(annotation.data, sample.width, sample.height)
                layer = doc.masks.get(annotation.label_id)
                if layer is not None:  # imported instances of one label: all shown in the label's layer
                    layer.array |= array
                    continue
                doc.masks[annotation.label_id] = MaskLayer(annotation.label_id, array.copy(), annotation.id)
        return doc

    @staticmethod
    def mask_pixels(store: Store, sample_id: int) -> int:
        """How many mask pixels `load` would decode: a cheap count that tells the canvas whether
        loading is quick enough for the GUI thread."""
        sample = store.samples.get(sample_id)
        return store.annotations.count_for_sample(sample_id, "mask") * sample.width * sample.height

    # -- listening -------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def emit(self, event: DocEvent) -> None:
        for listener in list(self._listeners):
            listener(event)

    # -- shapes ----------------------------------------------------------------------------
    def put_shapes(self, annotations: list[Annotation], added: bool) -> None:
        for annotation in annotations:
            self.shapes[annotation.id] = annotation
        change = Change.SHAPES_ADDED if added else Change.SHAPES_CHANGED
        self.emit(DocEvent(change, tuple(a.id for a in annotations)))

    def remove_shapes(self, ids: list[int]) -> None:
        for annotation_id in ids:
            self.shapes.pop(annotation_id, None)
        self.emit(DocEvent(Change.SHAPES_REMOVED, tuple(ids)))

    # -- masks -----------------------------------------------------------------------------
    def mask(self, label_id: int) -> MaskLayer:
        """The label's mask layer, created empty on first use (not saved until painted)."""
        layer = self.masks.get(label_id)
        if layer is None:
            layer = self.masks[label_id] = MaskLayer(label_id, np.zeros((self.height, self.width), dtype=bool))
        return layer

    def mask_changed(self, label_id: int, box: Box | None) -> None:
        self.emit(DocEvent(Change.MASK_CHANGED, label_id=label_id, box=box))
