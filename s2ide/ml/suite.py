"""Predictions for a chosen set of samples, for the model-test suite and the activation rule.

The trainer scores its fresh network on the pinned samples and slices before registering it,
and scores the active model on the new version's held-out samples (so both are judged on
the same examples); `s2ide test` scores any stored version. Unreadable images get None.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from s2ide.core.engine.model_tests import SuiteResult, run_suite, suite_sample_ids
from s2ide.core.errors import ImageError
from s2ide.core.project import Project
from s2ide.core.store import Store
from s2ide.core.store.models import ModelVersion
from s2ide.ml.data import decode
from s2ide.ml.inference import evaluate
from s2ide.ml.nets import Classifier
from s2ide.ml.registry import load_network


def class_predictions(
    project: Project,
    store: Store,
    network: Classifier,
    hyper: dict[str, Any],
    label_ids: Sequence[int],
    sample_ids: Sequence[int],
    device: torch.device | str = "cpu",
) -> dict[int, int | None]:
    """sample id -> the predicted label id (None when its image cannot be read)."""
    if not sample_ids:
        return {}
    paths = {int(row[0]): str(row[1]) for row in store.samples.row_tuples()}
    size, channels = int(hyper["input_size"]), int(hyper["in_channels"])
    views = int(hyper.get("config", {}).get("predict_views", 1))
    out: dict[int, int | None] = {}
    images, kept = [], []
    for sample_id in sample_ids:
        path = paths.get(int(sample_id))
        if path is None:
            continue
        try:
            images.append(decode(project.image_path(path), size, channels))
            kept.append(int(sample_id))
        except ImageError:
            out[int(sample_id)] = None
    if kept:
        probs, _ = evaluate(network, torch.from_numpy(np.stack(images)).to(device), hyper, views=views)
        for sample_id, column in zip(kept, probs.argmax(axis=1).tolist()):
            out[sample_id] = int(label_ids[column])
    return out


def version_predictions(
    project: Project, store: Store, model: ModelVersion, sample_ids: Sequence[int]
) -> dict[int, int | None]:
    network = load_network(project, model)
    return class_predictions(project, store, network, model.hyperparameters, model.label_ids, sample_ids)


def run_version_suite(project: Project, store: Store, model: ModelVersion) -> SuiteResult:
    """The model tests and slices on a stored version (`s2ide test`)."""
    predicted = version_predictions(project, store, model, suite_sample_ids(store))
    return run_suite(store, model.version, predicted)
