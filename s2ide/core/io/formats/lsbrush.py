"""Label Studio brush masks: the bit-packed run-length stream of thi.ng's rle-pack.

The stream is: the value count (32 bits), the word size minus one (5 bits), four run-length
field sizes minus one (4 bits each), then chunks: one bit (1: a run of one value, 0: literal
values), a 2-bit choice of field size, the chunk length minus one in that many bits, and the
value(s) in word-size bits. Label Studio encodes the RGBA pixels of the whole image (every
pixel's value four times); the mask is where alpha is non-zero. Decoding checks every length
against the image, so a hostile stream can only raise ImportFormatError.
"""

from __future__ import annotations

import numpy as np

from s2ide.core.errors import ImportFormatError

RLE_SIZES = (3, 4, 8, 16)
WORD = 8


class _Bits:
    def __init__(self, data: bytes, where: str) -> None:
        self.bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8))
        self.pos = 0
        self.where = where

    def read(self, size: int) -> int:
        end = self.pos + size
        if end > self.bits.size:
            raise ImportFormatError(f"{self.where}: the brush RLE ends early")
        value = 0
        for bit in self.bits[self.pos : end].tolist():
            value = value << 1 | bit
        self.pos = end
        return value


def decode(values: list[int], width: int, height: int, where: str) -> np.ndarray:
    """A boolean HxW mask from Label Studio's `rle` list of bytes."""
    if not all(isinstance(v, int) and 0 <= v <= 255 for v in values):
        raise ImportFormatError(f"{where}: the brush RLE must be a list of bytes")
    bits = _Bits(bytes(values), where)
    num = bits.read(32)
    if num != width * height * 4:
        raise ImportFormatError(
            f"{where}: the brush RLE holds {num} values; a {width}x{height} RGBA image has {width * height * 4}"
        )
    word = bits.read(5) + 1
    sizes = [bits.read(4) + 1 for _ in range(4)]
    out = np.zeros(num, dtype=np.uint32)
    i = 0
    while i < num:
        repeat = bits.read(1)
        j = i + 1 + bits.read(sizes[bits.read(2)])
        if j > num:
            raise ImportFormatError(f"{where}: the brush RLE runs past the image")
        if repeat:
            out[i:j] = bits.read(word)
        else:
            for k in range(i, j):
                out[k] = bits.read(word)
        i = j
    return out.reshape(height, width, 4)[:, :, 3] > 0


def encode(mask: np.ndarray) -> list[int]:
    """Label Studio's `rle` list for a boolean HxW mask (RGBA 255 inside, 0 outside)."""
    flat = np.repeat(np.asarray(mask, dtype=bool).ravel(), 4).astype(np.uint8) * 255
    bits: list[str] = [format(flat.size, "032b"), format(WORD - 1, "05b")]
    bits += [format(size - 1, "04b") for size in RLE_SIZES]
    longest = (1 << RLE_SIZES[-1]) - 1
    edges = np.flatnonzero(np.diff(flat)) + 1
    starts = np.concatenate(([0], edges))
    ends = np.concatenate((edges, [flat.size]))
    for start, end in zip(starts.tolist(), ends.tolist()):
        value = format(int(flat[start]), f"0{WORD}b")
        while start < end:
            n = min(end - start, longest + 1)
            field = next(t for t, size in enumerate(RLE_SIZES) if n - 1 <= (1 << size) - 1)
            bits += ["1", format(field, "02b"), format(n - 1, f"0{RLE_SIZES[field]}b"), value]
            start += n
    stream = "".join(bits)
    stream += "0" * (-len(stream) % 8)
    return list(int(stream[k : k + 8], 2) for k in range(0, len(stream), 8))
