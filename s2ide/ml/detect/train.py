"""train_detector(): done samples' boxes in, a registered detector version out.

The same steps as the classifier's train() (ml/train.py), for boxes: a snapshot of the boxes
of the samples marked done, letterboxed images decoded once into a uint8 tensor, batched
augmentation (shift and zoom with the boxes moved alike, optional flips, brightness), a
one-cycle schedule, COCO-style evaluation on validation and test, safetensors weights and a
registry row. Progress goes through `state` per batch and `on_epoch` per epoch; cancelling
takes effect within a batch; a cancelled or failed run leaves the active model as it was.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from s2ide.core.engine.detection_metrics import ImageBoxes, coco_map
from s2ide.core.engine.ml_settings import ActivationRule, TrainConfig, load_train_config
from s2ide.core.engine.run_owner import is_abandoned, owner_stamp
from s2ide.core.engine.shape_settings import ShapeModelConfig, load_shape_config
from s2ide.core.project import Project
from s2ide.core.store import Store
from s2ide.core.store.models import NewModel
from s2ide.core.tasks import TaskState
from s2ide.ml.detect.codec import decode, encode, focal_loss, sides_loss
from s2ide.ml.detect.data import MIN_BOX, BoxSnapshot, BoxSplit, load_split, take_box_snapshot
from s2ide.ml.detect.net import DETECTOR, STRIDE, CenterNet, build_detector
from s2ide.ml.inference import pick_device
from s2ide.ml.results import EpochCallback, EpochStats, TrainResult
from s2ide.ml.run_guard import guarded_run
from s2ide.ml.shape_runs import finish_run


def train_detector(
    project: Project,
    config: TrainConfig | None = None,
    state: TaskState | None = None,
    *,
    on_epoch: EpochCallback | None = None,
    user: str = "s2ide",
    shape_config: ShapeModelConfig | None = None,
) -> TrainResult:
    """Train a detector version on the done samples' boxes and register it."""
    state = state or TaskState()
    store = project.connect()
    try:
        config = (config or load_train_config(store)).validate()
        shape = (shape_config or load_shape_config(store)).validate()
        torch.set_num_threads(config.threads)
        snapshot = take_box_snapshot(project, store, config.val_fraction, config.seed)
        state.check()
        version, weights = _register_start(project, store, snapshot, user)
        return guarded_run(
            lambda: _fit_and_register(project, store, config, shape, state, on_epoch, snapshot, version, weights, user),
            store,
            version,
            weights,
            user,
            project.models_dir,
        )
    finally:
        store.close()


def _register_start(project: Project, store: Store, snapshot: BoxSnapshot, user: str) -> tuple[str, Path]:
    with store.transaction():
        for stale in store.models.list(states=("training",)):
            if is_abandoned(stale.metrics):
                store.models.update(stale.version, state="failed", metrics={"error": "interrupted"})
        row = store.models.add(
            NewModel(
                task="detect",
                architecture=DETECTOR,
                label_map=snapshot.label_map,
                trained_on=len(snapshot.train),
                metrics={"owner": owner_stamp()},
                state="training",
            )
        )
        store.audit.record(user, "train", "model", row.version, None, {"state": "training"})
    return row.version, project.models_dir / f"{row.version}.safetensors"


class Loaded:
    """One split decoded: letterboxed uint8 images, boxes in input pixels, scales back."""

    def __init__(self, split: BoxSplit, size: int, state: TaskState | None, name: str) -> None:
        self.split = split
        self.images, self.boxes, self.scales, self.sizes, self.tiny = load_split(
            split, size, state, f"reading {name} images"
        )

    def __len__(self) -> int:
        return len(self.split)


def normalize(batch_u8: torch.Tensor, hyper: dict[str, Any]) -> torch.Tensor:
    return (batch_u8.float() / 255.0 - float(hyper["mean"])) / float(hyper["std"])


