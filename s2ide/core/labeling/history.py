"""Edits that record deltas and apply/revert them on the store and the open document.

Each edit is one gesture (a whole brush stroke, a box drawn, a move of several shapes). It
keeps only what changed: a shape's fields before and after, or the bit-packed tiles a stroke
touched (DESIGN.md §6.5), never a copy of a mask. `apply` and `revert` each write the store in
one transaction with an audit row, so undo and redo are saved as surely as the edit itself.
The UI wraps edits in QUndoCommands; `keep_within_budget` bounds the history by memory.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from s2ide.core.errors import InvalidInputError
from s2ide.core.geometry import validate
from s2ide.core.labeling.document import SampleDocument
from s2ide.core.labeling.masks import encode_png
from s2ide.core.labeling.tiles import TileDelta, deltas_to, occupied_box, write
from s2ide.core.review.users import Action, require
from s2ide.core.store import Store
from s2ide.core.store.records import Annotation

DEFAULT_BUDGET_BYTES = 256 * 1024 * 1024


@dataclass
class Session:
    """Where edits land: the store, who edits, and the documents open now (by sample id)."""

    store: Store
    user: str
    documents: dict[int, SampleDocument] = field(default_factory=dict)
    _allowed: bool = False

    def authorize(self) -> None:
        """Refuse edits by an unknown user or a role that may not label (checked once a session)."""
        if not self._allowed:
            require(self.store, self.user, Action.LABEL)
            self._allowed = True

    def document(self, sample_id: int) -> SampleDocument:
        doc = self.documents.get(sample_id)
        if doc is None:
            doc = self.documents[sample_id] = SampleDocument.load(self.store, sample_id)
        return doc


class Edit(ABC):
    """One undoable gesture on one sample."""

    text = "edit"

    def __init__(self, sample_id: int) -> None:
        self.sample_id = sample_id

    @abstractmethod
    def apply(self, session: Session) -> None: ...

    @abstractmethod
    def revert(self, session: Session) -> None: ...

    @property
    def cost(self) -> int:
        """Bytes this edit holds on to, for the memory budget of the history."""
        return 256


def _fresh(store: Store, annotation_id: int) -> Annotation:
    found = store.annotations.get(annotation_id)
    if found is None:
        raise InvalidInputError(f"annotation {annotation_id} is gone from the store")
    return found


def _remove_shapes(session: Session, sample_id: int, annotations: Sequence[Annotation], action: str) -> None:
    """Delete shapes in one transaction with an audit row each (a delete, or the undo of an add)."""
    session.authorize()
    store = session.store
    with store.transaction():
        for annotation in annotations:
            store.annotations.delete(annotation.id)
            store.audit.record(session.user, action, "annotation", annotation.id, annotation.summary(), None)
    session.document(sample_id).remove_shapes([a.id for a in annotations])


class AddShape(Edit):
    """A new box, polygon, line or point. Redo puts it back with the same id."""

    def __init__(self, sample_id: int, kind: str, label_id: int | None, geometry: dict[str, Any]) -> None:
        super().__init__(sample_id)
        self.kind = kind
        self.label_id = label_id
        self.geometry = validate(kind, geometry)
        self.annotation: Annotation | None = None
        self.text = f"add {kind}"

    def apply(self, session: Session) -> None:
        session.authorize()
        store = session.store
        with store.transaction():
            if self.annotation is None:
                new_id = store.annotations.add(
                    self.sample_id, self.kind, self.label_id, session.user, geometry=self.geometry
                )
                self.annotation = _fresh(store, new_id)
            else:
                store.annotations.restore(self.annotation)
            store.audit.record(session.user, "add", "annotation", self.annotation.id, None, self.annotation.summary())
        session.document(self.sample_id).put_shapes([self.annotation], added=True)

    def revert(self, session: Session) -> None:
        session.authorize()
        assert self.annotation is not None
        store = session.store
        with store.transaction():
            store.annotations.delete(self.annotation.id)
            store.audit.record(
                session.user, "undo add", "annotation", self.annotation.id, self.annotation.summary(), None
            )
        session.document(self.sample_id).remove_shapes([self.annotation.id])

    @property
    def cost(self) -> int:
        return 256 + 24 * len(str(self.geometry))


class AddShapes(Edit):
    """Several new shapes as one step (a paste). Redo puts them back with the same ids."""

    def __init__(
        self, sample_id: int, shapes: Sequence[tuple[str, int | None, dict[str, Any]]], source: str = "human"
    ) -> None:
        super().__init__(sample_id)
        self.shapes = [(kind, label_id, validate(kind, geometry)) for kind, label_id, geometry in shapes]
        self.annotations: list[Annotation] = []
        self.source = source  # model-accepted when pre-labels are taken
        self.text = f"paste {len(self.shapes)} shape(s)" if source == "human" else f"accept {len(self.shapes)} shape(s)"

    def apply(self, session: Session) -> None:
        session.authorize()
        store = session.store
        with store.transaction():
            if not self.annotations:
                for kind, label_id, geometry in self.shapes:
                    new_id = store.annotations.add(
                        self.sample_id, kind, label_id, session.user, geometry=geometry, source=self.source
                    )
                    self.annotations.append(_fresh(store, new_id))
            else:
                for annotation in self.annotations:
                    store.annotations.restore(annotation)
            for annotation in self.annotations:
                store.audit.record(session.user, "add", "annotation", annotation.id, None, annotation.summary())
        session.document(self.sample_id).put_shapes(self.annotations, added=True)

    def revert(self, session: Session) -> None:
        _remove_shapes(session, self.sample_id, self.annotations, "undo add")

    @property
    def cost(self) -> int:
        return sum(256 + 24 * len(str(geometry)) for _, _, geometry in self.shapes)


class DeleteShapes(Edit):
    def __init__(self, sample_id: int, annotations: Sequence[Annotation]) -> None:
        super().__init__(sample_id)
        self.annotations = list(annotations)
        self.text = f"delete {len(self.annotations)} shape(s)"

    def apply(self, session: Session) -> None:
        _remove_shapes(session, self.sample_id, self.annotations, "delete")

    def revert(self, session: Session) -> None:
        session.authorize()
        store = session.store
        with store.transaction():
            for annotation in self.annotations:
                store.annotations.restore(annotation)
                store.audit.record(session.user, "undo delete", "annotation", annotation.id, None, annotation.summary())
        session.document(self.sample_id).put_shapes(self.annotations, added=True)

    @property
    def cost(self) -> int:
        return sum(256 + 24 * len(str(a.geometry)) for a in self.annotations)


@dataclass(frozen=True)
class FieldChange:
    """One annotation's label and/or geometry, before and after."""

    annotation_id: int
    before: dict[str, Any]
    after: dict[str, Any]


