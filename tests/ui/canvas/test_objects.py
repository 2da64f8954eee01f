"""Class captions, the Objects panel (select, hide, lock, delete, zoom), and a polygon in
progress that is never dropped silently when the labeler moves to another sample."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.ui.canvas.conftest import click, drag_path


def _boxes(window, ids):
    canvas = window.canvas_feature.canvas
    canvas.set_tool("box")
    drag_path(window.view, [(10, 10), (50, 40)])
    drag_path(window.view, [(100, 20), (180, 90)])
    canvas.set_tool("select")
    return canvas


def test_captions_name_the_class_and_toggle_with_shift_c(qtbot, opened):
    window, ids = opened
    canvas = _boxes(window, ids)
    objects = window.objects
    qtbot.waitUntil(lambda: all(objects.caption_of(item) is not None for item in canvas.items.values()))
    first = window.context.labels()[0].name
    assert {objects.caption_of(item).text for item in canvas.items.values()} == {first}
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_C, Qt.KeyboardModifier.ShiftModifier)
    assert all(objects.caption_of(item) is None for item in canvas.items.values())
    assert window.context.settings.get("canvas_captions") is False
    qtbot.keyClick(window.view, Qt.Key.Key_C, Qt.KeyboardModifier.ShiftModifier)
    assert all(objects.caption_of(item) is not None for item in canvas.items.values())


def test_objects_panel_selects_hides_locks_deletes_and_zooms(qtbot, opened):
    window, ids = opened
    canvas = _boxes(window, ids)
    panel = window.objects.panel
    qtbot.waitUntil(lambda: len(panel.rows()) == 2)
    first, second = panel.rows()
    assert first.text(1) == "box" and first.text(2) == "human" and first.text(3) == "lara"
    first.setSelected(True)
    second.setSelected(True)
    assert canvas.selection == {panel._id(first), panel._id(second)}  # multi-select reaches the canvas
    canvas.set_selection({panel._id(second)})
    assert not first.isSelected() and second.isSelected()  # and back
    window.objects.zoom_to_selection()
    view = window.view
    shown = view.mapToScene(view.viewport().rect()).boundingRect()
    target = canvas.items[panel._id(second)].build_path().boundingRect()
    assert shown.contains(target) and not shown.contains(canvas.items[panel._id(first)].build_path().boundingRect())
    first.setCheckState(4, Qt.CheckState.Checked)  # hide
    assert not canvas.items[panel._id(first)].isVisible()
    assert canvas.item_at(canvas.items[panel._id(first)].build_path().boundingRect().center()) is None
    second_id = panel._id(second)
    second.setCheckState(5, Qt.CheckState.Checked)  # lock
    assert canvas.selection == set()
    assert canvas.item_at(canvas.items[second_id].build_path().boundingRect().center()) is None
    second.setCheckState(5, Qt.CheckState.Unchecked)
    canvas.set_selection({second_id})
    panel.delete_button.click()
    qtbot.waitUntil(lambda: len(panel.rows()) == 1)
    assert second_id not in {a.id for a in window.context.store.annotations.for_sample(ids[0])}


def test_leaving_a_sample_saves_a_valid_polygon_in_progress(qtbot, opened):
    window, ids = opened
    canvas = window.canvas_feature.canvas
    canvas.set_tool("polygon")
    for point in ((10, 10), (90, 10), (90, 80)):
        click(window.view, point)
    window.context.open_sample(ids[1])  # e.g. a thumbnail clicked mid-polygon
    polygons = [a for a in window.context.store.annotations.for_sample(ids[0]) if a.kind == "polygon"]
    assert len(polygons) == 1
    assert "Saved the polygon in progress" in window.statusBar().currentMessage()
    window.canvas_feature.undo()  # one Ctrl+Z takes it back, on its own sample
    assert window.context.current_sample_id == ids[0]
    assert not [a for a in window.context.store.annotations.for_sample(ids[0]) if a.kind == "polygon"]


def test_leaving_a_too_short_polygon_says_so(qtbot, opened):
    window, ids = opened
    canvas = window.canvas_feature.canvas
    canvas.set_tool("polygon")
    for point in ((10, 10), (90, 10)):
        click(window.view, point)
    window.context.open_sample(ids[1])
    assert "Dropped an unfinished polygon of 2 point(s)" in window.statusBar().currentMessage()