def augment_batch(
    images: torch.Tensor, boxes: list[np.ndarray], config: TrainConfig, rng: np.random.Generator
) -> tuple[torch.Tensor, list[np.ndarray]]:
    """Shift, zoom and (optionally) flip each image with its boxes; boxes mostly outside drop."""
    n, _, size, _ = images.shape
    zoom = np.exp(rng.uniform(-1, 1, n) * math.log1p(config.scale * 2)) if config.scale > 0 else np.ones(n)
    shift = rng.uniform(-config.translate, config.translate, (n, 2)) * 2 if config.translate > 0 else np.zeros((n, 2))
    flip = (rng.random(n) < 0.5) if config.flip else np.zeros(n, bool)
    theta = np.zeros((n, 2, 3), np.float32)
    sign = np.where(flip, -1.0, 1.0)
    theta[:, 0, 0] = sign / zoom
    theta[:, 1, 1] = 1 / zoom
    theta[:, 0, 2] = -shift[:, 0] * sign / zoom
    theta[:, 1, 2] = -shift[:, 1] / zoom
    grid = torch.nn.functional.affine_grid(torch.from_numpy(theta).to(images.device), [n, 3, size, size], False)
    out = torch.nn.functional.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    if config.jitter > 0:
        gain = torch.from_numpy(rng.uniform(1 - config.jitter, 1 + config.jitter, (n, 1, 1, 1)).astype(np.float32))
        out = out * gain.to(out.device)
    moved = []
    for index, table in enumerate(boxes):
        if len(table) == 0:
            moved.append(table)
            continue
        xy = table[:, :4].copy()
        norm = xy / size * 2 - 1
        if flip[index]:
            norm[:, [0, 2]] = -norm[:, [2, 0]]
        norm = norm * zoom[index] + np.tile(shift[index], 2)
        new = (norm + 1) / 2 * size
        clipped = np.clip(new, 0, size)
        area = (new[:, 2] - new[:, 0]) * (new[:, 3] - new[:, 1])
        kept_area = (clipped[:, 2] - clipped[:, 0]) * (clipped[:, 3] - clipped[:, 1])
        keep = (kept_area >= 0.4 * area) & ((clipped[:, 2] - clipped[:, 0]) >= MIN_BOX)
        keep &= (clipped[:, 3] - clipped[:, 1]) >= MIN_BOX
        moved.append(np.concatenate([clipped[keep], table[keep, 4:]], axis=1))
    return out, moved


def targets(boxes: list[np.ndarray], num_classes: int, size: int, device: torch.device) -> tuple[torch.Tensor, ...]:
    out = size // STRIDE
    encoded = [encode(b[:, :4], b[:, 4].astype(np.int64), num_classes, out, out) for b in boxes]
    heat, sides, weight = (torch.from_numpy(np.stack(parts)).to(device) for parts in zip(*encoded))
    return heat, sides, weight


def step_loss(network: CenterNet, inputs: torch.Tensor, heat: torch.Tensor, sides: torch.Tensor, weight: torch.Tensor):
    heat_logits, side_logs = network(inputs)
    return focal_loss(heat_logits, heat) + sides_loss(side_logs, sides, weight)


@torch.no_grad()
def detect_images(
    network: CenterNet, images: np.ndarray | torch.Tensor, hyper: dict[str, Any], batch_size: int = 16
) -> tuple[list[tuple[np.ndarray, np.ndarray, np.ndarray]], np.ndarray]:
    """Per letterboxed image (boxes x1y1x2y2 in input pixels, scores, classes), and features."""
    network.eval()
    device = next(network.parameters()).device
    floor = float(hyper.get("config", {}).get("score_floor", 0.05))
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    feats = []
    for start in range(0, len(images), batch_size):
        chunk = images[start : start + batch_size]
        tensor = chunk if isinstance(chunk, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(chunk))
        heat, sides, features = network.forward_with_features(normalize(tensor.to(device), hyper))
        found.extend(decode(heat, sides, floor=floor))
        feats.append(features.float().cpu().numpy())
    dim = network.feature_dim
    return found, (np.concatenate(feats) if feats else np.zeros((0, dim), np.float32))


