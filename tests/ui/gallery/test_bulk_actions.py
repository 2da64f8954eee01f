"""Multi-selection in the gallery: tag, escalate or mark done many samples at once (tags undoable)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt

from s2ide.ui.gallery.bulk_actions import escalate_many, mark_done_many, selected_ids, tag_many
from s2ide.ui.gallery.gallery_model import Role
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


def test_ctrl_click_adds_to_the_selection_though_each_click_opens_the_sample(qtbot, window):
    """Opening the clicked sample re-selected it alone, so Ctrl+click could never pick several."""
    gallery = window.foundation.gallery
    view = gallery.view
    ctrl = Qt.KeyboardModifier.ControlModifier
    points = [view.visualRect(gallery.model.index(row)).center() for row in (0, 2, 4)]
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=points[0])
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, ctrl, points[1])
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, ctrl, points[2])
    ids = [gallery.model.sample_id(row) for row in (0, 2, 4)]
    assert selected_ids(gallery) == ids and window.context.current_sample_id == ids[-1]
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, ctrl, points[1])  # Ctrl+click again: out
    assert selected_ids(gallery) == [ids[0], ids[2]]
    window.context.open_sample(gallery.model.sample_id(1))  # opened elsewhere (Next): it alone
    assert selected_ids(gallery) == [gallery.model.sample_id(1)]


@pytest.fixture
def detect_window(qtbot, tmp_path):
    from PIL import Image

    from s2ide.core.project import Project
    from s2ide.core.review.users import add_user
    from tests.ui.canvas.conftest import add_samples
    from tests.ui.conftest import open_window

    project = Project.create(tmp_path / "det", ["car", "tree"], task="detect")
    add_user(project.store, "lara", "labeler")
    add_user(project.store, "vic", "engineer")
    folder = tmp_path / "shots"
    folder.mkdir()
    paths = []
    for index in range(3):
        paths.append(folder / f"img{index}.png")
        Image.new("RGB", (60, 40), (40 * index, 90, 150)).save(paths[-1])
    add_samples(project, paths)
    yield from open_window(qtbot, project)
    project.close()


def test_mark_many_done_and_no_objects_names_what_was_refused(qtbot, detect_window):
    window = detect_window
    ctx = window.context
    store = ctx.store
    gallery = window.foundation.gallery
    car = store.labels.by_name("car").id
    with store.transaction():
        store.annotations.add(gallery.model.sample_id(0), "box", car, "lara", geometry={"x": 1, "y": 1, "w": 9, "h": 9})
    ctx.notify_annotations(gallery.model.sample_id(0))
    _select_rows(gallery, [0, 1])
    ids = selected_ids(gallery)
    texts = [action.text() for action in window.foundation.bulk.menu().actions()]
    assert "Mark 2 selected done" in texts and "Mark 2 selected 'no objects'" in texts
    report = mark_done_many(ctx, ids, empty=True)
    assert report.startswith("Marked 'no objects' on 1 sample(s); 1 not:") and "has 1 shape(s)" in report
    assert store.samples.get(ids[1]).status == "labeled" and store.samples.get(ids[0]).status == "unlabeled"
    assert mark_done_many(ctx, ids) == "Marked done 2 sample(s)"
    assert all(store.samples.get(i).status == "labeled" for i in ids)
    done_rows = [e for e in store.audit.list(user="lara") if e.action == "done"]
    assert len(done_rows) == 3
    assert gallery.model.index(0).data(Role.STATUS) == "labeled"


def test_mark_done_is_offered_only_in_shape_projects(qtbot, window):
    _select_rows(window.foundation.gallery, [0, 1])
    texts = [action.text() for action in window.foundation.bulk.menu().actions()]
    assert not any(text.startswith("Mark ") for text in texts)
    assert "Find similar to these 2" in texts  # one context menu holds the gallery's own action too
    assert mark_done_many(window.context, selected_ids(window.foundation.gallery)) == ""
