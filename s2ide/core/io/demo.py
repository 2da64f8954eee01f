"""The bundled demo project: scikit-learn's digits rendered to PNG, built by the import path.

1,797 real handwritten digits in 10 classes. The test split and 300 training images are
labeled; the rest wait for labelers, so the whole loop (label, retrain, queue) has work to do.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import platformdirs
from PIL import Image

from s2ide.core.io.formats.base import ImportItem, ImportPlan
from s2ide.core.io.import_options import ImportOptions
from s2ide.core.io.importing import run_import
from s2ide.core.project import Project, is_project
from s2ide.core.resources import resource_path
from s2ide.core.review.users import add_user
from s2ide.core.tasks import TaskState

DIGIT_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
IMAGE_SIZE = 64
TEST_SHARE = 0.2
LABELED_TRAIN = 300
DEMO_USERS = (("ada", "labeler"), ("lee", "lead"), ("eve", "engineer"))


def default_demo_dir() -> Path:
    return Path(platformdirs.user_data_dir("s2ide")) / "demo"


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 Nx8x8 in 0..16, targets uint8 N)."""
    with np.load(resource_path("demo", "digits.npz")) as data:
        return data["images"], data["target"]


def render_digit(pixels: np.ndarray, size: int = IMAGE_SIZE) -> Image.Image:
    """Dark ink on light paper, smoothly enlarged so the strokes read as handwriting."""
    ink = 255 - (pixels.astype(np.float32) * (255 / 16)).astype(np.uint8)
    return Image.fromarray(ink, mode="L").resize((size, size), Image.Resampling.BICUBIC)


def build_demo(directory: Path | None = None, state: TaskState | None = None) -> Project:
    """Build (or reuse) the demo project in `directory`; returns it opened."""
    directory = Path(directory) if directory is not None else default_demo_dir()
    state = state or TaskState()
    if is_project(directory):
        return Project.open(directory)
    images, targets = load_digits()
    image_dir = directory / "images"
    image_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(images))
    n_test = int(len(images) * TEST_SHARE)
    test_ids, train_ids = set(order[:n_test].tolist()), order[n_test:]
    labeled_train = set(train_ids[:LABELED_TRAIN].tolist())

    plan = ImportPlan(format="demo", root=image_dir, labels=list(DIGIT_NAMES))
    for index, (pixels, target) in enumerate(zip(images, targets)):
        state.check()
        path = image_dir / f"digit_{index:04d}.png"
        if not path.exists():
            render_digit(pixels).save(path)
        labeled = index in test_ids or index in labeled_train
        plan.items.append(
            ImportItem(
                source=path,
                tag=DIGIT_NAMES[int(target)] if labeled else None,
                split="test" if index in test_ids else "train",
            )
        )
        state.report(index + 1, len(images) * 2, "rendering digits")

    project = Project.create(directory, DIGIT_NAMES, task="classify", name="Digits demo")
    store = project.store
    with store.transaction():
        for index, label in enumerate(store.labels.list()):
            store.labels.update(
                label.id, hotkey=str(index), description=f"a handwritten {DIGIT_NAMES[index]} ({index})"
            )
    for name, role in DEMO_USERS:
        add_user(store, name, role)
    run_import(project, plan, ImportOptions(user="demo"), state)
    return project
