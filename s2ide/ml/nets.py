"""The classification network: a small ResNet in plain torch (no torchvision).

Three stages of residual blocks (width, 2*width, 4*width channels; the last two halve the
resolution), global average pooling, one linear layer. `features()` gives the pooled
penultimate vector: the embedding stored with predictions for diversity sampling and plots.
`Ensemble` averages the probabilities of several such networks trained from different seeds.
At the defaults (width 16, one block a stage) it has ~0.17M parameters and trains on a few
hundred 32x32 images in seconds on one CPU thread.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from s2ide.core.errors import S2Error

ARCHITECTURE = "s2ide-resnet-v1"
MAX_MEMBERS = 8


class BasicBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + self.shortcut(x))


class SmallResNet(nn.Module):
    def __init__(self, in_channels: int, num_classes: int, width: int = 16, blocks: int = 1) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_channels, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU())
        layers: list[nn.Module] = []
        cin = width
        for stage, stride in enumerate((1, 2, 2)):
            cout = width * 2**stage
            for index in range(blocks):
                layers.append(BasicBlock(cin, cout, stride if index == 0 else 1))
                cin = cout
        self.stages = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(cin, num_classes)
        self.feature_dim = cin
        self.num_classes = num_classes

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return torch.flatten(self.pool(self.stages(self.stem(x))), 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))

    def forward_with_features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        feats = self.features(x)
        return self.head(feats), feats


class Ensemble(nn.Module):
    """Networks trained apart (different seeds) whose probabilities are averaged.

    One network's uncertainty swings from one retrain to the next; the mean of a few is
    steadier, which is what the margin and entropy queues rank by. `forward` returns the log
    of the mean probability, so softmax of it is the averaged prediction and it stands in
    wherever a single network's logits do. The embedding is the members' features side by side.
    """

    def __init__(self, members: list[SmallResNet]) -> None:
        super().__init__()
        self.members = nn.ModuleList(members)
        self.num_classes = members[0].num_classes
        self.feature_dim = sum(member.feature_dim for member in members)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_with_features(x)[0]

    def forward_with_features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        outputs = [member.forward_with_features(x) for member in self.members]  # type: ignore[operator]
        log_probs = torch.stack([torch.log_softmax(logits.float(), dim=1) for logits, _ in outputs])
        mean_log_prob = torch.logsumexp(log_probs, dim=0) - math.log(len(outputs))
        return mean_log_prob, torch.cat([feats for _, feats in outputs], dim=1)


Classifier = SmallResNet | Ensemble


def build(architecture: str, hyper: dict[str, Any]) -> Classifier:
    """The network a registry entry describes (before its weights are loaded): an ensemble
    when hyper["members"] > 1 (versions written before ensembles have no such key)."""
    if architecture != ARCHITECTURE:
        raise S2Error(f"unknown model architecture {architecture!r} (this s2ide knows {ARCHITECTURE})")
    try:
        members = int(hyper.get("members", 1))
        if not 1 <= members <= MAX_MEMBERS:
            raise ValueError(f"members={members}")
        nets = [build_member(hyper) for _ in range(members)]
    except (KeyError, TypeError, ValueError) as exc:
        raise S2Error(f"model hyper-parameters are incomplete or damaged ({exc!r})") from exc
    return nets[0] if members == 1 else Ensemble(nets)


def build_member(hyper: dict[str, Any]) -> SmallResNet:
    return SmallResNet(
        in_channels=int(hyper["in_channels"]),
        num_classes=int(hyper["num_classes"]),
        width=int(hyper["width"]),
        blocks=int(hyper["blocks"]),
    )
