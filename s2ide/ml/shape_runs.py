"""What every shape-model run (detector, segmenter) does once fitted: register the version and
decide and record its activation (a run that stops early ends in ml/run_guard.py).

Kept apart from the two trainers so the registry and audit rules are written once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from s2ide.core.store import Store
from s2ide.ml.registry import mark_ready, save_weights
from s2ide.ml.results import EpochStats, TrainResult


def finish_run(
    store: Store,
    version: str,
    weights: Path,
    network: Any,
    train_ids: list[int],
    hyper: dict[str, Any],
    metrics: dict[str, Any],
    decision: tuple[bool, str],
    history: list[EpochStats],
    user: str,
) -> TrainResult:
    """Save the weights, mark the version ready (active when `decision` says so) in one commit
    with its audit row, and report the run."""
    save_weights(weights, network, train_ids)
    activate, reason = decision
    mark_ready(store, version, weights, hyper, metrics, (activate, reason), user)
    return TrainResult(
        model=store.models.get(version),
        activated=activate,
        reason=reason,
        history=history,
        train_ids=train_ids,
        images_per_second=metrics["images_per_second"],
    )
