"""Small projects for the review-loop tests."""

from __future__ import annotations

from pathlib import Path

from s2ide.core.io.formats import read_plan
from s2ide.core.io.import_options import ImportOptions
from s2ide.core.io.importing import run_import
from s2ide.core.project import Project
from s2ide.core.review.users import add_user
from s2ide.core.tasks import TaskState
from tests.conftest import write_image


def add_unlabeled(project: Project, tmp_path: Path, count: int) -> list[int]:
    """Import `count` distinct unlabeled images; returns their sample ids in order."""
    folder = tmp_path / "unlabeled"
    for index in range(count):
        write_image(folder / f"img{index:02d}.png", color=(index * 7 % 256, 50 + index, 90))
    run_import(project, read_plan(folder, "folder"), ImportOptions(), TaskState())
    return sorted(project.store.samples.ids())


def add_labelers(project: Project, *names: str) -> None:
    for name in names:
        add_user(project.store, name, "labeler")
