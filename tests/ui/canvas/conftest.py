"""Canvas test helpers: a project with images of known sizes, a main window on it."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image


def exif_rotated_jpeg(path: Path, size: tuple[int, int] = (64, 32), orientation: int = 6) -> Path:
    """A JPEG stored `size` wide/high whose EXIF says to rotate it (6: 90 degrees clockwise)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", size, (10, 120, 200))
    exif = image.getexif()
    exif[0x0112] = orientation
    image.save(path, exif=exif.tobytes())
    return path


def add_samples(project, paths: list[Path]) -> list[int]:
    """Import these files into the project; their sample ids in the same order."""
    from s2ide.core.formats import read_plan
    from s2ide.core.importing import ImportOptions, run_import
    from s2ide.core.tasks import TaskState

    folder = paths[0].parent
    run_import(project, read_plan(folder, "folder"), ImportOptions(), TaskState())
    store = project.store
    return [store.samples.by_path(project.stored_path(p)).id for p in paths]


@pytest.fixture
def window(qtbot, project):
    """The real main window with its features, on the `project` fixture, user lara."""
    from s2ide.ui.context import AppContext
    from s2ide.ui.main_window import MainWindow

    context = AppContext()
    win = MainWindow(context)
    qtbot.addWidget(win)
    win.resize(900, 700)
    context.open_project(project.path)
    context.set_user("lara")
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()
    context.close_project()
