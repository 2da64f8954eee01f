"""Applying imported shapes (box, polygon, line, point, mask) to samples in an open transaction.

The rule for images that already have shapes: `merge` (the default) keeps every existing
shape and adds the imported ones that are not already there; `replace` removes the existing
shapes first; `skip` leaves the image as it is. A human edit is therefore never overwritten
unless the user chose `replace`. Instances stay instances: two masks of one label on one image
are two annotations. Shapes are checked against the real image size here: one reaching past
an edge is clipped to the image and counted, one wholly outside is not added and counted; a
broken file raises ImportFormatError so the caller's transaction rolls back. Every shape of
the source ends up added or counted in the report with its reason; none is lost silently.
New shapes are written in one batch (`ShapeBatch.flush`), not one statement each.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from s2ide.core import geometry
from s2ide.core.colors import default_color, default_hotkey
from s2ide.core.errors import ImportFormatError, InvalidInputError
from s2ide.core.io import clipping
from s2ide.core.io.formats.base import ImportItem, PlannedAnnotation, shown
from s2ide.core.io.import_options import ImportOptions, ImportReport
from s2ide.core.store import Store
from s2ide.core.store.skeletons import Skeleton

TOLERANCE = 1e-3  # pixels: shapes closer than this are the same shape (a re-import of an export)


@dataclass
class LabelResolver:
    """Label names to ids, creating unknown ones or counting what was skipped, as chosen."""

    store: Store
    labels: dict[str, int]
    unknown: str  # "create" or "skip"
    created: list[str]
    skipped: Counter[str] = field(default_factory=Counter)
    # label id -> how many points its skeleton names (keypoints of another count are refused)
    keypoint_counts: dict[int, int] = field(default_factory=dict)
    _skeletons: dict[int, Skeleton] = field(default_factory=dict)  # read once per label

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

    def skeletons(self, skeletons: dict[str, Skeleton], report: ImportReport) -> None:
        """The file's skeletons become its labels' own; a label that has one already keeps it
        (said in the report when the names differ)."""
        self.keypoint_counts.update({k: len(v.names) for k, v in self.store.skeletons.all().items()})
        for name, skeleton in skeletons.items():
            label_id = self.resolve(name)
            if label_id is None:
                continue
            current = self.store.skeletons.get(label_id)
            if current is None:
                self.store.skeletons.set(label_id, skeleton)
                self.keypoint_counts[label_id] = len(skeleton.names)
            elif current.names != skeleton.names:
                report.skipped.append(
                    f"label {name!r} keeps its keypoint names {current.names} (the source names {skeleton.names})"
                )

    def ordered(self, label_id: int, ann: PlannedAnnotation) -> dict[str, Any] | None:
        """Named keypoints in the order of the label's skeleton (unnamed skeleton points not
        labelled); None when a name is not in it. A label without a skeleton takes these names."""
        geom = ann.geometry or {}
        if ann.names is None:
            return geom
        known = self._skeletons.get(label_id) or self.store.skeletons.get(label_id)
        if known is None:
            known = Skeleton(list(ann.names))
            self.store.skeletons.set(label_id, known)
            self.keypoint_counts[label_id] = len(ann.names)
        self._skeletons[label_id] = known
        if known.names == ann.names:
            return geom
        if any(name not in known.names for name in ann.names):
            return None
        by_name = dict(zip(ann.names, geom["points"], strict=True))
        return {"points": [by_name.get(name, [0.0, 0.0, 0]) for name in known.names]}

    def keypoints_fit(self, label_id: int, count: int) -> bool:
        """Whether `count` points fit the label's skeleton; a label without one gets "1".."count"."""
        known = self.keypoint_counts.get(label_id)
        if known is None:
            self.store.skeletons.set(label_id, Skeleton([str(i + 1) for i in range(count)]))
            self.keypoint_counts[label_id] = known = count
        return known == count

    def messages(self) -> list[str]:
        return [
            f"unknown label {name!r}: {count} annotation(s) not added (unknown labels are skipped)"
            for name, count in sorted(self.skipped.items())
        ]


UNKNOWN_LABEL = "unknown label (unknown labels are skipped)"


