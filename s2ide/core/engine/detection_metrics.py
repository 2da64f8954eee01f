"""COCO-style detection metrics in numpy: mAP@[.5:.95], AP50, AP75 and per-class AP, plus
per-image error counts (missed and false objects) for the mistakes ranking.

It follows pycocotools' bbox evaluation ("all" area range, at most 100 detections per image
and class): each detection, best score first, matches the unmatched ground-truth box of its
class with the highest IoU at or above the threshold; precision is made monotone and read at
101 recall points; a class without ground truth is left out of the mean. A test checks the
figures against pycocotools to 1e-3. Boxes are x1y1x2y2 in image pixels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

IOU_THRESHOLDS = np.linspace(0.5, 0.95, 10)
RECALL_POINTS = np.linspace(0.0, 1.0, 101)
MAX_DETS = 100


@dataclass
class ImageBoxes:
    boxes: np.ndarray  # (m, 4) x1y1x2y2
    classes: np.ndarray  # (m,) int
    scores: np.ndarray | None = None  # (m,) for detections


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every x1y1x2y2 box in `a` with every one in `b` (as pycocotools computes it)."""
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def _match(gt: np.ndarray, dt: np.ndarray, threshold: float) -> np.ndarray:
    """For detections `dt` (sorted by score), whether each matches a ground-truth box."""
    ious = box_iou(dt, gt)
    taken = np.zeros(len(gt), bool)
    matched = np.zeros(len(dt), bool)
    for d in range(len(dt)):
        best, pick = min(threshold, 1 - 1e-10), -1
        for g in range(len(gt)):
            if taken[g] or ious[d, g] < best:
                continue
            best, pick = ious[d, g], g
        if pick >= 0:
            taken[pick] = True
            matched[d] = True
    return matched


def _average_precision(scores: np.ndarray, hits: np.ndarray, positives: int) -> float:
    order = np.argsort(-scores, kind="mergesort")
    tp = np.cumsum(hits[order]).astype(np.float64)
    fp = np.cumsum(~hits[order]).astype(np.float64)
    recall = tp / positives
    precision = tp / np.maximum(tp + fp, np.spacing(1))
    for i in range(len(precision) - 1, 0, -1):
        precision[i - 1] = max(precision[i - 1], precision[i])
    where = np.searchsorted(recall, RECALL_POINTS, side="left")
    sampled = np.array([precision[i] if i < len(precision) else 0.0 for i in where])
    return float(sampled.mean())


def coco_map(truths: Sequence[ImageBoxes], detections: Sequence[ImageBoxes], names: Sequence[str]) -> dict[str, Any]:
    """{"map", "ap50", "ap75", "per_class": {name: {"ap", "ap50", "support"}}, "images"}; AP of
    a class without ground truth is None and stays out of the means (None when no class has any)."""
    k = len(names)
    per_class: dict[str, Any] = {}
    table = np.full((k, len(IOU_THRESHOLDS)), np.nan)
    for c in range(k):
        positives = 0
        scores: list[np.ndarray] = []
        hits: list[list[np.ndarray]] = [[] for _ in IOU_THRESHOLDS]
        for truth, det in zip(truths, detections):
            gt = truth.boxes[truth.classes == c]
            positives += len(gt)
            mine = det.classes == c
            dt_scores = np.asarray(det.scores, dtype=np.float64)[mine]
            order = np.argsort(-dt_scores, kind="mergesort")[:MAX_DETS]
            dt = det.boxes[mine][order]
            scores.append(dt_scores[order])
            for t, threshold in enumerate(IOU_THRESHOLDS):
                hits[t].append(_match(gt, dt, float(threshold)))
        support = positives
        if positives == 0:
            per_class[names[c]] = {"ap": None, "ap50": None, "ap75": None, "support": 0}
            continue
        all_scores = np.concatenate(scores) if scores else np.zeros(0)
        for t in range(len(IOU_THRESHOLDS)):
            all_hits = np.concatenate(hits[t]) if hits[t] else np.zeros(0, bool)
            table[c, t] = _average_precision(all_scores, all_hits, positives) if len(all_scores) else 0.0
        per_class[names[c]] = {
            "ap": float(table[c].mean()),
            "ap50": float(table[c, 0]),
            "ap75": float(table[c, 5]),
            "support": int(support),
        }
    valid = ~np.isnan(table[:, 0])

    def mean(column: np.ndarray) -> float | None:
        return float(column[valid].mean()) if valid.any() else None

    return {
        "map": float(np.nanmean(table[valid])) if valid.any() else None,
        "ap50": mean(table[:, 0]),
        "ap75": mean(table[:, 5]),
        "per_class": per_class,
        "images": len(truths),
    }


def image_errors(truth: ImageBoxes, det: ImageBoxes, score_floor: float, iou: float = 0.5) -> tuple[int, int, int]:
    """(missed, false, wrong class) objects of one image: detections at or above `score_floor`
    matched to ground truth of any class at IoU >= `iou`, best score first."""
    keep = np.asarray(det.scores, dtype=np.float64) >= score_floor
    dt, dt_classes = det.boxes[keep], det.classes[keep]
    order = np.argsort(-np.asarray(det.scores, dtype=np.float64)[keep], kind="mergesort")
    dt, dt_classes = dt[order], dt_classes[order]
    ious = box_iou(dt, truth.boxes)
    taken = np.zeros(len(truth.boxes), bool)
    false = wrong = 0
    for d in range(len(dt)):
        candidates = np.where(~taken & (ious[d] >= iou))[0] if len(truth.boxes) else np.zeros(0, int)
        if len(candidates) == 0:
            false += 1
            continue
        g = int(candidates[np.argmax(ious[d, candidates])])
        taken[g] = True
        wrong += int(truth.classes[g] != dt_classes[d])
    return int((~taken).sum()), false, wrong
