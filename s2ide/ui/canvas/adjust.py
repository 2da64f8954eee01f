"""Brightness, contrast and gamma for viewing only: a 256-entry lookup table over the pixels.

The labeler sees a brighter image; the file and the store never change.
"""

from __future__ import annotations

import numpy as np
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
    out = QImage(image.size(), image.format())
    stride = image.bytesPerLine()
    source = np.frombuffer(image.constBits(), dtype=np.uint8, count=stride * image.height())
    target = np.frombuffer(out.bits(), dtype=np.uint8, count=stride * out.height())
    source = source.reshape(image.height(), stride)[:, : image.width() * 4].reshape(image.height(), image.width(), 4)
    target = target.reshape(out.height(), stride)[:, : out.width() * 4].reshape(out.height(), out.width(), 4)
    target[..., :3] = lut[source[..., :3]]
    target[..., 3] = source[..., 3]
    return out
