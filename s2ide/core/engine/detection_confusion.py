"""A detector's or segmenter's confusion matrix over objects, with the images behind every cell.

Rows are the labeled class of an object, columns the predicted class; one extra row and column,
"background", hold what a square matrix of classes cannot: a predicted box over no labeled
object (row background: a spurious, false-positive box) and a labeled object no box found
(column background: missed). Off the diagonal among the classes are boxes in the right place
with the wrong class.

Per image, the model's boxes at or above the pre-label threshold (what labelers are shown),
best score first, each take the unmatched labeled box of any class with the highest IoU at or
above `iou` (0.5), the same matching as the mistakes ranking (`image_errors`). A segmenter's
objects are its instances (masks, polygons) and the labeled masks and polygons, matched by the
IoU of their pixels (core/engine/mask_objects.py). Only images marked done count: elsewhere a
missing object may just not be drawn yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from s2ide.core.engine.compare import ALL_SPLITS
from s2ide.core.engine.detection_metrics import ImageBoxes, box_iou
from s2ide.core.engine.mask_objects import ImageMasks, mask_iou, object_masks
from s2ide.core.engine.ml_settings import load_loop_settings
from s2ide.core.errors import S2Error
from s2ide.core.geometry import bounds
from s2ide.core.labeling.prediction_shapes import parse
from s2ide.core.store import Store

DONE = ("labeled", "reviewed")
BACKGROUND = "background"
MATCH_IOU = 0.5


@dataclass
class DetectionConfusion:
    version: str
    split: str
    label_names: list[str]  # the model's classes; index k (len) is background
    matrix: np.ndarray  # (k+1, k+1) object counts: rows labeled class, columns predicted class
    cells: dict[tuple[int, int], list[int]] = field(default_factory=dict)  # sample ids, most objects first
    images: int = 0
    score_floor: float = 0.5
    kind: str = "box"  # what the model draws: "box" (detector) or "mask" (segmenter)

    @property
    def plural(self) -> str:
        """What the model draws, plural: "boxes" or "masks"."""
        return "boxes" if self.kind == "box" else f"{self.kind}s"

    @property
    def names(self) -> list[str]:
        """Row and column names: the classes, then background."""
        return [*self.label_names, BACKGROUND]

    def cell_ids(self, true_index: int, predicted_index: int) -> list[int]:
        return list(self.cells.get((true_index, predicted_index), []))

    def cell_title(self, true_index: int, predicted_index: int) -> str:
        k = len(self.label_names)
        names = self.names
        if true_index == k and predicted_index == k:
            return f"{self.version}: nothing"
        if true_index == k:
            return f"{self.version}: spurious {names[predicted_index]} {self.plural} (over background)"
        if predicted_index == k:
            return f"{self.version}: missed {names[true_index]} objects"
        if true_index == predicted_index:
            return f"{self.version}: {names[true_index]} found"
        verb = "boxed" if self.kind == "box" else "masked"
        return f"{self.version}: {names[true_index]} {verb} as {names[predicted_index]}"

    def errors(self) -> dict[str, int]:
        """Objects missed, boxes spurious, boxes with the wrong class, boxes right."""
        k = len(self.label_names)
        inner = self.matrix[:k, :k]
        return {
            "missed": int(self.matrix[:k, k].sum()),
            "spurious": int(self.matrix[k, :k].sum()),
            "wrong_class": int(inner.sum() - np.trace(inner)),
            "correct": int(np.trace(inner)),
        }


def match_objects(
    truth: ImageBoxes | ImageMasks, det: ImageBoxes | ImageMasks, score_floor: float, iou: float = MATCH_IOU
) -> list[tuple[int, int]]:
    """(labeled class, predicted class) per object of one image, -1 standing for background:
    matched pairs, missed labeled objects (predicted -1) and spurious boxes (labeled -1).
    Boxes match by box IoU, a segmenter's masks and polygons by the IoU of their pixels."""
    n_det = len(det.classes)
    scores = np.asarray(det.scores if det.scores is not None else np.ones(n_det), dtype=np.float64)
    keep = scores >= score_floor
    order = np.argsort(-scores[keep], kind="mergesort")
    dt_classes = det.classes[keep][order]
    if isinstance(det, ImageMasks) and isinstance(truth, ImageMasks):
        ious = mask_iou(det.masks[keep][order], truth.masks)
    elif isinstance(det, ImageBoxes) and isinstance(truth, ImageBoxes):
        ious = box_iou(det.boxes[keep][order], truth.boxes)
    else:
        raise TypeError("labeled and predicted objects must be of one kind (boxes or masks)")
    n_truth = len(truth.classes)
    taken = np.zeros(n_truth, bool)
    pairs: list[tuple[int, int]] = []
    for d in range(len(dt_classes)):
        candidates = np.where(~taken & (ious[d] >= iou))[0] if n_truth else np.zeros(0, int)
        if len(candidates) == 0:
            pairs.append((-1, int(dt_classes[d])))
            continue
        g = int(candidates[np.argmax(ious[d, candidates])])
        taken[g] = True
        pairs.append((int(truth.classes[g]), int(dt_classes[d])))
    pairs.extend((int(truth.classes[g]), -1) for g in np.where(~taken)[0])
    return pairs


