"""Out-of-sample probabilities by K-fold cross-validation, and the label-error job built on them.

Confident learning needs, for every labeled sample, probabilities from a model that did not
train on that sample's label. The registered model trained on the train split, so its
predictions there are in-sample (flagged `in_training`). `find_label_errors` trains K small
networks (the `ml` trainer's architecture, augmentation and settings), each on K-1 folds,
predicts the held-out fold, and ranks suspects with `core.engine.label_errors`. The K fold models are
thrown away: they are not versions anyone should activate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import torch
import torch.nn.functional as F

from s2ide.core.engine.label_errors import Suspect, find_label_issues, save_suspects
from s2ide.core.engine.ml_settings import TrainConfig, load_train_config
from s2ide.core.project import Project
from s2ide.core.tasks import TaskState
from s2ide.ml.augment import augment
from s2ide.ml.data import LabelSnapshot, Split, TrainingDataError, decode_many, take_snapshot
from s2ide.ml.inference import evaluate, normalize, to_unit
from s2ide.ml.nets import ARCHITECTURE, build
from s2ide.ml.train import _choose_channels

DEFAULT_FOLDS = 4
MAX_EPOCHS = 12  # each fold model only has to rank labels, not to win: fewer epochs than a real run


@dataclass(frozen=True)
class CrossValResult:
    sample_ids: np.ndarray  # int64 (n,)
    targets: np.ndarray  # int64 (n,): the given label's column in label_ids
    probabilities: np.ndarray  # float32 (n, k), each row from the fold model that did not see it
    label_ids: list[int]


def _all_labeled(snapshot: LabelSnapshot) -> Split:
    merged = Split()
    for split in (snapshot.train, snapshot.val, snapshot.test):
        for sample_id, path, target in zip(split.sample_ids, split.paths, split.targets):
            merged.add(sample_id, path, target)
    return merged


def fold_of(sample_ids: np.ndarray, targets: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """Stratified fold index per sample: each class is dealt round-robin after a seeded shuffle."""
    rng = np.random.default_rng(seed)
    out = np.zeros(len(sample_ids), dtype=np.int64)
    for target in np.unique(targets):
        members = np.flatnonzero(targets == target)
        members = members[rng.permutation(len(members))]
        out[members] = np.arange(len(members)) % folds
    return out


def _fit(
    images: torch.Tensor,
    targets: torch.Tensor,
    hyper: dict,
    config: TrainConfig,
    state: TaskState,
    progress: tuple[int, int],
) -> torch.nn.Module:
    torch.manual_seed(config.seed)
    network = build(ARCHITECTURE, hyper)
    generator = torch.Generator()
    generator.manual_seed(config.seed)
    optimizer = torch.optim.AdamW(network.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    n = len(images)
    batch = max(2, min(config.batch_size, n))
    steps_per_epoch = max(math.ceil(n / batch), config.min_steps_per_epoch)
    total = steps_per_epoch * config.epochs
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=config.lr, total_steps=total, pct_start=0.15)
    done, grand_total = progress
    network.train()
    for step in range(total):
        state.check()
        index = torch.randint(0, n, (batch,), generator=generator)
        inputs = normalize(augment(to_unit(images[index]), config, generator), hyper)
        loss = F.cross_entropy(network(inputs), targets[index])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if step < total - 1:
            scheduler.step()
        state.report(done + step + 1, grand_total, "cross-validation: training fold models")
    return network


def cross_val_probabilities(
    project: Project, state: TaskState, folds: int = DEFAULT_FOLDS, config: TrainConfig | None = None
) -> CrossValResult:
    """Out-of-fold probabilities for every labeled (not escalated) sample."""
    store = project.connect()
    try:
        config = config or load_train_config(store)
        snapshot = take_snapshot(project, store, val_fraction=0.0, seed=config.seed)
    finally:
        store.close()
    config = replace(config, epochs=min(config.epochs, MAX_EPOCHS)).validate()
    torch.set_num_threads(config.threads)
    labeled = _all_labeled(snapshot)
    targets = np.asarray(labeled.targets, dtype=np.int64)
    sample_ids = np.asarray(labeled.sample_ids, dtype=np.int64)
    folds = int(min(folds, np.bincount(targets).max(initial=0)))
    if folds < 2 or len(labeled) < 2 * folds:
        raise TrainingDataError(f"cross-validation needs more labels: {len(labeled)} labeled samples")
    channels = _choose_channels(config, snapshot)
    images = torch.from_numpy(decode_many(labeled.paths, config.input_size, channels, state, "reading images"))
    unit = to_unit(images)
    k = len(snapshot.label_map)
    hyper = {
        "in_channels": channels,
        "num_classes": k,
        "width": config.width,
        "blocks": config.blocks,
        "input_size": config.input_size,
        "mean": float(unit.mean()),
        "std": max(float(unit.std()), 1e-3),
    }
    del unit
    fold = fold_of(sample_ids, targets, folds, config.seed)
    probabilities = np.zeros((len(labeled), k), dtype=np.float32)
    target_tensor = torch.from_numpy(targets)
    per_fold = [
        max(
            math.ceil(int((fold != f).sum()) / max(2, min(config.batch_size, int((fold != f).sum())))),
            config.min_steps_per_epoch,
        )
        * config.epochs
        for f in range(folds)
    ]
    done = 0
    for f in range(folds):
        train_mask = torch.from_numpy(fold != f)
        network = _fit(images[train_mask], target_tensor[train_mask], hyper, config, state, (done, sum(per_fold)))
        done += per_fold[f]
        held = np.flatnonzero(fold == f)
        probs, _ = evaluate(network, images[torch.from_numpy(held)], hyper)  # type: ignore[arg-type]
        probabilities[held] = probs
    return CrossValResult(sample_ids, targets, probabilities, [int(e["id"]) for e in snapshot.label_map])


def find_label_errors(
    project: Project, state: TaskState, folds: int = DEFAULT_FOLDS, config: TrainConfig | None = None
) -> list[Suspect]:
    """The job behind "Find likely label errors": K-fold probabilities, confident learning,
    suspects saved in the project (ranked, most likely wrong first) and returned."""
    result = cross_val_probabilities(project, state, folds, config)
    issues = find_label_issues(result.targets, result.probabilities)
    suspects = [
        Suspect(
            sample_id=int(result.sample_ids[i]),
            given_label_id=result.label_ids[int(given)],
            suggested_label_id=result.label_ids[int(suggested)],
            self_confidence=float(conf),
            suggested_probability=float(result.probabilities[i, int(suggested)]),
        )
        for i, given, suggested, conf in zip(issues.indices, issues.given, issues.suggested, issues.self_confidence)
    ]
    store = project.connect()
    try:
        save_suspects(store, suspects, f"{folds}-fold cross-validation over {len(result.sample_ids)} labels")
    finally:
        store.close()
    return suspects
