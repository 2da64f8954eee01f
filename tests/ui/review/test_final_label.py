"""The lead's Final label starts empty when nothing suggests one (Resolve then asks for a choice),
or on the proposal / the labeler's tag, marked as such."""

from __future__ import annotations

from s2ide.core.labeling.tags import set_tag
from s2ide.core.review import escalations as esc
from tests.ui.conftest import QT_LOG_MARKS

pytestmark = QT_LOG_MARKS


def test_final_label_is_empty_without_a_hint_and_resolve_needs_a_choice(qtbot, window):
    ctx = window.context
    store = ctx.store
    sample = store.samples.ids()[0]
    set_tag(store, sample, None, "lara")  # no tag, no proposal, no model in this project
    e = esc.escalate(store, sample, "ambiguous class", "lara")
    ctx.set_user("leo")
    detail = window.review.escalations.detail
    detail.show_escalation(store.review.escalations.get(e.id))
    assert detail.final_label.currentIndex() == -1 and detail.final_source.text() == ""
    assert not detail.resolve()
    assert "Choose the final label" in detail.feedback.text()
    assert store.review.escalations.get(e.id).state != "resolved"
    detail.final_label.setCurrentIndex(detail.final_label.findData(store.labels.by_name("dog").id))
    assert detail.resolve()
    assert store.annotations.tag_of(sample).label_id == store.labels.by_name("dog").id


def test_final_label_starts_on_the_proposal_marked(qtbot, window):
    ctx = window.context
    store = ctx.store
    sample = store.samples.ids()[1]
    dog = store.labels.by_name("dog").id
    e = esc.escalate(store, sample, "ambiguous class", "lara", proposed_label_id=dog)
    ctx.set_user("leo")
    detail = window.review.escalations.detail
    detail.show_escalation(store.review.escalations.get(e.id))
    assert detail.final_label.currentData() == dog and detail.final_source.text() == "(proposed)"


def test_ctrl_z_withdraws_an_escalation_just_raised(qtbot, window):
    ctx = window.context
    store = ctx.store
    review = window.review
    first = store.samples.ids()[0]
    status_before = store.samples.get(first).status
    ctx.open_sample(first)
    dialog = review.make_escalate_dialog()
    qtbot.addWidget(dialog)
    dialog.reason.setCurrentText("ambiguous class")
    dialog.accept()
    review.after_escalated(dialog.escalation)
    assert store.samples.get(first).status == "escalated"
    window.canvas_feature.undo()  # back to that sample, escalation withdrawn
    assert ctx.current_sample_id == first
    assert store.review.escalations.active_for_sample(first) is None
    assert store.samples.get(first).status == status_before
    assert store.audit.list(entity="escalation")[0].action == "withdraw escalation"
    window.canvas_feature.canvas.undo.group.redo()  # raised again
    assert store.review.escalations.active_for_sample(first) is not None
