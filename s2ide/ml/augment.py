"""Batched augmentation on tensors: random affine (shift, zoom, rotation, optional flip) and
brightness/contrast jitter, all in one `grid_sample` per batch so it costs little next to the
network. Flips are off unless the project turns them on (a mirrored 2 is not a 2).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from s2ide.core.engine.ml_settings import TrainConfig


def _uniform(n: int, spread: float, generator: torch.Generator, device: torch.device) -> torch.Tensor:
    return (torch.rand(n, generator=generator, device=device) * 2 - 1) * spread


def augment(images: torch.Tensor, config: TrainConfig, generator: torch.Generator) -> torch.Tensor:
    """images: float (n, c, h, w) in [0, 1]; returns a new tensor of the same shape."""
    n = images.shape[0]
    device = images.device
    x = images
    if config.translate > 0 or config.scale > 0 or config.rotate > 0 or config.flip:
        angle = _uniform(n, math.radians(config.rotate), generator, device)
        zoom = 1.0 + _uniform(n, config.scale, generator, device)
        tx = _uniform(n, 2 * config.translate, generator, device)
        ty = _uniform(n, 2 * config.translate, generator, device)
        cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
        flip = torch.ones(n, device=device)
        if config.flip:
            flip = torch.where(torch.rand(n, generator=generator, device=device) < 0.5, -1.0, 1.0)
        theta = torch.stack(
            [torch.stack([cos * flip, -sin, tx], dim=1), torch.stack([sin * flip, cos, ty], dim=1)], dim=1
        )
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    if config.jitter > 0:
        brightness = 1.0 + _uniform(n, config.jitter, generator, device).view(n, 1, 1, 1)
        contrast = 1.0 + _uniform(n, config.jitter, generator, device).view(n, 1, 1, 1)
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        x = ((x - mean) * contrast + mean) * brightness
        x = x.clamp(0.0, 1.0)
    return x
