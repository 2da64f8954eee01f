"""Find similar to a region on the canvas of a detect project: a dragged box, or the selected shape."""

from __future__ import annotations

from pathlib import Path

import pytest

from s2ide.core.io.formats import read_plan
from s2ide.core.io.import_options import ImportOptions
from s2ide.core.io.importing import run_import
from s2ide.core.project import Project
from s2ide.core.review.users import add_user
from s2ide.core.tasks import TaskState
from tests.region_scenes import write_scenes
from tests.ui.canvas.conftest import drag_path
from tests.ui.conftest import QT_LOG_MARKS, open_window

pytestmark = QT_LOG_MARKS


@pytest.fixture
def scenes_window(qtbot, tmp_path: Path):
    boxes = write_scenes(tmp_path / "scenes", reds=8, blues=8)
    project = Project.create(tmp_path / "p", ["red", "blue"], task="detect")
    add_user(project.store, "leo", "lead")
    run_import(project, read_plan(tmp_path / "scenes", "folder"), ImportOptions(), TaskState())
    for window in open_window(qtbot, project, user="leo"):
        yield window, boxes
    project.close()


def _open(qtbot, window, name: str) -> int:
    store = window.context.store
    sample_id = next(r["id"] for r in store.samples.rows() if r["path"].endswith(name))
    window.context.open_sample(sample_id)
    canvas = window.canvas_feature.canvas
    qtbot.waitUntil(lambda: canvas.sample_id == sample_id and canvas.doc is not None)
    return sample_id


def _names(view) -> list[str]:
    return [r.path.rsplit("/", 1)[-1] for r in view.rows]


def test_a_dragged_box_searches_by_what_it_holds(qtbot, scenes_window) -> None:
    window, (_red_box, blue_box) = scenes_window
    feature = window.similar
    both = _open(qtbot, window, "both.png")
    feature.view.count.setValue(6)
    feature.region_action.trigger()  # Ctrl+Shift+R
    assert feature.picker.armed
    x, y, w, h = blue_box
    with qtbot.waitSignal(feature.view.searched, timeout=30000):
        drag_path(window.view, [(x, y), (x + w / 2, y + h / 2), (x + w, y + h)])
    assert not feature.picker.armed  # one drag, then the tools have the mouse again
    assert feature.view.region is not None and feature.view.region[2] == pytest.approx(w, abs=1.5)
    assert _names(feature.view) and all(n.startswith("blue_") for n in _names(feature.view)), _names(feature.view)
    assert both not in [r.sample_id for r in feature.view.rows]
    assert "region of sample" in feature.view.title.text()
    assert window.foundation.gallery.model.ids() == [r.sample_id for r in feature.view.rows]

    # a click is not a region; Escape disarms without searching
    feature.region_action.trigger()
    drag_path(window.view, [(x, y), (x, y)])
    assert not feature.picker.armed and _names(feature.view)[0].startswith("blue_")
    feature.region_action.trigger()
    window.view.setFocus()
    from PySide6.QtCore import Qt

    qtbot.keyClick(window.view, Qt.Key.Key_Escape)
    assert not feature.picker.armed


def test_the_canvas_menu_searches_by_the_selected_shapes_region(qtbot, scenes_window) -> None:
    from PySide6.QtCore import QPointF

    window, (red_box, _blue_box) = scenes_window
    feature = window.similar
    both = _open(qtbot, window, "both.png")
    store = window.context.store
    x, y, w, h = red_box
    geometry = {"x": x, "y": y, "w": w, "h": h, "angle": 0.0}
    with store.transaction():
        store.annotations.add(both, "box", store.labels.by_name("red").id, "leo", geometry=geometry)  # type: ignore[union-attr]
    window.context.annotationsChanged.emit(both)
    canvas = window.canvas_feature.canvas
    qtbot.waitUntil(lambda: len(canvas.items) == 1)
    menu = canvas.context_menu(QPointF(x + w / 2, y + h / 2))  # right-click on the box selects it
    assert menu is not None
    entries = {action.text(): action for action in menu.actions()}
    assert "Find similar to a &region…" in entries and "Find &similar" in entries
    feature.view.count.setValue(6)
    with qtbot.waitSignal(feature.view.searched, timeout=30000):
        entries["Find similar to this shape's region"].trigger()
    assert all(n.startswith("red_") for n in _names(feature.view)), _names(feature.view)
    menu.deleteLater()


def test_regions_are_offered_in_detect_and_segment_projects_only(window) -> None:
    """`window` is a classification project: whole samples only."""
    feature = window.similar
    assert not feature.region_action.isEnabled()
    window.context.open_sample(window.context.store.samples.rows()[0]["id"])
    menu = window.canvas_feature.canvas.context_menu(window.view.mapToScene(5, 5))
    assert menu is not None
    texts = [a.text() for a in menu.actions()]
    assert "Find &similar" in texts and not [t for t in texts if "region" in t]
    menu.deleteLater()
