"""train(): labels in, a registered model version out (the same path for the app and the CLI).

The run reads a snapshot of the labels, decodes the images into tensors once, trains with
batched augmentation and early stopping on validation, evaluates on validation and test
(core.engine.metrics), writes safetensors weights and registers the version. With few labels (a
carved validation set under `early_stop_min_val`) validation only measures: one network trains
without it for the report, then the registered network(s) train on every label with the full
one-cycle schedule (on digits at 100 labels, a pick on 20 validation samples chose a mid-run
epoch at 90.8 % test accuracy; the run on all labels reached 97.8 %). The new version runs the
project's model tests and slices, then goes active only when they pass and the project's rule
allows (by default: not significantly worse than the active model on the same samples, ones
neither trained on; s2ide.core.engine.activation). Progress goes through `state` per
batch and `on_epoch` per epoch; `state.check()` runs every batch, so cancelling takes effect
within a batch (milliseconds). Cancelled or failed runs leave the active model as it was.
"""

from __future__ import annotations

import copy
import math
import time
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from s2ide.core.engine.activation import PairedVerdict, paired_verdict, verdict_reason
from s2ide.core.engine.metrics import classification_report
from s2ide.core.engine.ml_settings import ActivationRule, TrainConfig, load_train_config
from s2ide.core.engine.model_tests import SuiteResult, run_suite, suite_sample_ids
from s2ide.core.engine.run_owner import HEARTBEAT_SECONDS, is_abandoned, owner_stamp
from s2ide.core.errors import ImageError, S2Error
from s2ide.core.project import Project
from s2ide.core.store import Store
from s2ide.core.store.models import ModelVersion, NewModel
from s2ide.core.tasks import TaskState
from s2ide.ml.augment import augment
from s2ide.ml.data import LabelSnapshot, Split, decode_many, is_grayscale, take_snapshot
from s2ide.ml.inference import evaluate, normalize, pick_device, to_unit
from s2ide.ml.nets import ARCHITECTURE, Classifier, Ensemble, SmallResNet, build_member
from s2ide.ml.registry import load_network, mark_ready, read_train_ids, save_weights, weights_path
from s2ide.ml.results import EpochCallback, EpochStats, TrainingFailed, TrainResult
from s2ide.ml.run_guard import guarded_run
from s2ide.ml.suite import class_predictions


def _epoch_batches(n: int, batch_size: int, min_steps: int, generator: torch.Generator) -> list[torch.Tensor]:
    """Shuffled batches of near-equal size covering every sample (repeated passes when one pass
    is under min_steps). Equal sizes matter: a 2-image tail batch gives batch norm statistics
    so noisy that a small training set can fail to learn."""
    batch_size = max(1, min(batch_size, n))
    passes = max(1, math.ceil(min_steps / math.ceil(n / batch_size)))
    stream = torch.cat([torch.randperm(n, generator=generator) for _ in range(passes)])
    return list(torch.tensor_split(stream, max(min_steps, math.ceil(len(stream) / batch_size))))


class _Run:
    """One training run's state, so train() reads as the steps it takes."""

    def __init__(self, project: Project, store: Store, config: TrainConfig, state: TaskState) -> None:
        self.project = project
        self.store = store
        self.config = config
        self.state = state
        self.device = pick_device(config)

    def load(self, snapshot: LabelSnapshot, channels: int) -> dict[str, torch.Tensor]:
        size = self.config.input_size
        tensors: dict[str, torch.Tensor] = {}
        for name, split in (("train", snapshot.train), ("val", snapshot.val), ("test", snapshot.test)):
            array = decode_many(split.paths, size, channels, self.state, f"reading {name} images")
            tensors[name] = torch.from_numpy(array).to(self.device)
        return tensors


def _targets(split: Split, device: torch.device) -> torch.Tensor:
    return torch.tensor(split.targets, dtype=torch.long, device=device)


def _choose_channels(config: TrainConfig, snapshot: LabelSnapshot) -> int:
    if config.channels:
        return config.channels
    try:
        return 1 if all(is_grayscale(p) for p in snapshot.train.paths[:200]) else 3
    except ImageError as exc:
        raise TrainingFailed(f"cannot read a training image: {exc}") from exc


