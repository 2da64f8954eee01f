"""Brightness, contrast and gamma for viewing only: a 256-entry lookup table over the pixels.

The labeler sees a brighter image; the file and the store never change. The table is applied
by Pillow's `point` over the QImage's own bytes (several times faster than numpy indexing);
large images are adjusted in a worker (see images.py) so the GUI never waits for it.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtGui import QImage


def make_lut(brightness: float = 0.0, contrast: float = 1.0, gamma: float = 1.0) -> np.ndarray | None:
    """brightness in [-1, 1], contrast > 0 (1 = unchanged), gamma > 0 (1 = unchanged); None if identity."""
    if brightness == 0.0 and contrast == 1.0 and gamma == 1.0:
        return None
    x = np.arange(256, dtype=np.float32) / 255.0
    x = np.clip((x - 0.5) * contrast + 0.5 + brightness, 0.0, 1.0)
    x = np.power(x, 1.0 / max(gamma, 1e-3))
    return np.round(x * 255.0).astype(np.uint8)


def apply_lut(image: QImage, lut: np.ndarray | None) -> QImage:
    """A new image with `lut` applied to R, G and B (alpha kept); the same image for None."""
    if lut is None or image.isNull():
        return image
    if image.format() not in (QImage.Format.Format_RGB32, QImage.Format.Format_ARGB32_Premultiplied):
        image = image.convertToFormat(QImage.Format.Format_RGB32)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    data = image.constBits()  # no copy: Pillow maps the 4 bytes of each pixel as bands
    pil = Image.frombuffer("RGBA", (width, height), data, "raw", "RGBA", stride, 1)  # type: ignore[arg-type]
    table = [int(v) for v in lut] * 3 + list(range(256))  # B, G, R through the table; alpha as is
    adjusted = pil.point(table).tobytes()
    return QImage(adjusted, width, height, width * 4, image.format()).copy()
