"""Fill that respects outlines: the region under the click bounded by the shapes drawn on the
image (polygon, box and line edges), by the mask's own painted pixels, and, where no shape
encloses the click, by strong edges of the image.

The reported bug this answers: Fill on an unpainted photo painted the whole 2048x1536 image,
ignoring the polygon drawn around the flower. Now the polygon's edge stops it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from s2ide.core.geometry import box_corners

EDGE_GAP_PX = 1  # image edges are thickened by this much so one-pixel gaps do not leak


def outline_barriers(shapes: Iterable[tuple[str, Mapping[str, Any]]], width: int, height: int) -> np.ndarray:
    """The pixels on the edges of `shapes` ((kind, geometry) pairs) as a boolean HxW array."""
    import cv2

    out = np.zeros((height, width), np.uint8)
    for kind, geometry in shapes:
        if kind in ("polygon", "line"):
            points = geometry.get("points") or []
            closed = kind == "polygon"
        elif kind == "box":
            points = box_corners(dict(geometry))
            closed = True
        else:
            continue
        if len(points) < 2:
            continue
        pts = np.round((np.asarray(points, np.float64) - 0.5) * 16).astype(np.int32)
        cv2.polylines(out, [pts], closed, 1, thickness=1, lineType=cv2.LINE_8, shift=4)
    return out.astype(bool)


def edge_barriers(image: np.ndarray, tolerance: float = 32.0) -> np.ndarray:
    """Strong edges of the image (Canny per colour channel; `tolerance` 0-255 sets how strong),
    thickened so small gaps do not leak."""
    import cv2

    pixels = image if image.ndim == 3 else image[:, :, None]
    high = max(10.0, 3.0 * float(tolerance))
    edges = np.zeros(pixels.shape[:2], np.uint8)
    for channel in range(min(3, pixels.shape[2])):  # colour edges too: red on grey has little grey contrast
        blurred = cv2.GaussianBlur(np.ascontiguousarray(pixels[:, :, channel]), (5, 5), 0)
        edges |= cv2.Canny(blurred, high / 2, high)
    if EDGE_GAP_PX > 0:
        size = 2 * EDGE_GAP_PX + 1
        edges = cv2.dilate(edges, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    return edges.astype(bool)


def _region(free: np.ndarray, x: int, y: int) -> np.ndarray | None:
    import cv2

    if not free[y, x]:
        return None
    height, width = free.shape
    mask = np.zeros((height + 2, width + 2), np.uint8)
    mask[1:-1, 1:-1] = ~free  # the flood cannot cross non-zero mask pixels
    flags = 4 | cv2.FLOODFILL_MASK_ONLY | (2 << 8)
    cv2.floodFill(np.zeros((height, width), np.uint8), mask, (x, y), 0, 0, 0, flags)
    return mask[1:-1, 1:-1] == 2


def _touches_border(region: np.ndarray) -> bool:
    return bool(region[0].any() or region[-1].any() or region[:, 0].any() or region[:, -1].any())


def bounded_fill(
    mask: np.ndarray,
    x: int,
    y: int,
    outlines: np.ndarray | None = None,
    image: np.ndarray | None = None,
    tolerance: float = 32.0,
) -> np.ndarray | None:
    """The pixels a fill at (x, y) covers, as a boolean HxW selection (None: nothing to fill).

    The region is the 4-connected area of pixels equal to mask[y, x] that does not cross
    `outlines` (shape edges). When that region still reaches the image border, no shape
    encloses the click, so strong edges of `image` bound it as well. The fill then covers the
    outline pixels next to it, so a filled polygon has no unpainted rim."""
    import cv2

    height, width = mask.shape
    if not (0 <= x < width and 0 <= y < height):
        return None
    target = bool(mask[y, x])
    same = mask == target
    barriers = outlines if outlines is not None else np.zeros_like(mask)
    region = _region(same & ~barriers, x, y)
    by_edges = False
    if region is not None and image is not None and _touches_border(region):
        edged = _region(same & ~barriers & ~edge_barriers(image, tolerance), x, y)
        if edged is not None:
            region, by_edges = edged, True
    if region is None:  # clicked on an outline itself: fill nothing rather than everything
        return None
    cross = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
    if by_edges:  # the edges were thickened: grow back up to the edge itself
        for _ in range(EDGE_GAP_PX):
            region = region | (cv2.dilate(region.astype(np.uint8), cross).astype(bool) & same & ~barriers)
    # one more pixel, 4-connected: the shape's own outline pixels, never past a diagonal edge
    return region | (cv2.dilate(region.astype(np.uint8), cross).astype(bool) & same)