class ChangeShapes(Edit):
    """Relabel, move or reshape one or many shapes as one step."""

    def __init__(self, sample_id: int, changes: Sequence[FieldChange], text: str = "change shapes") -> None:
        super().__init__(sample_id)
        self.changes = list(changes)
        self.text = text
        for change in self.changes:
            if set(change.after) - {"label_id", "geometry"}:
                raise InvalidInputError(f"cannot change {sorted(change.after)} of a shape")

    def _write(self, session: Session, use_after: bool) -> None:
        session.authorize()
        store = session.store
        updated = []
        with store.transaction():
            for change in self.changes:
                current = _fresh(store, change.annotation_id)
                fields = dict(change.after if use_after else change.before)
                if "geometry" in fields:
                    fields["geometry"] = validate(current.kind, fields["geometry"])
                store.annotations.update(change.annotation_id, author=session.user, **fields)
                updated.append(_fresh(store, change.annotation_id))
                store.audit.record(
                    session.user,
                    self.text if use_after else f"undo {self.text}",
                    "annotation",
                    change.annotation_id,
                    {**(change.before if use_after else change.after), "sample_id": self.sample_id},
                    {**(change.after if use_after else change.before), "sample_id": self.sample_id},
                )
        session.document(self.sample_id).put_shapes(updated, added=False)

    def apply(self, session: Session) -> None:
        self._write(session, use_after=True)

    def revert(self, session: Session) -> None:
        self._write(session, use_after=False)

    @property
    def cost(self) -> int:
        return sum(256 + 24 * (len(str(c.before)) + len(str(c.after))) for c in self.changes)


