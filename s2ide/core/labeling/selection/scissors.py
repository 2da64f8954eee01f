"""Magnetic lasso (intelligent scissors): between clicked anchors the path follows edges.

OpenCV's IntelligentScissorsMB does the work: `applyImage` once per image (tens of ms on
1080p), `buildMap` once per anchor (the costly step, so it runs on a window around the anchor
and the canvas runs it off the GUI thread), then `getContour` per mouse move (well under a
millisecond).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from s2ide.core.errors import InvalidInputError

WINDOW = 640  # the map around an anchor covers this many pixels a side


class LiveWire:
    """Edge-snapping paths on one image; not thread-safe (one map at a time)."""

    def __init__(self, image: np.ndarray, window: int = WINDOW) -> None:
        if image.ndim not in (2, 3) or image.dtype != np.uint8:
            raise InvalidInputError("the magnetic lasso needs an 8-bit grey or colour image")
        self.image = image if image.ndim == 2 else np.ascontiguousarray(image[:, :, :3])
        self.height, self.width = image.shape[:2]
        self.window = window
        self._tool: Any = None
        self._origin = (0, 0)
        self._size = (0, 0)
        self.anchor: tuple[int, int] | None = None

    def set_anchor(self, x: int, y: int) -> None:
        """Prepare paths from (x, y) to any point of the window around it (the slow step)."""
        import cv2

        x = min(max(int(x), 0), self.width - 1)
        y = min(max(int(y), 0), self.height - 1)
        half = self.window // 2
        x0, y0 = max(0, x - half), max(0, y - half)
        x1, y1 = min(self.width, x + half), min(self.height, y + half)
        tool = cv2.segmentation.IntelligentScissorsMB()
        tool.setEdgeFeatureCannyParameters(32, 100)
        tool.setGradientMagnitudeMaxLimit(200)
        tool.applyImage(np.ascontiguousarray(self.image[y0:y1, x0:x1]))
        tool.buildMap((x - x0, y - y0))
        self._tool, self._origin, self._size, self.anchor = tool, (x0, y0), (x1 - x0, y1 - y0), (x, y)

    def path_to(self, x: float, y: float) -> list[tuple[float, float]]:
        """The edge-following path from the anchor to (x, y), in image pixel centres; a straight
        segment when the point lies outside the prepared window."""
        if self._tool is None or self.anchor is None:
            return []
        ox, oy = self._origin
        lx, ly = int(x) - ox, int(y) - oy
        if not (0 <= lx < self._size[0] and 0 <= ly < self._size[1]):
            return [(self.anchor[0] + 0.5, self.anchor[1] + 0.5), (float(x), float(y))]
        contour = self._tool.getContour((lx, ly), backward=False)
        points = contour.reshape(-1, 2)
        return [(float(px) + ox + 0.5, float(py) + oy + 0.5) for px, py in points]
