"""Each tool through real mouse and key events: saved at once, one undo step, undo updates the store."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt

from s2ide.core.geometry import decode_mask
from tests.ui.canvas.conftest import click, drag_path, hover, send_mouse


def rows(window, sample_id, kind):
    return [a for a in window.context.store.annotations.for_sample(sample_id) if a.kind == kind]


def canvas_of(window):
    return window.canvas_feature.canvas


def undo(window):
    canvas_of(window).undo.group.undo()


def redo(window):
    canvas_of(window).undo.group.redo()


def test_box_drag_saves_a_box_and_undo_redo_update_the_store(qtbot, opened):
    window, ids = opened
    canvas = canvas_of(window)
    canvas.set_tool("box")
    notified = []
    window.context.annotationsChanged.connect(notified.append)
    drag_path(window.view, [(20, 10), (60, 40), (80, 50)])
    (box,) = rows(window, ids[0], "box")
    assert box.geometry["x"] == pytest.approx(20, abs=1) and box.geometry["w"] == pytest.approx(60, abs=1)
    assert box.geometry["h"] == pytest.approx(40, abs=1) and box.author == "lara"
    assert box.label_id == window.context.labels()[0].id
    assert notified == [ids[0]]
    assert canvas.undo.group.activeStack().count() == 1
    undo(window)
    assert rows(window, ids[0], "box") == [] and box.id not in canvas.items
    redo(window)
    assert rows(window, ids[0], "box")[0].id == box.id and box.id in canvas.items
    assert window.context.store.audit.list(entity="annotation")[0].action == "add"


def test_tiny_box_is_not_saved(opened):
    window, ids = opened
    canvas_of(window).set_tool("box")
    drag_path(window.view, [(20, 10), (20.5, 10.5)])
    assert rows(window, ids[0], "box") == []


def test_rotated_box_with_shift(opened):
    window, ids = opened
    canvas_of(window).set_tool("box")
    shift = Qt.KeyboardModifier.ShiftModifier
    drag_path(window.view, [(50, 50), (70, 70), (90, 90)], modifiers=shift)  # the top edge, 45 degrees
    hover(window.view, (60, 100))
    click(window.view, (60, 100))
    (box,) = rows(window, ids[0], "box")
    assert box.geometry["angle"] == pytest.approx(45, abs=2)
    assert box.geometry["w"] == pytest.approx(56.6, abs=2)


def _enter_overridden(window) -> bool:
    """Whether the canvas claims Enter before window shortcuts (Accept suggestion) see it."""
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    event = QKeyEvent(QEvent.Type.ShortcutOverride, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier)
    event.ignore()
    QApplication.sendEvent(window.view, event)
    return event.isAccepted()


def test_polygon_by_clicks_closes_with_enter_not_the_window_shortcut(qtbot, opened):
    window, ids = opened
    canvas_of(window).set_tool("polygon")
    assert not _enter_overridden(window)  # nothing drawn yet: Enter stays the window's
    for point in ((10, 10), (90, 10), (90, 80)):
        click(window.view, point)
    assert rows(window, ids[0], "polygon") == []
    assert _enter_overridden(window)  # drawing: Enter belongs to the polygon
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Return)
    (polygon,) = rows(window, ids[0], "polygon")
    expected = ((10, 10), (90, 10), (90, 80))
    assert polygon.geometry["points"] == [[pytest.approx(x, abs=1), pytest.approx(y, abs=1)] for x, y in expected]
    assert not _enter_overridden(window)


def test_polygon_closes_on_the_first_vertex_and_backspace_drops_one(qtbot, opened):
    window, ids = opened
    canvas_of(window).set_tool("polygon")
    for point in ((10, 10), (50, 10), (99, 99), (50, 60)):
        click(window.view, point)
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Backspace)  # drops (50, 60)
    click(window.view, (10.5, 10.5))  # the first vertex
    (polygon,) = rows(window, ids[0], "polygon")
    assert len(polygon.geometry["points"]) == 3


def test_polygon_freehand(opened):
    window, ids = opened
    canvas_of(window).set_tool("polygon")
    drag_path(window.view, [(20, 20), (60, 20), (60, 60), (20, 60), (22, 25)])
    (polygon,) = rows(window, ids[0], "polygon")
    assert len(polygon.geometry["points"]) == 5


def test_escape_cancels_a_polygon(qtbot, opened):
    window, ids = opened
    canvas_of(window).set_tool("polygon")
    click(window.view, (10, 10))
    click(window.view, (40, 10))
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Escape)
    assert not canvas_of(window).tool.busy
    assert rows(window, ids[0], "polygon") == []


def test_line_by_clicks_ends_with_enter_and_stays_open(qtbot, opened):
    window, ids = opened
    canvas_of(window).set_tool("line")
    for point in ((10, 10), (90, 10), (90, 80), (10.5, 10.5)):  # the first vertex again: no closing
        click(window.view, point)
    assert rows(window, ids[0], "line") == []
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Return)
    (line,) = rows(window, ids[0], "line")
    assert len(line.geometry["points"]) == 4 and rows(window, ids[0], "polygon") == []
    assert canvas_of(window).items[line.id].kind == "line"
    undo(window)
    assert rows(window, ids[0], "line") == []


def test_line_freehand_and_a_single_point_is_refused(qtbot, opened):
    window, ids = opened
    canvas = canvas_of(window)
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_L)
    assert canvas.tool.kind == "line"
    drag_path(window.view, [(20, 20), (60, 30), (100, 60)])
    (line,) = rows(window, ids[0], "line")
    assert len(line.geometry["points"]) == 3
    click(window.view, (150, 50))
    qtbot.keyClick(window.view, Qt.Key.Key_Return)
    assert len(rows(window, ids[0], "line")) == 1


def test_point(opened):
    window, ids = opened
    canvas_of(window).set_tool("point")
    click(window.view, (33, 44))
    (point,) = rows(window, ids[0], "point")
    assert (point.geometry["x"], point.geometry["y"]) == (pytest.approx(33, abs=1), pytest.approx(44, abs=1))


def _mask(window, sample_id):
    found = rows(window, sample_id, "mask")
    return decode_mask(found[0].data, 200, 100) if found else None


def test_brush_stroke_is_one_gesture_saved_as_a_png_mask(opened):
    window, ids = opened
    canvas = canvas_of(window)
    canvas.set_tool("brush")
    canvas.set_brush_size(6)
    drag_path(window.view, [(10, 50), (100, 50), (190, 50)])  # fast: few events, no gaps
    mask = _mask(window, ids[0])
    assert mask[50, 10:190].all() and not mask[10, 100]
    assert canvas.undo.group.activeStack().count() == 1
    assert canvas.mask_items[window.context.labels()[0].id].tile_count >= 1
    undo(window)
    assert _mask(window, ids[0]) is None
    redo(window)
    assert _mask(window, ids[0])[50, 100]


def test_eraser_and_brush_size_keys(qtbot, opened):
    window, ids = opened
    canvas = canvas_of(window)
    canvas.set_tool("brush")
    canvas.set_brush_size(20)
    drag_path(window.view, [(20, 50), (180, 50)])
    canvas.set_tool("eraser")
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_BracketLeft)
    assert canvas.brush_size < 20
    drag_path(window.view, [(100, 30), (100, 70)])
    mask = _mask(window, ids[0])
    assert mask[50, 30] and not mask[50, 100]
    undo(window)
    assert _mask(window, ids[0])[50, 100]


def test_brush_size_preview_follows_the_cursor(opened):
    window, _ids = opened
    canvas = canvas_of(window)
    canvas.set_tool("brush")
    canvas.set_brush_size(10)
    hover(window.view, (70, 30))
    outline = canvas.tool.outline
    assert outline.isVisible()
    assert outline.rect().center().x() == pytest.approx(70, abs=1) and outline.rect().width() == pytest.approx(10)


def test_fill_inside_a_painted_ring(opened):
    window, ids = opened
    canvas = canvas_of(window)
    canvas.set_tool("brush")
    canvas.set_brush_size(4)
    drag_path(window.view, [(30, 20), (80, 20), (80, 80), (30, 80), (30, 20)])
    canvas.set_tool("fill")
    click(window.view, (55, 50))
    mask = _mask(window, ids[0])
    assert mask[50, 55] and not mask[5, 5]
    assert canvas.undo.group.activeStack().count() == 2
    undo(window)
    assert not _mask(window, ids[0])[50, 55]


def _two_boxes(window):
    canvas = canvas_of(window)
    canvas.set_tool("box")
    drag_path(window.view, [(10, 10), (40, 40)])
    drag_path(window.view, [(100, 10), (140, 40)])
    canvas.set_tool("select")
    return canvas


def test_select_move_and_undo(opened):
    window, _ids = opened
    canvas = _two_boxes(window)
    click(window.view, (20, 20))
    (first,) = canvas.selection
    drag_path(window.view, [(20, 20), (30, 25), (40, 30)])
    moved = window.context.store.annotations.get(first).geometry
    assert moved["x"] == pytest.approx(30, abs=1) and moved["y"] == pytest.approx(20, abs=1)
    undo(window)
    assert window.context.store.annotations.get(first).geometry["x"] == pytest.approx(10, abs=1)
    assert canvas.items[first].geometry["x"] == pytest.approx(10, abs=1)


def test_drag_a_corner_reshapes(opened):
    window, _ids = opened
    canvas = _two_boxes(window)
    click(window.view, (20, 20))
    (first,) = canvas.selection
    drag_path(window.view, [(40, 40), (50, 60)])
    geometry = window.context.store.annotations.get(first).geometry
    assert geometry["x"] == pytest.approx(10, abs=1) and geometry["w"] == pytest.approx(40, abs=1)
    assert geometry["h"] == pytest.approx(50, abs=1)


def test_band_select_relabel_many_and_delete(qtbot, opened):
    window, ids = opened
    canvas = _two_boxes(window)
    drag_path(window.view, [(5, 5), (150, 60)])
    assert len(canvas.selection) == 2
    dog = window.context.labels()[1].id
    canvas.set_label(dog)
    assert {a.label_id for a in rows(window, ids[0], "box")} == {dog}
    undo(window)  # one step for both
    assert {a.label_id for a in rows(window, ids[0], "box")} == {window.context.labels()[0].id}
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Delete)
    assert rows(window, ids[0], "box") == []
    undo(window)
    assert len(rows(window, ids[0], "box")) == 2


def test_shift_click_adds_to_the_selection(opened):
    window, _ids = opened
    canvas = _two_boxes(window)
    click(window.view, (20, 20))
    click(window.view, (120, 20), Qt.KeyboardModifier.ShiftModifier)
    assert len(canvas.selection) == 2
    click(window.view, (180, 90))
    assert canvas.selection == set()


def test_ctrl_digit_chooses_the_drawing_label(qtbot, opened):
    window, _ids = opened
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert canvas_of(window).label_id == window.context.labels()[1].id
    assert window.canvas_feature.label_combo.currentText() == "dog"


def test_tool_hotkeys(qtbot, opened):
    window, _ids = opened
    window.view.setFocus()
    for key, kind in (
        (Qt.Key.Key_B, "box"),
        (Qt.Key.Key_P, "polygon"),
        (Qt.Key.Key_R, "brush"),
        (Qt.Key.Key_V, "select"),
    ):
        qtbot.keyClick(window.view, key)
        assert canvas_of(window).tool.kind == kind
        assert window.canvas_feature.tool_actions[kind].isChecked()


def test_middle_drag_pans_even_with_a_drawing_tool(opened):
    window, ids = opened
    canvas_of(window).set_tool("box")
    window.view.set_scale(4.0)
    h = window.view.horizontalScrollBar().value()
    drag_path(window.view, [(100, 50), (90, 50)], button=Qt.MouseButton.MiddleButton)
    assert window.view.horizontalScrollBar().value() != h
    assert rows(window, ids[0], "box") == []


def test_gesture_in_progress_sends_nothing_and_mouse_move_without_button_is_harmless(opened):
    window, ids = opened
    canvas_of(window).set_tool("brush")
    left = Qt.MouseButton.LeftButton
    send_mouse(window.view, QEvent.Type.MouseButtonPress, (50, 50), left, left)
    send_mouse(window.view, QEvent.Type.MouseMove, (60, 50), Qt.MouseButton.NoButton, left)
    assert rows(window, ids[0], "mask") == []  # saved when the gesture ends, not during it
    send_mouse(window.view, QEvent.Type.MouseButtonRelease, (60, 50), left, Qt.MouseButton.NoButton)
    assert len(rows(window, ids[0], "mask")) == 1


def test_context_menu_relabels_and_deletes_the_shape_under_the_cursor(opened):
    window, ids = opened
    canvas = _two_boxes(window)
    from PySide6.QtCore import QPointF

    menu = canvas.context_menu(QPointF(20, 20))
    assert menu is not None and len(canvas.selection) == 1
    relabel = menu.actions()[0].menu()
    dog_action = next(a for a in relabel.actions() if a.text() == "dog")
    dog_action.trigger()
    dog = window.context.labels()[1].id
    assert sorted(a.label_id for a in rows(window, ids[0], "box")) == sorted([dog, window.context.labels()[0].id])
    next(a for a in menu.actions() if a.text() == "Delete").trigger()
    assert len(rows(window, ids[0], "box")) == 1
    empty = canvas.context_menu(QPointF(190, 95))  # no shape there: only other features' entries
    assert empty is not None and "Find &similar" in [a.text() for a in empty.actions()]
    assert not [a for a in empty.actions() if a.text() == "Delete" or a.text().startswith("Change label")]


def test_each_gesture_is_committed_for_other_connections_at_once(opened):
    window, ids = opened
    canvas_of(window).set_tool("point")
    click(window.view, (10, 10))
    other = window.context.project.connect()  # another process or window would see this
    try:
        assert [a.kind for a in other.annotations.for_sample(ids[0])] == ["point"]
    finally:
        other.close()


def test_escape_during_a_move_puts_shapes_back_unsaved(qtbot, opened):
    window, _ids = opened
    canvas = _two_boxes(window)
    click(window.view, (20, 20))
    (first,) = canvas.selection
    left = Qt.MouseButton.LeftButton
    send_mouse(window.view, QEvent.Type.MouseButtonPress, (20, 20), left, left)
    send_mouse(window.view, QEvent.Type.MouseMove, (60, 60), Qt.MouseButton.NoButton, left)
    assert canvas.items[first].geometry["x"] == pytest.approx(50, abs=1)
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Escape)
    send_mouse(window.view, QEvent.Type.MouseButtonRelease, (60, 60), left, Qt.MouseButton.NoButton)
    assert canvas.items[first].geometry["x"] == pytest.approx(10, abs=1)
    assert window.context.store.annotations.get(first).geometry["x"] == pytest.approx(10, abs=1)


def test_add_a_vertex_by_double_click_and_remove_one_with_alt_click(opened):
    window, _ids = opened
    canvas = canvas_of(window)
    canvas.set_tool("polygon")
    for point in ((10, 10), (90, 10), (90, 80)):
        click(window.view, point)
    click(window.view, (10.5, 10.5))
    (polygon_id,) = canvas.items
    canvas.set_tool("select")
    click(window.view, (60, 30))
    assert canvas.selection == {polygon_id}
    left = Qt.MouseButton.LeftButton
    send_mouse(window.view, QEvent.Type.MouseButtonDblClick, (50, 10), left, left)
    send_mouse(window.view, QEvent.Type.MouseButtonRelease, (50, 10), left, Qt.MouseButton.NoButton)
    points = window.context.store.annotations.get(polygon_id).geometry["points"]
    assert len(points) == 4 and points[1] == [pytest.approx(50, abs=1), pytest.approx(10, abs=1)]
    click(window.view, (50, 10), Qt.KeyboardModifier.AltModifier)
    assert len(window.context.store.annotations.get(polygon_id).geometry["points"]) == 3
    click(window.view, (50, 10.2), Qt.KeyboardModifier.AltModifier)  # no vertex there now: nothing happens
    click(window.view, (90, 10), Qt.KeyboardModifier.AltModifier)  # a triangle keeps its 3 vertices
    assert len(window.context.store.annotations.get(polygon_id).geometry["points"]) == 3
    undo(window)
    assert len(window.context.store.annotations.get(polygon_id).geometry["points"]) == 4


def test_hover_cursor_tells_what_a_press_would_do(opened):
    window, _ids = opened
    canvas = _two_boxes(window)
    hover(window.view, (20, 20))
    assert window.view.viewport().cursor().shape() == Qt.CursorShape.SizeAllCursor
    click(window.view, (20, 20))
    hover(window.view, (40, 40))
    assert window.view.viewport().cursor().shape() == Qt.CursorShape.CrossCursor
    hover(window.view, (190, 90))
    assert window.view.viewport().cursor().shape() == Qt.CursorShape.ArrowCursor
    assert "cat" in canvas.items[next(iter(canvas.selection))].toolTip()


def test_shift_drag_a_box_corner_rotates_it(opened):
    window, _ids = opened
    canvas = _two_boxes(window)
    click(window.view, (20, 20))
    (first,) = canvas.selection
    # the box is 10..40, centre (25, 25); the bottom-right corner swept a quarter turn clockwise
    drag_path(window.view, [(40, 40), (25, 46), (10, 40)], modifiers=Qt.KeyboardModifier.ShiftModifier)
    geometry = window.context.store.annotations.get(first).geometry
    assert geometry["angle"] == pytest.approx(90, abs=1)
    assert (geometry["x"], geometry["w"]) == (pytest.approx(10, abs=1), pytest.approx(30, abs=1))
    undo(window)
    assert window.context.store.annotations.get(first).geometry["angle"] == 0


def test_shift_click_with_the_brush_paints_a_straight_line_from_the_last_stroke(opened):
    window, ids = opened
    canvas = canvas_of(window)
    canvas.set_tool("brush")
    canvas.set_brush_size(4)
    click(window.view, (20, 50))
    click(window.view, (180, 50), Qt.KeyboardModifier.ShiftModifier)
    mask = _mask(window, ids[0])
    assert mask[50, 20:180].all()
    assert canvas.undo.group.activeStack().count() == 2


def test_polygon_shows_when_a_click_would_close_it(opened):
    window, _ids = opened
    canvas_of(window).set_tool("polygon")
    for point in ((10, 10), (90, 10), (90, 80)):
        click(window.view, point)
    hover(window.view, (11, 11))
    assert window.view.viewport().cursor().shape() == Qt.CursorShape.PointingHandCursor
    hover(window.view, (50, 60))
    assert window.view.viewport().cursor().shape() == Qt.CursorShape.CrossCursor


def test_copy_and_paste_shapes_onto_the_next_sample(qtbot, opened):
    window, ids = opened
    canvas = _two_boxes(window)
    drag_path(window.view, [(5, 5), (150, 60)])
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert len(canvas.clipboard) == 2
    window.context.open_sample(ids[1])
    qtbot.waitUntil(lambda: canvas.sample_id == ids[1])
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    pasted = rows(window, ids[1], "box")
    assert sorted(a.geometry["x"] for a in pasted) == [pytest.approx(10, abs=1), pytest.approx(100, abs=1)]
    assert canvas.selection == {a.id for a in pasted}
    undo(window)
    assert rows(window, ids[1], "box") == []


def test_arrow_keys_nudge_the_selection(qtbot, opened):
    window, _ids = opened
    canvas = _two_boxes(window)
    click(window.view, (20, 20))
    (first,) = canvas.selection
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Right)
    qtbot.keyClick(window.view, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    geometry = window.context.store.annotations.get(first).geometry
    assert (geometry["x"], geometry["y"]) == (pytest.approx(11, abs=1), pytest.approx(20, abs=1))
    undo(window)
    assert window.context.store.annotations.get(first).geometry["y"] == pytest.approx(10, abs=1)


def test_context_menu_changes_the_label_of_the_mask_under_the_cursor(opened):
    from PySide6.QtCore import QPointF

    window, ids = opened
    canvas = canvas_of(window)
    cat, dog = (label.id for label in window.context.labels()[:2])
    canvas.set_tool("brush")
    canvas.set_brush_size(6)
    drag_path(window.view, [(10, 50), (100, 50)])
    empty = canvas.context_menu(QPointF(50, 90))  # no mask and no shape there: only Find similar
    assert empty is not None and not [a for a in empty.actions() if a.text().startswith("Change label")]

    menu = canvas.context_menu(QPointF(50, 50))
    assert menu is not None
    move = next(a for a in menu.actions() if a.text() == "Change label of the cat mask").menu()
    next(a for a in move.actions() if a.text() == "dog").trigger()
    masks = {a.label_id: decode_mask(a.data, 200, 100) for a in rows(window, ids[0], "mask")}
    assert set(masks) == {dog} and masks[dog][50, 10:100].all()
    assert canvas.mask_items[dog].tile_count >= 1 and not canvas.doc.mask(cat).array.any()
    undo(window)
    masks = {a.label_id: decode_mask(a.data, 200, 100) for a in rows(window, ids[0], "mask")}
    assert set(masks) == {cat} and masks[cat][50, 50]
