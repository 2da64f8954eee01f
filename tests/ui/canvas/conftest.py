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
    from s2ide.core.io.formats import read_plan
    from s2ide.core.io.import_options import ImportOptions
    from s2ide.core.io.importing import run_import
    from s2ide.core.tasks import TaskState

    folder = paths[0].parent
    run_import(project, read_plan(folder, "folder"), ImportOptions(), TaskState())
    store = project.store
    return [store.samples.by_path(project.stored_path(p)).id for p in paths]


@pytest.fixture
def window(qtbot, project):
    """The real main window with its features, on the `project` fixture, user lara."""
    from s2ide.ui.shell.context import AppContext
    from s2ide.ui.shell.main_window import MainWindow

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


# -- driving the view with real mouse events ---------------------------------------------------
def send_mouse(view, kind, image_pos, button, buttons, modifiers=None):
    """A mouse event at an image position, delivered to the view's viewport as Qt would."""
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    pos = view.viewportTransform().map(QPointF(*image_pos))
    global_pos = view.viewport().mapToGlobal(pos)
    event = QMouseEvent(kind, pos, global_pos, button, buttons, modifiers or Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(view.viewport(), event)


def click(view, image_pos, modifiers=None):
    from PySide6.QtCore import QEvent, Qt

    left = Qt.MouseButton.LeftButton
    send_mouse(view, QEvent.Type.MouseButtonPress, image_pos, left, left, modifiers)
    send_mouse(view, QEvent.Type.MouseButtonRelease, image_pos, left, Qt.MouseButton.NoButton, modifiers)


def drag_path(view, points, modifiers=None, button=None):
    from PySide6.QtCore import QEvent, Qt

    button = button or Qt.MouseButton.LeftButton
    send_mouse(view, QEvent.Type.MouseButtonPress, points[0], button, button, modifiers)
    for point in points[1:]:
        send_mouse(view, QEvent.Type.MouseMove, point, Qt.MouseButton.NoButton, button, modifiers)
    send_mouse(view, QEvent.Type.MouseButtonRelease, points[-1], button, Qt.MouseButton.NoButton, modifiers)


def hover(view, image_pos):
    from PySide6.QtCore import QEvent, Qt

    send_mouse(view, QEvent.Type.MouseMove, image_pos, Qt.MouseButton.NoButton, Qt.MouseButton.NoButton)


@pytest.fixture
def opened(qtbot, window, tmp_path):
    """The window showing the first of three 200x100 images; returns (window, sample ids)."""
    from PySide6.QtCore import QSize

    folder = tmp_path / "shots"
    paths = []
    for index in range(3):
        path = folder / f"img{index}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (200, 100), (40 * index, 90, 150)).save(path)
        paths.append(path)
    ids = add_samples(window.context.project, paths)
    window.context.open_sample(ids[0])
    qtbot.waitUntil(lambda: window.view.image_item.size == QSize(200, 100) and window.view.image_item.full_resolution)
    window.view.actual_size()
    window.view.centerOn(100, 50)
    yield window, ids
