"""train_segmenter(): done samples' masks and polygons in, a registered segmenter version out.

The detector's steps (ml/detect/train.py) for per-pixel classes: class maps letterboxed with
their images, shift/zoom/flip augmentation applied to both (nearest for the map),
cross-entropy plus a soft Dice term on the foreground classes (small objects count as much
as big ones), mIoU and Dice per class on validation and test, safetensors weights, registry.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from s2ide.core.engine.ml_settings import ActivationRule, TrainConfig, load_train_config
from s2ide.core.engine.run_owner import is_abandoned, owner_stamp
from s2ide.core.engine.segmentation_metrics import segmentation_report
from s2ide.core.engine.shape_settings import ShapeModelConfig, load_shape_config
from s2ide.core.project import Project
from s2ide.core.store import Store
from s2ide.core.store.models import NewModel
from s2ide.core.tasks import TaskState
from s2ide.ml.detect.train import Fit, normalize, steps_per_epoch
from s2ide.ml.inference import pick_device
from s2ide.ml.results import EpochCallback, EpochStats, TrainResult
from s2ide.ml.run_guard import guarded_run
from s2ide.ml.segment.cleanup import absorb_fragments
from s2ide.ml.segment.data import MaskSnapshot, load_masks, take_mask_snapshot
from s2ide.ml.segment.net import DEPTH, SEGMENTER, UNet, build_segmenter
from s2ide.ml.shape_runs import finish_run


def train_segmenter(
    project: Project,
    config: TrainConfig | None = None,
    state: TaskState | None = None,
    *,
    on_epoch: EpochCallback | None = None,
    user: str = "s2ide",
    shape_config: ShapeModelConfig | None = None,
) -> TrainResult:
    state = state or TaskState()
    store = project.connect()
    try:
        config = (config or load_train_config(store)).validate()
        shape = (shape_config or load_shape_config(store)).validate()
        torch.set_num_threads(config.threads)
        snapshot = take_mask_snapshot(project, store, config.val_fraction, config.seed)
        state.check()
        with store.transaction():
            for stale in store.models.list(states=("training",)):
                if is_abandoned(stale.metrics):
                    store.models.update(stale.version, state="failed", metrics={"error": "interrupted"})
            row = store.models.add(
                NewModel(
                    task="segment",
                    architecture=SEGMENTER,
                    label_map=snapshot.label_map,
                    trained_on=len(snapshot.train),
                    metrics={"owner": owner_stamp()},
                    state="training",
                )
            )
            store.audit.record(user, "train", "model", row.version, None, {"state": "training"})
        version, weights = row.version, project.models_dir / f"{row.version}.safetensors"
        return guarded_run(
            lambda: _fit_and_register(store, config, shape, state, on_epoch, snapshot, version, weights, user),
            store,
            version,
            weights,
            user,
            project.models_dir,
        )
    finally:
        store.close()


def augment_pair(
    images: torch.Tensor, maps: torch.Tensor, config: TrainConfig, rng: np.random.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """The same random shift, zoom and flip for each image and its class map."""
    n, _, size, _ = images.shape
    zoom = np.exp(rng.uniform(-1, 1, n) * math.log1p(config.scale * 2)) if config.scale > 0 else np.ones(n)
    shift = rng.uniform(-config.translate, config.translate, (n, 2)) * 2 if config.translate > 0 else np.zeros((n, 2))
    sign = np.where(rng.random(n) < 0.5, -1.0, 1.0) if config.flip else np.ones(n)
    theta = np.zeros((n, 2, 3), np.float32)
    theta[:, 0, 0] = sign / zoom
    theta[:, 1, 1] = 1 / zoom
    theta[:, 0, 2] = -shift[:, 0] * sign / zoom
    theta[:, 1, 2] = -shift[:, 1] / zoom
    grid = F.affine_grid(torch.from_numpy(theta).to(images.device), [n, 3, size, size], align_corners=False)
    out = F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    moved = F.grid_sample(maps[:, None].float(), grid, mode="nearest", padding_mode="zeros", align_corners=False)
    if config.jitter > 0:
        gain = torch.from_numpy(rng.uniform(1 - config.jitter, 1 + config.jitter, (n, 1, 1, 1)).astype(np.float32))
        out = out * gain.to(out.device)
    return out, moved[:, 0].long()


def seg_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Cross-entropy plus 1 - soft Dice over the foreground classes present in the batch."""
    ce = F.cross_entropy(logits.float(), target)
    probs = torch.softmax(logits.float(), dim=1)[:, 1:]
    onehot = F.one_hot(target, logits.shape[1]).permute(0, 3, 1, 2)[:, 1:].float()
    inter = (probs * onehot).sum(dim=(0, 2, 3))
    total = probs.sum(dim=(0, 2, 3)) + onehot.sum(dim=(0, 2, 3))
    present = onehot.sum(dim=(0, 2, 3)) > 0
    if not bool(present.any()):
        return ce
    dice = (2 * inter[present] + 1) / (total[present] + 1)
    return ce + (1 - dice.mean())