def train(
    project: Project,
    config: TrainConfig | None = None,
    state: TaskState | None = None,
    *,
    on_epoch: EpochCallback | None = None,
    user: str = "s2ide",
) -> TrainResult:
    """Train a new version on the project's labels and register it (see the module docstring)."""
    state = state or TaskState()
    store = project.connect()
    try:
        config = (config or load_train_config(store)).validate()
        return _train(project, store, config, state, on_epoch, user)
    finally:
        store.close()


def _train(
    project: Project,
    store: Store,
    config: TrainConfig,
    state: TaskState,
    on_epoch: EpochCallback | None,
    user: str,
) -> TrainResult:
    torch.set_num_threads(config.threads)
    snapshot = take_snapshot(project, store, config.val_fraction, config.seed)
    state.check()
    with store.transaction():
        for stale in store.models.list(states=("training",)):
            if is_abandoned(stale.metrics):  # a run of another live process is left alone
                store.models.update(stale.version, state="failed", metrics={"error": "interrupted"})
        row = store.models.add(
            NewModel(
                task=store.meta.get("task") or "classify",
                architecture=ARCHITECTURE,
                label_map=snapshot.label_map,
                trained_on=len(snapshot.train) + (len(snapshot.val) if snapshot.carved_val else 0),
                metrics={"owner": owner_stamp()},
                state="training",
            )
        )
        store.audit.record(user, "train", "model", row.version, None, {"state": "training"})
    version = row.version
    weights = project.models_dir / f"{version}.safetensors"
    return guarded_run(
        lambda: _fit_and_register(project, store, config, state, on_epoch, snapshot, version, weights, user),
        store,
        version,
        weights,
        user,
        project.models_dir,
    )


def _fit_and_register(
    project: Project,
    store: Store,
    config: TrainConfig,
    state: TaskState,
    on_epoch: EpochCallback | None,
    snapshot: LabelSnapshot,
    version: str,
    weights: Any,
    user: str,
) -> TrainResult:
    run = _Run(project, store, config, state)
    device = run.device
    channels = _choose_channels(config, snapshot)
    tensors = run.load(snapshot, channels)
    state.check()
    train_x = tensors["train"]
    train_y = _targets(snapshot.train, device)
    val_x, val_y = tensors["val"], _targets(snapshot.val, device)
    unit = to_unit(train_x)
    hyper: dict[str, Any] = {
        "in_channels": channels,
        "num_classes": len(snapshot.label_map),
        "width": config.width,
        "blocks": config.blocks,
        "input_size": config.input_size,
        "mean": float(unit.mean()),
        "std": max(float(unit.std()), 1e-3),
        "config": config.as_dict(),
    }
    del unit
    if config.members > 1:
        hyper["members"] = config.members
    # Few labels: a validation set carved out of them is too small to pick epochs, and the
    # labels it holds back cost accuracy. Then one network trains without them to measure
    # (the validation report and the activation rule), and the registered networks train on
    # every label. A validation split the user made is never trained on.
    refit = snapshot.carved_val and 0 < len(val_x) < config.early_stop_min_val
    final_x = torch.cat([train_x, val_x]) if refit else train_x
    final_y = torch.cat([train_y, val_y]) if refit else train_y
    total_steps = _steps_per_epoch(len(final_x), config) * config.epochs * config.members
    if refit:
        total_steps += _steps_per_epoch(len(train_x), config) * config.epochs
    fit = _MemberFit(config, state, _with_heartbeat(store, version, on_epoch), hyper, total_steps)
    validator = fit.run(0, train_x, train_y, val_x, val_y) if refit else None
    held = (val_x[:0], val_y[:0]) if refit else (val_x, val_y)
    members = [fit.run(member + 1, final_x, final_y, *held) for member in range(config.members)]
    network: Classifier = members[0] if len(members) == 1 else Ensemble(members)
    state.check()

    metrics, val_pred = _evaluate_all(network, tensors, snapshot, hyper, device, validator)
    metrics["trained_on_validation"] = bool(refit)
    metrics["history"] = [stats.__dict__ for stats in fit.history]
    metrics["images_per_second"] = fit.images_seen / max(fit.seconds, 1e-9)
    metrics["train_seconds"] = fit.seconds
    metrics["carved_val"] = snapshot.carved_val
    metrics["device"] = device.type
    metrics["label_audit_position"] = snapshot.audit_position
    train_ids = list(snapshot.train.sample_ids) + (list(snapshot.val.sample_ids) if refit else [])
    save_weights(weights, network, train_ids)
    state.check()

    suite = _run_suite(project, store, version, network, hyper, snapshot, device)
    metrics["suite"] = suite.as_json()
    activate, reason, verdict = _activation_decision(project, store, config, snapshot, val_pred, version, suite)
    metrics["activation"] = {"activated": activate, "reason": reason, "verdict": verdict}
    mark_ready(store, version, weights, hyper, metrics, (activate, reason), user)
    return TrainResult(
        model=store.models.get(version),
        activated=activate,
        reason=reason,
        history=fit.history,
        train_ids=train_ids,
        images_per_second=metrics["images_per_second"],
    )


