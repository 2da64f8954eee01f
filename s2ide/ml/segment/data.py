"""Segmentation training data: the masks and polygons of the samples marked done, as one
class map per image (0 background, c+1 for label column c), letterboxed like the detector's
images (long side to the input size; an 8K image is decoded downscaled, said in the notes).
Polygons are rasterised; where shapes overlap the later one wins. Boxes, points and lines are
not regions and are counted, not used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from s2ide.core.geometry import decode_mask
from s2ide.core.project import Project
from s2ide.core.store import Store
from s2ide.core.tasks import TaskState
from s2ide.ml.data import TrainingDataError, _unit_hash
from s2ide.ml.detect.data import DONE_STATUSES, letterbox


@dataclass
class MaskSplit:
    sample_ids: list[int] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.sample_ids)


@dataclass
class MaskSnapshot:
    label_map: list[dict[str, Any]]
    train: MaskSplit
    val: MaskSplit
    test: MaskSplit
    carved_val: bool
    unused: dict[str, int]
    polygons: int  # how many regions were drawn as polygons (polygon projects get polygons back)
    masks: int

    @property
    def names(self) -> list[str]:
        return [str(entry["name"]) for entry in self.label_map]


def take_mask_snapshot(project: Project, store: Store, val_fraction: float, seed: int = 0) -> MaskSnapshot:
    labels = store.labels.list()
    train, val, test = MaskSplit(), MaskSplit(), MaskSplit()
    unused: dict[str, int] = {}
    polygons = masks = 0
    for row in store.samples.rows():
        if row["status"] not in DONE_STATUSES:
            continue
        for annotation in store.annotations.for_sample(row["id"]):
            if annotation.kind == "polygon":
                polygons += 1
            elif annotation.kind == "mask":
                masks += 1
            elif annotation.kind != "tag":
                unused[annotation.kind] = unused.get(annotation.kind, 0) + 1
        target = {"val": val, "test": test}.get(row["split"], train)
        target.sample_ids.append(row["id"])
        target.paths.append(project.image_path(row["path"]))
    if len(train) == 0 or polygons + masks == 0:
        raise TrainingDataError(
            "no masks or polygons to learn from yet: paint or outline objects on a few train images"
            " and mark each done (Enter)"
        )
    carved = False
    if len(val) == 0 and len(train) >= 10:
        keep = MaskSplit()
        for sample_id, path in zip(train.sample_ids, train.paths):
            part = val if _unit_hash(sample_id, seed) < val_fraction else keep
            part.sample_ids.append(sample_id)
            part.paths.append(path)
        if len(keep) and len(val):
            train, carved = keep, True
        else:
            val = MaskSplit()
    label_map: list[dict[str, Any]] = [{"id": label.id, "name": label.name} for label in labels]
    return MaskSnapshot(label_map, train, val, test, carved, unused, polygons, masks)


def class_map(store: Store, sample_id: int, column: dict[int, int], width: int, height: int) -> np.ndarray:
    """uint8 (height, width): 0 background, column+1 where a mask or polygon of that label is."""
    canvas = Image.new("L", (width, height), 0)
    out = np.zeros((height, width), np.uint8)
    for annotation in store.annotations.for_sample(sample_id):
        if annotation.label_id not in column:
            continue
        value = column[annotation.label_id] + 1
        if annotation.kind == "mask" and annotation.data is not None:
            out[decode_mask(annotation.data, width, height)] = value
        elif annotation.kind == "polygon" and annotation.geometry:
            canvas.paste(0, (0, 0, width, height))
            draw = ImageDraw.Draw(canvas)
            # Every ring of the instance: a COCO object drawn as several polygons is their union
            # (as pycocotools merges them and the masks export draws them), not its first part.
            for ring in [annotation.geometry["points"], *annotation.geometry.get("rings", [])]:
                draw.polygon([(float(x), float(y)) for x, y in ring], fill=1)
            out[np.asarray(canvas, dtype=bool)] = value
    return out


def load_masks(
    store: Store, split: MaskSplit, column: dict[int, int], size: int, state: TaskState | None, message: str
) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """(uint8 images (n, 3, size, size), uint8 class maps (n, size, size), scales)."""
    images = np.zeros((len(split), 3, size, size), np.uint8)
    maps = np.zeros((len(split), size, size), np.uint8)
    scales = []
    for index, (sample_id, path) in enumerate(zip(split.sample_ids, split.paths)):
        if state is not None and index % 16 == 0:
            state.check()
            state.report(index, len(split), message)
        images[index], scale, (width, height) = letterbox(path, size)
        full = class_map(store, sample_id, column, width, height)
        shown = (max(1, round(width * scale)), max(1, round(height * scale)))
        small = np.asarray(Image.fromarray(full).resize(shown, Image.Resampling.NEAREST))
        maps[index, : small.shape[0], : small.shape[1]] = small
        scales.append(scale)
    return images, maps, scales
