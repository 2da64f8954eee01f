"""A small U-Net (plain torch): per-class semantic masks at the input's resolution.

Three down steps of residual blocks (the classifier's BasicBlock) and three up steps that
concatenate the encoder's map of the same size; the output has one channel per class plus
background (channel 0), so each pixel gets one class (softmax). Instances come later from
connected components of each class's mask (ml/segment/predict.py). New versions have a fourth
level at 1/16 (`depth` in the hyper-parameters; older versions load with three). At width 16
it has about 1.9M parameters (0.8M with three levels).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from s2ide.core.errors import S2Error
from s2ide.ml.nets import BasicBlock

SEGMENTER = "s2ide-unet-v1"
DEPTH = 4  # levels below full resolution for new versions (1/2 .. 1/16)


class Up(nn.Module):
    def __init__(self, deep: int, skip: int, out: int) -> None:
        super().__init__()
        self.block = BasicBlock(deep + skip, out, 1)

    def forward(self, deep: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        deep = F.interpolate(deep, size=skip.shape[-2:], mode="bilinear", align_corners=False)
        return self.block(torch.cat([deep, skip], dim=1))


class UNet(nn.Module):
    def __init__(self, in_channels: int, num_classes: int, width: int = 16, depth: int = 3) -> None:
        super().__init__()
        w = width
        self.stem = nn.Sequential(nn.Conv2d(in_channels, w, 3, 1, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU())
        self.down1 = BasicBlock(w, 2 * w, 2)
        self.down2 = BasicBlock(2 * w, 4 * w, 2)
        self.down3 = nn.Sequential(BasicBlock(4 * w, 8 * w, 2), BasicBlock(8 * w, 8 * w, 1))
        # depth 4: one more level at 1/16, so a pixel's class can depend on the whole object
        # around it (a digit's identity is not in its stroke), not only on a 1/8 neighbourhood
        self.deep: nn.Module | None = None
        self.up3: Up | None = None
        if depth >= 4:
            self.deep = nn.Sequential(BasicBlock(8 * w, 8 * w, 2), BasicBlock(8 * w, 8 * w, 1))
            self.up3 = Up(8 * w, 8 * w, 8 * w)
        self.up2 = Up(8 * w, 4 * w, 4 * w)
        self.up1 = Up(4 * w, 2 * w, 2 * w)
        self.up0 = Up(2 * w, w, w)
        self.out = nn.Conv2d(w, num_classes + 1, 1)
        self.num_classes = num_classes
        self.feature_dim = 8 * w

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_with_features(x)[0]

    def forward_with_features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(logits (n, k+1, h, w), pooled bottleneck features (n, 8*width))."""
        s0 = self.stem(x)
        s1 = self.down1(s0)
        s2 = self.down2(s1)
        s3 = self.down3(s2)
        bottom = s3
        if self.deep is not None and self.up3 is not None:
            bottom = self.deep(s3)
            s3 = self.up3(bottom, s3)
        y = self.up0(self.up1(self.up2(s3, s2), s1), s0)
        return self.out(y), torch.flatten(F.adaptive_avg_pool2d(bottom, 1), 1)


def build_segmenter(architecture: str, hyper: dict[str, Any]) -> UNet:
    if architecture != SEGMENTER:
        raise S2Error(f"unknown segmenter architecture {architecture!r} (this s2ide knows {SEGMENTER})")
    try:
        depth = int(hyper.get("depth", 3))  # versions trained before depth was a setting have 3
        return UNet(int(hyper["in_channels"]), int(hyper["num_classes"]), int(hyper["width"]), depth)
    except (KeyError, TypeError, ValueError) as exc:
        raise S2Error(f"segmenter hyper-parameters are incomplete or damaged ({exc!r})") from exc
