"""The pre-label threshold a young model deserves: from its calibration, not a fixed 50 %.

A suggestion is worth showing when the model is usually right at that confidence. From the
active model's reliability bins (validation predictions, stored with its metrics) this finds
the lowest confidence above which the model was right at least `target` (80 %) of the time,
rounded down to the slider's 5 % steps. A threshold the team set by hand wins over it; the
source is kept in the meta table beside the loop settings.
"""

from __future__ import annotations

import math
from typing import Any

from s2ide.core.engine.ml_settings import load_loop_settings, save_loop_settings
from s2ide.core.store import Store

TARGET_ACCURACY = 0.8
STEP = 0.05
SOURCE_KEY = "ml.prelabel_threshold_source"  # "manual" once someone moved the slider


def calibrated_threshold(metrics: dict[str, Any] | None, target: float = TARGET_ACCURACY) -> float | None:
    """Lowest bin edge above which the top prediction was right >= target of the time; None
    without calibration data or when no confidence reaches the target."""
    bins = ((metrics or {}).get("calibration") or {}).get("bins") or []
    count = correct = 0.0
    best: float | None = None
    for entry in sorted(bins, key=lambda b: float(b["lo"]), reverse=True):
        n = int(entry.get("count") or 0)
        if n == 0:
            continue
        count += n
        correct += n * float(entry.get("accuracy") or 0.0)
        if correct / count >= target:
            best = float(entry["lo"])
    if best is None:
        return None
    return round(math.floor(best / STEP + 1e-9) * STEP, 2)


def effective_threshold(store: Store) -> tuple[float, str]:
    """(threshold, where it comes from: "manual", "calibrated" or "default")."""
    saved = load_loop_settings(store).confidence_threshold
    if store.meta.get_json(SOURCE_KEY) == "manual":
        return saved, "manual"
    model = store.models.active()
    found = calibrated_threshold(model.metrics) if model is not None else None
    return (found, "calibrated") if found is not None else (saved, "default")


def set_manual_threshold(store: Store, value: float, user: str) -> None:
    """Keep a threshold chosen by hand (it then wins over the calibration)."""
    settings = load_loop_settings(store)
    settings.confidence_threshold = value
    with store.transaction():
        save_loop_settings(store, settings, user)
        store.meta.set_json(SOURCE_KEY, "manual")
