"""One object, one class: small slivers of another class inside a predicted region are absorbed.

A per-pixel argmax often paints most of an object in one class and a corner of it in another
(a digit three whose lower curve reads as an eight). Taken apart by connected components, that
corner becomes a second, spurious instance the labeler has to delete. On the digits benchmark
98 of 430 predicted masks were such fragments (their best IoU with any labeled object: median
0.24). So within each connected region of foreground, a class holding less than `share` of its
pixels takes the region's majority class. Regions where two classes each hold a real part (a
road beside a pavement) keep both.
"""

from __future__ import annotations

import cv2
import numpy as np

SHARE = 0.3


def absorb_fragments(class_map: np.ndarray, classes: int, share: float = SHARE) -> np.ndarray:
    """class_map: int (h, w), 0 background, c+1 for class c. Returns a new map in which, per
    8-connected foreground region, classes under `share` of the region become its majority."""
    values = np.asarray(class_map)
    foreground = (values > 0).astype(np.uint8)
    if not foreground.any():
        return values.copy()
    count, regions = cv2.connectedComponents(foreground, connectivity=8)
    k = classes + 1
    tally = np.bincount((regions.astype(np.int64) * k + values).ravel(), minlength=count * k).reshape(count, k)
    tally[:, 0] = 0
    totals = tally.sum(axis=1, keepdims=True)
    majority = tally.argmax(axis=1)
    remap = np.tile(np.arange(k), (count, 1))  # (region, class) -> class
    small = (tally > 0) & (tally < share * totals)
    region_index, class_index = np.nonzero(small)
    remap[region_index, class_index] = majority[region_index]
    remap[0] = np.arange(k)  # the background region is left as it is
    return remap[regions, values].astype(values.dtype)
