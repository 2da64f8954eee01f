"""Undo of tags: Ctrl+Z right after a tag reverts it and returns to that sample; each sample keeps
its own history while the labeler moves on and back."""

from __future__ import annotations

from PySide6.QtCore import Qt

from s2ide.core.labeling.tags import set_tag
from tests.ui.conftest import QT_LOG_MARKS

pytestmark = QT_LOG_MARKS


def _fresh(ctx, count: int) -> list[int]:
    ids = ctx.store.samples.ids()[:count]
    for sample_id in ids:
        set_tag(ctx.store, sample_id, None, "lara")
    ctx.samplesChanged.emit()
    return ids


def test_ctrl_z_after_a_tag_goes_back_and_reverts_it(qtbot, window):
    ctx = window.context
    store = ctx.store
    ids = _fresh(ctx, 3)
    ctx.open_sample(ids[0])
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_2)  # "dog", by mistake
    assert store.annotations.tag_of(ids[0]).label_id == store.labels.by_name("dog").id
    assert ctx.current_sample_id == ids[1]
    undo = window.canvas_feature.undo_action
    assert undo.isEnabled() and "dog" in undo.text() and str(ids[0]) in undo.text()
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert ctx.current_sample_id == ids[0]
    assert store.annotations.tag_of(ids[0]) is None
    assert store.samples.get(ids[0]).status == "unlabeled"
    assert window.foundation.labels.current_label() is None
    assert [e.action for e in store.audit.list(entity="sample", entity_id=ids[0])][:2] == ["tag", "tag"]
    assert not undo.isEnabled()
    qtbot.keyClick(window.view, Qt.Key.Key_1)  # the right one now
    assert store.annotations.tag_of(ids[0]).label_id == store.labels.by_name("cat").id


def test_undo_restores_an_earlier_tag_and_redo_puts_it_back(qtbot, window):
    ctx = window.context
    store = ctx.store
    ids = _fresh(ctx, 2)
    cat, dog = store.labels.by_name("cat").id, store.labels.by_name("dog").id
    set_tag(store, ids[0], cat, "lara", source="import")
    ctx.open_sample(ids[0])
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_2)
    assert store.annotations.tag_of(ids[0]).label_id == dog
    window.canvas_feature.undo()
    tag = store.annotations.tag_of(ids[0])
    assert (tag.label_id, tag.source) == (cat, "import")
    window.canvas_feature.canvas.undo.group.redo()
    assert store.annotations.tag_of(ids[0]).label_id == dog


def test_history_is_per_sample_and_survives_moving_on_and_back(qtbot, window):
    ctx = window.context
    store = ctx.store
    ids = _fresh(ctx, 3)
    dog = store.labels.by_name("dog").id
    ctx.open_sample(ids[0])
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_1)  # ids[0] = cat, moves to ids[1]
    qtbot.keyClick(window.view, Qt.Key.Key_2)  # ids[1] = dog, moves to ids[2]
    ctx.open_sample(ids[0])  # back to the first: its own history is still there
    feature = window.canvas_feature
    assert "cat" in feature.undo_action.text()
    feature.undo()
    assert ctx.current_sample_id == ids[0] and store.annotations.tag_of(ids[0]) is None
    assert store.annotations.tag_of(ids[1]).label_id == dog  # untouched
    feature.undo()  # nothing left here: reaches the sample edited last
    assert ctx.current_sample_id == ids[1] and store.annotations.tag_of(ids[1]) is None


def test_accepting_a_suggestion_is_one_undo_step(qtbot, context):
    from s2ide.core.labeling.history import Session
    from s2ide.core.labeling.tag_edit import SetTag

    ids = _fresh(context, 1)
    store = context.store
    edit = SetTag(ids[0], store.labels.by_name("dog").id, source="model-accepted", label_name="dog")
    session = Session(store, "lara")
    edit.apply(session)
    assert store.annotations.tag_of(ids[0]).source == "model-accepted"
    assert edit.text == "accept 'dog'"
    edit.revert(session)
    assert store.annotations.tag_of(ids[0]) is None and store.samples.get(ids[0]).status == "unlabeled"