def _truth(store: Store, sample_id: int, column: dict[int, int]) -> ImageBoxes:
    boxes, classes = [], []
    for annotation in store.annotations.for_sample(sample_id):
        if annotation.kind not in ("box", "polygon") or annotation.label_id not in column:
            continue
        try:
            x, y, w, h = bounds(annotation.kind, annotation.geometry or {})
        except (S2Error, KeyError, TypeError, ValueError):
            continue
        boxes.append((x, y, x + w, y + h))
        classes.append(column[annotation.label_id])
    return ImageBoxes(np.array(boxes, dtype=np.float64).reshape(-1, 4), np.array(classes, dtype=np.int64))


def _predicted(text: str, width: int, height: int, column: dict[int, int]) -> ImageBoxes:
    boxes, classes, scores = [], [], []
    for shape in parse(text, None, None, width, height):
        if shape.kind not in ("box", "polygon") or shape.label_id not in column:
            continue
        try:
            x, y, w, h = bounds(shape.kind, shape.geometry)
        except (S2Error, KeyError, TypeError, ValueError):
            continue
        boxes.append((x, y, x + w, y + h))
        classes.append(column[shape.label_id])
        scores.append(1.0 if shape.score is None else float(shape.score))
    return ImageBoxes(
        np.array(boxes, dtype=np.float64).reshape(-1, 4), np.array(classes, dtype=np.int64), np.array(scores)
    )


def confusion_from(
    version: str,
    split: str,
    names: Sequence[str],
    images: Sequence[tuple[int, ImageBoxes, ImageBoxes] | tuple[int, ImageMasks, ImageMasks]],
    score_floor: float,
    iou: float = MATCH_IOU,
    kind: str = "box",
) -> DetectionConfusion:
    """The matrix and its cells from (sample id, labeled objects, predicted objects) per image."""
    k = len(names)
    matrix = np.zeros((k + 1, k + 1), dtype=np.int64)
    per_cell: dict[tuple[int, int], dict[int, int]] = {}
    for sample_id, truth, det in images:
        for labeled, predicted in match_objects(truth, det, score_floor, iou):
            cell = (k if labeled < 0 else labeled, k if predicted < 0 else predicted)
            matrix[cell] += 1
            counts = per_cell.setdefault(cell, {})
            counts[sample_id] = counts.get(sample_id, 0) + 1
    cells = {
        cell: [sample_id for sample_id, _n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
        for cell, counts in per_cell.items()
    }
    return DetectionConfusion(version, split, list(names), matrix, cells, len(images), score_floor, kind)


def _truth_masks(store: Store, sample_id: int, column: dict[int, int], width: int, height: int) -> ImageMasks:
    objects = [
        (a.kind, a.geometry, a.data, column[a.label_id], None)
        for a in store.annotations.for_sample(sample_id)
        if a.label_id in column and a.kind in ("mask", "polygon")
    ]
    return object_masks(objects, width, height)


def _predicted_masks(text: str, width: int, height: int, column: dict[int, int]) -> ImageMasks:
    objects = [
        (shape.kind, shape.geometry, shape.mask, column[shape.label_id], shape.score)
        for shape in parse(text, None, None, width, height)
        if shape.label_id in column
    ]
    return object_masks(objects, width, height)


def image_objects(store: Store, version: str, split: str) -> tuple[list[str], list, str]:
    """(class names, [(sample id, labeled objects, predicted objects)] over the done images of
    `split` that `version` predicted, "box" or "mask"): what the confusion and the version
    comparison match."""
    model = store.models.get(version)
    column = {label_id: index for index, label_id in enumerate(model.label_ids)}
    names = [str(entry.get("name", entry.get("id"))) for entry in model.label_map]
    geometry = store.predictions.geometry_of(version)
    segmenter = model.task == "segment"
    images: list = []
    for row in store.samples.rows():
        if row["status"] not in DONE or row["id"] not in geometry:
            continue
        if split != ALL_SPLITS and row["split"] != split:
            continue
        width, height = int(row["width"] or 0), int(row["height"] or 0)
        if segmenter:
            truth_masks = _truth_masks(store, row["id"], column, width, height)
            images.append((row["id"], truth_masks, _predicted_masks(geometry[row["id"]], width, height, column)))
        else:
            truth = _truth(store, row["id"], column)
            images.append((row["id"], truth, _predicted(geometry[row["id"]], width, height, column)))
    return names, images, "mask" if segmenter else "box"


def detection_confusion(
    store: Store, version: str, split: str = "test", iou: float = MATCH_IOU, score_floor: float | None = None
) -> DetectionConfusion:
    """The confusion of detector or segmenter `version` over the done images of `split` ("all":
    every split) that it predicted, at the project's pre-label threshold unless `score_floor`
    is given. A segmenter's objects are its instances (masks, polygons), matched by pixels."""
    floor = load_loop_settings(store).confidence_threshold if score_floor is None else score_floor
    names, images, kind = image_objects(store, version, split)
    return confusion_from(version, split, names, images, floor, iou, kind)
