"""Decoding an image file for the canvas, in a worker thread: preview first, then full size.

QImageReader decodes JPEGs at 1/2, 1/4 or 1/8 scale almost for free (libjpeg DCT scaling), so a
7680x4320 photo shows as a 1920x1080 preview long before its full decode ends. Images wider or
taller than Qt can paint in one piece (32,767 px) are read with Pillow and cut into tiles.
EXIF orientation is honoured on both paths. Every failure is a DecodeError naming the file.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QImage, QImageIOHandler, QImageReader

from s2ide.core.errors import ImageError

QT_MAX_SIDE = 32_767
PREVIEW_ABOVE_PIXELS = 2560 * 1600  # smaller images decode in full faster than twice
PREVIEW_MAX_SIDE = 2048
TILE_SIDE = 8192  # tiles for the Pillow path
ALLOCATION_LIMIT_MB = 2048

QImageReader.setAllocationLimit(ALLOCATION_LIMIT_MB)


class DecodeError(ImageError):
    """An image the canvas cannot show: the message names the file and the reason."""


@dataclass
class Decoded:
    """What the canvas paints: full-size tiles (empty until the full decode ends), a preview, and
    for large images a half-size copy for the zoom levels between them."""

    size: QSize
    tiles: list[tuple[QRect, QImage]] = field(default_factory=list)
    preview: QImage | None = None
    half: QImage | None = None

    @property
    def reduced(self) -> list[QImage]:
        return [image for image in (self.preview, self.half) if image is not None]

    @property
    def nbytes(self) -> int:
        total = sum(image.sizeInBytes() for _, image in self.tiles)
        return total + sum(image.sizeInBytes() for image in self.reduced)


def with_half_level(decoded: Decoded) -> Decoded | None:
    """A copy of a large single-tile image with a smooth half-size level added (None: not worth it).

    Drawing a 0.3x-0.5x view from the half level reads a quarter of the pixels."""
    if len(decoded.tiles) != 1 or decoded.half is not None:
        return None
    size = decoded.size
    if size.width() * size.height() <= 4 * PREVIEW_ABOVE_PIXELS:
        return None
    half = decoded.tiles[0][1].scaled(size / 2, mode=Qt.TransformationMode.SmoothTransformation)
    return Decoded(size, decoded.tiles, decoded.preview, half)


def _display_format(image: QImage) -> QImage:
    """The formats the raster engine draws without a per-paint conversion."""
    wanted = QImage.Format.Format_ARGB32_Premultiplied if image.hasAlphaChannel() else QImage.Format.Format_RGB32
    return image if image.format() == wanted else image.convertToFormat(wanted)


def _reader(path: Path) -> QImageReader:
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    return reader


def _scales_cheaply(reader: QImageReader) -> bool:
    """JPEG decodes at 1/2, 1/4, 1/8 scale for a fraction of the cost; other formats do not."""
    return bytes(reader.format().data()).lower() in (b"jpeg", b"jpg")


def _preview_factor(raw: QSize) -> int:
    factor = 2
    while max(raw.width(), raw.height()) / factor > PREVIEW_MAX_SIDE:
        factor *= 2
    return factor


def decode(path: Path, on_preview: Callable[[Decoded], None] | None = None) -> Decoded:
    """Decode `path` for display; `on_preview` gets a reduced version first when that is cheap
    (JPEG's scaled decoding, or the Pillow path's reduction of what it decoded anyway)."""
    if not path.is_file():
        raise DecodeError(f"{path}: no such file")
    reader = _reader(path)
    raw = reader.size()
    if not raw.isValid():
        return _decode_with_pillow(path, on_preview, reader.errorString())
    swapped = bool(reader.transformation() & QImageIOHandler.Transformation.TransformationRotate90)
    size = raw.transposed() if swapped else raw
    if max(size.width(), size.height()) > QT_MAX_SIDE:
        return _decode_with_pillow(path, on_preview, None)
    large = size.width() * size.height() > PREVIEW_ABOVE_PIXELS
    factor = _preview_factor(raw)
    preview: QImage | None = None
    if on_preview is not None and large and _scales_cheaply(reader):
        reader.setScaledSize(QSize(max(1, raw.width() // factor), max(1, raw.height() // factor)))
        scaled = reader.read()
        if not scaled.isNull():
            preview = _display_format(scaled)
            on_preview(Decoded(size, [], preview))
        reader = _reader(path)
    image = reader.read()
    if image.isNull():
        raise DecodeError(f"{path.name}: cannot decode it ({reader.errorString()})")
    image = _display_format(image)
    size = image.size()  # trust the decoded image over the header
    if preview is None and large:  # the zoomed-out level of the two-level pyramid
        preview = image.scaled(size / factor, mode=Qt.TransformationMode.FastTransformation)
    return Decoded(size, [(QRect(0, 0, size.width(), size.height()), image)], preview)


def _qimage_from_rgb(array: np.ndarray) -> QImage:
    """A detached Format_RGB32 QImage from an HxWx3 uint8 array."""
    height, width = array.shape[:2]
    bgra = np.empty((height, width, 4), dtype=np.uint8)
    bgra[..., 0] = array[..., 2]
    bgra[..., 1] = array[..., 1]
    bgra[..., 2] = array[..., 0]
    bgra[..., 3] = 255
    image = QImage(bgra.data, width, height, width * 4, QImage.Format.Format_RGB32)
    return image.copy()


def _decode_with_pillow(path: Path, on_preview: Callable[[Decoded], None] | None, qt_error: str | None) -> Decoded:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as opened:
                opened.load()
                image = ImageOps.exif_transpose(opened)
    except Image.DecompressionBombError as exc:
        raise DecodeError(f"{path.name}: too large to decode ({exc})") from exc
    except Exception as exc:
        reason = qt_error or str(exc) or type(exc).__name__
        raise DecodeError(f"{path.name}: cannot decode it ({reason})") from exc
    image = image.convert("RGB")
    width, height = image.size
    size = QSize(width, height)
    factor = 1
    while max(width, height) / factor > PREVIEW_MAX_SIDE:
        factor *= 2
    preview = _qimage_from_rgb(np.asarray(image.reduce(factor))) if factor > 1 else None
    if on_preview is not None and preview is not None:
        on_preview(Decoded(size, [], preview))
    tiles = []
    for top in range(0, height, TILE_SIDE):
        for left in range(0, width, TILE_SIDE):
            box = (left, top, min(width, left + TILE_SIDE), min(height, top + TILE_SIDE))
            tile = _qimage_from_rgb(np.asarray(image.crop(box)))
            tiles.append((QRect(left, top, box[2] - left, box[3] - top), tile))
    return Decoded(size, tiles, preview)
