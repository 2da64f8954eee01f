"""A selection (a boolean HxW array) combined, applied to a mask as tile deltas, or traced
into polygons: what every selection tool does with its result."""

from __future__ import annotations

from enum import StrEnum

import numpy as np

from s2ide.core.labeling.tiles import Box, TileDelta, deltas_to, occupied_box


class Combine(StrEnum):
    """How a new selection meets the one in progress (Photoshop: click, Shift, Alt)."""

    REPLACE = "replace"
    ADD = "add"
    SUBTRACT = "subtract"


def combine(current: np.ndarray | None, new: np.ndarray, how: Combine) -> np.ndarray:
    """The selection after `new` joins (or leaves) `current`; `new` is never changed."""
    if current is None or how == Combine.REPLACE:
        return new.copy() if how != Combine.SUBTRACT else np.zeros_like(new)
    if how == Combine.ADD:
        return current | new
    return current & ~new


def mask_deltas(mask: np.ndarray, selection: np.ndarray, subtract: bool = False) -> tuple[list[TileDelta], Box | None]:
    """The tile deltas that add `selection` to `mask` (or take it away), and their box.

    Only the selection's bounding box is copied; `mask` itself is left unchanged (the edit
    writes it when applied, so it is one undo step like a brush stroke)."""
    box = occupied_box(selection)
    if box is None:
        return [], None
    x0, y0, x1, y1 = box
    inside = mask[y0:y1, x0:x1]
    chosen = selection[y0:y1, x0:x1]
    region = inside & ~chosen if subtract else inside | chosen
    return deltas_to(mask, box, region), box


def polygons(selection: np.ndarray, min_area: float = 4.0, tolerance: float = 0.7) -> list[list[list[float]]]:
    """The outer outlines of the selection's parts as polygons (image pixels, pixel corners),
    simplified by `tolerance` pixels; parts smaller than `min_area` are left out."""
    import cv2

    found, _ = cv2.findContours(selection.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    out = []
    for contour in found:
        if cv2.contourArea(contour) < min_area:
            continue
        simple = cv2.approxPolyDP(contour, tolerance, True) if tolerance > 0 else contour
        points = [[float(x) + 0.5, float(y) + 0.5] for x, y in simple.reshape(-1, 2)]
        if len(points) >= 3:
            out.append(points)
    return out


def rasterize_polygon(points: list[list[float]], width: int, height: int) -> np.ndarray:
    """A polygon's pixels (centres inside) as a boolean HxW array."""
    import cv2

    out = np.zeros((height, width), np.uint8)
    shifted = np.round((np.asarray(points, np.float64) - 0.5) * 16).astype(np.int32)
    cv2.fillPoly(out, [shifted], 1, lineType=cv2.LINE_8, shift=4)
    return out.astype(bool)
