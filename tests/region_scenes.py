"""Scenes for Find similar to a region: a red disc or a blue square (or both) on noisy grey.

`write_scenes` writes `reds` images holding only a red disc, `blues` holding only a blue
square, and one image holding both (the query), each object at a random place, and returns the
query image's two boxes (x, y, w, h): a box around one object must find the images with that
object first, which searching by the whole query image cannot.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

Box = tuple[float, float, float, float]
SIZE = 96


def _background(rng: np.random.Generator) -> np.ndarray:
    return np.clip(rng.normal(128, 12, (SIZE, SIZE, 3)), 0, 255)


def _disc(image: np.ndarray, rng: np.random.Generator, at: tuple[int, int] | None = None) -> Box:
    radius = int(rng.integers(13, 18))
    cx, cy = at or (int(rng.integers(radius, SIZE - radius)), int(rng.integers(radius, SIZE - radius)))
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    inside = (xx - cx) ** 2 + (yy - cy) ** 2 <= radius**2
    image[inside] = np.array([220, 30, 30]) + rng.normal(0, 8, (int(inside.sum()), 3))
    return (cx - radius, cy - radius, 2 * radius, 2 * radius)


def _square(image: np.ndarray, rng: np.random.Generator, at: tuple[int, int] | None = None) -> Box:
    side = int(rng.integers(26, 34))
    x, y = at or (int(rng.integers(0, SIZE - side)), int(rng.integers(0, SIZE - side)))
    image[y : y + side, x : x + side] = np.array([30, 40, 220]) + rng.normal(0, 8, (side, side, 3))
    return (x, y, side, side)


def _save(image: np.ndarray, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(path)


def write_scenes(folder: Path, reds: int = 12, blues: int = 12, seed: int = 0) -> tuple[Box, Box]:
    """red_NN.png, blue_NN.png and both.png under `folder`; (red box, blue box) of both.png."""
    rng = np.random.default_rng(seed)
    for i in range(reds):
        image = _background(rng)
        _disc(image, rng)
        _save(image, folder / f"red_{i:02d}.png")
    for i in range(blues):
        image = _background(rng)
        _square(image, rng)
        _save(image, folder / f"blue_{i:02d}.png")
    both = _background(rng)
    red = _disc(both, rng, (24, 30))
    blue = _square(both, rng, (52, 50))
    _save(both, folder / "both.png")
    return red, blue


def scene_arrays(folder: Path) -> tuple[list[str], np.ndarray]:
    """(file names, uint8 (n, 3, SIZE, SIZE)) of the written scenes, sorted by name."""
    names = sorted(p.name for p in folder.glob("*.png"))
    images = np.stack([np.asarray(Image.open(folder / n).convert("RGB")).transpose(2, 0, 1) for n in names])
    return names, images
