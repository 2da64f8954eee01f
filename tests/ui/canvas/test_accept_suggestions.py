"""Taking suggestions from the keyboard and mask suggestions by a click: A takes the suggestion
under the pointer (else every one above the threshold); a click on a suggested mask adds its
pixels to its label's mask as one undo step."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, QSize, Qt
from PySide6.QtGui import QCursor

from tests.ui.canvas.conftest import add_samples, click
from tests.ui.conftest import QT_LOG_MARKS

pytestmark = QT_LOG_MARKS


def _window(qtbot, tmp_path, task):
    from s2ide.core.project import Project
    from s2ide.core.review.users import add_user
    from s2ide.ui.shell.context import AppContext
    from s2ide.ui.shell.main_window import MainWindow

    project = Project.create(tmp_path / task, ["car", "tree"], task=task)
    add_user(project.store, "lara", "labeler")
    folder = tmp_path / "shots"
    folder.mkdir()
    paths = []
    for index in range(2):
        path = folder / f"img{index}.png"
        Image.new("RGB", (200, 100), (40 * index, 90, 150)).save(path)
        paths.append(path)
    ids = add_samples(project, paths)
    project.close()
    context = AppContext()
    win = MainWindow(context)
    qtbot.addWidget(win)
    win.resize(900, 700)
    context.open_project(tmp_path / task)
    context.set_user("lara")
    win.show()
    qtbot.waitExposed(win)
    context.open_sample(ids[0])
    qtbot.waitUntil(lambda: win.view.image_item.size == QSize(200, 100))
    win.view.actual_size()
    win.view.centerOn(100, 50)
    return win, ids


@pytest.fixture
def detect_window(qtbot, tmp_path):
    win, ids = _window(qtbot, tmp_path, "detect")
    yield win, ids
    win.close()
    win.context.close_project()


@pytest.fixture
def segment_window(qtbot, tmp_path):
    win, ids = _window(qtbot, tmp_path, "segment")
    yield win, ids
    win.close()
    win.context.close_project()


def _suggest(win, sample_id, shapes, task):
    from s2ide.core.store.models import NewModel

    store = win.context.store
    with store.transaction():
        model = store.models.add(
            NewModel(task=task, architecture="x", label_map=[{"id": 1, "name": "car"}], state="ready", trained_on=1000)
        )
        store.models.set_active(model.version)
        store.predictions.put_many(model.version, [{"sample_id": sample_id, "label_id": shapes[0]["label_id"]}])
        store.predictions.put_geometry(model.version, [(sample_id, json.dumps(shapes))])
    win.context.predictionsChanged.emit()


def _boxes(store, sample_id):
    return [a for a in store.annotations.for_sample(sample_id) if a.kind == "box"]


def _point_at(win, image_pos):
    """Put the mouse pointer over an image position (the A key reads where it is)."""
    view = win.view
    local = view.viewportTransform().map(QPointF(*image_pos)).toPoint()
    QCursor.setPos(view.viewport().mapToGlobal(local))
    return QCursor.pos() == view.viewport().mapToGlobal(local)


def test_a_takes_the_suggestion_under_the_pointer_else_all_above_the_threshold(qtbot, detect_window):
    win, ids = detect_window
    store = win.context.store
    canvas = win.canvas_feature.canvas
    car = store.labels.by_name("car").id
    _suggest(
        win,
        ids[0],
        [
            {"kind": "box", "label_id": car, "score": 0.9, "x": 10, "y": 10, "w": 40, "h": 30, "angle": 0},
            {"kind": "box", "label_id": car, "score": 0.8, "x": 100, "y": 40, "w": 30, "h": 30, "angle": 0},
            {"kind": "box", "label_id": car, "score": 0.7, "x": 150, "y": 5, "w": 20, "h": 20, "angle": 0},
            {"kind": "box", "label_id": car, "score": 0.3, "x": 150, "y": 60, "w": 20, "h": 20, "angle": 0},
        ],
        "detect",
    )
    # the pointer over the second box: A takes that one only, selected
    assert canvas.prelabels.accept_key(QPointF(115, 55)) == 1
    taken = _boxes(store, ids[0])
    assert [(a.geometry["x"], a.source) for a in taken] == [(100, "model-accepted")]
    assert canvas.selection == {taken[0].id}
    # through the real key with the pointer over the first box (where the platform moves the cursor)
    win.view.setFocus()
    win.view.centerOn(30, 25)  # the offscreen screen leaves the canvas narrow
    if _point_at(win, (30, 25)):
        qtbot.keyClick(win.view, Qt.Key.Key_A)
        assert sorted(a.geometry["x"] for a in _boxes(store, ids[0])) == [10, 100]
    else:  # a platform that cannot move the pointer: the same call the key makes
        assert canvas.prelabels.accept_key(QPointF(30, 25)) == 1
    # nothing under the pointer: A takes every suggestion at or above the threshold (not the 0.3 one)
    QCursor.setPos(QPoint(-1000, -1000))
    qtbot.keyClick(win.view, Qt.Key.Key_A)
    assert sorted(a.geometry["x"] for a in _boxes(store, ids[0])) == [10, 100, 150]
    assert not any(item.isVisible() for shape, item in canvas.prelabels.shown if (shape.score or 0) >= 0.5)
    # one Ctrl+Z gives back what the last A took
    qtbot.keyClick(win.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert sorted(a.geometry["x"] for a in _boxes(store, ids[0])) == [10, 100]
    assert canvas.prelabels.shown[2][1].isVisible()  # shown again as a suggestion


def test_a_key_is_not_taken_while_a_polygon_is_drawn(qtbot, detect_window):
    win, ids = detect_window
    canvas = win.canvas_feature.canvas
    car = win.context.store.labels.by_name("car").id
    _suggest(
        win, ids[0], [{"kind": "box", "label_id": car, "score": 0.9, "x": 10, "y": 10, "w": 40, "h": 30}], "detect"
    )
    canvas.set_tool("polygon")
    click(win.view, (120, 20))
    click(win.view, (160, 20))
    assert canvas.tool.busy
    assert win.canvas_feature.accept_suggestion() == 0
    assert _boxes(win.context.store, ids[0]) == []


def _mask_png(mask):
    from s2ide.core.labeling.masks import encode_png

    return base64.b64encode(encode_png(mask)).decode()


def test_click_takes_a_suggested_mask_into_its_labels_mask_with_undo(qtbot, segment_window):
    from s2ide.core.geometry import decode_mask

    win, ids = segment_window
    store = win.context.store
    canvas = win.canvas_feature.canvas
    tree = store.labels.by_name("tree").id
    blob = np.zeros((100, 200), dtype=bool)
    blob[20:60, 30:90] = True
    other = np.zeros((100, 200), dtype=bool)
    other[10:30, 140:180] = True
    _suggest(
        win,
        ids[0],
        [
            {"kind": "mask", "label_id": tree, "score": 0.9, "png": _mask_png(blob)},
            {"kind": "mask", "label_id": tree, "score": 0.8, "png": _mask_png(other)},
        ],
        "segment",
    )
    assert len(canvas.prelabels.shown) == 2 and all(item.isVisible() for _s, item in canvas.prelabels.shown)
    click(win.view, (10, 80))  # background: nothing taken
    assert [a for a in store.annotations.for_sample(ids[0]) if a.kind == "mask"] == []
    click(win.view, (50, 40))  # on the first instance's pixels
    masks = [a for a in store.annotations.for_sample(ids[0]) if a.kind == "mask"]
    assert len(masks) == 1 and masks[0].label_id == tree
    saved = decode_mask(masks[0].data, 200, 100)
    assert np.array_equal(saved, blob)  # exactly the suggestion's pixels, the other instance not
    assert "label's mask" in win.statusBar().currentMessage()
    assert not canvas.prelabels.shown[0][1].isVisible() and canvas.prelabels.shown[1][1].isVisible()
    assert np.array_equal(canvas.doc.mask(tree).array, blob)
    win.view.setFocus()
    qtbot.keyClick(win.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert [a for a in store.annotations.for_sample(ids[0]) if a.kind == "mask"] == []
    assert canvas.prelabels.shown[0][1].isVisible()  # a suggestion again
    # Shift+Enter takes both instances into the one tree mask; Done records them accepted
    qtbot.keyClick(win.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    masks = [a for a in store.annotations.for_sample(ids[0]) if a.kind == "mask"]
    assert len(masks) == 1 and np.array_equal(decode_mask(masks[0].data, 200, 100), blob | other)
    qtbot.keyClick(win.view, Qt.Key.Key_Return)
    outcomes = [row["outcome"] for row in store.prelabel_outcomes.for_sample(ids[0])]
    assert outcomes == ["accepted", "accepted"]


def test_taken_suggestions_are_timed_and_the_saving_is_shown(qtbot, detect_window):
    from s2ide.core.store.sessions_time import intervals

    win, ids = detect_window
    store = win.context.store
    car = store.labels.by_name("car").id
    box = {"kind": "box", "label_id": car, "score": 0.9, "x": 10, "y": 10, "w": 40, "h": 30, "angle": 0}
    _suggest(win, ids[0], [box], "detect")
    qtbot.wait(600)  # an interval under half a second with nothing done is not kept
    assert win.canvas_feature.canvas.prelabels.accept_key(None) == 1
    win.view.setFocus()
    qtbot.keyClick(win.view, Qt.Key.Key_Return)  # done: the outcome is recorded and the next opens
    assert win.context.current_sample_id == ids[1]
    row = [r for r in intervals(store) if r.sample_id == ids[0]][-1]
    assert row.shapes == 1 and row.user == "lara"
    view = win.labeling_time_view
    view.refresh()
    assert "lara with v1 pre-labels:" in view.summary.text() and "on 1 images" in view.summary.text()
