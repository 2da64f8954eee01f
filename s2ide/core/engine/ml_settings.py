"""Per-project model settings kept in the meta table as JSON (no torch here).

`TrainConfig` holds the trainer's hyper-parameters (input size, width, epochs, augmentation,
activation rule); `LoopSettings` what the app does around training: when to retrain on its
own and how confident a pre-label must be to be shown. The labeling strategy lives beside
them (`s2ide.core.engine.sampling.get_strategy`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from s2ide.core.errors import InvalidInputError
from s2ide.core.store import Store

TRAIN_KEY = "ml.train"
LOOP_KEY = "ml.loop"


class ActivationRule(StrEnum):
    IF_NOT_WORSE = "if-not-worse"  # active unless significantly worse on samples neither trained on
    ALWAYS = "always"
    NEVER = "never"


@dataclass
class TrainConfig:
    input_size: int = 32  # images are resized to input_size x input_size
    channels: int = 0  # 1 (gray), 3 (RGB), or 0: 1 when every training image is grayscale
    width: int = 16  # channels of the first stage; doubled at each of the three stages
    blocks: int = 1  # residual blocks per stage
    epochs: int = 30
    batch_size: int = 32
    min_steps_per_epoch: int = 8  # tiny label sets still get enough optimizer steps
    lr: float = 3e-3
    weight_decay: float = 5e-4
    patience: int = 8  # epochs without validation improvement before stopping
    # validation samples needed to pick the best epoch and stop early; below it a carved-out
    # validation set only measures, and the registered networks train on every label
    early_stop_min_val: int = 200
    val_fraction: float = 0.2  # share of each class carved out for validation when no val split exists
    flip: bool = False  # horizontal flips: off by default (digits and text must not be mirrored)
    translate: float = 0.1  # random shift, as a fraction of the image size
    scale: float = 0.1  # random zoom in/out
    rotate: float = 10.0  # degrees
    jitter: float = 0.1  # brightness/contrast jitter
    seed: int = 0
    device: str = "auto"  # auto (CUDA when present), cpu, cuda
    activation: str = ActivationRule.IF_NOT_WORSE.value
    # what "not worse" is measured by, on samples neither version trained on (accuracy or macro_f1)
    activation_metric: str = "accuracy"
    threads: int = 1  # torch threads in the background trainer (more slows the GUI down)
    predict_views: int = 5  # predictions average the image and 4 shifted copies (steadier uncertainty)
    members: int = 1  # networks trained from different seeds whose predictions are averaged
    label_smoothing: float = 0.1  # share of each target spread over all classes: less overconfident, fewer labels

    def validate(self) -> TrainConfig:
        checks = [
            (8 <= self.input_size <= 512, "input_size must be between 8 and 512"),
            (self.channels in (0, 1, 3), "channels must be 0 (auto), 1 or 3"),
            (1 <= self.width <= 256, "width must be between 1 and 256"),
            (1 <= self.blocks <= 8, "blocks must be between 1 and 8"),
            (self.epochs >= 1, "epochs must be at least 1"),
            (self.batch_size >= 1, "batch_size must be at least 1"),
            (self.early_stop_min_val >= 0, "early_stop_min_val must be at least 0"),
            (self.lr > 0, "lr must be positive"),
            (0 <= self.val_fraction < 1, "val_fraction must be in [0, 1)"),
            (self.device in ("auto", "cpu", "cuda"), "device must be auto, cpu or cuda"),
            (self.activation in {r.value for r in ActivationRule}, "activation must be if-not-worse, always or never"),
            (self.activation_metric in ("accuracy", "macro_f1"), "activation_metric must be accuracy or macro_f1"),
            (self.threads >= 1, "threads must be at least 1"),
            (1 <= self.predict_views <= 9, "predict_views must be between 1 and 9"),
            (1 <= self.members <= 8, "members must be between 1 and 8"),
            (0 <= self.label_smoothing < 1, "label_smoothing must be in [0, 1)"),
        ]
        for ok, message in checks:
            if not ok:
                raise InvalidInputError(f"training settings: {message}")
        return self

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        known = {f.name: f for f in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key not in known:
                continue  # settings written by a newer version: ignore, do not fail
            default = getattr(cls(), key)
            try:
                values[key] = type(default)(value)
            except (TypeError, ValueError) as exc:
                raise InvalidInputError(
                    f"training settings: {key}={value!r} is not a {type(default).__name__}"
                ) from exc
        return cls(**values).validate()


@dataclass
class LoopSettings:
    retrain_after: int = 50  # retrain on its own after this many new labels (0: never)
    confidence_threshold: float = 0.5  # hide pre-labels less confident than this

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def load_train_config(store: Store) -> TrainConfig:
    return TrainConfig.from_dict(store.meta.get_json(TRAIN_KEY, {}) or {})


def save_train_config(store: Store, config: TrainConfig, user: str) -> None:
    config.validate()
    with store.transaction():
        before = store.meta.get_json(TRAIN_KEY)
        store.meta.set_json(TRAIN_KEY, config.as_dict())
        store.audit.record(user, "settings", "meta", TRAIN_KEY, before, config.as_dict())


def load_loop_settings(store: Store) -> LoopSettings:
    data = store.meta.get_json(LOOP_KEY, {}) or {}
    settings = LoopSettings()
    try:
        if "retrain_after" in data:
            settings.retrain_after = max(0, int(data["retrain_after"]))
        if "confidence_threshold" in data:
            settings.confidence_threshold = min(1.0, max(0.0, float(data["confidence_threshold"])))
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"model loop settings in the project are damaged ({exc})") from exc
    return settings


def save_loop_settings(store: Store, settings: LoopSettings, user: str) -> None:
    if settings.retrain_after < 0 or not 0 <= settings.confidence_threshold <= 1:
        raise InvalidInputError("retrain_after must be >= 0 and the confidence threshold in [0, 1]")
    with store.transaction():
        before = store.meta.get_json(LOOP_KEY)
        store.meta.set_json(LOOP_KEY, settings.as_dict())
        store.audit.record(user, "settings", "meta", LOOP_KEY, before, settings.as_dict())
