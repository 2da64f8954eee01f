"""The changed copy of an image a detect or segment model predicts again for the localisation
queue (test-time augmentation), and the way back to the image's own pixels.

A horizontal flip is the usual choice, but it only keeps the labels where the project trains
with flips (its training setting): a mirrored 2 or a mirrored word is no longer one. Without
flips the copy is zoomed out instead (ZOOM of the size, centred on the zero padding), which
keeps every label. Both work on letterboxed (n, 3, s, s) batches; shapes found in the copy
are mapped back by `boxes_back` and `probabilities_back`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from s2ide.core.engine.ml_settings import load_train_config
from s2ide.core.errors import S2Error
from s2ide.core.store import Store

ZOOM = 0.8


@dataclass(frozen=True)
class View:
    flip: bool  # mirrored left-right
    zoom: float  # shrunk by this factor and centred (1.0: unchanged)

    def describe(self) -> str:
        return "flipped left-right" if self.flip else f"zoomed out to {self.zoom:.0%}"


def pick_view(store: Store) -> View:
    """A flip where the project trains with flips, else a zoom-out (see the module docstring)."""
    try:
        flips = load_train_config(store).flip
    except S2Error:
        flips = False
    return View(flip=True, zoom=1.0) if flips else View(flip=False, zoom=ZOOM)


def _inner(size: int, view: View) -> tuple[int, int]:
    """(side, offset) of the zoomed image inside the size x size canvas."""
    side = max(1, round(size * view.zoom))
    return side, (size - side) // 2


def augment(images: np.ndarray, view: View) -> np.ndarray:
    """The changed copies of letterboxed uint8 images (n, 3, s, s)."""
    out = images[..., ::-1] if view.flip else images
    if view.zoom != 1.0:
        size = images.shape[-1]
        side, offset = _inner(size, view)
        small = F.interpolate(torch.from_numpy(np.ascontiguousarray(out)).float(), size=(side, side), mode="bilinear")
        canvas = np.zeros_like(images)
        canvas[:, :, offset : offset + side, offset : offset + side] = small.round().clamp(0, 255).byte().numpy()
        out = canvas
    return np.ascontiguousarray(out)


def boxes_back(boxes: np.ndarray, view: View, size: int) -> np.ndarray:
    """Boxes (x1 y1 x2 y2, input pixels) found in the changed copy, in the letterboxed image's pixels."""
    out = np.asarray(boxes, dtype=np.float64).reshape(-1, 4).copy()
    if view.zoom != 1.0:
        side, offset = _inner(size, view)
        out = (out - offset) * (size / side)
    if view.flip:
        out[:, [0, 2]] = size - out[:, [2, 0]]
    return out


def probabilities_back(probs: np.ndarray, view: View) -> np.ndarray:
    """Class probabilities (n, k, s, s) predicted on the changed copies, on the images' pixels."""
    out = probs
    if view.zoom != 1.0:
        size = probs.shape[-1]
        side, offset = _inner(size, view)
        crop = torch.from_numpy(np.ascontiguousarray(probs[:, :, offset : offset + side, offset : offset + side]))
        out = F.interpolate(crop.float(), size=(size, size), mode="bilinear").numpy()
    if view.flip:
        out = out[..., ::-1]
    return np.ascontiguousarray(out)
