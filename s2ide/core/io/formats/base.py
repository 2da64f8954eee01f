"""What a format reader produces: a plan of images and their annotations, not yet applied.

Readers only parse; `core.importing.run_import` applies a plan in one transaction, so every
format shares the same duplicate, merge and bad-file rules. Nothing a source holds is lost
silently: an annotation a reader cannot keep is counted in `ImportPlan.refused` with its
reason, and an identical copy of a shape already on the same image is counted, not stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from s2ide.core.store.skeletons import Skeleton


def shown(path: Any) -> str:
    """A path or name as one printable line: control characters (a newline in a file name) escaped."""
    text = str(path)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


@dataclass
class PlannedAnnotation:
    """A shape in image pixels, as in `core.geometry` (kind box/polygon/point/line/mask).

    `origin` says where it came from ("instances.json: annotations[12]") so a problem found
    when it is applied can name the file and key. `attributes` are the source's own flags
    (iscrowd, truncated, difficult, occluded, group_id, free-form), kept with the shape.
    """

    kind: str
    label: str
    geometry: dict[str, Any] | None = None
    data: bytes | None = None
    origin: str = ""
    attributes: dict[str, Any] | None = None
    # Keypoints from a source that names each point (labelme point labels): the import puts
    # them in the order of the label's skeleton, whatever order the file has.
    names: list[str] | None = None

    def key(self) -> tuple[Any, ...]:
        """Identity for "the same shape twice on one image" (exact equality)."""
        g = self.geometry
        if self.kind == "box" and g is not None and not self.attributes and self.data is None:
            return ("box", self.label, g["x"], g["y"], g["w"], g["h"], g.get("angle", 0.0))  # the hot path
        geom = json.dumps(g, sort_keys=True) if g is not None else ""
        attrs = json.dumps(self.attributes, sort_keys=True) if self.attributes else ""
        names = tuple(self.names) if self.names else ()
        return (self.kind, self.label, geom, hash(self.data) if self.data is not None else 0, attrs, names)


@dataclass
class ImportItem:
    source: Path
    tag: str | None = None
    split: str | None = None
    annotations: list[PlannedAnnotation] = field(default_factory=list)
    # The image size the annotation file declares (width, height). When set, the import checks
    # it against the real image.
    declared_size: tuple[int, int] | None = None
    origin: str = ""
    # Identical copies of a shape already planned for this image: counted, never stored twice
    # (a file with a million copies of one box must not fill memory).
    duplicates: int = 0
    # Image bytes carried inside the annotation file (labelme `imageData`) when no image file
    # is beside it; the import saves them into the project.
    embedded: bytes | None = None
    _keys: set[tuple[Any, ...]] | None = field(default=None, repr=False)

    def add(self, ann: PlannedAnnotation) -> None:
        if self._keys is None:
            self._keys = {a.key() for a in self.annotations}
        key = ann.key()
        if key in self._keys:
            self.duplicates += 1
            return
        self._keys.add(key)
        self.annotations.append(ann)

    def extend(self, anns: list[PlannedAnnotation]) -> None:
        for ann in anns:
            self.add(ann)


@dataclass
class ImportPlan:
    format: str
    root: Path
    items: list[ImportItem] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    # Annotations of the source that no item carries: (count, why, where), e.g.
    # (3, "the image path leads outside the dataset folder", "instances.json: images[4]").
    refused: list[tuple[int, str, str]] = field(default_factory=list)
    # Which layout the reader recognised ("COCO (Roboflow export)"), said in the preview.
    layout: str = ""
    keypoint_dims: int | None = None  # YOLO pose: values per keypoint from kpt_shape (2 or 3)
    # Keypoint names and edges per label name (COCO categories[].keypoints/skeleton, CVAT skeletons).
    skeletons: dict[str, Skeleton] = field(default_factory=dict)

    def name_skeletons(self) -> None:
        """Labels whose keypoints come named (labelme, Label Studio) get a skeleton of every name
        their shapes use, first seen first, unless the source gave one."""
        names: dict[str, list[str]] = {}
        for item in self.items:
            for ann in item.annotations:
                if ann.kind == "keypoints" and ann.names:
                    known = names.setdefault(ann.label, [])
                    known += [n for n in ann.names if n not in known]
        for label, found in names.items():
            self.skeletons.setdefault(label, Skeleton(found))

    def refuse(self, count: int, why: str, where: str) -> None:
        """`count` annotations of the source (or a file with none) are not imported, and why."""
        if count > 0:
            self.refused.append((count, why, shown(where)))
        else:
            self.problems.append(f"{shown(where)}: {why}" if where else why)

    @property
    def label_names(self) -> set[str]:
        names = set(self.labels)
        for item in self.items:
            if item.tag:
                names.add(item.tag)
            names.update(a.label for a in item.annotations)
        return names

    @property
    def annotation_count(self) -> int:
        """Shapes the plan will try to apply (identical copies on one image already left out)."""
        return sum(len(item.annotations) for item in self.items)

    @property
    def duplicate_count(self) -> int:
        return sum(item.duplicates for item in self.items)

    @property
    def refused_count(self) -> int:
        return sum(count for count, _, _ in self.refused)

    @property
    def source_count(self) -> int:
        """Every shape the source holds: planned + identical copies + refused by the reader."""
        return self.annotation_count + self.duplicate_count + self.refused_count
