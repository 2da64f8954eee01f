"""A segmenter version scores every sample: instances as pre-labels, pixel entropy for the queue.

The class map is predicted at the input size, cropped out of the letterbox, cleaned of small
slivers of another class inside a region (ml/segment/cleanup.py) and enlarged to the image
(nearest); each class's connected components of at least MIN_PIXELS become instances,
scored by their mean class probability. Stored as prediction shapes: one mask (a 1-bit PNG of
the image) per instance, or, in projects whose regions were drawn as polygons, the instance's
outer contour simplified to a polygon. Uncertainty is the mean pixel entropy over the predicted
foreground (normalised by log(classes + 1)); on samples marked done `loss` counts missed plus
false objects (components matched at IoU 0.5): the mistakes ranking. Samples still to label
are also predicted changed (flipped, or zoomed out where the project does not train with
flips: ml/tta.py): how far the instances move at the input size
(core/engine/tta_disagreement.py) is the localisation queue's key.
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any

import cv2
import numpy as np
import torch
from PIL import Image

from s2ide.core.engine.segmentation_metrics import object_errors
from s2ide.core.engine.tta_disagreement import instance_disagreement
from s2ide.core.errors import ImageError
from s2ide.core.geometry import encode_mask
from s2ide.core.project import Project
from s2ide.core.store import Store
from s2ide.core.store.models import ModelVersion
from s2ide.core.tasks import TaskState
from s2ide.ml.detect.data import DONE_STATUSES, letterbox
from s2ide.ml.detect.predict import needs_label
from s2ide.ml.registry import load_network, read_train_ids, weights_path
from s2ide.ml.results import PredictResult
from s2ide.ml.segment.cleanup import absorb_fragments
from s2ide.ml.segment.data import class_map
from s2ide.ml.segment.train import segment_images
from s2ide.ml.tta import augment, pick_view, probabilities_back

MIN_PIXELS = 16
MAX_INSTANCES = 50


def components(class_map_: np.ndarray, classes: int) -> tuple[np.ndarray, dict[int, int]]:
    """(instance id map (h, w) int32, instance id -> class column) from a class map."""
    out = np.zeros(class_map_.shape, np.int32)
    owner: dict[int, int] = {}
    next_id = 1
    for c in range(1, classes + 1):
        mask = (class_map_ == c).astype(np.uint8)
        if not mask.any():
            continue
        count, labels = cv2.connectedComponents(mask, connectivity=8)
        for part in range(1, count):
            where = labels == part
            if int(where.sum()) < MIN_PIXELS:
                continue
            out[where] = next_id
            owner[next_id] = c - 1
            next_id += 1
    return out, owner


def polygon_of(mask: np.ndarray) -> list[list[float]] | None:
    """The largest outer contour of a mask, simplified to within a pixel; None if too small."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    contour = max(contours, key=cv2.contourArea)
    simple = cv2.approxPolyDP(contour, 1.0, True)[:, 0, :]
    if len(simple) < 3:
        return None
    return [[float(x), float(y)] for x, y in simple]


def pixel_uncertainty(probs: np.ndarray) -> tuple[float, float]:
    """(normalised mean entropy over the predicted foreground, mean entropy in nats) of one
    image's (k+1, h, w) probabilities; 0 when nothing is predicted."""
    p = np.clip(probs, 1e-9, 1.0)
    entropy = -(p * np.log(p)).sum(axis=0)
    foreground = probs.argmax(axis=0) > 0
    if not foreground.any():
        return 0.0, 0.0
    mean = float(entropy[foreground].mean())
    return mean / math.log(probs.shape[0]), mean


def instances_json(
    instance_map: np.ndarray, owner: dict[int, int], scores: dict[int, float], label_ids: list[int], polygons: bool
) -> str:
    shapes: list[dict[str, Any]] = []
    for instance in sorted(owner, key=lambda i: -scores[i])[:MAX_INSTANCES]:
        mask = instance_map == instance
        entry: dict[str, Any] = {"label_id": int(label_ids[owner[instance]]), "score": round(scores[instance], 4)}
        if polygons:
            points = polygon_of(mask)
            if points is None:
                continue
            entry.update(kind="polygon", points=points)
        else:
            entry.update(kind="mask", png=base64.b64encode(encode_mask(mask)).decode("ascii"))
        shapes.append(entry)
    return json.dumps(shapes)


