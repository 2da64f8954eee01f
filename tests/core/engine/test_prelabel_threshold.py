"""The default pre-label threshold comes from the active model's calibration (right 80 % above it)."""

from __future__ import annotations

from s2ide.core.engine.prelabel_threshold import calibrated_threshold, effective_threshold, set_manual_threshold


def _bins(rows):
    return {"calibration": {"bins": [{"lo": lo, "hi": lo + 0.1, "count": n, "accuracy": acc} for lo, n, acc in rows]}}


def test_lowest_confidence_where_the_model_is_right_80_percent():
    metrics = _bins([(0.1, 10, 0.1), (0.2, 20, 0.5), (0.3, 20, 0.85), (0.4, 10, 0.9), (0.9, 5, 1.0)])
    # from the top: 0.9 -> 1.0; 0.4 -> 0.93; 0.3 -> 0.89; 0.2 -> 0.74 (below): threshold 0.30
    assert calibrated_threshold(metrics) == 0.3
    assert calibrated_threshold(metrics, target=0.95) == 0.9
    assert calibrated_threshold(_bins([(0.5, 10, 0.2)])) is None
    assert calibrated_threshold({}) is None and calibrated_threshold(None) is None


def test_manual_choice_wins_over_the_calibration(project):
    store = project.store
    assert effective_threshold(store) == (0.5, "default")
    set_manual_threshold(store, 0.35, "lara")
    assert effective_threshold(store) == (0.35, "manual")
