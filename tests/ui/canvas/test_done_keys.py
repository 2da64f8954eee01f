"""Detect/segment projects: Enter marks done and opens the next, N marks no objects, a label
key chooses the class to draw (and relabels the selection) instead of tagging the image."""

from __future__ import annotations

import pytest
from PIL import Image
from PySide6.QtCore import QSize, Qt

from s2ide.core.labeling.history import AddShape
from tests.ui.canvas.conftest import add_samples
from tests.ui.conftest import QT_LOG_MARKS

pytestmark = QT_LOG_MARKS


@pytest.fixture
def detect_window(qtbot, tmp_path):
    from s2ide.core.project import Project
    from s2ide.core.review.users import add_user
    from s2ide.ui.shell.context import AppContext
    from s2ide.ui.shell.main_window import MainWindow

    project = Project.create(tmp_path / "det", ["car", "tree"], task="detect")
    add_user(project.store, "lara", "labeler")
    folder = tmp_path / "shots"
    folder.mkdir()
    paths = []
    for index in range(3):
        path = folder / f"img{index}.png"
        Image.new("RGB", (200, 100), (40 * index, 90, 150)).save(path)
        paths.append(path)
    ids = add_samples(project, paths)
    project.close()
    context = AppContext()
    win = MainWindow(context)
    qtbot.addWidget(win)
    win.resize(900, 700)
    context.open_project(tmp_path / "det")
    context.set_user("lara")
    win.show()
    qtbot.waitExposed(win)
    context.open_sample(ids[0])
    qtbot.waitUntil(lambda: win.view.image_item.size == QSize(200, 100))
    yield win, ids
    win.close()
    context.close_project()


def test_enter_marks_done_and_opens_the_next(qtbot, detect_window):
    win, ids = detect_window
    store = win.context.store
    win.view.setFocus()
    qtbot.keyClick(win.view, Qt.Key.Key_Return)
    assert store.samples.get(ids[0]).status == "labeled"
    assert win.context.current_sample_id == ids[1]
    qtbot.keyClick(win.view, Qt.Key.Key_N)
    assert store.samples.get(ids[1]).status == "labeled"
    assert store.audit.list(entity="sample", entity_id=ids[1])[0].after["empty"] is True
    assert win.context.current_sample_id == ids[2]
    assert store.samples.progress_counts() == (2, 3)


def test_digit_chooses_the_drawing_class_and_relabels_the_selection(qtbot, detect_window):
    win, ids = detect_window
    store = win.context.store
    canvas = win.canvas_feature.canvas
    car, tree = store.labels.by_name("car"), store.labels.by_name("tree")
    assert canvas.commit(AddShape(ids[0], "box", car.id, {"x": 10, "y": 10, "w": 30, "h": 20, "angle": 0}))
    box_id = next(iter(canvas.doc.shapes))
    canvas.set_selection({box_id})
    win.view.setFocus()
    qtbot.keyClick(win.view, Qt.Key.Key_2)
    assert canvas.label_id == tree.id
    assert store.annotations.get(box_id).label_id == tree.id
    assert store.annotations.tag_of(ids[0]) is None  # the image is never tagged
    assert store.samples.get(ids[0]).status == "unlabeled"
    assert win.context.current_sample_id == ids[0]  # and it does not move on


def _suggest(store, sample_id, shapes, trained_on=1000, metrics=None):
    import json

    from s2ide.core.store.models import NewModel

    with store.transaction():
        model = store.models.add(
            NewModel(task="detect", architecture="x", label_map=[{"id": 1, "name": "car"}], state="ready",
                     trained_on=trained_on, metrics=metrics or {})
        )  # fmt: skip
        store.models.set_active(model.version)
        store.predictions.put_many(model.version, [{"sample_id": sample_id, "label_id": shapes[0]["label_id"]}])
        store.predictions.put_geometry(model.version, [(sample_id, json.dumps(shapes))])


def test_click_takes_a_suggestion_shift_enter_takes_the_rest_and_done_records_outcomes(qtbot, detect_window):
    from tests.ui.canvas.conftest import click

    win, ids = detect_window
    store = win.context.store
    canvas = win.canvas_feature.canvas
    car = store.labels.by_name("car")
    shapes = [
        {"kind": "box", "label_id": car.id, "score": 0.9, "x": 10, "y": 10, "w": 40, "h": 30, "angle": 0},
        {"kind": "box", "label_id": car.id, "score": 0.8, "x": 100, "y": 40, "w": 30, "h": 30, "angle": 0},
        {"kind": "box", "label_id": car.id, "score": 0.3, "x": 150, "y": 10, "w": 20, "h": 20, "angle": 0},
    ]
    _suggest(store, ids[0], shapes)
    win.context.predictionsChanged.emit()
    assert len(canvas.prelabels.shown) == 3
    weak = canvas.prelabels.shown[2][1]
    assert weak.isVisible() and weak.opacity() < canvas.prelabels.shown[0][1].opacity()  # dimmed, not hidden
    win.view.actual_size()
    win.view.centerOn(100, 50)
    click(win.view, (10, 25))  # on the first box's left edge
    taken = [a for a in store.annotations.for_sample(ids[0]) if a.kind == "box"]
    assert len(taken) == 1 and taken[0].source == "model-accepted"
    assert not canvas.prelabels.shown[0][1].isVisible()  # taken: no longer shown as a suggestion
    assert canvas.selection == {taken[0].id}
    win.view.setFocus()
    qtbot.keyClick(win.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert len([a for a in store.annotations.for_sample(ids[0]) if a.kind == "box"]) == 2  # the 0.3 one stays
    qtbot.keyClick(win.view, Qt.Key.Key_Return)
    outcomes = sorted(row["outcome"] for row in store.prelabel_outcomes.for_sample(ids[0]))
    assert outcomes == ["accepted", "accepted"]
    assert win.context.current_sample_id == ids[1]
    from s2ide.ui.training.training_panel import acceptance_text

    assert acceptance_text(store) == "Pre-labels taken unchanged: lara 100% of 2 (v1)"


def test_weak_suggestions_are_dimmed_by_the_calibrated_threshold_never_hidden(qtbot, detect_window):
    """A model right 80 % of the time above 0.2 (its calibration): 0.25 is a full suggestion,
    0.15 and 0.08 are dimmed but drawn (the saved default of 50 % would have hidden them)."""
    win, ids = detect_window
    store = win.context.store
    canvas = win.canvas_feature.canvas
    car = store.labels.by_name("car")
    box = {"kind": "box", "label_id": car.id, "y": 10, "w": 20, "h": 20, "angle": 0}
    shapes = [dict(box, score=0.25, x=10), dict(box, score=0.15, x=60), dict(box, score=0.08, x=110)]
    bins = [(0.0, 50, 0.1), (0.1, 50, 0.5), (0.2, 40, 0.85), (0.5, 40, 0.95)]
    metrics = {"calibration": {"bins": [{"lo": lo, "hi": lo + 0.1, "count": n, "accuracy": a} for lo, n, a in bins]}}
    _suggest(store, ids[0], shapes, metrics=metrics)
    win.context.predictionsChanged.emit()
    prelabels = canvas.prelabels
    assert prelabels.threshold == pytest.approx(0.2)  # from the calibration, not the saved 0.5
    strong, weak, weaker = (item for _shape, item in prelabels.shown)
    assert strong.isVisible() and weak.isVisible() and weaker.isVisible()
    assert weak.opacity() < strong.opacity() and weaker.opacity() == pytest.approx(weak.opacity())