def _with_heartbeat(store: Store, version: str, on_epoch: EpochCallback | None) -> EpochCallback:
    """The epoch callback, plus a refresh of the row's owner stamp (at most every 30 s), so a
    process on another machine sharing the project can tell this run is alive."""
    last = time.monotonic()

    def callback(stats: EpochStats) -> None:
        nonlocal last
        if time.monotonic() - last >= HEARTBEAT_SECONDS:
            last = time.monotonic()
            with store.transaction():
                store.models.update(version, metrics={"owner": owner_stamp()})
        if on_epoch is not None:
            on_epoch(stats)

    return callback


def _steps_per_epoch(n: int, config: TrainConfig) -> int:
    return len(_epoch_batches(n, config.batch_size, config.min_steps_per_epoch, torch.Generator()))


class _MemberFit:
    """Trains the networks of one version, one after the other: the held-out check (number
    0, when there is one), then each network to register (1..members, each from its own seed).
    Progress and history run on across them, so the panel's bar never restarts."""

    def __init__(
        self,
        config: TrainConfig,
        state: TaskState,
        on_epoch: EpochCallback | None,
        hyper: dict[str, Any],
        total_steps: int,
    ) -> None:
        self.config, self.state, self.on_epoch, self.hyper = config, state, on_epoch, hyper
        self.total_steps = total_steps
        self.step = 0
        self.history: list[EpochStats] = []
        self.images_seen = 0
        self.seconds = 0.0

    def run(
        self,
        number: int,
        train_x: torch.Tensor,
        train_y: torch.Tensor,
        val_x: torch.Tensor,
        val_y: torch.Tensor,
    ) -> SmallResNet:
        config, state, hyper = self.config, self.state, self.hyper
        device = train_x.device
        seed = config.seed + 1000 * max(0, number - 1)  # the check shares network 1's seed
        torch.manual_seed(seed)
        network = build_member(hyper).to(device)
        generator = torch.Generator(device=device)
        generator.manual_seed(seed)
        cpu_generator = torch.Generator()
        cpu_generator.manual_seed(seed)
        optimizer = torch.optim.AdamW(network.parameters(), lr=config.lr, weight_decay=config.weight_decay)
        member_steps = _steps_per_epoch(len(train_x), config) * config.epochs
        scheduler = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=config.lr, total_steps=member_steps, pct_start=0.15
        )
        first_step = self.step
        stage = _stage(number, config.members)
        label = f"{stage}, " if stage else ""
        best_key: tuple[float, float] | None = None
        best_state: dict[str, torch.Tensor] | None = None
        stale_epochs = 0
        n = len(train_x)
        # picking an epoch needs a validation set that can tell epochs apart: on a few dozen
        # samples one sample moves accuracy by several points, so the pick is noise and often
        # lands mid-schedule at a high learning rate; then the one-cycle schedule's end is kept
        selecting = len(val_x) >= config.early_stop_min_val
        for epoch in range(1, config.epochs + 1):
            network.train()
            started = time.perf_counter()
            loss_sum, correct, seen = 0.0, 0, 0
            for batch_index in _epoch_batches(n, config.batch_size, config.min_steps_per_epoch, cpu_generator):
                state.check()
                index = batch_index.to(device)
                inputs = normalize(augment(to_unit(train_x[index]), config, generator), hyper)
                targets = train_y[index]
                logits = network(inputs)
                loss = F.cross_entropy(logits, targets, label_smoothing=config.label_smoothing)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                if self.step - first_step < member_steps - 1:
                    scheduler.step()
                self.step += 1
                size = len(index)
                loss_sum += float(loss.detach()) * size
                correct += int((logits.detach().argmax(1) == targets).sum())
                seen += size
                state.report(self.step, self.total_steps, f"{label}epoch {epoch}/{config.epochs}")
            elapsed = time.perf_counter() - started
            self.seconds += elapsed
            self.images_seen += seen
            val_loss = val_acc = None
            if len(val_x):
                probs, _ = evaluate(network, val_x, hyper)
                val_t = val_y.cpu().numpy()
                val_loss = float(-np.log(np.clip(probs[np.arange(len(val_t)), val_t], 1e-12, 1)).mean())
                val_acc = float((probs.argmax(1) == val_t).mean())
            stats = EpochStats(
                epoch, config.epochs, loss_sum / max(seen, 1), correct / max(seen, 1), val_loss, val_acc,
                elapsed, seen / max(elapsed, 1e-9), number, config.members, stage,
            )  # fmt: skip
            self.history.append(stats)
            state.report(self.step, self.total_steps, label + _epoch_message(stats), force=True)
            if self.on_epoch is not None:
                self.on_epoch(stats)
            if val_acc is None or val_loss is None or not selecting:
                continue
            key = (val_acc, -val_loss)
            if best_key is None or key > best_key:
                best_key, stale_epochs = key, 0
                best_state = copy.deepcopy(network.state_dict())
            elif epoch > config.epochs // 2:
                # the first half of the one-cycle schedule runs at a high learning rate, where a
                # pause in validation progress says little: patience only counts in the second half
                stale_epochs += 1
                if stale_epochs >= config.patience:
                    break
        # a member that stopped early hands its unused steps to the progress bar's total
        self.step = first_step + member_steps
        if best_state is not None:
            network.load_state_dict(best_state)
        return network


