"""COCO run-length encoding of masks, in numpy (no pycocotools at run time).

Kept instead of pycocotools on purpose (measured): pycocotools 2.0 decodes a hostile or
truncated compressed string without checking that its runs cover the mask, and hands back
uninitialised memory (`{"size": [4, 4], "counts": "0"}` decodes to 16 bytes summing to 478
here); this module refuses such RLE with a message naming the key. pycocotools stays a test
dependency that cross-checks this encoder and decoder.

COCO counts runs in column-major (Fortran) order, starting with a run of zeros (maybe 0 long).
"Compressed" counts are pycocotools' string form: each count (after the first two, as the
difference from the count two before) in 5-bit groups with a continuation bit, offset by 48.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from s2ide.core.errors import ImportFormatError

MAX_PIXELS = 1 << 31


def encode(mask: np.ndarray) -> list[int]:
    """Uncompressed counts of a boolean HxW mask."""
    flat = np.asarray(mask, dtype=bool).T.ravel()
    if flat.size == 0:
        return [0]
    changes = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    edges = np.concatenate(([0], changes, [flat.size]))
    counts = np.diff(edges).tolist()
    if flat[0]:
        counts.insert(0, 0)
    return [int(c) for c in counts]


def decode(counts: list[int], height: int, width: int, where: str) -> np.ndarray:
    """A boolean HxW mask; counts that do not add up to HxW are an ImportFormatError."""
    total = height * width
    array = np.asarray(counts, dtype=np.int64)
    if array.size and array.min() < 0:
        raise ImportFormatError(f"{where}: RLE has a negative run length")
    if int(array.sum()) != total:
        raise ImportFormatError(f"{where}: RLE covers {int(array.sum())} pixels, the {width}x{height} mask has {total}")
    values = (np.arange(array.size) % 2).astype(bool)
    flat = np.repeat(values, array)
    return flat.reshape(width, height).T.copy()


def to_string(counts: list[int]) -> str:
    """pycocotools' compressed form of uncompressed counts."""
    out = bytearray()
    for index, count in enumerate(counts):
        x = count - counts[index - 2] if index > 2 else count
        more = True
        while more:
            c = x & 0x1F
            x >>= 5
            more = x != -1 if c & 0x10 else x != 0
            if more:
                c |= 0x20
            out.append(c + 48)
    return out.decode("ascii")


def from_string(text: str, where: str, limit: int = MAX_PIXELS) -> list[int]:
    """Uncompressed counts of pycocotools' compressed string; malformed strings are refused."""
    try:
        data = text.encode("ascii")
    except UnicodeEncodeError as exc:
        raise ImportFormatError(f"{where}: compressed RLE counts must be ASCII") from exc
    counts: list[int] = []
    pos, end = 0, len(data)
    while pos < end:
        x = shift = 0
        more = True
        while more:
            if pos >= end:
                raise ImportFormatError(f"{where}: compressed RLE counts end in the middle of a number")
            c = data[pos] - 48
            if c < 0 or c > 63:
                raise ImportFormatError(f"{where}: compressed RLE counts hold an invalid character {chr(data[pos])!r}")
            x |= (c & 0x1F) << shift
            more = bool(c & 0x20)
            pos += 1
            shift += 5
            if shift > 40:
                raise ImportFormatError(f"{where}: compressed RLE count too large")
            if not more and c & 0x10:
                x |= -1 << shift
        if len(counts) > 2:
            x += counts[-2]
        if x < 0 or x > limit:
            raise ImportFormatError(f"{where}: compressed RLE holds an impossible run length {x}")
        counts.append(x)
    return counts


def to_coco(mask: np.ndarray) -> dict[str, Any]:
    """The compressed RLE object COCO files and pycocotools use."""
    height, width = mask.shape
    return {"size": [int(height), int(width)], "counts": to_string(encode(mask))}