@torch.no_grad()
def segment_images(
    network: UNet, images: np.ndarray | torch.Tensor, hyper: dict[str, Any], batch_size: int = 16
) -> tuple[np.ndarray, np.ndarray]:
    """(softmax probabilities float32 (n, k+1, s, s), features (n, d)) of letterboxed images."""
    network.eval()
    device = next(network.parameters()).device
    probs, feats = [], []
    for start in range(0, len(images), batch_size):
        chunk = images[start : start + batch_size]
        tensor = chunk if isinstance(chunk, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(chunk))
        logits, features = network.forward_with_features(normalize(tensor.to(device), hyper))
        probs.append(torch.softmax(logits.float(), dim=1).cpu().numpy())
        feats.append(features.float().cpu().numpy())
    if not probs:
        size = int(hyper["input_size"])
        return np.zeros((0, network.num_classes + 1, size, size), np.float32), np.zeros((0, network.feature_dim))
    return np.concatenate(probs), np.concatenate(feats)


def evaluate_maps(network: UNet, images: np.ndarray, maps: np.ndarray, names: list[str], hyper: dict[str, Any]):
    """mIoU and Dice of the class maps as the pre-labels get them (slivers absorbed)."""
    predicted = np.concatenate(
        [segment_images(network, images[i : i + 16], hyper)[0].argmax(axis=1) for i in range(0, len(images), 16)]
    ) if len(images) else np.zeros((0, *maps.shape[1:]), np.int64)  # fmt: skip
    cleaned = (
        np.stack([absorb_fragments(m.astype(np.uint8), len(names)) for m in predicted]) if len(predicted) else predicted
    )
    return segmentation_report(maps, cleaned, names)


def fit_segmenter(
    images: np.ndarray,
    maps: np.ndarray,
    hyper: dict[str, Any],
    config: TrainConfig,
    shape: ShapeModelConfig,
    state: TaskState,
    on_epoch: EpochCallback | None,
    device: torch.device,
    val: tuple[np.ndarray, np.ndarray] | None = None,
    names: list[str] | None = None,
) -> Fit:
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    network = build_segmenter(SEGMENTER, hyper).to(device)
    x = torch.from_numpy(images).to(device)
    y = torch.from_numpy(maps).to(device)
    n = len(images)
    batch = min(shape.batch_size, n)
    # at least segmenter_min_steps in all: a few images' epochs are too short to converge
    floor = max(shape.min_steps_per_epoch, math.ceil(shape.segmenter_min_steps / max(1, config.epochs)))
    per_epoch = steps_per_epoch(n, batch, floor)
    total = per_epoch * config.epochs
    optimizer = torch.optim.AdamW(network.parameters(), lr=shape.lr, weight_decay=config.weight_decay)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=shape.lr, total_steps=total, pct_start=0.15)
    fit = Fit(network)  # type: ignore[arg-type]
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
            inputs, target = augment_pair(x[index].float(), y[index], config, rng)
            inputs = (inputs / 255.0 - float(hyper["mean"])) / float(hyper["std"])
            loss = seg_loss(network(inputs), target)
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
        val_miou = None
        if val is not None and len(val[0]) and names and (epoch % every == 0 or epoch == config.epochs):
            val_miou = evaluate_maps(network, val[0], val[1], names, hyper)["miou"]
        stats = EpochStats(
            epoch, config.epochs, loss_sum / max(seen, 1), 0.0, None, val_miou, elapsed, seen / max(elapsed, 1e-9),
            stage="segmenter",
        )  # fmt: skip
        fit.history.append(stats)
        text = f"epoch {epoch}/{config.epochs} loss {stats.train_loss:.3f}"
        if val_miou is not None:
            text += f" val mIoU {val_miou:.3f}"
        state.report(step, total, text, force=True)
        if on_epoch is not None:
            on_epoch(stats)
    network.eval()
    return fit