def _stage(number: int, members: int) -> str:
    if number == 0:
        return "measuring on validation"
    if members > 1:
        return f"network {number}/{members}"
    return ""


def _epoch_message(stats: EpochStats) -> str:
    text = f"epoch {stats.epoch}/{stats.epochs} loss {stats.train_loss:.3f} acc {stats.train_accuracy:.3f}"
    if stats.val_accuracy is not None and stats.val_loss is not None:
        text += f" val_loss {stats.val_loss:.3f} val_acc {stats.val_accuracy:.3f}"
    return text


def _evaluate_all(
    network: Classifier,
    tensors: dict[str, torch.Tensor],
    snapshot: LabelSnapshot,
    hyper: dict[str, Any],
    device: torch.device,
    validator: SmallResNet | None = None,
) -> tuple[dict[str, Any], np.ndarray]:
    """Reports on validation and test, and the predicted class (column) of each validation
    sample by the network that did not train on it; the top level (what `s2ide models` shows) is test when
    there is a test split, else validation, else the training data itself (said in evaluated_on).

    Scored with the same test-time views as the stored predictions, so these figures are the
    accuracy of the pre-labels people see, equal to the evaluation view's, and the activation
    rule compares a new version with the active one's stored predictions like for like."""
    views = int(hyper.get("config", {}).get("predict_views", 1))
    reports: dict[str, Any] = {}
    val_pred = np.zeros(0, dtype=np.int64)
    for name, split in (("validation", snapshot.val), ("test", snapshot.test), ("train", snapshot.train)):
        key = {"validation": "val"}.get(name, name)
        if len(split) == 0:
            reports[name] = None
            continue
        judge = validator if name == "validation" and validator is not None else network
        probs, _ = evaluate(judge, tensors[key], hyper, views=views)
        reports[name] = classification_report(np.array(split.targets), probs, snapshot.names)
        if name == "validation":
            val_pred = probs.argmax(axis=1).astype(np.int64)
    chosen = next(name for name in ("test", "validation", "train") if reports[name] is not None)
    metrics: dict[str, Any] = {key: value for key, value in reports[chosen].items()}
    metrics["evaluated_on"] = chosen
    metrics["validation"] = reports["validation"]
    metrics["test"] = reports["test"]
    metrics["train_accuracy"] = reports["train"]["accuracy"] if reports["train"] else None
    metrics["validation_ids"] = list(snapshot.val.sample_ids)
    return metrics, val_pred


