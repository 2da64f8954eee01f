"""What became of a sample's pre-labels, decided when its labeler marks it done.

The active model's shapes scoring at or above the pre-label threshold were shown. Each is
matched (best score first) to the unmatched final shape of the same kind that overlaps it most:
IoU >= ACCEPT_IOU with the same label is `accepted` (taken unchanged), any other overlap of at
least EDIT_IOU is `edited` (moved, reshaped or relabeled; the IoU is kept), and no match is
`rejected`. Boxes compare by their axis-aligned bounds (rotated boxes approximately), polygons
by their bounds too, masks pixel by pixel around the suggested instance. Deciding at Done
rather than per click means every way of taking a suggestion counts the same: Enter, dragging
its handles, redrawing it by hand, or the command line.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from s2ide.core.errors import S2Error
from s2ide.core.geometry import bounds, decode_mask
from s2ide.core.labeling.prediction_shapes import PredictedShape, parse
from s2ide.core.store import Store

ACCEPT_IOU = 0.98
EDIT_IOU = 0.3


def _box_iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    iw = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    inter = iw * ih
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


def _mask_iou(suggested: np.ndarray, final: np.ndarray) -> float:
    """IoU of a suggested instance with the final mask near it (its box grown by a tenth)."""
    rows, cols = np.flatnonzero(suggested.any(axis=1)), np.flatnonzero(suggested.any(axis=0))
    if len(rows) == 0:
        return 0.0
    pad_y, pad_x = max(1, (rows[-1] - rows[0]) // 10), max(1, (cols[-1] - cols[0]) // 10)
    y0, y1 = max(0, rows[0] - pad_y), rows[-1] + pad_y + 1
    x0, x1 = max(0, cols[0] - pad_x), cols[-1] + pad_x + 1
    p, f = suggested[y0:y1, x0:x1], final[y0:y1, x0:x1]
    union = np.logical_or(p, f).sum()
    return float(np.logical_and(p, f).sum() / union) if union else 0.0


def shown_prelabels(store: Store, sample_id: int, threshold: float) -> list[PredictedShape]:
    """The active model's shapes for the sample at or above the threshold, best first."""
    sample = store.samples.get(sample_id)
    shapes: list[PredictedShape] = []
    for label_id, score, text in store.overlays.active_prediction_geometry(sample_id):
        shapes.extend(parse(text, label_id, score, sample.width, sample.height))
    shown = [s for s in shapes if s.score is None or s.score >= threshold]
    return sorted(shown, key=lambda s: -(s.score or 0.0))


def decide_outcomes(store: Store, sample_id: int, threshold: float) -> list[dict[str, Any]]:
    """One row per shown pre-label: outcome, IoU, label, kind, score (see the module docstring)."""
    model = store.models.active()
    if model is None:
        return []
    suggestions = shown_prelabels(store, sample_id, threshold)
    if not suggestions:
        return []
    sample = store.samples.get(sample_id)
    finals = [a for a in store.annotations.for_sample(sample_id) if a.kind in ("box", "polygon")]
    final_bounds = {a.id: bounds(a.kind, a.geometry or {}) for a in finals}
    masks = {
        a.label_id: decode_mask(a.data, sample.width, sample.height)
        for a in store.annotations.for_sample(sample_id)
        if a.kind == "mask" and a.data is not None
    }
    used: set[int] = set()
    rows = []
    for shape in suggestions:
        best, best_label, best_id = 0.0, None, None
        if shape.kind == "mask" and shape.mask is not None:
            for label_id, final in masks.items():
                value = _mask_iou(shape.mask, final)
                if value > best:
                    best, best_label = value, label_id
        else:
            try:
                mine = bounds(shape.kind, shape.geometry)
            except (S2Error, KeyError, TypeError, ValueError):  # a hint that does not parse is skipped
                continue
            for annotation in finals:
                if annotation.id in used or annotation.kind != shape.kind:
                    continue
                value = _box_iou(mine, final_bounds[annotation.id])
                if value > best:
                    best, best_label, best_id = value, annotation.label_id, annotation.id
        if best >= ACCEPT_IOU and best_label == shape.label_id:
            outcome = "accepted"
        elif best >= EDIT_IOU:
            outcome = "edited"
        else:
            outcome = "rejected"
        if best_id is not None and outcome != "rejected":
            used.add(best_id)
        rows.append(
            {
                "model_version": model.version,
                "label_id": shape.label_id,
                "kind": shape.kind,
                "score": shape.score,
                "outcome": outcome,
                "iou": round(best, 4) if outcome != "rejected" else None,
            }
        )
    return rows
