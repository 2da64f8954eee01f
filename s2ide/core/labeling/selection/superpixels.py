"""Quick selection: the selection grows over superpixels (SLIC) that the brush touches, so it
follows the object's edges instead of the brush's circle.

SLIC runs once per image on a copy at most WORK_SIDE pixels a side (about 0.2 s), and its
labels are scaled back to the image; a brush move then costs a table look-up.
"""

from __future__ import annotations

import math

import numpy as np

from s2ide.core.errors import InvalidInputError

WORK_SIDE = 640
SEGMENTS = 900


class Superpixels:
    def __init__(self, image: np.ndarray, segments: int = SEGMENTS, work_side: int = WORK_SIDE) -> None:
        import cv2
        from skimage.segmentation import slic

        if image.ndim not in (2, 3) or image.dtype != np.uint8:
            raise InvalidInputError("quick selection needs an 8-bit grey or colour image")
        height, width = image.shape[:2]
        scale = min(1.0, work_side / max(height, width))
        small = (
            image
            if scale >= 1
            else cv2.resize(
                image, (max(1, round(width * scale)), max(1, round(height * scale))), interpolation=cv2.INTER_AREA
            )
        )
        if small.ndim == 3:
            small = small[:, :, :3]
        labels = slic(
            small, n_segments=segments, compactness=10.0, start_label=0, channel_axis=-1 if small.ndim == 3 else None
        ).astype(np.int32)
        self.count = int(labels.max()) + 1
        colour = small.reshape(-1, small.shape[2] if small.ndim == 3 else 1).astype(np.float64)
        flat = labels.ravel()
        sizes = np.maximum(np.bincount(flat, minlength=self.count), 1)
        self.means = np.stack(
            [np.bincount(flat, colour[:, c], minlength=self.count) / sizes for c in range(colour.shape[1])], axis=1
        )
        pairs = np.concatenate(
            [
                np.stack([labels[:, :-1].ravel(), labels[:, 1:].ravel()], axis=1),
                np.stack([labels[:-1].ravel(), labels[1:].ravel()], axis=1),
            ]
        )
        pairs = pairs[pairs[:, 0] != pairs[:, 1]]
        pairs = np.unique(np.sort(pairs, axis=1), axis=0)
        self.neighbours: list[list[int]] = [[] for _ in range(self.count)]
        for a, b in pairs.tolist():
            self.neighbours[a].append(b)
            self.neighbours[b].append(a)
        if scale < 1:
            labels = cv2.resize(labels, (width, height), interpolation=cv2.INTER_NEAREST)
        self.labels = labels
        self.height, self.width = height, width

    def touched(self, points: list[tuple[float, float]], radius: float) -> set[int]:
        """The superpixels under a brush of `radius` along `points`."""
        found: set[int] = set()
        r = max(0.5, radius)
        for x, y in points:
            x0, x1 = max(0, math.floor(x - r)), min(self.width, math.ceil(x + r))
            y0, y1 = max(0, math.floor(y - r)), min(self.height, math.ceil(y + r))
            if x0 >= x1 or y0 >= y1:
                continue
            py = np.arange(y0, y1)[:, None] + 0.5
            px = np.arange(x0, x1)[None, :] + 0.5
            inside = (px - x) ** 2 + (py - y) ** 2 <= r * r
            found.update(np.unique(self.labels[y0:y1, x0:x1][inside]).tolist())
        return found

    def grow(self, seeds: set[int], tolerance: float = 32.0) -> set[int]:
        """`seeds` plus the connected superpixels whose mean colour is within `tolerance` of a
        seed's: the selection spreads over the object the brush is on, as in Photoshop."""
        if not seeds:
            return set()
        colours = self.means[np.fromiter(seeds, np.int64)]
        out = set(seeds)
        frontier = list(seeds)
        limit = float(tolerance) ** 2
        while frontier:
            current = frontier.pop()
            for other in self.neighbours[current]:
                if other in out:
                    continue
                if float(((colours - self.means[other]) ** 2).sum(axis=1).min()) <= limit:
                    out.add(other)
                    frontier.append(other)
        return out

    def select(self, chosen: set[int]) -> np.ndarray:
        """The pixels of the chosen superpixels as a boolean HxW array."""
        table = np.zeros(self.count, bool)
        if chosen:
            table[np.fromiter(chosen, np.int64)] = True
        return table[self.labels]
