"""Localisation disagreement: how much a detector's boxes (or a segmenter's instances) move when
the image is shown changed (test-time augmentation), a queue key for detect and segment projects.

A model that knows where an object is finds it in the same place in a mirrored or zoomed copy
of the image; one that is guessing moves its boxes, drops some and finds others. The model
predicts the image and the changed copy (its shapes mapped back, s2ide/ml/tta.py); the shapes at
or above a score floor are matched greedily by IoU whatever their class (the measure is about
where, the class's doubt has its own queues; best pair first, each shape once, pairs under
MIN_MATCH_IOU left unmatched), and

    disagreement = (1 - mean IoU of the matched pairs) + number of unmatched shapes

(the first term is 1 when nothing matches although there are shapes, 0 when neither pass found
any). Unstable images score high; an image both passes agree on scores near 0. Plain numpy so
the queue's order can be tested on hand-made boxes.
"""

from __future__ import annotations

import numpy as np

from s2ide.core.engine.detection_metrics import box_iou

MIN_MATCH_IOU = 0.1
SCORE_FLOOR = 0.25  # fainter boxes come and go under any change; counting them is noise


def instance_iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every instance of id map `a` with every instance of id map `b` (same shape, 0 is
    background, instances numbered from 1), by one bincount over the paired ids."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    n, m = int(a.max(initial=0)), int(b.max(initial=0))
    if n == 0 or m == 0:
        return np.zeros((n, m))
    joint = np.bincount((a * (m + 1) + b).ravel(), minlength=(n + 1) * (m + 1)).reshape(n + 1, m + 1)
    inter = joint[1:, 1:].astype(np.float64)
    area_a = joint[1:, :].sum(axis=1).astype(np.float64)
    area_b = joint[:, 1:].sum(axis=0).astype(np.float64)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)


def disagreement(iou: np.ndarray) -> float:
    """(1 - mean matched IoU) + unmatched count, from the IoU matrix of the two passes' shapes."""
    iou = np.asarray(iou, dtype=np.float64)
    n, m = iou.shape
    if n == 0 and m == 0:
        return 0.0
    matched: list[float] = []
    if n and m:
        used_rows, used_cols = set(), set()
        flat = np.argsort(-iou, axis=None, kind="stable")
        for index in flat:
            row, col = divmod(int(index), m)
            value = float(iou[row, col])
            if value < MIN_MATCH_IOU:
                break
            if row in used_rows or col in used_cols:
                continue
            used_rows.add(row)
            used_cols.add(col)
            matched.append(value)
    unmatched = n + m - 2 * len(matched)
    spread = 1.0 - float(np.mean(matched)) if matched else 1.0
    return spread + unmatched


def box_disagreement(
    boxes: np.ndarray,
    scores: np.ndarray,
    other_boxes: np.ndarray,
    other_scores: np.ndarray,
    floor: float = SCORE_FLOOR,
) -> float:
    """The disagreement of a detector's boxes on an image and on its changed copy (mapped back)."""
    a = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)[np.asarray(scores) >= floor]
    b = np.asarray(other_boxes, dtype=np.float64).reshape(-1, 4)[np.asarray(other_scores) >= floor]
    return disagreement(box_iou(a, b))


def instance_disagreement(instances: np.ndarray, other_instances: np.ndarray) -> float:
    """The disagreement of a segmenter's instances (id maps, numbered from 1) on an image and on
    its changed copy (mapped back)."""
    return disagreement(instance_iou_matrix(instances, other_instances))
