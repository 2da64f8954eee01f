"""One line that says how good a model version is, for every task (the panel and the CLI)."""

from __future__ import annotations

from typing import Any


def metric_headline(metrics: dict[str, Any]) -> str:
    """'test AP50 0.912, mAP 0.604' for detectors, 'validation mIoU 0.81' for segmenters,
    'test accuracy 0.953' for classifiers; 'no evaluation' when nothing was measured."""
    where = metrics.get("evaluated_on") or ""
    parts = []
    for key, name in (("ap50", "AP50"), ("map", "mAP"), ("miou", "mIoU"), ("dice", "Dice"), ("accuracy", "accuracy")):
        value = metrics.get(key)
        if isinstance(value, (int, float)):
            parts.append(f"{name} {value:.3f}")
    if not parts:
        return "no evaluation"
    return f"{where} {', '.join(parts)}".strip()
