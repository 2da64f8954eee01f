"""The escalation loop in the core: each state transition, its audit row, and the bad inputs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from s2ide.core.errors import InvalidInputError, PermissionDenied, UnknownLabelError, UnknownSampleError
from s2ide.core.review import escalations as esc
from s2ide.core.store.escalations import UnknownEscalationError


def _ids(project):
    store = project.store
    return store.labels.by_name("cat").id, store.labels.by_name("dog").id, store.samples.ids()


def _audit_actions(store, escalation_id):
    return [e.action for e in reversed(store.audit.list(entity="escalation", entity_id=escalation_id))]


def test_escalate_moves_the_sample_out_of_the_queue(filled_project):
    store = filled_project.store
    _cat, dog, samples = _ids(filled_project)
    region = {"kind": "box", "geometry": {"x": 2, "y": 3, "w": 10, "h": 8}}
    e = esc.escalate(
        store, samples[0], "Ambiguous class", "lara", note=" looks like both ", proposed_label_id=dog, region=region
    )
    assert e.state == "open" and e.reason == "ambiguous class" and e.note == "looks like both"
    assert e.proposed_label_id == dog and e.raised_by == "lara"
    assert e.region == {"kind": "box", "geometry": {"x": 2.0, "y": 3.0, "w": 10.0, "h": 8.0, "angle": 0.0}}
    assert store.samples.get(samples[0]).status == "escalated"
    assert _audit_actions(store, e.id) == ["escalate"]
    entry = store.audit.list(entity="escalation", entity_id=e.id)[0]
    assert entry.user == "lara" and entry.before["status"] == "labeled" and entry.after["state"] == "open"
    assert store.stats.summary()["escalations"] == {"open": 1}


def test_full_loop_open_review_return_reopen_resolve(filled_project):
    store = filled_project.store
    _cat, dog, samples = _ids(filled_project)
    e = esc.escalate(store, samples[0], "other", "lara", note="what is this?")
    e = esc.start_review(store, e.id, "leo")
    assert (e.state, e.assignee) == ("in_review", "leo")
    e = esc.return_to_labeler(store, e.id, "leo", "Is there a tail?")
    assert (e.state, e.assignee) == ("returned", "lara")
    assert [x.id for x in esc.returned_to(store, "lara")] == [e.id]
    e = esc.reopen(store, e.id, "lara", "yes, a long one", proposed_label_id=dog)
    assert (e.state, e.assignee, e.proposed_label_id) == ("open", None, dog)
    assert esc.returned_to(store, "lara") == []
    e = esc.resolve(store, e.id, dog, "leo", "long tails are dogs here")
    assert (e.state, e.resolved_by, e.resolution_label_id) == ("resolved", "leo", dog)
    assert e.resolution_note == "long tails are dogs here" and e.resolved_at is not None
    assert store.annotations.tag_of(samples[0]).label_id == dog
    assert store.samples.get(samples[0]).status == "reviewed"
    assert [c.text for c in esc.thread(store, e.id)] == [
        "Is there a tail?",
        "yes, a long one (proposes dog)",
        "long tails are dogs here",
    ]
    assert _audit_actions(store, e.id) == ["escalate", "review", "return", "reopen", "resolve"]
    last = store.audit.list(entity="escalation", entity_id=e.id)[0]
    assert last.before["state"] == "open" and last.after["state"] == "resolved"


def test_reassign_and_comment_keep_the_state(filled_project):
    store = filled_project.store
    _, _, samples = _ids(filled_project)
    e = esc.escalate(store, samples[1], "other", "lara")
    e = esc.reassign(store, e.id, "leo", "eng")
    assert (e.state, e.assignee) == ("open", "eng")
    comment = esc.add_comment(store, e.id, "lara", "thanks")
    assert comment.author == "lara" and esc.thread(store, e.id)[-1].text == "thanks"
    assert _audit_actions(store, e.id) == ["escalate", "reassign", "comment"]
    with pytest.raises(InvalidInputError, match="unknown user"):
        esc.reassign(store, e.id, "leo", "nobody")


@pytest.mark.parametrize(
    "act",
    [
        lambda s, e, cat: esc.resolve(s, e, cat, "lara"),
        lambda s, e, cat: esc.return_to_labeler(s, e, "lara", "why?"),
        lambda s, e, cat: esc.reassign(s, e, "lara", "leo"),
        lambda s, e, cat: esc.start_review(s, e, "lara"),
        lambda s, e, cat: esc.set_reasons(s, ["x"], "lara"),
    ],
    ids=["resolve", "return", "reassign", "review", "reasons"],
)
def test_a_labeler_is_refused_lead_actions(filled_project, act):
    store = filled_project.store
    cat, _, samples = _ids(filled_project)
    e = esc.escalate(store, samples[0], "other", "lara")
    before = store.review.escalations.get(e.id)
    with pytest.raises(PermissionDenied, match="lara is a labeler and may not"):
        act(store, e.id, cat)
    assert store.review.escalations.get(e.id) == before
    assert esc.reasons(store) == list(esc.DEFAULT_REASONS)


@pytest.mark.parametrize("who", ["leo", "eng"])
def test_leads_and_engineers_may_resolve_return_and_reassign(filled_project, who):
    store = filled_project.store
    cat, _, samples = _ids(filled_project)
    a = esc.escalate(store, samples[0], "other", "lara")
    b = esc.escalate(store, samples[1], "other", "lara")
    assert esc.reassign(store, a.id, who, "leo").assignee == "leo"
    assert esc.return_to_labeler(store, a.id, who, "which?").state == "returned"
    assert esc.start_review(store, b.id, who).state == "in_review"
    assert esc.resolve(store, b.id, cat, who).state == "resolved"
    assert esc.set_reasons(store, ["blurry", " blurry ", "other"], who) == ["blurry", "other"]


def test_only_the_raiser_or_a_lead_reopens(filled_project):
    store = filled_project.store
    from s2ide.core.review.users import add_user

    add_user(store, "lou", "labeler")
    _, _, samples = _ids(filled_project)
    e = esc.escalate(store, samples[0], "other", "lara")
    esc.return_to_labeler(store, e.id, "leo", "which one?")
    with pytest.raises(PermissionDenied, match="lou did not raise"):
        esc.reopen(store, e.id, "lou", "me neither")
    assert esc.reopen(store, e.id, "leo", "never mind").state == "open"


def test_wrong_transitions_change_nothing(filled_project):
    store = filled_project.store
    cat, dog, samples = _ids(filled_project)
    e = esc.escalate(store, samples[0], "other", "lara")
    with pytest.raises(InvalidInputError, match="is open; only one that is returned can be re-opened"):
        esc.reopen(store, e.id, "lara", "hello")
    esc.resolve(store, e.id, cat, "leo", "cat")
    audit_rows = len(store.audit.list())
    for act in (
        lambda: esc.resolve(store, e.id, dog, "leo"),
        lambda: esc.return_to_labeler(store, e.id, "leo", "?"),
        lambda: esc.start_review(store, e.id, "leo"),
        lambda: esc.reassign(store, e.id, "leo", "eng"),
    ):
        with pytest.raises(InvalidInputError, match=f"escalation #{e.id} is resolved"):
            act()
    assert store.annotations.tag_of(samples[0]).label_id == cat
    assert len(store.audit.list()) == audit_rows
    assert store.review.escalations.get(e.id).resolution_label_id == cat


def test_bad_input_is_refused_with_a_clear_message(filled_project):
    store = filled_project.store
    cat, _, samples = _ids(filled_project)
    with pytest.raises(InvalidInputError, match="needs a reason"):
        esc.escalate(store, samples[0], "  ", "lara")
    with pytest.raises(InvalidInputError, match="unknown escalation reason 'bored'"):
        esc.escalate(store, samples[0], "bored", "lara")
    with pytest.raises(UnknownLabelError):
        esc.escalate(store, samples[0], "other", "lara", proposed_label_id=999)
    with pytest.raises(UnknownSampleError):
        esc.escalate(store, 999, "other", "lara")
    with pytest.raises(InvalidInputError, match="region"):
        esc.escalate(store, samples[0], "other", "lara", region={"kind": "polygon", "geometry": {}})
    with pytest.raises(InvalidInputError, match="non-positive size"):
        esc.escalate(
            store, samples[0], "other", "lara", region={"kind": "box", "geometry": {"x": 1, "y": 1, "w": 0, "h": 3}}
        )
    with pytest.raises(InvalidInputError, match="unknown user"):
        esc.escalate(store, samples[0], "other", "ghost")
    assert store.review.escalations.list() == []
    assert store.samples.get(samples[0]).status == "labeled"

    e = esc.escalate(store, samples[0], "other", "lara")
    with pytest.raises(InvalidInputError, match=f"sample {samples[0]} is already escalated \\(escalation #{e.id}"):
        esc.escalate(store, samples[0], "other", "lara")
    with pytest.raises(UnknownLabelError):
        esc.resolve(store, e.id, 999, "leo")
    with pytest.raises(UnknownEscalationError, match="no escalation #77"):
        esc.resolve(store, 77, cat, "leo")
    with pytest.raises(InvalidInputError, match="needs a question"):
        esc.return_to_labeler(store, e.id, "leo", " ")
    with pytest.raises(InvalidInputError, match="needs some text"):
        esc.add_comment(store, e.id, "lara", "")
    with pytest.raises(InvalidInputError, match="cannot be empty"):
        esc.set_reasons(store, [" ", ""], "leo")
    assert store.review.escalations.get(e.id).state == "open"
    assert len(store.review.escalations.list()) == 1


def test_a_resolved_sample_can_be_escalated_again(filled_project):
    store = filled_project.store
    cat, _, samples = _ids(filled_project)
    first = esc.escalate(store, samples[0], "other", "lara")
    esc.resolve(store, first.id, cat, "leo")
    second = esc.escalate(store, samples[0], "guideline unclear", "lara")
    assert second.id != first.id and store.samples.get(samples[0]).status == "escalated"


def test_promote_makes_a_guideline_example_with_the_answer(filled_project):
    store = filled_project.store
    _cat, dog, samples = _ids(filled_project)
    e = esc.escalate(store, samples[2], "ambiguous class", "lara")
    with pytest.raises(InvalidInputError, match="resolve it before promoting"):
        esc.promote_to_guideline(store, e.id, "leo")
    esc.resolve(store, e.id, dog, "leo", "floppy ears mean dog", promote=True)
    (example,) = store.review.guidelines.examples(dog)
    assert (example.sample_id, example.caption, example.added_by) == (samples[2], "floppy ears mean dog", "leo")
    with pytest.raises(InvalidInputError, match="already a guideline example"):
        esc.promote_to_guideline(store, e.id, "leo")


def test_listing_filters_and_sorts_by_age(filled_project):
    store = filled_project.store
    cat, dog, samples = _ids(filled_project)
    from s2ide.core.review.users import add_user

    add_user(store, "lou", "labeler")
    a = esc.escalate(store, samples[0], "other", "lara", proposed_label_id=dog)
    b = esc.escalate(store, samples[3], "poor image quality", "lou")  # a dog (imported)
    c = esc.escalate(store, samples[1], "other", "lou")  # a cat
    esc.resolve(store, c.id, cat, "leo")
    assert [e.id for e in esc.list_escalations(store, "open")] == [a.id, b.id]
    assert [e.id for e in esc.list_escalations(store, "all")] == [a.id, b.id, c.id]
    assert [e.id for e in esc.list_escalations(store, "resolved")] == [c.id]
    assert [e.id for e in esc.list_escalations(store, "all", reason="other")] == [a.id, c.id]
    assert [e.id for e in esc.list_escalations(store, "all", raised_by="lou")] == [b.id, c.id]
    assert [e.id for e in esc.list_escalations(store, "all", label_id=dog)] == [a.id, b.id]  # proposed, or tag
    assert esc.list_escalations(store, "all", min_age=timedelta(hours=1)) == []
    assert len(esc.list_escalations(store, "all", min_age=timedelta(0))) == 3
    assert esc.waiting_count(store) == 2
    with pytest.raises(InvalidInputError, match="unknown escalation state"):
        esc.list_escalations(store, "closed")


def test_the_active_prediction_is_read_for_the_lead(filled_project):
    store = filled_project.store
    cat, dog, samples = _ids(filled_project)
    assert store.review.escalations.active_prediction(samples[0]) is None
    with store.transaction():
        for version, state, label in (("v1", "ready", cat), ("v2", "active", dog)):
            store.conn.execute(
                "INSERT INTO models (version, created_at, task, architecture, state) VALUES (?, 'now', 'classify', "
                "'cnn', ?)",
                (version, state),
            )
            store.conn.execute(
                "INSERT INTO predictions (sample_id, model_version, label_id, score, created_at) "
                "VALUES (?, ?, ?, 0.75, 'now')",
                (samples[0], version, label),
            )
    assert store.review.escalations.active_prediction(samples[0]) == (dog, 0.75)


def test_the_audit_log_is_for_leads(filled_project):
    from s2ide.core.review.users import read_audit

    store = filled_project.store
    _, _, samples = _ids(filled_project)
    e = esc.escalate(store, samples[0], "other", "lara")
    with pytest.raises(PermissionDenied, match="may not view the audit log"):
        read_audit(store, "lara")
    rows = read_audit(store, "leo", user="lara", sample_id=samples[0])
    assert [(r.action, r.entity_id) for r in rows] == [("escalate", str(e.id))]
    assert read_audit(store, "eng", sample_id=samples[1])[0].after["sample_id"] == samples[1]