def _run_suite(
    project: Project,
    store: Store,
    version: str,
    network: Classifier,
    hyper: dict[str, Any],
    snapshot: LabelSnapshot,
    device: torch.device,
) -> SuiteResult:
    """The project's model tests and slices on the new network, before it can go active."""
    ids = suite_sample_ids(store)
    label_ids = [int(entry["id"]) for entry in snapshot.label_map]
    return run_suite(store, version, class_predictions(project, store, network, hyper, label_ids, ids, device))


def _activation_decision(
    project: Project,
    store: Store,
    config: TrainConfig,
    snapshot: LabelSnapshot,
    val_pred: np.ndarray,
    version: str,
    suite: SuiteResult,
) -> tuple[bool, str, dict[str, Any] | None]:
    """(activate?, the one-line reason, the paired comparison behind it). A failing model test
    or slice blocks every automatic rule; "if-not-worse" compares with the active model on the
    same samples, ones neither version trained on (s2ide.core.engine.activation)."""
    rule = ActivationRule(config.activation)
    active = store.models.active()
    if not suite.passed:
        return False, "not activated: " + suite.summary(), None
    passed = f"; {suite.summary()}" if suite.tests or suite.slices else ""
    if rule is ActivationRule.ALWAYS:
        return True, "activated: the project activates every new version" + passed, None
    if rule is ActivationRule.NEVER:
        return False, "not activated: the project activates versions by hand", None
    if active is None:
        return True, "activated: there was no active model" + passed, None
    verdict = _paired_with_active(project, store, config, snapshot, val_pred, active)
    if verdict is None:
        return True, f"activated: {active.version} cannot be scored (its weights do not load)" + passed, None
    reason = verdict_reason(verdict, version, active.version)
    return not verdict.worse, reason + ("" if verdict.worse else passed), verdict.as_dict()


def _paired_with_active(
    project: Project,
    store: Store,
    config: TrainConfig,
    snapshot: LabelSnapshot,
    val_pred: np.ndarray,
    active: ModelVersion,
) -> PairedVerdict | None:
    """Score the active model now on this run's validation samples it never trained on, and
    compare with the new version's predictions for the same samples (from the network that
    did not train on them either)."""
    try:
        network = load_network(project, active)
        seen = set(read_train_ids(weights_path(project, active)))
    except S2Error:
        return None
    positions = [i for i, sample_id in enumerate(snapshot.val.sample_ids) if sample_id not in seen]
    ids = [snapshot.val.sample_ids[i] for i in positions]
    predicted = class_predictions(project, store, network, active.hyperparameters, active.label_ids, ids)
    column = {int(entry["id"]): index for index, entry in enumerate(snapshot.label_map)}
    got = [predicted.get(i) for i in ids]
    active_pred = np.array([-1 if g is None else column.get(g, -1) for g in got], dtype=np.int64)
    true = np.array([snapshot.val.targets[i] for i in positions], dtype=np.int64)
    where = "held-out samples" if snapshot.carved_val else "validation-split samples"
    return paired_verdict(
        true,
        val_pred[positions] if len(val_pred) else np.zeros(0, dtype=np.int64),
        active_pred,
        metric=config.activation_metric,
        n_classes=len(snapshot.label_map),
        sample_set=f"{where} neither trained on",
    )
