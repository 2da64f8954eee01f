"""A detector version scores every sample: boxes as pre-labels, uncertainty for the queue.

Per sample the predictions row holds the boxes (JSON in `geometry`, the canvas's predictions
layer), the likeliest box's label and score, each class's best box score as the
"probabilities", and the image's uncertainty: the least confident box among those above
`UNCERTAIN_FLOOR` (a box at 0.5 is a coin toss, one at 0.05 or 0.95 is not), as
least_confidence = 1 - max(s, 1 - s) of that box, and the mean binary entropy of those
boxes. Samples still to label are also predicted changed (flipped, or zoomed out where the
project does not train with flips: ml/tta.py): how far the boxes move
(core/engine/tta_disagreement.py) is the localisation queue's key. On samples marked done,
`loss` counts the objects the model gets wrong at the pre-label threshold (missed + false +
wrong class): the mistakes ranking.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import torch

from s2ide.core.engine.detection_metrics import ImageBoxes, image_errors
from s2ide.core.engine.ml_settings import load_loop_settings
from s2ide.core.engine.tta_disagreement import box_disagreement
from s2ide.core.errors import ImageError
from s2ide.core.project import Project
from s2ide.core.store import Store
from s2ide.core.store.models import ModelVersion
from s2ide.core.tasks import TaskState
from s2ide.ml.detect.data import DONE_STATUSES, letterbox, shape_box
from s2ide.ml.detect.train import detect_images
from s2ide.ml.registry import load_network, read_train_ids, weights_path
from s2ide.ml.results import PredictResult
from s2ide.ml.tta import augment, boxes_back, pick_view

UNCERTAIN_FLOOR = 0.1
MAX_STORED = 100


def image_uncertainty(scores: np.ndarray) -> tuple[float, float]:
    """(least confidence in [0, 0.5], mean binary entropy in nats) of one image's boxes."""
    s = np.asarray(scores, dtype=np.float64)
    s = s[s >= UNCERTAIN_FLOOR]
    if len(s) == 0:
        return 0.0, 0.0
    confidence = np.maximum(s, 1 - s)
    p = np.clip(s, 1e-9, 1 - 1e-9)
    entropy = -(p * np.log(p) + (1 - p) * np.log(1 - p))
    return float(1 - confidence.min()), float(entropy.mean())


def boxes_json(boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray, label_ids: list[int]) -> str:
    """The boxes as prediction shapes (image pixels), best first."""
    order = np.argsort(-scores, kind="stable")[:MAX_STORED]
    shapes = []
    for i in order:
        x1, y1, x2, y2 = (float(v) for v in boxes[i])
        shapes.append(
            {
                "kind": "box",
                "label_id": int(label_ids[int(classes[i])]),
                "score": round(float(scores[i]), 4),
                "x": round(x1, 2),
                "y": round(y1, 2),
                "w": round(max(x2 - x1, 0.01), 2),
                "h": round(max(y2 - y1, 0.01), 2),
                "angle": 0.0,
            }
        )
    return json.dumps(shapes)


def truth_of(store: Store, sample_id: int, column: dict[int, int]) -> ImageBoxes:
    boxes, classes = [], []
    for annotation in store.annotations.for_sample(sample_id):
        box = shape_box(annotation.kind, annotation.geometry or {}) if annotation.kind != "tag" else None
        if box is not None and annotation.label_id in column:
            boxes.append(box)
            classes.append(column[annotation.label_id])
    return ImageBoxes(np.array(boxes, dtype=np.float64).reshape(-1, 4), np.array(classes, dtype=np.int64))


def needs_label(row: dict[str, Any]) -> bool:
    """A sample the queues rank (the localisation key is measured only for these)."""
    return row["status"] == "unlabeled" and row.get("label_id") is None and row["split"] != "test"


def predict_detector(
    project: Project, store: Store, model: ModelVersion, state: TaskState, batch_size: int, device: torch.device
) -> PredictResult:
    network = load_network(project, model, device)
    hyper = model.hyperparameters
    size = int(hyper["input_size"])
    in_training = set(read_train_ids(weights_path(project, model)))
    label_ids = model.label_ids
    column = {label_id: index for index, label_id in enumerate(label_ids)}
    threshold = load_loop_settings(store).confidence_threshold
    view = pick_view(store)
    rows = store.samples.rows()
    result = PredictResult(model.version, 0)
    batch_size = max(1, min(batch_size, 32))
    for start in range(0, len(rows), batch_size):
        state.check()
        chunk = rows[start : start + batch_size]
        images, scales, kept = [], [], []
        for row in chunk:
            try:
                image, scale, _ = letterbox(project.image_path(row["path"]), size)
            except ImageError as exc:
                result.skipped.append(str(exc))
                continue
            images.append(image)
            scales.append(scale)
            kept.append(row)
        if not kept:
            continue
        stacked = np.stack(images)
        found, feats = detect_images(network, stacked, hyper, batch_size)
        to_label = [i for i, row in enumerate(kept) if needs_label(row)]
        changed: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        if to_label:
            found_changed, _ = detect_images(network, augment(stacked[to_label], view), hyper, batch_size)
            changed = dict(zip(to_label, found_changed))
        records: list[dict[str, Any]] = []
        shapes: list[tuple[int, str]] = []
        unstable: list[tuple[int, float]] = []
        for i, row in enumerate(kept):
            boxes, scores, classes = found[i]
            if i in changed:
                other_boxes, other_scores, _ = changed[i]
                value = box_disagreement(boxes, scores, boxes_back(other_boxes, view, size), other_scores)
                unstable.append((row["id"], value))
            boxes = boxes / scales[i]
            per_class = np.zeros(len(label_ids), np.float32)
            for c, s in zip(classes, scores):
                per_class[int(c)] = max(per_class[int(c)], float(s))
            top = int(np.argmax(scores)) if len(scores) else -1
            least, entropy = image_uncertainty(scores)
            loss = None
            if row["status"] in DONE_STATUSES:
                truth = truth_of(store, row["id"], column)
                missed, false, wrong = image_errors(truth, ImageBoxes(boxes, classes, scores), threshold)
                loss = float(missed + false + wrong)
            records.append(
                {
                    "sample_id": row["id"],
                    "label_id": int(label_ids[int(classes[top])]) if top >= 0 else None,
                    "score": float(scores[top]) if top >= 0 else None,
                    "probabilities": per_class,
                    "least_confidence": least,
                    "margin": 1.0 - 2.0 * least,
                    "entropy": entropy,
                    "loss": loss,
                    "embedding": feats[i],
                    "in_training": row["id"] in in_training,
                }
            )
            shapes.append((row["id"], boxes_json(boxes, scores, classes, label_ids)))
        with store.transaction():
            store.predictions.put_many(model.version, records)
            store.predictions.put_geometry(model.version, shapes)
            store.predictions.put_localisation(model.version, unstable)
        result.count += len(records)
        state.report(min(start + batch_size, len(rows)), len(rows), f"predicting with {model.version}")
    return result
