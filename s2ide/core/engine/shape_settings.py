"""Settings of the project's own detector and segmenter (a project setting, JSON in meta).

The rest (epochs, device, threads, seed, augmentation, activation rule) comes from the
project's training settings, shared with the classifier.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from s2ide.core.errors import InvalidInputError
from s2ide.core.store import Store

SHAPE_KEY = "shape_model"


@dataclass
class ShapeModelConfig:
    input_size: int = 384  # the long side of every image is scaled to this (letterbox), in pixels
    width: int = 16  # channels of the backbone's first stage
    head: int = 48  # channels of the detector's FPN and heads
    batch_size: int = 16
    lr: float = 2e-3
    min_steps_per_epoch: int = 10
    # A U-Net from scratch needs about this many optimizer steps before its classes separate: on
    # the digits benchmark (200 images) 390 steps gave test mIoU 0.18, 1,170 steps 0.84. A run
    # on few images takes more steps per epoch to reach it; large sets pass it anyway.
    segmenter_min_steps: int = 1200
    score_floor: float = 0.05  # detections below this score are not stored

    def validate(self) -> ShapeModelConfig:
        if not 64 <= self.input_size <= 2048 or self.input_size % 16:
            raise InvalidInputError("input_size must be a multiple of 16 between 64 and 2048")
        if not 4 <= self.width <= 128 or not 8 <= self.head <= 256:
            raise InvalidInputError("width must be in 4..128 and head in 8..256")
        if self.batch_size < 1 or self.lr <= 0 or self.min_steps_per_epoch < 1 or self.segmenter_min_steps < 1:
            raise InvalidInputError("batch_size, lr, min_steps_per_epoch and segmenter_min_steps must be positive")
        return self

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ShapeModelConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in known})


def load_shape_config(store: Store) -> ShapeModelConfig:
    return ShapeModelConfig.from_dict(store.meta.get_json(SHAPE_KEY, {}) or {})


def save_shape_config(store: Store, config: ShapeModelConfig) -> None:
    config.validate()
    with store.transaction():
        store.meta.set_json(SHAPE_KEY, config.as_dict())