def _fit_and_register(
    store: Store,
    config: TrainConfig,
    shape: ShapeModelConfig,
    state: TaskState,
    on_epoch: EpochCallback | None,
    snapshot: MaskSnapshot,
    version: str,
    weights: Path,
    user: str,
) -> TrainResult:
    device = pick_device(config)
    size = shape.input_size
    column = {int(entry["id"]): index for index, entry in enumerate(snapshot.label_map)}
    data = {
        name: load_masks(store, getattr(snapshot, name), column, size, state, f"reading {name} images")
        for name in ("train", "val", "test")
    }
    images, maps, _ = data["train"]
    unit = images.astype(np.float32) / 255.0
    hyper: dict[str, Any] = {
        "in_channels": 3,
        "num_classes": len(snapshot.label_map),
        "width": shape.width,
        "depth": DEPTH,
        "input_size": size,
        "mean": float(unit.mean()),
        "std": max(float(unit.std()), 1e-3),
        "output": "polygon" if snapshot.polygons > snapshot.masks else "mask",
        "config": shape.as_dict(),
        "train_config": config.as_dict(),
    }
    del unit
    val = (data["val"][0], data["val"][1])
    fit = fit_segmenter(images, maps, hyper, config, shape, state, on_epoch, device, val, snapshot.names)
    network = fit.network
    state.check()
    reports: dict[str, Any] = {}
    for name, key in (("validation", "val"), ("test", "test"), ("train", "train")):
        part = data[key]
        reports[name] = evaluate_maps(network, part[0], part[1], snapshot.names, hyper) if len(part[0]) else None  # type: ignore[arg-type]
    chosen = next(name for name in ("test", "validation", "train") if reports[name] is not None)
    notes = [f"images scaled so the long side is {size} px (input_size); masks compared at that size"]
    for kind, count in sorted(snapshot.unused.items()):
        notes.append(f"{count} {kind} shapes are not regions and were not used")
    batch = max(1, min(shape.batch_size, len(images)))
    steps = fit.images_seen // batch
    if steps >= shape.segmenter_min_steps > math.ceil(len(images) / batch) * config.epochs:
        notes.append(f"few images: each epoch repeats them so the run takes {steps:,} steps (segmenter_min_steps)")
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
        notes=notes,
        validation_ids=list(snapshot.val.sample_ids),
    )
    train_ids = list(snapshot.train.sample_ids)
    state.check()
    decision = _activation(store, config, metrics)
    return finish_run(store, version, weights, network, train_ids, hyper, metrics, decision, fit.history, user)


def _activation(store: Store, config: TrainConfig, metrics: dict[str, Any]) -> tuple[bool, str]:
    rule = ActivationRule(config.activation)
    active = store.models.active()
    if rule is ActivationRule.ALWAYS:
        return True, "activated: the project activates every new version"
    if rule is ActivationRule.NEVER:
        return False, "not activated: the project activates versions by hand"
    if active is None:
        return True, "activated: there was no active model"
    if active.architecture != SEGMENTER:
        return True, f"activated: {active.version} is not a segmenter"
    new = (metrics.get("validation") or {}).get("miou")
    old = (active.metrics.get("validation") or {}).get("miou")
    if new is None:
        return False, f"not activated: no validation masks to compare it with {active.version}"
    if old is None or new + 1e-9 >= old:
        return True, f"activated: validation mIoU {new:.3f} >= {old or 0:.3f} of {active.version}"
    return False, f"not activated: validation mIoU {new:.3f} < {old:.3f} of {active.version}"