def predict_segmenter(
    project: Project, store: Store, model: ModelVersion, state: TaskState, batch_size: int, device: torch.device
) -> PredictResult:
    network = load_network(project, model, device)
    hyper = model.hyperparameters
    size = int(hyper["input_size"])
    polygons = hyper.get("output") == "polygon"
    in_training = set(read_train_ids(weights_path(project, model)))
    label_ids = model.label_ids
    column = {label_id: index for index, label_id in enumerate(label_ids)}
    k = len(label_ids)
    view = pick_view(store)
    rows = store.samples.rows()
    result = PredictResult(model.version, 0)
    batch_size = max(1, min(batch_size, 16))
    for start in range(0, len(rows), batch_size):
        state.check()
        chunk = rows[start : start + batch_size]
        images, metas, kept = [], [], []
        for row in chunk:
            try:
                image, scale, full = letterbox(project.image_path(row["path"]), size)
            except ImageError as exc:
                result.skipped.append(str(exc))
                continue
            images.append(image)
            metas.append((scale, full))
            kept.append(row)
        if not kept:
            continue
        stacked = np.stack(images)
        probs, feats = segment_images(network, stacked, hyper, batch_size)
        to_label = [i for i, row in enumerate(kept) if needs_label(row)]
        changed: dict[int, np.ndarray] = {}
        if to_label:
            probs_changed, _ = segment_images(network, augment(stacked[to_label], view), hyper, batch_size)
            back = probabilities_back(probs_changed, view)
            changed = {i: back[n] for n, i in enumerate(to_label)}
        records: list[dict[str, Any]] = []
        shapes: list[tuple[int, str]] = []
        unstable: list[tuple[int, float]] = []
        for i, row in enumerate(kept):
            scale, (width, height) = metas[i]
            shown_w, shown_h = max(1, round(width * scale)), max(1, round(height * scale))
            crop = probs[i][:, :shown_h, :shown_w]
            small = absorb_fragments(crop.argmax(axis=0).astype(np.uint8), k)
            if i in changed:
                other = absorb_fragments(changed[i][:, :shown_h, :shown_w].argmax(axis=0).astype(np.uint8), k)
                unstable.append((row["id"], instance_disagreement(components(small, k)[0], components(other, k)[0])))
            full_map = np.asarray(Image.fromarray(small).resize((width, height), Image.Resampling.NEAREST))
            instance_map, owner = components(full_map, k)
            confidence = crop.max(axis=0)
            small_instances = np.asarray(
                Image.fromarray(instance_map.astype(np.int32)).resize((shown_w, shown_h), Image.Resampling.NEAREST)
            )
            scores = {}
            for instance in owner:
                where = small_instances == instance
                scores[instance] = float(confidence[where].mean()) if where.any() else 0.5
            normalised, entropy = pixel_uncertainty(crop)
            per_class = np.array([crop[c + 1].max() if crop.size else 0.0 for c in range(k)], np.float32)
            loss = None
            if row["status"] in DONE_STATUSES:
                truth_map = class_map(store, row["id"], column, width, height)
                truth_instances, truth_owner = components(truth_map, k)
                missed, false = object_errors(truth_instances, truth_owner, instance_map, owner)
                loss = float(missed + false)
            top = max(owner, key=lambda i: scores[i]) if owner else None
            records.append(
                {
                    "sample_id": row["id"],
                    "label_id": int(label_ids[owner[top]]) if top is not None else None,
                    "score": scores[top] if top is not None else None,
                    "probabilities": per_class,
                    "least_confidence": normalised,
                    "margin": 1.0 - normalised,
                    "entropy": entropy,
                    "loss": loss,
                    "embedding": feats[i],
                    "in_training": row["id"] in in_training,
                }
            )
            shapes.append((row["id"], instances_json(instance_map, owner, scores, label_ids, polygons)))
        with store.transaction():
            store.predictions.put_many(model.version, records)
            store.predictions.put_geometry(model.version, shapes)
            store.predictions.put_localisation(model.version, unstable)
        result.count += len(records)
        state.report(min(start + batch_size, len(rows)), len(rows), f"predicting with {model.version}")
    return result
