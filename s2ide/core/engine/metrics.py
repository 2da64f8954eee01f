"""Classification metrics in plain numpy: confusion matrix, per-class P/R/F1, calibration.

Used by the trainer (validation and test reports stored with each model version), by the
command line (`s2ide models`) and by the engineers' views. Classes are indices 0..k-1 in a
model's label order; names are attached only in `classification_report`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from s2ide.core.errors import InvalidInputError


def _as_labels(values: Sequence[int] | np.ndarray) -> np.ndarray:
    array = np.asarray(values, dtype=np.int64).ravel()
    return array


def confusion_matrix(
    y_true: Sequence[int] | np.ndarray, y_pred: Sequence[int] | np.ndarray, n_classes: int
) -> np.ndarray:
    """Counts with rows = true class, columns = predicted class (int64, n_classes x n_classes)."""
    true = _as_labels(y_true)
    pred = _as_labels(y_pred)
    if true.shape != pred.shape:
        raise InvalidInputError(f"confusion matrix: {len(true)} true labels but {len(pred)} predictions")
    if len(true) and (true.min() < 0 or pred.min() < 0 or true.max() >= n_classes or pred.max() >= n_classes):
        raise InvalidInputError(f"confusion matrix: class index outside 0..{n_classes - 1}")
    flat = np.bincount(true * n_classes + pred, minlength=n_classes * n_classes)
    return flat.reshape(n_classes, n_classes).astype(np.int64)


@dataclass(frozen=True)
class PerClass:
    precision: np.ndarray  # float64 (k,); 0 where the class was never predicted
    recall: np.ndarray  # 0 where the class has no true samples
    f1: np.ndarray
    support: np.ndarray  # int64 (k,): true samples of each class


def per_class(cm: np.ndarray) -> PerClass:
    """Precision, recall and F1 of each class from a confusion matrix (zero, not NaN, when undefined)."""
    cm = np.asarray(cm, dtype=np.float64)
    tp = np.diag(cm)
    predicted = cm.sum(axis=0)
    actual = cm.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
    both = precision + recall
    f1 = np.divide(2 * precision * recall, both, out=np.zeros_like(tp), where=both > 0)
    return PerClass(precision, recall, f1, actual.astype(np.int64))


def accuracy(cm: np.ndarray) -> float:
    total = float(np.asarray(cm).sum())
    return 0.0 if total == 0 else float(np.trace(cm)) / total


@dataclass(frozen=True)
class Calibration:
    """Reliability diagram: for each confidence bin, how often the top prediction was right."""

    edges: np.ndarray  # (n_bins + 1,) from 0 to 1
    counts: np.ndarray  # int64 (n_bins,)
    confidence: np.ndarray  # mean top probability in each bin (nan where empty)
    accuracy: np.ndarray  # fraction correct in each bin (nan where empty)
    ece: float  # expected calibration error: sum over bins of |acc - conf| weighted by share
    mce: float  # maximum calibration error over non-empty bins

    def as_dict(self) -> dict[str, Any]:
        return {
            "bins": [
                {
                    "lo": float(self.edges[i]),
                    "hi": float(self.edges[i + 1]),
                    "count": int(self.counts[i]),
                    "confidence": None if self.counts[i] == 0 else float(self.confidence[i]),
                    "accuracy": None if self.counts[i] == 0 else float(self.accuracy[i]),
                }
                for i in range(len(self.counts))
            ],
            "ece": self.ece,
            "mce": self.mce,
        }


def calibration(probabilities: np.ndarray, y_true: Sequence[int] | np.ndarray, n_bins: int = 10) -> Calibration:
    """Equal-width bins over the top-class probability (the usual reliability diagram)."""
    probs = np.asarray(probabilities, dtype=np.float64)
    true = _as_labels(y_true)
    if probs.ndim != 2 or len(probs) != len(true):
        raise InvalidInputError("calibration: probabilities must be (n, k) with one true label per row")
    if n_bins < 1:
        raise InvalidInputError("calibration: n_bins must be at least 1")
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    counts = np.zeros(n_bins, dtype=np.int64)
    conf = np.full(n_bins, np.nan)
    acc = np.full(n_bins, np.nan)
    if len(true) == 0:
        return Calibration(edges, counts, conf, acc, 0.0, 0.0)
    top = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == true).astype(np.float64)
    # bin i holds (edges[i], edges[i+1]]; a confidence of exactly 0 goes to the first bin
    index = np.clip(np.ceil(top * n_bins).astype(np.int64) - 1, 0, n_bins - 1)
    counts = np.bincount(index, minlength=n_bins).astype(np.int64)
    sums_conf = np.bincount(index, weights=top, minlength=n_bins)
    sums_acc = np.bincount(index, weights=correct, minlength=n_bins)
    filled = counts > 0
    conf[filled] = sums_conf[filled] / counts[filled]
    acc[filled] = sums_acc[filled] / counts[filled]
    gaps = np.abs(acc[filled] - conf[filled])
    ece = float(np.sum(gaps * counts[filled]) / len(true))
    mce = float(gaps.max()) if gaps.size else 0.0
    return Calibration(edges, counts, conf, acc, ece, mce)


def classification_report(
    y_true: Sequence[int] | np.ndarray,
    probabilities: np.ndarray,
    label_names: Sequence[str],
    n_bins: int = 10,
) -> dict[str, Any]:
    """The metrics stored with a model version and printed by `s2ide models --json`:
    accuracy, per_class {name: precision, recall, f1, support}, confusion_matrix (rows true),
    labels, macro_f1, n, and calibration (reliability bins, ece, mce)."""
    probs = np.asarray(probabilities, dtype=np.float64)
    true = _as_labels(y_true)
    k = len(label_names)
    if probs.ndim != 2 or probs.shape[1] != k:
        raise InvalidInputError(f"classification report: expected probabilities with {k} columns")
    pred = probs.argmax(axis=1) if len(probs) else np.zeros(0, dtype=np.int64)
    cm = confusion_matrix(true, pred, k)
    pc = per_class(cm)
    present = pc.support > 0
    return {
        "accuracy": accuracy(cm),
        "macro_f1": float(pc.f1[present].mean()) if present.any() else 0.0,
        "n": len(true),
        "per_class": {
            name: {
                "precision": float(pc.precision[i]),
                "recall": float(pc.recall[i]),
                "f1": float(pc.f1[i]),
                "support": int(pc.support[i]),
            }
            for i, name in enumerate(label_names)
        },
        "confusion_matrix": cm.tolist(),
        "labels": list(label_names),
        "calibration": calibration(probs, true, n_bins).as_dict() if len(true) else None,
    }
