"""A fixed, cheap embedding, so "find similar" works from the first import, before any model.

128 numbers per image: its colour layout (a 4x4 RGB thumbnail, centred on mid-grey) and its
edge layout (a 4x4 grid of 5-bin gradient-orientation histograms, as in HOG).
Both are computed from a 32x32 reduction of the image (JPEGs decode at a draft size, so a
1080p photo costs a few milliseconds), each half is scaled to unit length, and the result is
one unit vector compared by cosine. It does not know what a class is, but it finds re-shot,
shifted, re-encoded or noisy copies of the same scene, which is what a first search needs.
`compute_missing` fills the store for every sample without one (a long job: background after
an import in the app, on demand in the CLI).
"""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from s2ide.core.project import Project
from s2ide.core.tasks import TaskState

KIND = "cheap-v1"  # stored with each vector; a new recipe gets a new kind, never silently mixed
SIDE = 32  # the reduction both halves are computed from
GRID = 4  # 4x4 cells for colour and gradients
BINS = 5  # unsigned gradient orientations per cell
DIM = GRID * GRID * 3 + GRID * GRID * BINS  # 48 + 80 = 128
BATCH = 128  # samples embedded between two store writes (and cancel checks)


def embed_array(rgb: np.ndarray) -> np.ndarray:
    """The embedding of a SIDE x SIDE x 3 uint8/float image, as float32 (DIM,), unit length."""
    pixels = np.asarray(rgb, dtype=np.float32) / 255.0
    cell = SIDE // GRID
    colour = pixels.reshape(GRID, cell, GRID, cell, 3).mean(axis=(1, 3))
    colour = (colour - 0.5).ravel()  # around mid-grey: a flat red and a flat blue image still differ
    gray = pixels @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    gx = np.zeros_like(gray)
    gy = np.zeros_like(gray)
    gx[:, 1:-1] = gray[:, 2:] - gray[:, :-2]
    gy[1:-1, :] = gray[2:, :] - gray[:-2, :]
    magnitude = np.hypot(gx, gy)
    angle = np.mod(np.arctan2(gy, gx), np.pi)  # unsigned: an edge and its reverse look alike
    bins = np.minimum((angle / np.pi * BINS).astype(np.int64), BINS - 1)
    cells = (np.arange(SIDE)[:, None] // cell) * GRID + (np.arange(SIDE)[None, :] // cell)
    hist = np.zeros(GRID * GRID * BINS, dtype=np.float32)
    np.add.at(hist, (cells * BINS + bins).ravel(), magnitude.ravel())
    hist = np.sqrt(hist)  # Hellinger-style: a few strong edges do not drown the rest
    parts = [colour, hist]
    vector = np.concatenate([p / (np.linalg.norm(p) + 1e-6) for p in parts]).astype(np.float32)
    return vector / (np.linalg.norm(vector) + 1e-12)


def reduce_image(image: Image.Image) -> np.ndarray:
    """SIDE x SIDE x 3 uint8 of an opened image (orientation applied; JPEGs decoded at a draft size)."""
    if image.format == "JPEG":
        image.draft("RGB", (SIDE * 4, SIDE * 4))
    image = ImageOps.exif_transpose(image) or image
    rgb = image.convert("RGB").resize((SIDE, SIDE), Image.Resampling.BOX)
    return np.asarray(rgb, dtype=np.uint8)


def embed_file(path: Path) -> np.ndarray:
    """The embedding of an image file; OSError/ValueError when it is not a readable image."""
    mode = path.stat().st_mode
    if not stat.S_ISREG(mode):  # never block on a FIFO or a device
        raise OSError(f"{path}: not a regular file")
    with Image.open(path) as image:
        return embed_array(reduce_image(image))


def embed_region_file(path: Path, box: tuple[float, float, float, float]) -> np.ndarray:
    """The embedding of a box (x, y, w, h in the displayed image's pixels) of an image file, by
    the same recipe: what Find similar to a region compares with whole images before any model."""
    if not stat.S_ISREG(path.stat().st_mode):
        raise OSError(f"{path}: not a regular file")
    with Image.open(path) as opened:
        image = ImageOps.exif_transpose(opened) or opened
        x, y, w, h = (float(v) for v in box)
        left, top = max(0, int(np.floor(x))), max(0, int(np.floor(y)))
        right, bottom = min(image.width, int(np.ceil(x + w))), min(image.height, int(np.ceil(y + h)))
        if right <= left or bottom <= top:
            raise ValueError(f"{path}: the region {box} lies outside the {image.width}x{image.height} image")
        crop = image.crop((left, top, right, bottom)).convert("RGB")
        return embed_array(np.asarray(crop.resize((SIDE, SIDE), Image.Resampling.BOX), dtype=np.uint8))


@dataclass
class CheapResult:
    computed: int = 0
    skipped: list[str] = field(default_factory=list)  # "path: why", one per unreadable image


def compute_missing(project: Project, state: TaskState | None = None) -> CheapResult:
    """Embed every sample that has no cheap embedding yet; each batch is one short transaction."""
    state = state or TaskState()
    store = project.connect()
    result = CheapResult()
    try:
        todo = store.vectors.missing(KIND)
        for start in range(0, len(todo), BATCH):
            state.check()
            rows: list[tuple[int, np.ndarray]] = []
            for sample_id, stored in todo[start : start + BATCH]:
                try:
                    rows.append((sample_id, embed_file(project.image_path(stored))))
                except (OSError, ValueError, Image.DecompressionBombError) as exc:
                    result.skipped.append(f"{stored}: {exc}")
            if rows:
                with store.transaction():
                    store.vectors.put_many(KIND, rows)
            result.computed += len(rows)
            state.report(min(start + BATCH, len(todo)), len(todo), "embedding images for similarity search")
    finally:
        store.close()
    return result