def evaluate_split(network: CenterNet, loaded: Loaded, names: list[str], hyper: dict[str, Any]) -> dict[str, Any]:
    """COCO-style figures against the labeled boxes in image pixels (tiny ones included)."""
    found, _ = detect_images(network, loaded.images, hyper)
    truths = [ImageBoxes(b.astype(np.float64), c) for b, c in zip(loaded.split.boxes, loaded.split.classes)]
    dets = [ImageBoxes(b / s, c, sc) for (b, sc, c), s in zip(found, loaded.scales)]
    return coco_map(truths, dets, names)


def _fit_and_register(
    project: Project,
    store: Store,
    config: TrainConfig,
    shape: ShapeModelConfig,
    state: TaskState,
    on_epoch: EpochCallback | None,
    snapshot: BoxSnapshot,
    version: str,
    weights: Path,
    user: str,
) -> TrainResult:
    device = pick_device(config)
    size = shape.input_size
    loaded = {name: Loaded(getattr(snapshot, name), size, state, name) for name in ("train", "val", "test")}
    train = loaded["train"]
    state.check()
    unit = train.images.astype(np.float32) / 255.0
    hyper: dict[str, Any] = {
        "in_channels": 3,
        "num_classes": len(snapshot.label_map),
        "width": shape.width,
        "head": shape.head,
        "input_size": size,
        "mean": float(unit.mean()),
        "std": max(float(unit.std()), 1e-3),
        "config": shape.as_dict(),
        "train_config": config.as_dict(),
    }
    del unit
    fit = fit_detector(
        train.images, train.boxes, hyper, config, shape, state, on_epoch, device, loaded["val"], snapshot.names
    )
    network = fit.network
    state.check()
    reports: dict[str, Any] = {}
    for name, key in (("validation", "val"), ("test", "test"), ("train", "train")):
        reports[name] = evaluate_split(network, loaded[key], snapshot.names, hyper) if len(loaded[key]) else None
    chosen = next(name for name in ("test", "validation", "train") if reports[name] is not None)
    tiny = sum(part.tiny for part in loaded.values())
    notes = [f"images scaled so the long side is {size} px (input_size)"]
    if tiny:
        notes.append(
            f"{tiny} boxes smaller than {MIN_BOX:g} px at input size {size} were left out of training"
            " (raise input_size to learn them)"
        )
    for kind, count in sorted(snapshot.unused.items()):
        notes.append(f"{count} {kind} shapes are not boxes and were not used")
    metrics: dict[str, Any] = dict(reports[chosen])
    metrics.update(
        evaluated_on=chosen,
        validation=reports["validation"],
        test=reports["test"],
        labels=snapshot.names,
        history=[stats.__dict__ for stats in fit.history],
        images_per_second=fit.images_seen / max(fit.seconds, 1e-9),
        train_seconds=fit.seconds,
        carved_val=snapshot.carved_val,
        device=device.type,
        boxes=snapshot.train.box_count,
        tiny_boxes=tiny,
        notes=notes,
        validation_ids=list(snapshot.val.sample_ids),
    )
    train_ids = list(snapshot.train.sample_ids)
    state.check()
    decision = _activation(store, config, metrics)
    return finish_run(store, version, weights, network, train_ids, hyper, metrics, decision, fit.history, user)


class Fit:
    def __init__(self, network: CenterNet) -> None:
        self.network = network
        self.history: list[EpochStats] = []
        self.images_seen = 0
        self.seconds = 0.0


def steps_per_epoch(n: int, batch_size: int, min_steps: int) -> int:
    return max(min_steps, math.ceil(n / max(1, batch_size)))


