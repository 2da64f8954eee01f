"""Raster mask operations for the brush, eraser and fill tools, on boolean HxW arrays.

Each returns the box of pixels it may have changed (or None), so the canvas repaints and the
undo recorder snapshots only that region. Coordinates are image pixels; a pixel (i, j) is
covered when its centre (j + 0.5, i + 0.5) lies inside the shape.
"""

from __future__ import annotations

import io
import math

import numpy as np
from PIL import Image

from s2ide.core.labeling.tiles import Box, clip_box


def segment_box(x0: float, y0: float, x1: float, y1: float, radius: float, width: int, height: int) -> Box | None:
    """The pixels a round brush of `radius` can reach moving from (x0, y0) to (x1, y1)."""
    pad = radius + 1
    box = (
        math.floor(min(x0, x1) - pad),
        math.floor(min(y0, y1) - pad),
        math.ceil(max(x0, x1) + pad),
        math.ceil(max(y0, y1) + pad),
    )
    return clip_box(box, width, height)


def paint_segment(
    mask: np.ndarray, x0: float, y0: float, x1: float, y1: float, radius: float, value: bool
) -> Box | None:
    """Set every pixel within `radius` of the segment (a capsule) to `value`.

    Painting segment by segment between mouse events is what leaves no gaps in fast strokes.
    """
    height, width = mask.shape
    radius = max(0.5, radius)
    box = segment_box(x0, y0, x1, y1, radius, width, height)
    if box is None:
        return None
    bx0, by0, bx1, by1 = box
    px = np.arange(bx0, bx1, dtype=np.float32)[None, :] + 0.5
    py = np.arange(by0, by1, dtype=np.float32)[:, None] + 0.5
    dx, dy = x1 - x0, y1 - y0
    length2 = dx * dx + dy * dy
    if length2 == 0:
        dist2 = (px - x0) ** 2 + (py - y0) ** 2
    else:
        t = np.clip(((px - x0) * dx + (py - y0) * dy) / length2, 0.0, 1.0)
        dist2 = (px - (x0 + t * dx)) ** 2 + (py - (y0 + t * dy)) ** 2
    inside = dist2 <= radius * radius
    region = mask[by0:by1, bx0:bx1]
    region[inside] = value
    return box


def _runs(row: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of each run of True in a 1-D boolean array, end-exclusive."""
    padded = np.concatenate(([False], row, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return list(zip(edges[0::2].tolist(), edges[1::2].tolist()))


def flood_fill(mask: np.ndarray, x: int, y: int, value: bool) -> Box | None:
    """Set the 4-connected region of pixels equal to mask[y, x] to `value` (a scanline fill).

    Filling inside a closed painted outline fills its interior; filling a painted region with
    False clears it. Nothing changes when the seed already has `value`.
    """
    height, width = mask.shape
    if not (0 <= x < width and 0 <= y < height):
        return None
    target = bool(mask[y, x])
    if target == value:
        return None
    box = [x, y, x + 1, y + 1]
    stack = [(x, y)]
    while stack:
        sx, sy = stack.pop()
        row = mask[sy]
        if row[sx] != target:
            continue
        same = row == target
        left = int(sx - (np.argmin(same[sx::-1]) if not same[sx::-1].all() else sx + 1) + 1)
        tail = same[sx:]
        right = int(sx + (np.argmin(tail) if not tail.all() else len(tail)))
        row[left:right] = value
        box = [min(box[0], left), min(box[1], sy), max(box[2], right), max(box[3], sy + 1)]
        for ny in (sy - 1, sy + 1):
            if 0 <= ny < height:
                for start, _end in _runs(mask[ny, left:right] == target):
                    stack.append((left + start, ny))
    return (box[0], box[1], box[2], box[3])


def count(mask: np.ndarray, box: Box | None = None) -> int:
    if box is None:
        return int(np.count_nonzero(mask))
    return int(np.count_nonzero(mask[box[1] : box[3], box[0] : box[2]]))


def encode_png(mask: np.ndarray) -> bytes:
    """A boolean mask as a 1-bit PNG, like geometry.encode_mask but with light compression:
    saving after every stroke must stay quick on a 4K mask (about 3x faster, a little larger)."""
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(mask, dtype=bool)).save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()
