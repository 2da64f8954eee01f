"""A detection / segmentation set the tests and the benchmark regenerate: 1-4 of scikit-learn's
digits pasted at random scales onto textured 160x160 backgrounds, with their boxes and masks.

The digits come from s2ide's bundled demo data (no download). A digit's mask is its ink
(the enlarged digit's darkness above one half), its box the mask's bounding box.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from s2ide.core.io.demo import DIGIT_NAMES, load_digits
from s2ide.core.project import Project
from s2ide.core.review.users import add_user


@dataclass
class Scene:
    image: np.ndarray  # uint8 (h, w, 3)
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)  # x1y1x2y2
    classes: list[int] = field(default_factory=list)
    masks: list[np.ndarray] = field(default_factory=list)  # bool (h, w) per object


def _background(rng: np.random.Generator, size: int) -> np.ndarray:
    """Smooth colored noise plus faint stripes: texture a detector must learn to ignore."""
    coarse = rng.uniform(90, 230, (size // 16 + 1, size // 16 + 1, 3)).astype(np.uint8)
    base = np.asarray(Image.fromarray(coarse).resize((size, size), Image.Resampling.BICUBIC), np.float32)
    fine = rng.normal(0, 10, (size, size, 1))
    angle = rng.uniform(0, np.pi)
    yy, xx = np.mgrid[0:size, 0:size]
    stripes = 12 * np.sin((xx * np.cos(angle) + yy * np.sin(angle)) / rng.uniform(3, 9))[..., None]
    return np.clip(base + fine + stripes, 0, 255)


def make_scene(
    rng: np.random.Generator, digits: np.ndarray, targets: np.ndarray, size: int = 160, classes: int = 10
) -> Scene:
    canvas = _background(rng, size)
    scene = Scene(canvas.astype(np.uint8))
    pool = np.flatnonzero(targets < classes)
    taken: list[tuple[float, float, float, float]] = []
    for _ in range(int(rng.integers(1, 5))):
        for _attempt in range(20):
            side = int(rng.integers(28, 64))
            x, y = int(rng.integers(0, size - side)), int(rng.integers(0, size - side))
            if all(x + side <= a or x >= c or y + side <= b or y >= d for a, b, c, d in taken):
                break
        else:
            continue
        pick = int(rng.choice(pool))
        ink = Image.fromarray((digits[pick].astype(np.float32) * 255 / 16).astype(np.uint8), mode="L")
        alpha = np.asarray(ink.resize((side, side), Image.Resampling.BICUBIC), np.float32) / 255.0
        mask = alpha > 0.5
        if not mask.any():
            continue
        color = rng.uniform(0, 70, 3)
        region = canvas[y : y + side, x : x + side]
        region[:] = region * (1 - alpha[..., None]) + color * alpha[..., None]
        rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
        box = (float(x + cols[0]), float(y + rows[0]), float(x + cols[-1] + 1), float(y + rows[-1] + 1))
        full = np.zeros((size, size), bool)
        full[y : y + side, x : x + side] = mask
        taken.append((x, y, x + side, y + side))
        scene.boxes.append(box)
        scene.classes.append(int(targets[pick]))
        scene.masks.append(full)
    scene.image = np.clip(canvas, 0, 255).astype(np.uint8)
    return scene


def build_shape_project(
    path: Path,
    n_pool: int,
    n_test: int,
    task: str = "detect",
    classes: int = 10,
    seed: int = 0,
    size: int = 160,
) -> tuple[Project, dict[int, Scene]]:
    """A project with `n_pool` train images (unlabeled) and `n_test` test images whose boxes
    (detect) or masks (segment) are labeled and marked done; returns the truth of every sample."""
    from s2ide.core.geometry import encode_mask
    from s2ide.core.io.formats.base import ImportItem, ImportPlan
    from s2ide.core.io.import_options import ImportOptions
    from s2ide.core.io.importing import run_import
    from s2ide.core.labeling.done import mark_done
    from s2ide.core.tasks import TaskState

    digits, targets = load_digits()
    rng = np.random.default_rng(seed)
    folder = path.parent / f"{path.name}_images"
    folder.mkdir(parents=True, exist_ok=True)
    names = list(DIGIT_NAMES[:classes])
    plan = ImportPlan(format="test", root=folder, labels=names)
    scenes: dict[str, Scene] = {}
    for index in range(n_pool + n_test):
        scene = make_scene(rng, digits, targets, size, classes)
        file = folder / f"s{index:05d}.png"
        Image.fromarray(scene.image).save(file)
        scenes[file.name] = scene
        plan.items.append(ImportItem(source=file, split="test" if index >= n_pool else "train"))
    project = Project.create(path, names, task=task, name=f"digits {task}")
    for name, role in (("lara", "labeler"), ("leo", "lead"), ("eng", "engineer")):
        add_user(project.store, name, role)
    run_import(project, plan, ImportOptions(user="test", processes=1), TaskState())
    store = project.store
    label_ids = [store.labels.by_name(n).id for n in names]
    truth: dict[int, Scene] = {}
    for row in store.samples.rows():
        scene = scenes[Path(row["path"]).name]
        truth[row["id"]] = scene
        if row["split"] != "test":
            continue
        add_truth(store, row["id"], scene, task, label_ids, encode_mask)
        mark_done(store, row["id"], "lara")
    return project, truth


def add_truth(store, sample_id: int, scene: Scene, task: str, label_ids: list[int], encode_mask) -> None:  # type: ignore[no-untyped-def]
    """The scene's objects as the labeler would draw them: boxes, or one mask per class."""
    with store.transaction():
        if task == "detect":
            for (x1, y1, x2, y2), c in zip(scene.boxes, scene.classes):
                geometry = {"x": x1, "y": y1, "w": x2 - x1, "h": y2 - y1, "angle": 0.0}
                store.annotations.add(sample_id, "box", label_ids[c], "lara", geometry=geometry)
        else:
            height, width = scene.image.shape[:2]
            for c in sorted(set(scene.classes)):
                union = np.zeros((height, width), bool)
                for mask, k in zip(scene.masks, scene.classes):
                    if k == c:
                        union |= mask
                geometry = {"encoding": "png", "width": width, "height": height}
                store.annotations.add(
                    sample_id, "mask", label_ids[c], "lara", geometry=geometry, data=encode_mask(union)
                )
