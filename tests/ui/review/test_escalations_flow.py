"""The review loop driven through the real widgets: a labeler escalates with a region, a lead
opens, returns, and resolves it with promotion; roles show and the core refuses."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QGraphicsItem

from s2ide.core.review import escalations as esc
from s2ide.ui.shell.context import AppContext
from s2ide.ui.shell.main_window import MainWindow


@pytest.fixture
def window(qtbot, filled_project):
    context = AppContext()
    win = MainWindow(context)
    qtbot.addWidget(win)
    context.open_project(filled_project.path)
    ids = filled_project.store.samples.ids()
    # a plain "next" provider, as the gallery gives one: the following id
    context.set_next_provider(lambda ctx, current: next((i for i in ids if current is None or i > current), None))
    win.resize(1400, 900)
    win.show()
    yield win
    win.close()


def _region_items(win):
    return [i for i in win.view.scene().items() if i.data(0) == "escalation-region"]


def test_labeler_escalates_with_a_box_and_moves_on(window, qtbot):
    ctx = window.context
    review = window.review
    ctx.set_user("lara")
    first = ctx.store.samples.ids()[0]
    ctx.open_sample(first)
    dialog = review.make_escalate_dialog()
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.reason.setCurrentText("ambiguous class")
    dialog.note.setPlainText("cat or dog?")
    dialog.proposed.setCurrentText("dog")
    viewport = dialog.picker.viewport()
    start = dialog.picker.mapFromScene(4, 4)
    end = dialog.picker.mapFromScene(20, 16)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(viewport, pos=QPoint((start.x() + end.x()) // 2, (start.y() + end.y()) // 2))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end)
    region = dialog.picker.region()
    assert region is not None and region["kind"] == "box"
    assert region["geometry"]["x"] == pytest.approx(4, abs=1.5) and region["geometry"]["w"] == pytest.approx(16, abs=2)
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    review.after_escalated(dialog.escalation)
    e = dialog.escalation
    assert (e.state, e.reason, e.note, e.raised_by) == ("open", "ambiguous class", "cat or dog?", "lara")
    assert ctx.store.samples.get(first).status == "escalated"
    assert ctx.current_sample_id == first + 1  # the labeler moved on
    assert review.escalations_dock.windowTitle() == "Escalations (1)"
    assert review.queue_action.text() == "Escalations (1)"
    # a second escalation of the same sample is refused inside the dialog, nothing changes
    ctx.open_sample(first)
    again = review.make_escalate_dialog()
    qtbot.addWidget(again)
    again.accept()
    assert "already escalated" in again.error.text() and again.escalation is None


def test_click_in_the_picker_gives_a_point(window, qtbot):
    ctx = window.context
    ctx.set_user("lara")
    ctx.open_sample(ctx.store.samples.ids()[1])
    dialog = window.review.make_escalate_dialog()
    qtbot.addWidget(dialog)
    dialog.show()
    pos = dialog.picker.mapFromScene(10, 12)
    qtbot.mouseClick(dialog.picker.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    region = dialog.picker.region()
    assert region["kind"] == "point"
    assert region["geometry"]["x"] == pytest.approx(10, abs=1.5) and region["geometry"]["y"] == pytest.approx(
        12, abs=1.5
    )


def test_lead_opens_returns_and_resolves(window, qtbot):
    ctx = window.context
    review = window.review
    store = ctx.store
    samples = store.samples.ids()
    cat, dog = store.labels.by_name("cat").id, store.labels.by_name("dog").id
    region = {"kind": "box", "geometry": {"x": 2, "y": 2, "w": 10, "h": 8}}
    e = esc.escalate(store, samples[0], "ambiguous class", "lara", note="ears?", proposed_label_id=dog, region=region)
    ctx.notify_annotations(samples[0])

    ctx.set_user("lara")
    assert not review.escalations_dock.isVisibleTo(window)  # a labeler's canvas keeps the room ...
    review.queue_action.trigger()  # ... until they open the queue from the Review menu
    detail = review.escalations.detail
    assert not detail.decide.isVisibleTo(window)  # labelers get no lead controls ...
    review.escalations.open_row(0)
    detail.final_label.setCurrentText("cat")
    assert not detail.resolve()  # ... and the core refuses them anyway
    assert "lara is a labeler and may not resolve" in detail.feedback.text()
    assert store.review.escalations.get(e.id).state == "open"

    ctx.set_user("leo")
    assert detail.decide.isVisibleTo(window)
    view = review.escalations
    assert view.model.rowCount() == 1
    view.open_row(0)
    assert ctx.current_sample_id == samples[0]
    items = _region_items(window)
    assert len(items) == 2 and items[0].zValue() == 1000
    assert "Model" in detail.header.text() and "no prediction" in detail.header.text()
    with qtbot.waitSignal(ctx.findSimilarRequested) as similar:  # more like the escalated sample
        qtbot.mouseClick(detail.similar_button, Qt.MouseButton.LeftButton)
    assert similar.args == [[samples[0]], "mean"]
    qtbot.mouseClick(detail.take_button, Qt.MouseButton.LeftButton)
    assert store.review.escalations.get(e.id).state == "in_review"
    detail.answer.setPlainText("Which ear is folded?")
    qtbot.mouseClick(detail.return_button, Qt.MouseButton.LeftButton)
    assert store.review.escalations.get(e.id).state == "returned"
    assert "Which ear is folded?" in detail.thread_view.toPlainText()

    ctx.open_sample(samples[2])  # another sample: the region overlay goes
    assert _region_items(window) == []

    ctx.set_user("lara")
    returned = review.returned
    assert len(returned.rows) == 1 and review.returned_dock.windowTitle() == "Returned to me (1)"
    assert "Which ear is folded?" in returned.thread_view.toPlainText()
    returned.answer.setPlainText("the left one")
    returned.relabel.setCurrentText("cat")
    assert returned.reopen_current()
    after = store.review.escalations.get(e.id)
    assert (after.state, after.proposed_label_id) == ("open", cat)
    assert returned.rows == []

    ctx.set_user("leo")
    view.state.setCurrentIndex(0)
    view.open_row(0)  # the sample on the canvas (the Image tab comes to the front) ...
    assert window.tabs.currentWidget() is window.view
    review.escalations_dock.show()  # ... and back to the queue's tab to decide
    detail.final_label.setCurrentText("cat")
    detail.answer.setPlainText("folded ears are cats")
    detail.promote.setChecked(True)
    qtbot.mouseClick(detail.resolve_button, Qt.MouseButton.LeftButton)
    final = store.review.escalations.get(e.id)
    assert (final.state, final.resolution_label_id, final.resolved_by) == ("resolved", cat, "leo")
    assert store.annotations.tag_of(samples[0]).label_id == cat
    assert review.escalations_dock.windowTitle() == "Escalations"
    assert view.model.rowCount() == 0  # the waiting filter hides it now

    guidelines = review.guidelines
    guidelines.show_label(cat)
    assert guidelines.examples.count() == 1
    assert guidelines.examples.item(0).text() == "folded ears are cats"
    assert not guidelines.examples.item(0).icon().isNull()


def test_filters_narrow_the_table(window):
    ctx = window.context
    store = ctx.store
    samples = store.samples.ids()
    esc.escalate(store, samples[0], "other", "lara")
    esc.escalate(store, samples[1], "poor image quality", "lara")
    ctx.set_user("leo")
    view = window.review.escalations
    view.reset_filters()
    assert view.model.rowCount() == 2
    view.set_filter(view.reason, "other")
    assert view.model.rowCount() == 1 and view.model.data(view.model.index(0, 3)) == "other"
    view.set_filter(view.reason, None)
    view.age.setCurrentIndex(2)  # older than a day
    assert view.model.rowCount() == 0
    view.age.setCurrentIndex(0)
    view.state.setCurrentIndex(4)  # resolved
    assert view.model.rowCount() == 0


def test_audit_view_is_for_leads(window):
    ctx = window.context
    store = ctx.store
    sample = store.samples.ids()[0]
    esc.escalate(store, sample, "other", "lara")
    audit = window.review.audit
    ctx.set_user("lara")
    audit.reload()
    assert audit.model.rowCount() == 0 and "may not view the audit log" in audit.message.text()
    ctx.set_user("leo")
    audit.sample_filter.setText(str(sample))
    audit.reload()
    actions = [audit.model.data(audit.model.index(r, 2)) for r in range(audit.model.rowCount())]
    assert actions[0] == "escalate" and "tag" in actions
    audit.user_filter.setCurrentIndex(audit.user_filter.findData("lara"))
    assert [audit.model.data(audit.model.index(r, 1)) for r in range(audit.model.rowCount())] == ["lara"]


def test_guidelines_edit_needs_a_lead(window, qtbot):
    ctx = window.context
    panel = window.review.guidelines
    cat = ctx.store.labels.by_name("cat").id
    ctx.set_user("lara")
    assert not panel.edit_button.isVisibleTo(window)
    assert not panel.save(cat, "x", "y")
    ctx.set_user("leo")
    assert panel.edit_button.isVisibleTo(window)
    panel.show_label(cat)
    assert panel.save(cat, "small feline", "whiskers and a tail")
    assert "whiskers and a tail" in panel.text.toPlainText()


def test_review_settings_dialog(window, qtbot):
    from s2ide.core.review.agreement import share
    from s2ide.ui.review.review_settings import ReviewSettingsDialog

    ctx = window.context
    ctx.set_user("lara")
    dialog = ReviewSettingsDialog(ctx, window)
    qtbot.addWidget(dialog)
    dialog.share.setValue(10)
    dialog.accept()
    assert "may not" in dialog.error.text() and share(ctx.store) == 0.05
    ctx.set_user("leo")
    dialog = ReviewSettingsDialog(ctx, window)
    qtbot.addWidget(dialog)
    dialog.reasons.setPlainText("blurry\nother\n")
    dialog.share.setValue(10)
    dialog.accept()
    assert share(ctx.store) == pytest.approx(0.10) and esc.reasons(ctx.store) == ["blurry", "other"]


def test_overlay_survives_a_cleared_scene(window):
    """If the canvas clears its scene, the overlay forgets its deleted items without errors."""
    ctx = window.context
    store = ctx.store
    samples = store.samples.ids()
    e = esc.escalate(store, samples[0], "other", "lara", region={"kind": "point", "geometry": {"x": 3, "y": 4}})
    ctx.set_user("leo")
    window.review.show_escalation(e)
    (point, _caption) = _region_items(window)
    assert point.flags() & QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations
    window.review.overlay.clear()
    assert _region_items(window) == []


def test_guidelines_follow_the_sample_but_stay_blind_for_a_second_labeler(window):
    from s2ide.core.labeling.tags import set_tag
    from s2ide.core.review.agreement import set_share
    from s2ide.core.review.users import add_user

    ctx = window.context
    store = ctx.store
    panel = window.review.guidelines
    samples = store.samples.ids()
    dog = store.labels.by_name("dog").id
    ctx.set_user("lara")
    ctx.open_sample(samples[3])  # a dog (imported)
    assert panel.label_combo.currentText() == "dog" and panel.banner.isHidden()
    add_user(store, "bob", "labeler")
    set_share(store, 1.0, "leo")
    set_tag(store, samples[0], dog, "lara")  # lara's independent label on a cat image
    ctx.open_sample(samples[2])
    ctx.set_user("bob")
    ctx.open_sample(samples[0])
    assert not panel.banner.isHidden() and "Double-labeling" in panel.banner.text()
    assert panel.label_combo.currentText() != "dog"  # lara's label is not revealed


def test_escalate_shortcuts(window):
    action = window.review.escalate_action
    assert [s.toString() for s in action.shortcuts()] == ["Ctrl+E", "!"]
    assert action in window.menu("&Review").actions()


def test_a_long_queue_loads_in_pages(window, tmp_path):
    from s2ide.ui.review.escalations_view import PAGE

    ctx = window.context
    store = ctx.store
    with store.transaction():
        for i in range(PAGE + 30):
            sid = store.samples.add(f"many/{i}.png", f"{i:064x}", 8, 8)
            store.review.escalations.add(sid, "lara", "other")
    ctx.set_user("leo")
    view = window.review.escalations
    view.reload()
    model = view.model
    assert model.rowCount() == PAGE and model.total == PAGE + 30 and model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == PAGE + 30 and not model.canFetchMore()
    assert model.data(model.index(PAGE + 29, 1)) == f"{PAGE + 29}.png"
    assert view.summary.text().startswith(f"{PAGE + 30} match")


def test_ctrl_e_opens_the_escalate_dialog(window, qtbot):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from s2ide.ui.review.escalate_dialog import EscalateDialog

    ctx = window.context
    ctx.set_user("lara")
    ctx.open_sample(ctx.store.samples.ids()[0])
    seen = []

    def answer():
        dialog = QApplication.activeModalWidget()
        seen.append(type(dialog))
        dialog.note.setPlainText("via the hotkey")
        dialog.accept()

    QTimer.singleShot(50, answer)
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(seen))
    assert seen == [EscalateDialog]
    (e,) = ctx.store.review.escalations.list()
    assert e.note == "via the hotkey" and e.reason == "ambiguous class"


def test_second_label_queue_shows_the_waiting_samples(window, qtbot):
    from s2ide.core.labeling.tags import set_tag
    from s2ide.core.review.agreement import set_share
    from s2ide.core.review.users import add_user

    ctx = window.context
    store = ctx.store
    add_user(store, "bob", "labeler")
    set_share(store, 1.0, "leo")
    samples = store.samples.ids()
    set_tag(store, samples[1], store.labels.by_name("cat").id, "lara")
    ctx.set_user("bob")
    with qtbot.waitSignal(ctx.showSamplesRequested) as blocker:
        window.review.show_second_label_queue()
    assert blocker.args == [[samples[1]], "Waiting for bob's independent label"]
