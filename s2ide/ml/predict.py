"""predict(): a model version scores every sample and the results go to the predictions table.

Per sample it stores the predicted label, its probability, the whole probability vector,
least-confidence, margin, entropy, the loss against the current label (where there is one),
the penultimate features as an embedding, and whether the sample was in the model's
training set (so out-of-sample rows can be told apart). Images are decoded and scored in
batches; each batch is written in its own short transaction so labeling never waits long.
An unreadable image is skipped and reported, it does not stop the run.
"""

from __future__ import annotations

import numpy as np
import torch

from s2ide.core.engine.ml_settings import load_train_config
from s2ide.core.engine.sampling import cross_entropy, entropy, least_confidence, margin
from s2ide.core.errors import ImageError, S2Error
from s2ide.core.project import Project
from s2ide.core.store import Store
from s2ide.core.store.models import ModelVersion
from s2ide.core.tasks import TaskState
from s2ide.ml.data import decode
from s2ide.ml.inference import evaluate, pick_device
from s2ide.ml.registry import load_network, read_train_ids, weights_path
from s2ide.ml.results import PredictResult


def predict(
    project: Project,
    version: str | None = None,
    state: TaskState | None = None,
    *,
    batch_size: int = 256,
    threads: int | None = None,
) -> PredictResult:
    """Score every sample with `version` (default: the active model) and store the results."""
    state = state or TaskState()
    store = project.connect()
    try:
        config = load_train_config(store)
        torch.set_num_threads(threads or config.threads)
        if version is None:
            active = store.models.active()
            if active is None:
                raise S2Error("no active model yet: train one first (`s2ide train PROJECT`)")
            model = active
        else:
            model = store.models.get(version)
            if model.state not in ("ready", "active"):
                raise S2Error(f"model {model.version} is {model.state} and cannot predict")
        return _predict(project, store, model, state, batch_size, pick_device(config))
    finally:
        store.close()


def _predict(
    project: Project, store: Store, model: ModelVersion, state: TaskState, batch_size: int, device: torch.device
) -> PredictResult:
    if model.task == "detect":
        from s2ide.ml.detect.predict import predict_detector

        return predict_detector(project, store, model, state, batch_size, device)
    if model.task == "segment":
        from s2ide.ml.segment.predict import predict_segmenter

        return predict_segmenter(project, store, model, state, batch_size, device)
    network = load_network(project, model, device)
    hyper = model.hyperparameters
    views = int(hyper.get("config", {}).get("predict_views", 1))
    size, channels = int(hyper["input_size"]), int(hyper["in_channels"])
    in_training = set(read_train_ids(weights_path(project, model)))
    column = {label_id: index for index, label_id in enumerate(model.label_ids)}
    label_ids = np.array(model.label_ids, dtype=np.int64)
    rows = store.samples.rows()
    result = PredictResult(model.version, 0)
    for start in range(0, len(rows), batch_size):
        state.check()
        chunk = rows[start : start + batch_size]
        images, kept = [], []
        for row in chunk:
            try:
                images.append(decode(project.image_path(row["path"]), size, channels))
                kept.append(row)
            except ImageError as exc:
                result.skipped.append(str(exc))
        state.check()
        if not kept:
            continue
        probs, feats = evaluate(network, torch.from_numpy(np.stack(images)).to(device), hyper, views=views)
        targets = np.array([column.get(r["label_id"], -1) if r["label_id"] is not None else -1 for r in kept])
        top = probs.argmax(axis=1)
        losses = cross_entropy(probs, targets)
        lc, mg, ent = least_confidence(probs), margin(probs), entropy(probs)
        records = [
            {
                "sample_id": row["id"],
                "label_id": int(label_ids[top[i]]),
                "score": float(probs[i, top[i]]),
                "probabilities": probs[i],
                "least_confidence": float(lc[i]),
                "margin": float(mg[i]),
                "entropy": float(ent[i]),
                "loss": None if np.isnan(losses[i]) else float(losses[i]),
                "embedding": feats[i],
                "in_training": row["id"] in in_training,
            }
            for i, row in enumerate(kept)
        ]
        with store.transaction():
            store.predictions.put_many(model.version, records)
        result.count += len(records)
        state.report(min(start + batch_size, len(rows)), len(rows), f"predicting with {model.version}")
    return result
