"""Keypoints on the canvas: labelled points joined by the label's skeleton, in its colour;
dragging a point edits that point (visibility kept) in one undo step."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF

from s2ide.core.store.skeletons import Skeleton
from s2ide.ui.canvas.items import ITEM_CLASSES, KeypointsItem
from tests.ui.canvas.conftest import click, drag_path

POINTS = [[50.0, 40.0, 2], [80.0, 40.0, 1], [0.0, 0.0, 0], [65.0, 70.0, 2]]


def _show(qtbot, window, ids):
    store = window.context.store
    cat = window.context.labels()[0]
    with store.transaction():
        store.skeletons.set(cat.id, Skeleton(["a", "b", "c", "d"], [(0, 1), (1, 2), (0, 3)]))
        kp = store.annotations.add(ids[0], "keypoints", cat.id, "lara", geometry={"points": POINTS})
    canvas = window.canvas_feature.canvas
    window.context.notify_annotations(ids[0])  # as an import elsewhere does
    qtbot.waitUntil(lambda: kp in canvas.items)
    return canvas, kp, cat


def test_item_draws_labelled_points_and_skeleton_edges(qtbot, opened):
    window, ids = opened
    canvas, kp, cat = _show(qtbot, window, ids)
    item = canvas.items[kp]
    assert isinstance(item, KeypointsItem) and ITEM_CLASSES["keypoints"] is KeypointsItem
    assert item.edges == ((0, 1), (1, 2), (0, 3)) and item.point_name(2) == "d"
    assert item.color == canvas.color_for(cat.id)
    assert [(h.x(), h.y()) for h in item.handles()] == [(50, 40), (80, 40), (65, 70)]  # the unlabelled one is not
    assert item.hit(QPointF(57.5, 55))  # on the edge a-d
    assert not item.hit(QPointF(40, 20))  # the edge to the unlabelled point is not drawn
    window.grab()  # paints without error


def test_drag_a_point_edits_it_with_undo(qtbot, opened):
    window, ids = opened
    canvas, kp, _cat = _show(qtbot, window, ids)
    canvas.set_tool("select")
    click(window.view, (80, 40))
    assert canvas.selection == {kp}
    drag_path(window.view, [(80, 40), (85, 45), (90, 50)])
    moved = window.context.store.annotations.get(kp).geometry["points"]
    assert moved[1][0] == pytest.approx(90, abs=1) and moved[1][1] == pytest.approx(50, abs=1)
    assert moved[1][2] == 1 and moved[0] == POINTS[0] and moved[2] == POINTS[2]
    canvas.undo.group.undo()
    assert window.context.store.annotations.get(kp).geometry["points"] == POINTS
    assert canvas.items[kp].geometry["points"] == POINTS


def test_double_click_toggles_hidden_and_alt_click_unlabels(qtbot, opened):
    from PySide6.QtCore import QEvent, Qt

    from tests.ui.canvas.conftest import send_mouse

    window, ids = opened
    canvas, kp, _cat = _show(qtbot, window, ids)
    canvas.set_tool("select")
    click(window.view, (50, 40))
    assert canvas.selection == {kp}
    left = Qt.MouseButton.LeftButton
    send_mouse(window.view, QEvent.Type.MouseButtonDblClick, (50, 40), left, left)
    send_mouse(window.view, QEvent.Type.MouseButtonRelease, (50, 40), left, Qt.MouseButton.NoButton)
    assert window.context.store.annotations.get(kp).geometry["points"][0] == [50.0, 40.0, 1]
    click(window.view, (65, 70), Qt.KeyboardModifier.AltModifier)
    assert window.context.store.annotations.get(kp).geometry["points"][3] == [0.0, 0.0, 0]
    canvas.undo.group.undo()
    canvas.undo.group.undo()
    assert window.context.store.annotations.get(kp).geometry["points"] == POINTS


def _keypoints_rows(window, sample_id):
    return [a for a in window.context.store.annotations.for_sample(sample_id) if a.kind == "keypoints"]


def test_keypoints_tool_places_the_skeletons_points_in_order(qtbot, opened):
    from PySide6.QtCore import QEvent, Qt

    from tests.ui.canvas.conftest import send_mouse

    window, ids = opened
    store = window.context.store
    cat = window.context.labels()[0]
    with store.transaction():
        store.skeletons.set(cat.id, Skeleton(["head", "hip", "foot", "hand"], [(0, 1), (1, 2)]))
    canvas = window.canvas_feature.canvas
    canvas.set_tool("keypoints")
    click(window.view, (20, 20))
    click(window.view, (30, 40), Qt.KeyboardModifier.ShiftModifier)  # hidden
    assert canvas.tool.busy and _keypoints_rows(window, ids[0]) == []
    right = Qt.MouseButton.RightButton
    send_mouse(window.view, QEvent.Type.MouseButtonPress, (5, 5), right, right)  # foot: skipped, not labelled
    send_mouse(window.view, QEvent.Type.MouseButtonRelease, (5, 5), right, Qt.MouseButton.NoButton)
    click(window.view, (50, 60))  # the last point saves the shape
    (row,) = _keypoints_rows(window, ids[0])
    assert row.geometry["points"] == [[20.0, 20.0, 2], [30.0, 40.0, 1], [0.0, 0.0, 0], [50.0, 60.0, 2]]
    assert not canvas.tool.busy and row.id in canvas.items
    canvas.undo.group.undo()
    assert _keypoints_rows(window, ids[0]) == []


def test_keypoints_tool_without_a_skeleton_makes_one_and_escape_drops(qtbot, opened):
    from PySide6.QtCore import Qt

    window, ids = opened
    store = window.context.store
    dog = window.context.labels()[1]
    canvas = window.canvas_feature.canvas
    canvas.set_label(dog.id)
    canvas.set_tool("keypoints")
    click(window.view, (20, 20))
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Escape)
    assert not canvas.tool.busy and _keypoints_rows(window, ids[0]) == []
    click(window.view, (20, 20))
    click(window.view, (40, 30))
    qtbot.keyClick(window.view, Qt.Key.Key_Return)
    (row,) = _keypoints_rows(window, ids[0])
    assert row.geometry["points"] == [[20.0, 20.0, 2], [40.0, 30.0, 2]]
    assert store.skeletons.get(dog.id) == Skeleton(["1", "2"])
