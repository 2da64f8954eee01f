"""Segment anything with a tiny SAM-layout ONNX pair, and YOLO pre-labels, in the real window."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from s2ide.ml.external import files, registry
from tests.core.labeling.test_selection import iou
from tests.ml import onnx_models
from tests.ui.canvas.test_selection_tools import ALT, canvas_of, click, disc, key, polygons, saved_mask  # noqa: F401


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("onnx")
    encoder, decoder = onnx_models.sam_pair(folder)
    return encoder, decoder, onnx_models.yolo(folder, segment=False)


@pytest.fixture
def models_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(files.ENV_DIR, str(tmp_path / "models"))


def test_sam_tool_click_gives_the_object_and_enter_keeps_it(qtbot, disc, built, models_dir):  # noqa: F811
    window, sample_id, truth = disc
    encoder, decoder, _det = built
    registry.add_sam(window.context.store, "tiny", encoder, decoder, "lara")
    canvas = canvas_of(window)
    canvas.set_tool("sam")
    tool = canvas.tool
    click(window.view, (120, 80))
    qtbot.waitUntil(lambda: tool.selection is not None, timeout=15000)
    assert iou(tool.selection, truth) > 0.8
    assert tool.last_decode_ms > 0  # the decode is timed; a benchmark, not this test, judges the figure
    click(window.view, (150, 80), ALT)  # not this part
    assert tool.selection[78:82, 146:154].sum() < truth[78:82, 146:154].sum()
    key(window, Qt.Key.Key_Backspace)  # drop the negative click again
    assert iou(tool.selection, truth) > 0.8
    key(window, Qt.Key.Key_Return)
    mask = saved_mask(window, sample_id)
    assert mask is not None and iou(mask, truth) > 0.8
    assert canvas.undo.group.activeStack().count() == 1


def test_sam_tool_without_a_model_says_where_to_add_one(qtbot, disc, models_dir):  # noqa: F811
    window, _sample_id, _truth = disc
    messages = []
    window.context.statusMessage.connect(lambda text, _ms: messages.append(text))
    canvas_of(window).set_tool("sam")
    click(window.view, (120, 80))
    assert any("Model ▸ Models" in m for m in messages)


def test_yolo_prelabels_show_and_enter_keeps_them_as_one_step(qtbot, disc, built, models_dir):  # noqa: F811
    window, sample_id, _truth = disc
    store = window.context.store
    store.labels.create("disc", "#ff0000")
    window.context.labelsChanged.emit()
    model = registry.add_yolo(store, "det", built[2], "lara")
    feature = window.canvas_feature
    feature.prelabel_with(model)
    tool = canvas_of(window).tool
    qtbot.waitUntil(lambda: bool(tool.prelabels), timeout=15000)
    assert all(label_id == store.labels.by_name("disc").id for _k, label_id, _g in tool.prelabels)
    shown = len(tool.prelabels)
    assert store.annotations.for_sample(sample_id) == []  # nothing saved before Enter
    key(window, Qt.Key.Key_Return)
    boxes = [a for a in store.annotations.for_sample(sample_id) if a.kind == "box"]
    assert len(boxes) == shown and not tool.prelabels
    assert canvas_of(window).undo.group.activeStack().count() == 1
    assert np.isfinite([b.geometry["x"] for b in boxes]).all()


def test_models_dialog_lists_and_chooses(qtbot, window, built, models_dir):
    from s2ide.ui.training.external_models import QtExternalModelsDialog

    encoder, decoder, det = built
    dialog = QtExternalModelsDialog(window.context, window, window)
    qtbot.addWidget(dialog)
    dialog.add_sam_files("tiny", encoder, decoder)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=15000)
    dialog.add_yolo_file("wrong kind", encoder)  # an encoder is not a YOLO model: refused
    qtbot.waitUntil(lambda: "Not added" in dialog.status.text(), timeout=15000)
    assert "expected yolo-detect or yolo-segment" in dialog.status.text() and dialog.table.rowCount() == 1
    dialog.table.selectRow(0)
    dialog.use_for_sam()
    assert window.context.settings.get("sam_model") == "tiny"
    assert "used by Segment anything" in dialog.table.item(0, 1).text()
    dialog.add_yolo_file("det", det)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2, timeout=15000)
    dialog.close()


def test_sam_tool_drag_is_a_box_prompt(qtbot, disc, built, models_dir):  # noqa: F811
    from tests.ui.canvas.conftest import drag_path

    window, _sample_id, _truth = disc
    encoder, decoder, _det = built
    registry.add_sam(window.context.store, "tiny", encoder, decoder, "lara")
    canvas = canvas_of(window)
    canvas.set_tool("sam")
    tool = canvas.tool
    drag_path(window.view, [(70, 30), (120, 80), (170, 130)])
    assert tool.box == pytest.approx((70, 30, 170, 130), abs=1) and tool.points == []
    qtbot.waitUntil(lambda: tool.embedding is not None, timeout=15000)
    key(window, Qt.Key.Key_Escape)
    assert tool.box is None and tool.selection is None
