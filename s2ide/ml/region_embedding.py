"""The embedding of a region of an image, in the active detector's or segmenter's space.

A detect or segment model stores, per sample, its backbone's deepest feature map pooled over
the whole image (the detector's stride-16 map, the segmenter's stride-8 bottleneck). A box
drawn on the canvas is embedded the same way, with the pooling limited to the map cells the
box covers, so it is compared with the stored per-sample vectors in the same space: samples
whose features contain what the box holds come first. Runs in the model child process
(`ml/jobs.py: region_in_child`), never in the GUI process.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from s2ide.core.errors import S2Error
from s2ide.core.project import Project
from s2ide.core.store.models import ModelVersion
from s2ide.ml.detect.data import letterbox
from s2ide.ml.detect.net import CenterNet
from s2ide.ml.detect.train import normalize
from s2ide.ml.registry import load_network
from s2ide.ml.segment.net import UNet

Box = tuple[float, float, float, float]  # x, y, w, h in image pixels


def feature_map(network: Any, batch: torch.Tensor) -> tuple[torch.Tensor, int]:
    """(the map the stored embeddings pool, its stride in input pixels) of normalised images."""
    if isinstance(network, CenterNet):
        return network.backbone(batch)[2], 16
    if isinstance(network, UNet):
        s0 = network.stem(batch)
        return network.down3(network.down2(network.down1(s0))), 8
    raise S2Error("Find similar to a region needs a detect or segment model (this one classifies whole images)")


def pool_box(features: torch.Tensor, stride: int, box: Box, scale: float) -> np.ndarray:
    """Mean of the (c, h, w) map over the cells the box covers (at least the one at its centre)."""
    _, height, width = features.shape
    x, y, w, h = (float(v) * scale / stride for v in box)
    left, top = int(np.floor(x)), int(np.floor(y))
    right, bottom = int(np.ceil(x + w)), int(np.ceil(y + h))
    left, top = min(max(left, 0), width - 1), min(max(top, 0), height - 1)
    right, bottom = max(min(right, width), left + 1), max(min(bottom, height), top + 1)
    return features[:, top:bottom, left:right].mean(dim=(1, 2)).float().cpu().numpy()


@torch.no_grad()
def embed_region(network: Any, image: np.ndarray, scale: float, box: Box, hyper: dict[str, Any]) -> np.ndarray:
    """The region's vector (float32 (d,)) of one letterboxed uint8 (3, s, s) image."""
    network.eval()
    device = next(network.parameters()).device
    batch = normalize(torch.from_numpy(np.ascontiguousarray(image[None])).to(device), hyper)
    features, stride = feature_map(network, batch)
    return pool_box(features[0], stride, box, scale)


def region_vector(project: Project, model: ModelVersion, image_path: str, box: Box) -> np.ndarray:
    """Open the model and the image, and embed the box (image pixels) as the model embeds samples."""
    if box[2] <= 0 or box[3] <= 0:
        raise S2Error("the region is empty: drag a box over the part of the image to search by")
    network = load_network(project, model, "cpu")
    size = int(model.hyperparameters["input_size"])
    image, scale, _full = letterbox(project.image_path(image_path), size)
    return embed_region(network, image, scale, box, model.hyperparameters)
