"""Small real digits projects for the model tests (scikit-learn's digits via s2ide's demo data).

Built once per session and copied per test: a copy of a folder is much cheaper than an import.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from s2ide.core.engine.ml_settings import TrainConfig, save_train_config
from s2ide.core.io.demo import DIGIT_NAMES, load_digits, render_digit
from s2ide.core.io.formats.base import ImportItem, ImportPlan
from s2ide.core.io.import_options import ImportOptions
from s2ide.core.io.importing import run_import
from s2ide.core.project import Project
from s2ide.core.review.users import add_user
from s2ide.core.tasks import TaskState

# small and quick: trains in a couple of seconds on one CPU thread
FAST_CONFIG = TrainConfig(input_size=16, width=8, epochs=30, lr=5e-3, batch_size=32, min_steps_per_epoch=4, patience=30)


def build_digits_project(
    path: Path, n_labeled: int = 150, n_unlabeled: int = 60, n_test: int = 100, size: int = 16, seed: int = 0
) -> Project:
    images, targets = load_digits()
    order = np.random.default_rng(seed).permutation(len(images))
    image_dir = path / "images"
    image_dir.mkdir(parents=True, exist_ok=True)
    plan = ImportPlan(format="test", root=image_dir, labels=list(DIGIT_NAMES))
    kinds = ["train"] * n_labeled + ["unlabeled"] * n_unlabeled + ["test"] * n_test
    for index, kind in zip(order, kinds):
        file = image_dir / f"d{index:04d}.png"
        render_digit(images[index], size).save(file)
        tag = None if kind == "unlabeled" else DIGIT_NAMES[int(targets[index])]
        plan.items.append(ImportItem(source=file, tag=tag, split="test" if kind == "test" else "train"))
    project = Project.create(path, DIGIT_NAMES, name="digits test")
    for name, role in (("lara", "labeler"), ("leo", "lead"), ("eng", "engineer")):
        add_user(project.store, name, role)
    run_import(project, plan, ImportOptions(user="test", processes=1), TaskState())
    save_train_config(project.store, FAST_CONFIG, "eng")
    project.close()
    return Project.open(path)


def copy_project(source: Path, target: Path) -> Project:
    shutil.copytree(source, target)
    return Project.open(target)


def shared_base(factory, name: str, build) -> Path:  # type: ignore[no-untyped-def]
    """A project folder built once per test session (any directory's fixtures may ask for it)."""
    path = factory.getbasetemp() / f"s2ide_{name}" / "proj"
    if not (path / "project.db").exists():
        if path.parent.exists():
            shutil.rmtree(path.parent)
        path.parent.mkdir(parents=True)
        build(path)
    return path


def build_trained(path: Path, source: Path) -> None:
    from s2ide.ml.loop import retrain

    project = copy_project(source, path)
    retrain(project, user="eng")
    project.close()
