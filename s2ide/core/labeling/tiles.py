"""A fixed grid of square tiles over a mask, and per-tile deltas of a boolean mask.

Undo of a brush stroke keeps only the tiles the stroke touched, before and after, bit-packed
(DESIGN.md §6.5): a stroke across a 4K mask costs kilobytes, never a copy of the mask.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

TILE = 256

# (x0, y0, x1, y1) in pixels, end-exclusive
Box = tuple[int, int, int, int]
TileKey = tuple[int, int]  # (row, column) of a tile


def clip_box(box: Box, width: int, height: int) -> Box | None:
    x0, y0, x1, y1 = max(0, box[0]), max(0, box[1]), min(width, box[2]), min(height, box[3])
    return (x0, y0, x1, y1) if x0 < x1 and y0 < y1 else None


def union(a: Box | None, b: Box | None) -> Box | None:
    if a is None:
        return b
    if b is None:
        return a
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def tiles_in(box: Box, tile: int = TILE) -> Iterator[TileKey]:
    """The tiles a box overlaps, row by row."""
    x0, y0, x1, y1 = box
    for row in range(y0 // tile, (y1 - 1) // tile + 1):
        for col in range(x0 // tile, (x1 - 1) // tile + 1):
            yield row, col


def tile_box(key: TileKey, width: int, height: int, tile: int = TILE) -> Box:
    row, col = key
    return (col * tile, row * tile, min(width, (col + 1) * tile), min(height, (row + 1) * tile))


def tile_view(mask: np.ndarray, key: TileKey, tile: int = TILE) -> np.ndarray:
    row, col = key
    return mask[row * tile : (row + 1) * tile, col * tile : (col + 1) * tile]


def color_tiles(mask: np.ndarray, argb: int, tile: int = TILE) -> dict[TileKey, np.ndarray]:
    """The uint32 pixels (premultiplied ARGB) of every tile with a set pixel, `argb` where the
    mask is set and transparent elsewhere: what the canvas paints for a mask layer. Plain numpy,
    so a worker can prepare a large mask's tiles off the GUI thread."""
    height, width = mask.shape
    value = np.uint32(argb)
    out: dict[TileKey, np.ndarray] = {}
    for key in tiles_in((0, 0, width, height), tile):
        bits = tile_view(mask, key, tile)
        if bits.any():
            out[key] = np.where(bits, value, np.uint32(0)).astype(np.uint32)
    return out


def opaque_argb(color: str) -> int | None:
    """'#rrggbb' as an opaque ARGB integer; None for any other spelling."""
    if len(color) != 7 or not color.startswith("#"):
        return None
    try:
        return 0xFF000000 | int(color[1:], 16)
    except ValueError:
        return None


def pack(bits: np.ndarray) -> bytes:
    return np.packbits(bits, axis=None).tobytes()


def unpack(data: bytes, shape: tuple[int, ...]) -> np.ndarray:
    count = int(np.prod(shape))
    return np.unpackbits(np.frombuffer(data, dtype=np.uint8), count=count).reshape(shape).astype(bool)


@dataclass(frozen=True)
class TileDelta:
    """One tile's bits before and after an edit (bit-packed)."""

    key: TileKey
    shape: tuple[int, int]
    before: bytes
    after: bytes

    @property
    def nbytes(self) -> int:
        return len(self.before) + len(self.after) + 64


class TileRecorder:
    """Remembers the original bits of each tile the first time an edit touches it."""

    def __init__(self, mask: np.ndarray, tile: int = TILE) -> None:
        self.mask = mask
        self.tile = tile
        self._before: dict[TileKey, bytes] = {}

    def touch(self, box: Box) -> None:
        """Call before changing pixels inside `box`."""
        for key in tiles_in(box, self.tile):
            if key not in self._before:
                self._before[key] = pack(tile_view(self.mask, key, self.tile))

    @property
    def touched(self) -> list[TileKey]:
        return list(self._before)

    def deltas(self) -> list[TileDelta]:
        """The tiles whose bits really changed, before and after."""
        out = []
        for key, before in self._before.items():
            view = tile_view(self.mask, key, self.tile)
            after = pack(view)
            if after != before:
                out.append(TileDelta(key, (view.shape[0], view.shape[1]), before, after))
        return out


def write(mask: np.ndarray, deltas: Iterable[TileDelta], use_after: bool, tile: int = TILE) -> Box | None:
    """Put the before or after bits of `deltas` into `mask`; the box that changed."""
    changed: Box | None = None
    height, width = mask.shape
    for delta in deltas:
        tile_view(mask, delta.key, tile)[...] = unpack(delta.after if use_after else delta.before, delta.shape)
        changed = union(changed, tile_box(delta.key, width, height, tile))
    return changed


def occupied_box(mask: np.ndarray) -> Box | None:
    """The smallest box holding every set pixel of `mask` (None when it is empty)."""
    rows, cols = np.any(mask, axis=1), np.any(mask, axis=0)
    if not rows.any():
        return None
    y = np.flatnonzero(rows)
    x = np.flatnonzero(cols)
    return int(x[0]), int(y[0]), int(x[-1]) + 1, int(y[-1]) + 1


def deltas_to(mask: np.ndarray, box: Box, region: np.ndarray | bool) -> list[TileDelta]:
    """The deltas that would put `region` (box-shaped, or one value) into `mask` inside `box`.
    `mask` is left as it was; only the box is copied, never the whole mask."""
    x0, y0, x1, y1 = box
    inside = mask[y0:y1, x0:x1]
    kept = inside.copy()
    recorder = TileRecorder(mask)
    recorder.touch(box)
    inside[...] = region
    deltas = recorder.deltas()
    inside[...] = kept
    return deltas