def save_mask(session: Session, doc: SampleDocument, label_id: int, action: str, changed: int) -> None:
    """Write one label's whole mask as a 1-bit PNG (no row when it is empty), with an audit row."""
    store = session.store
    layer = doc.mask(label_id)
    empty = not layer.array.any()
    with store.transaction():
        before_id = layer.annotation_id
        if empty:
            if layer.annotation_id is not None:
                store.annotations.delete(layer.annotation_id)
                layer.annotation_id = None
        else:
            data = encode_png(layer.array)
            geometry = {"encoding": "png", "width": doc.width, "height": doc.height}
            if layer.annotation_id is None or store.annotations.get(layer.annotation_id) is None:
                layer.annotation_id = store.annotations.add(
                    doc.sample_id, "mask", label_id, session.user, geometry=geometry, data=data
                )
            else:
                store.annotations.update(layer.annotation_id, data=data, author=session.user)
        store.audit.record(
            session.user,
            action,
            "annotation",
            layer.annotation_id if layer.annotation_id is not None else before_id,
            None,
            {"sample_id": doc.sample_id, "kind": "mask", "label_id": label_id, "changed_pixels": changed},
        )


class MaskEdit(Edit):
    """A brush, eraser or fill gesture on one label's mask: only the touched tiles, bit-packed.

    The tool paints the document live while the gesture runs; `painted=True` tells the first
    apply that the pixels are in place already and only the store needs writing.
    """

    def __init__(self, sample_id: int, label_id: int, deltas: Sequence[TileDelta], text: str, painted: bool) -> None:
        super().__init__(sample_id)
        self.label_id = label_id
        self.deltas = list(deltas)
        self.text = text
        self._painted = painted
        self.changed_pixels = sum(
            int(np.unpackbits(np.frombuffer(d.before, np.uint8) ^ np.frombuffer(d.after, np.uint8)).sum())
            for d in self.deltas
        )

    def _write(self, session: Session, use_after: bool) -> None:
        session.authorize()
        doc = session.document(self.sample_id)
        layer = doc.mask(self.label_id)
        box = None
        if not (use_after and self._painted):
            box = write(layer.array, self.deltas, use_after)
        self._painted = False
        save_mask(session, doc, self.label_id, self.text if use_after else f"undo {self.text}", self.changed_pixels)
        if box is not None:
            doc.mask_changed(self.label_id, box)

    def apply(self, session: Session) -> None:
        self._write(session, use_after=True)

    def revert(self, session: Session) -> None:
        self._write(session, use_after=False)

    @property
    def cost(self) -> int:
        return 256 + sum(d.nbytes for d in self.deltas)


class CompositeEdit(Edit):
    """Several edits of one sample as one gesture: one transaction, one undo step. Subclasses
    fill `parts` in the order they apply."""

    def __init__(self, sample_id: int) -> None:
        super().__init__(sample_id)
        self.parts: list[Edit] = []

    def apply(self, session: Session) -> None:
        with session.store.transaction():
            for part in self.parts:
                part.apply(session)

    def revert(self, session: Session) -> None:
        with session.store.transaction():
            for part in reversed(self.parts):
                part.revert(session)

    @property
    def cost(self) -> int:
        return sum(part.cost for part in self.parts)


class MoveMask(CompositeEdit):
    """A mask's class changed: one label's pixels join another label's mask and leave their
    own, as one gesture (one transaction, one undo step). Built from two tile-delta MaskEdits,
    so undo costs kilobytes like a stroke's."""

    def __init__(self, doc: SampleDocument, from_label: int, to_label: int) -> None:
        super().__init__(doc.sample_id)
        if from_label == to_label:
            raise InvalidInputError("a mask can only be moved to another label")
        source = doc.masks.get(from_label)
        box = occupied_box(source.array) if source is not None else None
        if source is None or box is None:
            raise InvalidInputError(f"sample {doc.sample_id} has no mask pixels for label {from_label}")
        target = doc.mask(to_label).array
        x0, y0, x1, y1 = box
        merged = target[y0:y1, x0:x1] | source.array[y0:y1, x0:x1]
        self.from_label, self.to_label = from_label, to_label
        self.text = "change mask label"
        self.parts = [
            MaskEdit(doc.sample_id, to_label, deltas_to(target, box, merged), self.text, False),
            MaskEdit(doc.sample_id, from_label, deltas_to(source.array, box, False), self.text, False),
        ]


def keep_within_budget(costs: Sequence[int], budget: int = DEFAULT_BUDGET_BYTES) -> int:
    """How many of the oldest edits to drop so the rest fit in `budget` (the newest always stays)."""
    total = sum(costs)
    drop = 0
    while total > budget and drop < len(costs) - 1:
        total -= costs[drop]
        drop += 1
    return drop
