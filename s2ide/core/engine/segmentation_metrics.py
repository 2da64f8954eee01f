"""Segmentation metrics in numpy: IoU and Dice per class over a set of class maps, their
means (mIoU, mean Dice over the classes that occur in the truth), and per-image object errors
(missed and false objects by connected components matched at IoU 0.5)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def segmentation_report(truth: np.ndarray, predicted: np.ndarray, names: Sequence[str]) -> dict[str, Any]:
    """truth, predicted: int class maps (n, h, w), 0 background, c+1 for class c."""
    k = len(names)
    t = np.asarray(truth, dtype=np.int64).ravel()
    p = np.asarray(predicted, dtype=np.int64).ravel()
    joint = np.bincount(t * (k + 1) + p, minlength=(k + 1) ** 2).reshape(k + 1, k + 1)
    per_class: dict[str, Any] = {}
    ious, dices = [], []
    for c in range(1, k + 1):
        inter = float(joint[c, c])
        in_truth, in_pred = float(joint[c].sum()), float(joint[:, c].sum())
        if in_truth == 0:
            per_class[names[c - 1]] = {"iou": None, "dice": None, "pixels": 0}
            continue
        iou = inter / (in_truth + in_pred - inter)
        dice = 2 * inter / (in_truth + in_pred)
        ious.append(iou)
        dices.append(dice)
        per_class[names[c - 1]] = {"iou": iou, "dice": dice, "pixels": int(in_truth)}
    total = float(joint.sum())
    return {
        "miou": float(np.mean(ious)) if ious else None,
        "dice": float(np.mean(dices)) if dices else None,
        "pixel_accuracy": float(np.trace(joint) / total) if total else None,
        "per_class": per_class,
        "images": len(truth),
    }


def object_errors(
    truth_components: np.ndarray,
    truth_classes: dict[int, int],
    pred_components: np.ndarray,
    pred_classes: dict[int, int],
    iou: float = 0.5,
) -> tuple[int, int]:
    """(missed, false) objects of one image from two component label maps (0 = none): a
    predicted object matches a true one of the same class at mask IoU >= `iou`."""
    t = truth_components.ravel().astype(np.int64)
    p = pred_components.ravel().astype(np.int64)
    nt, np_ = int(t.max(initial=0)), int(p.max(initial=0))
    joint = np.bincount(t * (np_ + 1) + p, minlength=(nt + 1) * (np_ + 1)).reshape(nt + 1, np_ + 1)
    size_t, size_p = joint.sum(axis=1), joint.sum(axis=0)
    matched_t: set[int] = set()
    matched_p: set[int] = set()
    pairs = [(joint[a, b] / (size_t[a] + size_p[b] - joint[a, b]), a, b)
             for a in range(1, nt + 1) for b in range(1, np_ + 1)
             if joint[a, b] and truth_classes.get(a) == pred_classes.get(b)]  # fmt: skip
    for value, a, b in sorted(pairs, reverse=True):
        if value >= iou and a not in matched_t and b not in matched_p:
            matched_t.add(a)
            matched_p.add(b)
    return nt - len(matched_t), np_ - len(matched_p)