def fit_detector(
    images: np.ndarray,
    boxes: list[np.ndarray],
    hyper: dict[str, Any],
    config: TrainConfig,
    shape: ShapeModelConfig,
    state: TaskState,
    on_epoch: EpochCallback | None,
    device: torch.device,
    val: Loaded | None = None,
    names: list[str] | None = None,
) -> Fit:
    """The training loop (also what the benchmark times against a plain torch loop)."""
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    network = build_detector(DETECTOR, hyper).to(device)
    tensor = torch.from_numpy(images).to(device)
    n = len(images)
    batch = min(shape.batch_size, n)
    per_epoch = steps_per_epoch(n, batch, shape.min_steps_per_epoch)
    total = per_epoch * config.epochs
    optimizer = torch.optim.AdamW(network.parameters(), lr=shape.lr, weight_decay=config.weight_decay)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=shape.lr, total_steps=total, pct_start=0.15)
    fit = Fit(network)
    classes = int(hyper["num_classes"])
    size = int(hyper["input_size"])
    every = max(1, config.epochs // 6)
    step = 0
    for epoch in range(1, config.epochs + 1):
        network.train()
        started = time.perf_counter()
        loss_sum, seen = 0.0, 0
        passes = math.ceil(per_epoch * batch / n)
        order = np.concatenate([rng.permutation(n) for _ in range(passes)])[: per_epoch * batch]
        for chunk in np.array_split(order, per_epoch):
            state.check()
            index = torch.from_numpy(chunk).to(device)
            inputs, moved = augment_batch(tensor[index].float(), [boxes[i] for i in chunk], config, rng)
            heat, sides, weight = targets(moved, classes, size, device)
            inputs = (inputs / 255.0 - float(hyper["mean"])) / float(hyper["std"])
            loss = step_loss(network, inputs, heat, sides, weight)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if step < total - 1:
                scheduler.step()
            step += 1
            loss_sum += float(loss.detach()) * len(chunk)
            seen += len(chunk)
            state.report(step, total, f"epoch {epoch}/{config.epochs}")
        elapsed = time.perf_counter() - started
        fit.seconds += elapsed
        fit.images_seen += seen
        val_ap = None
        if val is not None and len(val) and names is not None and (epoch % every == 0 or epoch == config.epochs):
            val_ap = evaluate_split(network, val, names, hyper)["ap50"]
        stats = EpochStats(
            epoch, config.epochs, loss_sum / max(seen, 1), 0.0, None, val_ap, elapsed, seen / max(elapsed, 1e-9),
            stage="detector",
        )  # fmt: skip
        fit.history.append(stats)
        text = f"epoch {epoch}/{config.epochs} loss {stats.train_loss:.3f}"
        if val_ap is not None:
            text += f" val AP50 {val_ap:.3f}"
        state.report(step, total, text, force=True)
        if on_epoch is not None:
            on_epoch(stats)
    network.eval()
    return fit


def _activation(store: Store, config: TrainConfig, metrics: dict[str, Any]) -> tuple[bool, str]:
    """The project's rule, on validation mAP against the active detector's (the same carved
    validation samples when both were carved from the same labels; said when not comparable)."""
    rule = ActivationRule(config.activation)
    active = store.models.active()
    if rule is ActivationRule.ALWAYS:
        return True, "activated: the project activates every new version"
    if rule is ActivationRule.NEVER:
        return False, "not activated: the project activates versions by hand"
    if active is None:
        return True, "activated: there was no active model"
    if active.architecture != DETECTOR:
        return True, f"activated: {active.version} is not a detector"
    new = (metrics.get("validation") or {}).get("map")
    old = (active.metrics.get("validation") or {}).get("map")
    if new is None:
        return False, f"not activated: no validation boxes to compare it with {active.version}"
    if old is None:
        return True, f"activated: {active.version} has no validation mAP"
    if new + 1e-9 >= old:
        return True, f"activated: validation mAP {new:.3f} >= {old:.3f} of {active.version}"
    return False, f"not activated: validation mAP {new:.3f} < {old:.3f} of {active.version}"
