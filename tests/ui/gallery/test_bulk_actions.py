"""Multi-selection in the gallery: tag or escalate many samples at once, each undoable."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt

from s2ide.ui.gallery.bulk_actions import escalate_many, selected_ids, tag_many
from tests.ui.conftest import QT_LOG_MARKS

pytestmark = QT_LOG_MARKS


def _select_rows(gallery, rows):
    selection = gallery.view.selectionModel()
    selection.clearSelection()
    for row in rows:
        selection.select(gallery.model.index(row), QItemSelectionModel.SelectionFlag.Select)


def test_select_several_and_tag_them_all_then_undo_one_by_one(qtbot, window):
    ctx = window.context
    store = ctx.store
    gallery = window.foundation.gallery
    _select_rows(gallery, [0, 1, 2])  # the three cats
    ids = selected_ids(gallery)
    assert len(ids) == 3
    menu = window.foundation.bulk.menu()
    assert menu is not None and "Tag 3 selected" in menu.actions()[0].text()
    dog = store.labels.by_name("dog").id
    report = tag_many(ctx, ids, dog)
    assert report.startswith("Tagged 'dog' on 3 sample(s)")
    assert all(store.annotations.tag_of(i).label_id == dog for i in ids)
    window.canvas_feature.undo()  # the newest one goes back first
    assert store.annotations.tag_of(ids[-1]).label_id != dog
    assert store.annotations.tag_of(ids[0]).label_id == dog


def test_escalate_many_names_what_failed(qtbot, window):
    ctx = window.context
    store = ctx.store
    gallery = window.foundation.gallery
    _select_rows(gallery, [0, 1])
    ids = selected_ids(gallery)
    report = escalate_many(ctx, ids, "ambiguous class")
    assert report == "Escalated 2 sample(s)"
    assert all(store.samples.get(i).status == "escalated" for i in ids)
    again = escalate_many(ctx, ids[:1], "ambiguous class")
    assert "1 not" in again and "already escalated" in again


def test_shift_click_extends_the_selection(qtbot, window):
    gallery = window.foundation.gallery
    view = gallery.view
    first = view.visualRect(gallery.model.index(0)).center()
    third = view.visualRect(gallery.model.index(2)).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=first)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, third)
    assert len(selected_ids(gallery)) == 3
