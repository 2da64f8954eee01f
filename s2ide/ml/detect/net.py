"""A small anchor-free detector: CenterNet-style heads on the small ResNet's blocks.

Backbone: a stride-2 stem and three stages of residual blocks (the classifier's BasicBlock)
at strides 4, 8 and 16; a light FPN adds the deeper maps back up to stride 4. Heads at
stride 4: a per-class centre heatmap and, at every pixel near an object centre, the distances
to the box's four sides (TTFNet, Liu et al. 2019: regressing at many pixels instead of the
centre alone is what lets it learn from a few hundred boxes). A box is read off each peak of
the heatmap: no anchors, no NMS for separated objects (a light per-class NMS is applied
anyway for touching ones). At width 16 it has ~0.5M parameters.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from s2ide.core.errors import S2Error
from s2ide.ml.nets import BasicBlock

DETECTOR = "s2ide-centernet-v1"
STRIDE = 4


def _conv(cin: int, cout: int, k: int = 3, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


class Backbone(nn.Module):
    """Feature maps at strides 4, 8 and 16 (widths w, 2w, 4w)."""

    def __init__(self, in_channels: int, width: int) -> None:
        super().__init__()
        self.stem = nn.Sequential(_conv(in_channels, width, 3, 2), _conv(width, width))
        self.stage4 = BasicBlock(width, width, 2)
        self.stage8 = nn.Sequential(BasicBlock(width, 2 * width, 2), BasicBlock(2 * width, 2 * width, 1))
        self.stage16 = nn.Sequential(BasicBlock(2 * width, 4 * width, 2), BasicBlock(4 * width, 4 * width, 1))
        self.widths = (width, 2 * width, 4 * width)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        c4 = self.stage4(self.stem(x))
        c8 = self.stage8(c4)
        c16 = self.stage16(c8)
        return c4, c8, c16


class UpMerge(nn.Module):
    """The deeper map upsampled and added to the finer one (both brought to `out` channels)."""

    def __init__(self, fine: int, out: int) -> None:
        super().__init__()
        self.lateral = nn.Conv2d(fine, out, 1)
        self.smooth = _conv(out, out)

    def forward(self, fine: torch.Tensor, deep: torch.Tensor) -> torch.Tensor:
        up = F.interpolate(deep, size=fine.shape[-2:], mode="nearest")
        return self.smooth(self.lateral(fine) + up)


class CenterNet(nn.Module):
    def __init__(self, in_channels: int, num_classes: int, width: int = 16, head: int = 48) -> None:
        super().__init__()
        self.backbone = Backbone(in_channels, width)
        w4, w8, w16 = self.backbone.widths
        self.top = nn.Conv2d(w16, head, 1)
        self.merge8 = UpMerge(w8, head)
        self.merge4 = UpMerge(w4, head)
        heat_out = nn.Conv2d(head, num_classes, 1)
        nn.init.constant_(heat_out.bias, -4.6)  # type: ignore[arg-type]  # start at p=0.01: the focal loss's usual prior
        self.heat = nn.Sequential(_conv(head, head), heat_out)
        self.sides = nn.Sequential(_conv(head, head), nn.Conv2d(head, 4, 1))
        self.num_classes = num_classes
        self.feature_dim = w16

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(heatmap logits (n, k, h/4, w/4), log side distances in stride units (n, 4, h/4, w/4))."""
        return self.forward_with_features(x)[:2]

    def forward_with_features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        c4, c8, c16 = self.backbone(x)
        p = self.merge4(c4, self.merge8(c8, self.top(c16)))
        features = torch.flatten(F.adaptive_avg_pool2d(c16, 1), 1)
        return self.heat(p), self.sides(p).clamp(-4.0, 6.0), features


def build_detector(architecture: str, hyper: dict[str, Any]) -> CenterNet:
    if architecture != DETECTOR:
        raise S2Error(f"unknown detector architecture {architecture!r} (this s2ide knows {DETECTOR})")
    try:
        return CenterNet(int(hyper["in_channels"]), int(hyper["num_classes"]), int(hyper["width"]), int(hyper["head"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise S2Error(f"detector hyper-parameters are incomplete or damaged ({exc!r})") from exc
