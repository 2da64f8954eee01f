"""Detection training data from the store: the boxes of the samples marked done.

A sample counts once its labeler marked it done (the `labeled` or `reviewed` status): a box
drawn on an unfinished image says nothing about the objects not drawn yet. Each shape becomes
an axis-aligned box: boxes as drawn (rotated ones by their bounding box), polygons by their
bounding box; points, lines and masks are not boxes and are counted, not used. Images are
letterboxed: the long side scaled to the network's input size (an 8K photo is decoded
downscaled by the JPEG decoder itself), the rest padded. Boxes that end up smaller than
`MIN_BOX` input pixels cannot be found at the network's stride and are left out, counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps

from s2ide.core.errors import ImageError
from s2ide.core.io.images import open_image, read_bytes
from s2ide.core.project import Project
from s2ide.core.store import Store
from s2ide.core.tasks import TaskState
from s2ide.ml.data import TrainingDataError, _unit_hash

DONE_STATUSES = ("labeled", "reviewed")
MIN_BOX = 2.0  # input pixels: half the output stride


@dataclass
class BoxSplit:
    sample_ids: list[int] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    boxes: list[np.ndarray] = field(default_factory=list)  # (m, 4) x1y1x2y2 in image pixels
    classes: list[np.ndarray] = field(default_factory=list)  # (m,) column in the label map

    def __len__(self) -> int:
        return len(self.sample_ids)

    def add(self, sample_id: int, path: Path, boxes: np.ndarray, classes: np.ndarray) -> None:
        self.sample_ids.append(sample_id)
        self.paths.append(path)
        self.boxes.append(boxes)
        self.classes.append(classes)

    @property
    def box_count(self) -> int:
        return int(sum(len(b) for b in self.boxes))


@dataclass
class BoxSnapshot:
    label_map: list[dict[str, Any]]
    train: BoxSplit
    val: BoxSplit
    test: BoxSplit
    carved_val: bool
    unused: dict[str, int]  # shapes that are not boxes, by kind

    @property
    def names(self) -> list[str]:
        return [str(entry["name"]) for entry in self.label_map]


def shape_box(kind: str, geometry: dict[str, Any]) -> tuple[float, float, float, float] | None:
    """The axis-aligned x1y1x2y2 box of a box (rotated or not) or polygon; None for other kinds."""
    if kind == "box":
        x, y, w, h = (float(geometry[k]) for k in ("x", "y", "w", "h"))
        angle = math.radians(float(geometry.get("angle", 0.0) or 0.0))
        if abs(angle) < 1e-9:
            return x, y, x + w, y + h
        cx, cy = x + w / 2, y + h / 2
        cos, sin = abs(math.cos(angle)), abs(math.sin(angle))
        half_w, half_h = (w * cos + h * sin) / 2, (w * sin + h * cos) / 2
        return cx - half_w, cy - half_h, cx + half_w, cy + half_h
    if kind == "polygon":
        rings = [geometry["points"], *geometry.get("rings", [])]  # a multi-ring instance: all its parts
        points = np.asarray([p for ring in rings for p in ring], dtype=np.float64)
        return (
            float(points[:, 0].min()),
            float(points[:, 1].min()),
            float(points[:, 0].max()),
            float(points[:, 1].max()),
        )
    return None


def take_box_snapshot(project: Project, store: Store, val_fraction: float, seed: int = 0) -> BoxSnapshot:
    """Done samples and their boxes, sorted into train / val / test (see the module docstring)."""
    labels = store.labels.list()
    column = {label.id: index for index, label in enumerate(labels)}
    train, val, test = BoxSplit(), BoxSplit(), BoxSplit()
    unused: dict[str, int] = {}
    not_done_with_shapes = 0
    for row in store.samples.rows():
        annotations = None
        if row["status"] not in DONE_STATUSES:
            if row["status"] == "unlabeled":
                annotations = store.annotations.for_sample(row["id"])
                not_done_with_shapes += any(a.kind != "tag" for a in annotations)
            continue
        boxes, classes = [], []
        for annotation in annotations or store.annotations.for_sample(row["id"]):
            if annotation.kind == "tag":
                continue
            box = shape_box(annotation.kind, annotation.geometry or {})
            if box is None or annotation.label_id not in column:
                unused[annotation.kind] = unused.get(annotation.kind, 0) + 1
                continue
            boxes.append(box)
            classes.append(column[annotation.label_id])
        target = {"val": val, "test": test}.get(row["split"], train)
        target.add(
            row["id"],
            project.image_path(row["path"]),
            np.array(boxes, dtype=np.float32).reshape(-1, 4),
            np.array(classes, dtype=np.int64),
        )
    label_map: list[dict[str, Any]] = [{"id": label.id, "name": label.name} for label in labels]
    if train.box_count == 0:
        hint = (
            f" ({not_done_with_shapes} images have shapes but are not marked done: press Enter on each)"
            if not_done_with_shapes
            else ""
        )
        raise TrainingDataError(
            f"no boxes to learn from yet: draw boxes on a few train images and mark each done (Enter){hint}"
        )
    carved = False
    if len(val) == 0 and len(train) >= 10:
        keep = BoxSplit()
        for i, sample_id in enumerate(train.sample_ids):
            part = val if _unit_hash(sample_id, seed) < val_fraction else keep
            part.add(sample_id, train.paths[i], train.boxes[i], train.classes[i])
        if keep.box_count and len(val):
            train, carved = keep, True
        else:
            val = BoxSplit()
    return BoxSnapshot(label_map, train, val, test, carved, unused)


def letterbox(path: Path, size: int) -> tuple[np.ndarray, float, tuple[int, int]]:
    """(uint8 (3, size, size), scale, (width, height) of the image) with the long side scaled to
    `size` and the rest padded with zeros; ImageError naming the file on any problem."""
    data = read_bytes(path)
    image = open_image(path, data)
    try:
        image.draft("RGB", (size, size))  # JPEG: decode at 1/2..1/8 scale when that is enough
        image = ImageOps.exif_transpose(image)
        if image.mode != "RGB":
            image = (
                image.convert("RGBA").convert("RGB") if "A" in image.mode or image.mode == "P" else image.convert("RGB")
            )
        full = _full_size(image, path)
        scale = size / max(full)
        shown = (max(1, round(full[0] * scale)), max(1, round(full[1] * scale)))
        image = image.resize(shown, Image.Resampling.BILINEAR)
        array = np.asarray(image, dtype=np.uint8)
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise ImageError(f"{path}: truncated or corrupt image data ({exc})") from exc
    out = np.zeros((3, size, size), np.uint8)
    out[:, : array.shape[0], : array.shape[1]] = np.transpose(array, (2, 0, 1))
    return out, scale, full


def _full_size(image: Image.Image, path: Path) -> tuple[int, int]:
    """The displayed size before any draft reduction (boxes are in these pixels)."""
    with Image.open(path) as original:
        width, height = original.size
        orientation = original.getexif().get(0x0112, 1)
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def load_split(
    split: BoxSplit, size: int, state: TaskState | None, message: str
) -> tuple[np.ndarray, list[np.ndarray], list[float], list[tuple[int, int]], int]:
    """Letterboxed images, boxes in input pixels (tiny ones dropped), scales, image sizes, and
    how many boxes were too small."""
    images = np.zeros((len(split), 3, size, size), np.uint8)
    boxes_out: list[np.ndarray] = []
    scales: list[float] = []
    sizes: list[tuple[int, int]] = []
    tiny = 0
    for index, path in enumerate(split.paths):
        if state is not None and index % 16 == 0:
            state.check()
            state.report(index, len(split), message)
        images[index], scale, full = letterbox(path, size)
        scaled = split.boxes[index] * scale
        big = ((scaled[:, 2] - scaled[:, 0]) >= MIN_BOX) & ((scaled[:, 3] - scaled[:, 1]) >= MIN_BOX)
        tiny += int((~big).sum())
        boxes_out.append(np.concatenate([scaled[big], split.classes[index][big, None].astype(np.float32)], axis=1))
        scales.append(scale)
        sizes.append(full)
    return images, boxes_out, scales, sizes, tiny
