"""A segmenter's objects as pixel sets, for matching predicted instances to labeled ones.

The object confusion of a detector matches boxes by box IoU; a segmenter's masks and polygons
are matched by the IoU of their pixels instead (a thin diagonal object fills half its box).
Both sides are drawn on one small grid per image (long side at most GRID pixels) so that a
4K mask costs no more than a thumbnail; at that size an IoU moves by well under 0.01 for the
objects a labeler can see.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from s2ide.core.errors import S2Error
from s2ide.core.geometry import decode_mask

GRID = 256


@dataclass
class ImageMasks:
    masks: np.ndarray  # (m, h*w) bool, one row per object, on the image's grid
    classes: np.ndarray  # (m,) int
    scores: np.ndarray | None = None  # (m,) for predictions


def grid_size(width: int, height: int) -> tuple[int, int, float]:
    """(grid width, grid height, scale from image pixels to grid pixels)."""
    scale = min(1.0, GRID / max(1, width, height))
    return max(1, round(width * scale)), max(1, round(height * scale)), scale


def _draw_polygon(geometry: dict, size: tuple[int, int], scale: float) -> np.ndarray:
    canvas = Image.new("1", size, 0)
    draw = ImageDraw.Draw(canvas)
    for ring in [geometry["points"], *geometry.get("rings", [])]:
        if len(ring) >= 3:
            draw.polygon([(float(x) * scale, float(y) * scale) for x, y in ring], fill=1)
    return np.asarray(canvas, dtype=bool)


def _shrink(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    if mask.shape[::-1] == size:
        return mask.astype(bool)
    return np.asarray(Image.fromarray(mask.astype(bool)).resize(size, Image.Resampling.NEAREST), dtype=bool)


def object_masks(
    objects: Iterable[tuple[str, dict | None, bytes | np.ndarray | None, int, float | None]], width: int, height: int
) -> ImageMasks:
    """(kind, geometry, mask PNG bytes or array, class column, score) per object -> ImageMasks.
    Masks and polygons are kept; other kinds, unreadable masks and empty objects are left out
    (they are not a segmenter's objects)."""
    w, h, scale = grid_size(width, height)
    rows, classes, scores = [], [], []
    for kind, geometry, mask, column, score in objects:
        try:
            if kind == "mask" and mask is not None:
                full = decode_mask(mask, width, height) if isinstance(mask, bytes) else np.asarray(mask, bool)
                drawn = _shrink(full, (w, h))
            elif kind == "polygon" and geometry:
                drawn = _draw_polygon(geometry, (w, h), scale)
            else:
                continue
        except (S2Error, KeyError, TypeError, ValueError):
            continue
        if not drawn.any():
            continue
        rows.append(drawn.ravel())
        classes.append(column)
        scores.append(1.0 if score is None else float(score))
    masks = np.array(rows, dtype=bool).reshape(len(rows), w * h)
    return ImageMasks(masks, np.array(classes, dtype=np.int64), np.array(scores, dtype=np.float64))


def mask_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every object (row) of `a` with every one of `b`, both (m, pixels) bool."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    fa, fb = a.astype(np.float32), b.astype(np.float32)
    inter = fa @ fb.T
    union = fa.sum(axis=1)[:, None] + fb.sum(axis=1)[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1), 0.0)
