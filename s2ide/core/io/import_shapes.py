"""Applying imported shapes (box, polygon, line, point, mask) to samples in an open transaction.

The rule for images that already have shapes: `merge` (the default) keeps every existing
shape and adds the imported ones that are not already there (masks of one label are united);
`replace` removes the existing shapes first; `skip` leaves the image as it is. A human edit is
therefore never overwritten unless the user chose `replace`. Shapes are checked against the
real image size here, and any problem raises ImportFormatError so the caller's transaction
rolls back and the project is unchanged.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from s2ide.core import geometry
from s2ide.core.colors import default_color, default_hotkey
from s2ide.core.errors import ImportFormatError, InvalidInputError
from s2ide.core.io.formats import checks
from s2ide.core.io.formats.base import ImportItem, PlannedAnnotation
from s2ide.core.io.import_options import ImportOptions, ImportReport
from s2ide.core.store import Store

TOLERANCE = 1e-3  # pixels: shapes closer than this are the same shape (a re-import of an export)


@dataclass
class LabelResolver:
    """Label names to ids, creating unknown ones or counting what was skipped, as chosen."""

    store: Store
    labels: dict[str, int]
    unknown: str  # "create" or "skip"
    created: list[str]
    skipped: Counter[str] = field(default_factory=Counter)

    def resolve(self, name: str) -> int | None:
        label_id = self.labels.get(name)
        if label_id is not None:
            return label_id
        if self.unknown == "skip":
            self.skipped[name] += 1
            return None
        index = len(self.labels)
        key = default_hotkey(index)
        if key is not None and self.store.labels.hotkey_owner(key) is not None:
            key = None
        try:
            label_id = self.store.labels.create(name, default_color(index), key).id
        except InvalidInputError as exc:
            raise ImportFormatError(f"cannot create label {name!r}: {exc}") from exc
        self.labels[name] = label_id
        self.created.append(name)
        return label_id

    def declare(self, names: list[str]) -> None:
        """Create the file's own class list up front, in its order, so class ids survive a round trip."""
        if self.unknown == "create":
            for name in names:
                if name.strip():
                    self.resolve(name.strip())

    def messages(self) -> list[str]:
        return [
            f"unknown label {name!r}: {count} annotation(s) skipped" for name, count in sorted(self.skipped.items())
        ]


def _check(item: ImportItem, size: tuple[int, int]) -> list[PlannedAnnotation]:
    where_item = item.origin or str(item.source)
    if item.declared_size is not None and tuple(item.declared_size) != size:
        dw, dh = item.declared_size
        raise ImportFormatError(
            f"{where_item}: declares a {dw}x{dh} image, but {item.source.name} is {size[0]}x{size[1]}"
        )
    if item.declared_size is not None:
        return item.annotations  # the reader checked them against this very size
    out = []
    for ann in item.annotations:
        where = ann.origin or where_item
        checked = checks.shape(ann.kind, ann.label, ann.geometry, where, size, ann.data)
        if ann.kind == "mask":
            if ann.data is None:
                raise ImportFormatError(f"{where}: mask without pixel data")
            try:
                geometry.decode_mask(ann.data, *size)
            except InvalidInputError as exc:
                raise ImportFormatError(f"{where}: {exc}") from exc
        out.append(checked)
    return out


def _same(a_kind: str, a: dict[str, Any] | None, b_kind: str, b: dict[str, Any] | None) -> bool:
    if a_kind != b_kind or a is None or b is None:
        return False
    if a.keys() != b.keys():
        return False
    for key in a:
        va, vb = a[key], b[key]
        if key == "points":
            if len(va) != len(vb):
                return False
            if any(abs(p[0] - q[0]) > TOLERANCE or abs(p[1] - q[1]) > TOLERANCE for p, q in zip(va, vb)):
                return False
        elif isinstance(va, (int, float)) and isinstance(vb, (int, float)):
            if abs(va - vb) > TOLERANCE:
                return False
        elif va != vb:
            return False
    return True


def _union(masks: list[bytes], size: tuple[int, int]) -> bytes:
    merged = np.zeros((size[1], size[0]), dtype=bool)
    for data in masks:
        merged |= geometry.decode_mask(data, *size)
    return geometry.encode_mask(merged)


def apply_shapes(
    store: Store,
    sample_id: int,
    item: ImportItem,
    resolver: LabelResolver,
    options: ImportOptions,
    report: ImportReport,
) -> None:
    """Add the item's shapes to the sample under the merge/replace/skip rule, with one audit row."""
    if not item.annotations:
        return
    sample = store.samples.get(sample_id)
    size = (sample.width, sample.height)
    planned = _check(item, size)
    existing = [a for a in store.annotations.for_sample(sample_id) if a.kind != "tag"]
    if existing and options.on_existing == "skip":
        report.skipped.append(
            f"{item.source}: has {len(existing)} annotation(s) already; {len(planned)} imported shape(s) not applied"
        )
        return
    before: list[dict[str, Any]] = []
    if existing and options.on_existing == "replace":
        for old in existing:
            before.append(old.summary())
            store.annotations.delete(old.id)
        report.annotations_removed += len(existing)
        existing = []

    resolved: list[tuple[PlannedAnnotation, int]] = []
    for ann in planned:
        label_id = resolver.resolve(ann.label)
        if label_id is not None:
            resolved.append((ann, label_id))

    added: list[int] = []
    # Masks: one per (sample, label); imported masks of a label are united, and merged into
    # an existing mask of that label rather than replacing it.
    masks: dict[int, list[bytes]] = {}
    for ann, label_id in resolved:
        if ann.kind == "mask":
            assert ann.data is not None
            masks.setdefault(label_id, []).append(ann.data)
            continue
        if any(old.label_id == label_id and _same(old.kind, old.geometry, ann.kind, ann.geometry) for old in existing):
            continue
        added.append(
            store.annotations.add(sample_id, ann.kind, label_id, options.user, geometry=ann.geometry, source="import")
        )
    updated: list[int] = []
    for label_id, datas in masks.items():
        old_mask = next((a for a in existing if a.kind == "mask" and a.label_id == label_id), None)
        geom = {"encoding": "png", "width": size[0], "height": size[1]}
        if old_mask is not None and old_mask.data is not None:
            merged = _union([old_mask.data, *datas], size)
            if merged != old_mask.data:
                before.append(old_mask.summary())
                store.annotations.update(old_mask.id, data=merged, geometry=geom)
                updated.append(old_mask.id)
            continue
        data = datas[0] if len(datas) == 1 else _union(datas, size)
        added.append(
            store.annotations.add(sample_id, "mask", label_id, options.user, geometry=geom, data=data, source="import")
        )
    report.annotations_added += len(added) + len(updated)
    if not added and not updated and not before:
        return
    if (added or updated) and sample.status in ("unlabeled", "skipped"):
        store.samples.set_status(sample_id, "labeled")
    store.audit.record(
        options.user,
        "import annotations",
        "sample",
        sample_id,
        {"annotations": before} if before else None,
        {"sample_id": sample_id, "added": added, "updated": updated, "rule": options.on_existing},
    )
