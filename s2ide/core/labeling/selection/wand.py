"""Magic wand: the pixels whose colour is within a tolerance of the clicked one.

Contiguous (the connected region under the click, 4-connected as in Photoshop) or global
(every such pixel in the image). OpenCV's flood fill does the work; a 4K image takes a few
milliseconds.
"""

from __future__ import annotations

import numpy as np

from s2ide.core.errors import InvalidInputError


def magic_wand(image: np.ndarray, x: int, y: int, tolerance: float = 32.0, contiguous: bool = True) -> np.ndarray:
    """A boolean HxW selection of the pixels like the one at (x, y).

    `image` is HxW (grey) or HxWxC uint8; `tolerance` is the largest difference allowed in any
    channel (0-255) from the seed pixel."""
    import cv2

    if image.ndim not in (2, 3) or image.dtype != np.uint8:
        raise InvalidInputError("the wand needs an 8-bit grey or colour image")
    height, width = image.shape[:2]
    if not (0 <= x < width and 0 <= y < height):
        raise InvalidInputError(f"({x}, {y}) is outside the {width}x{height} image")
    tol = float(max(0.0, min(255.0, tolerance)))
    pixels = image if image.ndim == 3 else image[:, :, None]
    channels = pixels.shape[2]
    if not contiguous:
        seed = pixels[y, x].astype(np.int16)
        low = np.clip(seed - tol, 0, 255).astype(np.uint8)
        high = np.clip(seed + tol, 0, 255).astype(np.uint8)
        return cv2.inRange(pixels, low, high).astype(bool)
    if channels not in (1, 3):
        pixels = np.ascontiguousarray(pixels[:, :, :3])
        channels = 3
    mask = np.zeros((height + 2, width + 2), np.uint8)
    flags = 4 | cv2.FLOODFILL_MASK_ONLY | cv2.FLOODFILL_FIXED_RANGE | (1 << 8)
    diff = (tol,) * channels
    cv2.floodFill(np.ascontiguousarray(pixels), mask, (int(x), int(y)), 0, diff, diff, flags)
    return mask[1:-1, 1:-1].astype(bool)
