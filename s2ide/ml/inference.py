"""Running a trained classifier: the device, input scaling and batched evaluation (with
test-time views), shared by training, prediction, cross-validation and the model tests."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from s2ide.core.engine.ml_settings import TrainConfig
from s2ide.ml.nets import Classifier
from s2ide.ml.results import TrainingFailed


def pick_device(config: TrainConfig) -> torch.device:
    if config.device == "cuda" or (config.device == "auto" and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            raise TrainingFailed("the training settings ask for CUDA but no CUDA device is available")
        return torch.device("cuda")
    return torch.device("cpu")


def normalize(batch: torch.Tensor, hyper: dict[str, Any]) -> torch.Tensor:
    """float [0, 1] -> the network's input scale (training-set mean/std, stored in the model)."""
    return (batch - float(hyper["mean"])) / float(hyper["std"])


def to_unit(batch_u8: torch.Tensor) -> torch.Tensor:
    return batch_u8.float().div_(255.0)


def _transformed(batch: torch.Tensor, dx: float, dy: float, degrees: float, zoom: float) -> torch.Tensor:
    """The batch moved by (dx, dy) as fractions of its size, turned and zoomed, edges repeated."""
    n = batch.shape[0]
    angle = math.radians(degrees)
    cos, sin = math.cos(angle) / zoom, math.sin(angle) / zoom
    theta = torch.tensor([[cos, -sin, -2 * dx], [sin, cos, -2 * dy]], device=batch.device).expand(n, 2, 3)
    grid = F.affine_grid(theta, list(batch.shape), align_corners=False)
    return F.grid_sample(batch, grid, mode="bilinear", padding_mode="border", align_corners=False)


def tta_views(config: dict[str, Any], views: int) -> list[tuple[float, float, float, float]]:
    """The (dx, dy, degrees, zoom) copies scored beside the image itself: four shifts by half
    the training translation, then two turns and two zooms by half the training range."""
    step = float(config.get("translate", 0.1)) / 2 or 0.05
    turn = float(config.get("rotate", 10.0)) / 2 or 5.0
    zoom = float(config.get("scale", 0.1)) / 2 or 0.05
    candidates = [
        (step, 0.0, 0.0, 1.0), (-step, 0.0, 0.0, 1.0), (0.0, step, 0.0, 1.0), (0.0, -step, 0.0, 1.0),
        (0.0, 0.0, turn, 1.0), (0.0, 0.0, -turn, 1.0), (0.0, 0.0, 0.0, 1.0 + zoom), (0.0, 0.0, 0.0, 1.0 - zoom),
    ]  # fmt: skip
    return candidates[: max(0, views - 1)]


@torch.no_grad()
def evaluate(
    network: Classifier,
    images: torch.Tensor,
    hyper: dict[str, Any],
    batch_size: int = 256,
    views: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities float32 (n, k), features float32 (n, d)) in eval mode.

    With views > 1 the probabilities are averaged over the image and up to eight moved copies
    (`tta_views`, test-time augmentation): steadier uncertainty for the queue and
    pre-labels. Features always come from the unmoved image.
    """
    network.eval()
    shifts = tta_views(hyper.get("config", {}), views)
    probs, feats = [], []
    for start in range(0, len(images), batch_size):
        unit = to_unit(images[start : start + batch_size])
        logits, features = network.forward_with_features(normalize(unit, hyper))
        p = torch.softmax(logits.float(), dim=1)
        for view in shifts:
            p = p + torch.softmax(network(normalize(_transformed(unit, *view), hyper)).float(), dim=1)
        probs.append((p / (1 + len(shifts))).cpu().numpy())
        feats.append(features.float().cpu().numpy())
    k = network.num_classes
    if not probs:
        return np.zeros((0, k), np.float32), np.zeros((0, network.feature_dim), np.float32)
    return np.concatenate(probs), np.concatenate(feats)
