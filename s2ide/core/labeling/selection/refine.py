"""Refining a selection or a mask: grow, shrink, smooth, fill holes, remove specks, and
simplifying a polygon with a tolerance. Plain morphology (OpenCV) on boolean arrays."""

from __future__ import annotations

from enum import StrEnum

import numpy as np


class Refinement(StrEnum):
    GROW = "grow"
    SHRINK = "shrink"
    SMOOTH = "smooth"
    FILL_HOLES = "fill_holes"
    REMOVE_SPECKS = "remove_specks"


def _disk(radius: int) -> np.ndarray:
    import cv2

    size = 2 * max(1, radius) + 1
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))


def refine(mask: np.ndarray, how: Refinement | str, amount: int = 2) -> np.ndarray:
    """A refined copy of a boolean HxW mask; `amount` is a radius (grow, shrink, smooth) or the
    largest area in pixels that counts as a hole or a speck (fill holes, remove specks; 0: 64)."""
    import cv2

    how = Refinement(how)
    src = mask.astype(np.uint8)
    if how == Refinement.GROW:
        return cv2.dilate(src, _disk(amount)).astype(bool)
    if how == Refinement.SHRINK:
        return cv2.erode(src, _disk(amount)).astype(bool)
    if how == Refinement.SMOOTH:
        opened = cv2.morphologyEx(src, cv2.MORPH_OPEN, _disk(amount))
        return cv2.morphologyEx(opened, cv2.MORPH_CLOSE, _disk(amount)).astype(bool)
    limit = amount if amount > 4 else 64
    if how == Refinement.REMOVE_SPECKS:
        return _drop_small(mask, limit)
    return ~_drop_small(~mask, limit, border_kept=True)


def _drop_small(mask: np.ndarray, limit: int, border_kept: bool = False) -> np.ndarray:
    """`mask` without its 8-connected parts of fewer than `limit` pixels (parts touching the
    border always stay when `border_kept`: the outside of an object is not a hole)."""
    import cv2

    _count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    keep = stats[:, cv2.CC_STAT_AREA] >= limit
    keep[0] = False
    if border_kept:
        height, width = mask.shape
        x, y = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
        w, h = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
        keep |= (x == 0) | (y == 0) | (x + w == width) | (y + h == height)
        keep[0] = False
    return keep[labels] & mask


def simplify_polygon(points: list[list[float]], tolerance: float) -> list[list[float]]:
    """The polygon with vertices dropped while it stays within `tolerance` pixels (Douglas-Peucker);
    never fewer than 3 points."""
    import cv2

    if tolerance <= 0 or len(points) <= 3:
        return [list(map(float, p)) for p in points]
    contour = np.asarray(points, np.float32).reshape(-1, 1, 2)
    simple = cv2.approxPolyDP(contour, float(tolerance), True).reshape(-1, 2)
    if len(simple) < 3:
        return [list(map(float, p)) for p in points]
    return [[float(x), float(y)] for x, y in simple]
