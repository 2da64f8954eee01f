"""Number keys and the label panel tag the open sample, save at once, and move to the next one."""

from __future__ import annotations

from PySide6.QtCore import Qt

from s2ide.core.labeling.tags import set_tag
from s2ide.ui.gallery.gallery_model import Role
from tests.ui.conftest import QT_LOG_MARKS

pytestmark = QT_LOG_MARKS


def _untag_all(store, ids):
    for sample_id in ids:
        set_tag(store, sample_id, None, "lara")


def test_hotkey_tags_and_advances_while_canvas_has_focus(qtbot, window):
    ctx = window.context
    store = ctx.store
    ids = store.samples.ids()
    _untag_all(store, ids[1:3])
    ctx.samplesChanged.emit()
    ctx.open_sample(ids[1])
    window.view.setFocus()
    dog = store.labels.by_name("dog")
    audit_before = len(store.audit.list(entity="sample", entity_id=ids[1]))
    with qtbot.waitSignal(ctx.annotationsChanged) as blocker:
        qtbot.keyClick(window.view, Qt.Key.Key_2)
    assert blocker.args == [ids[1]]
    assert store.annotations.tag_of(ids[1]).label_id == dog.id
    assert store.samples.get(ids[1]).status == "labeled"
    entries = store.audit.list(entity="sample", entity_id=ids[1])
    assert len(entries) == audit_before + 1 and entries[0].user == "lara"
    assert ctx.current_sample_id == ids[2]  # the next unlabeled one in gallery order
    gallery = window.foundation.gallery
    assert gallery.view.currentIndex().row() == 2
    qtbot.waitUntil(lambda: window.foundation.labels.count_of(dog.id) == 3)
    # Tag the last unlabeled one from the window itself: the next provider wraps and finds none.
    qtbot.keyClick(window, Qt.Key.Key_1)
    assert store.annotations.tag_of(ids[2]).label_id == store.labels.by_name("cat").id
    assert ctx.current_sample_id == ids[2]


def test_next_provider_wraps_to_first_unlabeled(qtbot, window):
    ctx = window.context
    ids = ctx.store.samples.ids()
    _untag_all(ctx.store, [ids[0]])
    ctx.samplesChanged.emit()
    ctx.open_sample(ids[4])
    assert ctx.next_sample() == ids[0]


def test_panel_click_tags(qtbot, window):
    ctx = window.context
    ids = ctx.store.samples.ids()
    ctx.open_sample(ids[0])
    panel = window.foundation.labels
    assert panel.current_label() == ctx.store.labels.by_name("cat").id
    dog_item = panel.tree.topLevelItem(1)
    rect = panel.tree.visualItemRect(dog_item)
    qtbot.mouseClick(panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert ctx.store.annotations.tag_of(ids[0]).label_id == ctx.store.labels.by_name("dog").id
    ctx.open_sample(ids[0])
    assert panel.current_label() == ctx.store.labels.by_name("dog").id


def test_no_sample_or_no_user_gives_a_message(qtbot, window):
    ctx = window.context
    messages = []
    ctx.statusMessage.connect(lambda text, _ms: messages.append(text))
    ctx.open_sample(None)
    qtbot.keyClick(window, Qt.Key.Key_1)
    assert messages and "Open a sample first" in messages[-1]
    ctx.open_sample(ctx.store.samples.ids()[0])
    ctx.user = None
    qtbot.keyClick(window, Qt.Key.Key_1)
    assert "Say who is working" in messages[-1]


def test_status_bar_shows_counts_and_sample(qtbot, window):
    ctx = window.context
    foundation = window.foundation
    assert foundation.counts.text() == "5/5 labeled"
    first = ctx.store.samples.ids()[0]
    set_tag(ctx.store, first, None, "lara")
    ctx.notify_annotations(first)
    assert foundation.counts.text() == "4/5 labeled"
    ctx.open_sample(first)
    assert foundation.sample_info.text().startswith("cat0.png · 32×24 · ")
    assert "B" in foundation.sample_info.text()
    assert "lara (labeler)" in window.windowTitle()


def test_show_samples_raises_a_hidden_gallery(qtbot, window):
    dock = window.foundation.gallery_dock
    dock.hide()
    window.context.show_samples(window.context.store.samples.ids()[:2], "two of them")
    assert dock.isVisible()
    assert window.foundation.gallery.model.rowCount() == 2


def test_zero_hotkey_and_rebuilt_shortcuts(qtbot, window):
    from s2ide.core.labeling.label_edits import update_label

    ctx = window.context
    store = ctx.store
    cat = store.labels.by_name("cat")
    update_label(store, "leo", cat.id, hotkey="0")
    ctx.labelsChanged.emit()
    first = store.samples.ids()[3]  # a dog
    ctx.open_sample(first)
    qtbot.keyClick(window, Qt.Key.Key_1)  # no label has 1 any more: nothing happens
    assert store.annotations.tag_of(first).label_id == store.labels.by_name("dog").id
    qtbot.keyClick(window, Qt.Key.Key_0)
    assert store.annotations.tag_of(first).label_id == cat.id


def test_previous_sample_goes_back_to_fix_a_tag(qtbot, window):
    ctx = window.context
    store = ctx.store
    ids = store.samples.ids()
    _untag_all(store, ids[:2])
    ctx.samplesChanged.emit()
    ctx.open_sample(ids[0])
    qtbot.keyClick(window, Qt.Key.Key_2)  # oops: a cat tagged dog, and on to the next
    assert ctx.current_sample_id == ids[1]
    qtbot.keyClick(window, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier)
    assert ctx.current_sample_id == ids[0]
    qtbot.keyClick(window, Qt.Key.Key_1)
    assert store.annotations.tag_of(ids[0]).label_id == store.labels.by_name("cat").id
    assert ctx.current_sample_id == ids[1]


def test_edit_labels_button_follows_the_role(qtbot, window):
    button = window.foundation.labels.edit_button
    assert not button.isEnabled()  # lara is a labeler
    window.context.set_user("leo")
    assert button.isEnabled()


def test_clear_the_tag(qtbot, window):
    ctx = window.context
    first = ctx.store.samples.ids()[0]
    ctx.open_sample(first)
    qtbot.keyClick(window, Qt.Key.Key_Backspace, Qt.KeyboardModifier.ControlModifier)
    assert ctx.store.annotations.tag_of(first) is None
    assert ctx.store.samples.get(first).status == "unlabeled"
    assert ctx.current_sample_id == first
    assert window.foundation.gallery.model.index(0).data(Role.LABEL_ID) is None
