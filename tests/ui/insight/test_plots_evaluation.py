"""Evaluation view: metrics of the chosen version, confusion-cell click-through, comparison."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from s2ide.ui.insight.evaluation_view import EvaluationView
from s2ide.ui.shell.context import AppContext
from tests.engineer_data import add_model, add_samples, tag_all


def shown_view(qtbot, project, active: str | None = None) -> tuple[AppContext, EvaluationView]:
    """The Evaluation view on `project` (with `active` made the active version), shown."""
    if active is not None:
        with project.store.transaction():
            project.store.models.set_active(active)
    context = AppContext()
    context.project = project
    view = EvaluationView(context)
    qtbot.addWidget(view)
    view.resize(1100, 700)
    view.show()
    return context, view


@pytest.fixture
def two_models(project):
    store = project.store
    cat, dog = (label.id for label in store.labels.list())
    ids = add_samples(project, 6)
    tag_all(project, ids, [cat, cat, cat, dog, dog, dog])
    a = np.array([[0.9, 0.1], [0.8, 0.2], [0.4, 0.6], [0.3, 0.7], [0.6, 0.4], [0.2, 0.8]])
    b = np.array([[0.9, 0.1], [0.3, 0.7], [0.9, 0.1], [0.3, 0.7], [0.1, 0.9], [0.2, 0.8]])
    add_model(project, "v1", ids, a, active=False)
    add_model(project, "v2", ids, b)
    return project, ids


def test_metrics_cell_click_and_comparison(qtbot, two_models) -> None:
    project, ids = two_models
    context, view = shown_view(qtbot, project)
    try:
        assert view.model_combo.currentText() == "v2"  # the active model by default
        view.select("v1")
        qtbot.waitUntil(lambda: view.evaluation is not None and view.evaluation.version == "v1", timeout=10000)
        assert "66.7%" in view.accuracy.text()
        assert view.table.rowCount() == 2 and view.table.item(0, 4).text() == "3"
        assert not view.compare_box.isVisible()
        opened: list[int] = []
        context.sampleChanged.connect(opened.append)
        point = view.graphics.mapFromScene(view.confusion.scene_point(0, 1))  # label cat, predicted dog
        with qtbot.waitSignal(context.showSamplesRequested, timeout=2000) as blocker:
            qtbot.mouseClick(view.graphics.viewport(), Qt.MouseButton.LeftButton, pos=point)
        assert blocker.args == [[ids[2]], "v1: label cat, predicted dog"]
        assert opened == [ids[2]]
        view.select("v2", other="v1")  # v1 is the baseline
        qtbot.waitUntil(lambda: view.comparison is not None, timeout=10000)
        assert view.compare_box.isVisible()
        assert view.fixed_button.text() == "Fixed by v2: 2" and view.broken_button.text() == "Broken by v2: 1"
        assert view.compare_table.item(0, 3).text() == "+0.167"
        assert view.changed_button.text() == "Changed: 3"  # the version report: every prediction that moved
        with qtbot.waitSignal(context.showSamplesRequested, timeout=2000) as blocker:
            qtbot.mouseClick(view.changed_button, Qt.MouseButton.LeftButton)
        assert blocker.args[0] == [ids[1], ids[2], ids[4]]
        with qtbot.waitSignal(context.showSamplesRequested, timeout=2000) as blocker:
            qtbot.mouseClick(view.fixed_button, Qt.MouseButton.LeftButton)
        assert blocker.args[0] == [ids[2], ids[4]]
    finally:
        view.shutdown()


def test_no_model_yet(qtbot, project) -> None:
    context = AppContext()
    context.project = project
    view = EvaluationView(context)
    qtbot.addWidget(view)
    assert "no trained model" in view.accuracy.text()
    view.shutdown()


@pytest.mark.parametrize("task", ["detect", "segment"])
def test_detector_and_segmenter_show_their_stored_reports(qtbot, tmp_path, task) -> None:
    from s2ide.core.project import Project
    from s2ide.core.store.models import NewModel

    project = Project.create(tmp_path / "p", ["car", "tree"], task=task)
    if task == "detect":
        report = {"map": 0.61, "ap50": 0.93, "ap75": 0.7, "images": 40,
                  "per_class": {"car": {"ap": 0.6, "ap50": 0.9, "ap75": 0.7, "support": 31},
                                "tree": {"ap": None, "ap50": None, "ap75": None, "support": 0}}}  # fmt: skip
    else:
        report = {"miou": 0.81, "dice": 0.88, "images": 40,
                  "per_class": {"car": {"iou": 0.8, "dice": 0.88, "pixels": 900},
                                "tree": {"iou": 0.82, "dice": 0.9, "pixels": 400}}}  # fmt: skip
    with project.store.transaction():
        model = project.store.models.add(
            NewModel(
                task=task,
                architecture="x",
                state="ready",
                metrics={**report, "evaluated_on": "test", "test": report, "validation": None},
            )
        )
        project.store.models.set_active(model.version)
    context = AppContext()
    context.project = project
    view = EvaluationView(context)
    qtbot.addWidget(view)
    view.show()
    try:
        view.select(model.version, "test")
        text = view.accuracy.text()
        assert ("AP50 0.930" in text) if task == "detect" else ("mIoU 0.810" in text)
        assert view.table.rowCount() == 2 and view.table.item(0, 0).text() == "car"
        view.select(model.version, "val")
        assert "not measured on validation" in view.accuracy.text()
    finally:
        view.close()
        project.close()


def test_detector_mispredictions_rank_by_objects_wrong(tmp_path) -> None:
    from PIL import Image

    from s2ide.core.project import Project
    from s2ide.core.store.models import NewModel
    from s2ide.ui.insight.mispredictions_view import _mistakes

    project = Project.create(tmp_path / "p", ["car"], task="detect")
    store = project.store
    with store.transaction():
        ids = []
        for index in range(3):
            path = tmp_path / f"{index}.png"
            Image.new("RGB", (8, 8)).save(path)
            ids.append(store.samples.add(str(path), f"{index:064d}", 8, 8))
        model = store.models.add(NewModel(task="detect", architecture="x", state="ready"))
        store.models.set_active(model.version)
        store.predictions.put_many(
            model.version, [{"sample_id": i, "loss": loss} for i, loss in zip(ids, [1.0, 0.0, 3.0])]
        )
    version, rows = _mistakes(store)
    assert version == model.version and [row.sample_id for row in rows] == [ids[2], ids[0]]
    assert rows[0].loss == 3.0 and rows[0].label_id is None
    project.close()


def test_detector_object_confusion_and_click_through(qtbot, filled_project) -> None:
    from tests.core.engine.test_detection_confusion import detect_project_with_boxes

    ids, labels, version = detect_project_with_boxes(filled_project)
    context, view = shown_view(qtbot, filled_project, version)
    try:
        view.select(version, "test")
        qtbot.waitUntil(lambda: view.detection is not None, timeout=10000)
        k = len(labels)
        assert view.detection.matrix.shape == (k + 1, k + 1)
        assert "1 missed, 0 spurious, 1 wrong class" in view.confusion.plot.titleLabel.text
        opened: list[int] = []
        context.sampleChanged.connect(opened.append)
        point = view.graphics.mapFromScene(view.confusion.scene_point(0, k))  # labeled cat, found by nothing
        with qtbot.waitSignal(context.showSamplesRequested, timeout=2000) as blocker:
            qtbot.mouseClick(view.graphics.viewport(), Qt.MouseButton.LeftButton, pos=point)
        assert blocker.args == [[ids[1]], f"{version}: missed {labels[0].name} objects"]
        assert opened == [ids[1]]
        point = view.graphics.mapFromScene(view.confusion.scene_point(1, 0))  # a dog boxed as a cat
        with qtbot.waitSignal(context.showSamplesRequested, timeout=2000) as blocker:
            qtbot.mouseClick(view.graphics.viewport(), Qt.MouseButton.LeftButton, pos=point)
        assert blocker.args == [[ids[0]], f"{version}: {labels[1].name} boxed as {labels[0].name}"]
    finally:
        view.shutdown()


def test_segmenter_object_confusion_and_click_through(qtbot, filled_project) -> None:
    from tests.core.engine.test_mask_confusion import segment_project_with_masks

    ids, labels, version = segment_project_with_masks(filled_project)
    context, view = shown_view(qtbot, filled_project, version)
    try:
        view.select(version, "test")
        qtbot.waitUntil(lambda: view.detection is not None, timeout=10000)
        k = len(labels)
        assert view.detection.kind == "mask"
        assert "masks ≥" in view.confusion.plot.titleLabel.text
        assert "1 missed, 1 spurious, 0 wrong class" in view.confusion.plot.titleLabel.text
        point = view.graphics.mapFromScene(view.confusion.scene_point(1, k))  # the missed tree
        with qtbot.waitSignal(context.showSamplesRequested, timeout=2000) as blocker:
            qtbot.mouseClick(view.graphics.viewport(), Qt.MouseButton.LeftButton, pos=point)
        assert blocker.args == [[ids[1]], f"{version}: missed {labels[1].name} objects"]
    finally:
        view.shutdown()


def test_two_detectors_compared_with_fixed_images_click_through(qtbot, filled_project) -> None:
    from tests.core.engine.test_detection_confusion import detect_project_with_boxes
    from tests.core.engine.test_shape_compare import second_detector

    ids, labels, v1 = detect_project_with_boxes(filled_project)
    v2 = second_detector(filled_project, ids, labels, {"test": {"map": 0.4, "ap50": 0.8, "ap75": 0.3}})
    context, view = shown_view(qtbot, filled_project)
    try:
        view.select(v2, "test", other=v1)
        qtbot.waitUntil(lambda: view.shape_comparison is not None, timeout=10000)
        assert view.compare_box.isVisible() and not view.changed_button.isVisible()
        assert view.fixed_button.text() == f"Fixed by {v2}: 1"
        assert view.broken_button.text() == f"Broken by {v2}: 0"
        names = [view.compare_table.item(r, 0).text() for r in range(view.compare_table.rowCount())]
        assert "ap50" not in names  # v1 stored no figures: only rows both versions have
        with qtbot.waitSignal(context.showSamplesRequested, timeout=2000) as blocker:
            view.fixed_button.click()
        assert blocker.args[0] == [ids[1]] and "fewer object errors" in blocker.args[1]
        view.select(v2, "test")  # no comparison: the box goes
        qtbot.waitUntil(lambda: view.shape_comparison is None, timeout=10000)
        assert not view.compare_box.isVisible()
    finally:
        view.shutdown()