def _check(item: ImportItem, size: tuple[int, int], report: ImportReport) -> list[PlannedAnnotation]:
    """The item's shapes fitted to the real image: clipped where they reach past an edge,
    left out (and counted) where nothing of them is inside."""
    where_item = item.origin or str(item.source)
    if item.declared_size is not None and tuple(item.declared_size) != size:
        dw, dh = item.declared_size
        raise ImportFormatError(
            f"{shown(where_item)}: declares a {dw}x{dh} image, but {shown(item.source.name)} is {size[0]}x{size[1]}"
        )
    out: list[PlannedAnnotation] = []
    outside = reaching = 0
    for ann in item.annotations:
        if ann.kind == "mask":
            where = shown(ann.origin or where_item)
            if ann.data is None:
                raise ImportFormatError(f"{where}: mask without pixel data")
            try:
                geometry.decode_mask(ann.data, *size)
            except InvalidInputError as exc:
                raise ImportFormatError(f"{where}: {exc}") from exc
            out.append(ann)
            continue
        if ann.geometry is None:
            out.append(ann)
            continue
        fitted, changed = clipping.clip(ann.kind, ann.geometry, size)
        if fitted is None:
            outside += 1
            continue
        if changed:
            report.annotations_clipped += 1
            ann = PlannedAnnotation(ann.kind, ann.label, fitted, ann.data, ann.origin, ann.attributes, ann.names)
        elif clipping.reaches_out(ann.kind, fitted, size):
            reaching += 1
        out.append(ann)
    report.not_added(outside, f"wholly outside the {size[0]}x{size[1]} image", shown(item.source))
    if reaching:
        report.skipped.append(
            f"{shown(item.source)}: {reaching} rotated box(es) reach past the image edge (kept as drawn)"
        )
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
            if any(
                abs(p[0] - q[0]) > TOLERANCE or abs(p[1] - q[1]) > TOLERANCE or p[2:] != q[2:]  # keypoints' visibility
                for p, q in zip(va, vb)
            ):
                return False
        elif isinstance(va, (int, float)) and isinstance(vb, (int, float)):
            if abs(va - vb) > TOLERANCE:
                return False
        elif va != vb:
            return False
    return True


@dataclass
class ShapeBatch:
    """New shapes of many samples, written with one executemany when the import ends."""

    rows: list[tuple[int, str, int, dict[str, Any] | None, bytes | None, dict[str, Any] | None]] = field(
        default_factory=list
    )
    # (sample_id, first row, end row, shapes removed first, mark the sample labeled)
    samples: list[tuple[int, int, int, list[dict[str, Any]], bool]] = field(default_factory=list)

    def flush(self, store: Store, options: ImportOptions, mark_labeled: bool = True) -> int:
        """Write the shapes; returns how many samples were marked labeled (done) by them."""
        ids = store.annotations.add_many(self.rows, options.user, source="import")
        labeled: list[int] = []
        audit: list[tuple[Any, Any, Any]] = []
        for sample_id, start, end, before, mark in self.samples:
            added = ids[start:end]
            if mark and added and mark_labeled:
                labeled.append(sample_id)
            if not added and not before:
                continue
            after = {"sample_id": sample_id, "added": added, "updated": [], "rule": options.on_existing}
            audit.append((sample_id, {"annotations": before} if before else None, after))
        store.samples.set_status_many(labeled, "labeled")
        store.audit.record_many(options.user, "import annotations", "sample", audit)
        self.rows.clear()
        self.samples.clear()
        return len(labeled)


def apply_shapes(
    store: Store,
    sample_id: int,
    item: ImportItem,
    resolver: LabelResolver,
    options: ImportOptions,
    report: ImportReport,
    batch: ShapeBatch,
    *,
    size: tuple[int, int],
    status: str,
    fresh: bool = False,
) -> None:
    """Plan the item's shapes for the sample under the merge/replace/skip rule (written by `batch`).

    `fresh`: the sample was added by this import, so it has no shapes yet (no query needed).
    """
    where = shown(item.source)
    report.not_added(item.duplicates, "identical copies of a shape on the same image", where)
    if not item.annotations:
        return
    planned = _check(item, size, report)
    existing = [] if fresh else [a for a in store.annotations.for_sample(sample_id) if a.kind != "tag"]
    if existing and options.on_existing == "skip":
        report.not_added(len(planned), f"the image has {len(existing)} annotation(s) already (skip chosen)", where)
        return
    before: list[dict[str, Any]] = []
    if existing and options.on_existing == "replace":
        for old in existing:
            before.append(old.summary())
            store.annotations.delete(old.id)
        report.annotations_removed += len(existing)
        existing = []

    start = len(batch.rows)
    unknown = already = misfit = 0
    for ann in planned:
        label_id = resolver.resolve(ann.label)
        if label_id is None:
            unknown += 1
            continue
        if ann.kind == "keypoints":
            ordered = resolver.ordered(label_id, ann)
            if ordered is None or not resolver.keypoints_fit(label_id, len(ordered["points"])):
                misfit += 1
                continue
            ann = PlannedAnnotation(ann.kind, ann.label, ordered, ann.data, ann.origin, ann.attributes)
        if existing:
            if ann.kind == "mask":
                if any(old.kind == "mask" and old.label_id == label_id and old.data == ann.data for old in existing):
                    already += 1
                    continue
            elif any(
                old.label_id == label_id and _same(old.kind, old.geometry, ann.kind, ann.geometry) for old in existing
            ):
                already += 1
                continue
        batch.rows.append((sample_id, ann.kind, label_id, ann.geometry, ann.data, ann.attributes))
    report.not_added(unknown, UNKNOWN_LABEL, line=False)  # named per label by LabelResolver.messages
    report.not_added(already, "the same shape is in the project already", where)
    report.not_added(misfit, "keypoints that do not fit their label's skeleton (number or names)", where)
    end = len(batch.rows)
    report.annotations_added += end - start
    batch.samples.append((sample_id, start, end, before, status in ("unlabeled", "skipped")))
