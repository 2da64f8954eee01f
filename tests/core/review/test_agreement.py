"""Double-labeling: the stable choice of samples, votes, the automatic escalation of a
disagreement, and the per-labeler agreement figures on a hand-computed example."""

from __future__ import annotations

import pytest

from s2ide.core.errors import InvalidInputError, PermissionDenied
from s2ide.core.labeling.tags import set_tag
from s2ide.core.review import agreement
from s2ide.core.review import escalations as esc
from tests.core.review.review_helpers import add_labelers, add_unlabeled


def test_the_choice_is_stable_and_near_the_share():
    picked = [i for i in range(1, 20001) if agreement.is_double_labeled(i, 0.05)]
    assert picked == [i for i in range(1, 20001) if agreement.is_double_labeled(i, 0.05)]
    assert 0.045 < len(picked) / 20000 < 0.055
    assert not any(agreement.is_double_labeled(i, 0.0) for i in range(1, 1000))
    assert all(agreement.is_double_labeled(i, 1.0) for i in range(1, 1000))
    # a larger share keeps every sample a smaller one picked
    assert set(picked) <= {i for i in range(1, 20001) if agreement.is_double_labeled(i, 0.10)}


def test_share_setting_needs_a_lead_and_a_sane_value(project):
    store = project.store
    assert agreement.share(store) == agreement.DEFAULT_SHARE
    with pytest.raises(PermissionDenied):
        agreement.set_share(store, 0.2, "lara")
    with pytest.raises(InvalidInputError, match="between 0 and 1"):
        agreement.set_share(store, 1.5, "leo")
    assert agreement.set_share(store, 0.2, "leo") == 0.2
    assert agreement.share(store) == 0.2
    assert store.audit.list(entity="meta")[0].after == 0.2


def test_disagreement_is_escalated_with_both_labels(project, tmp_path):
    store = project.store
    samples = add_unlabeled(project, tmp_path, 2)
    add_labelers(project, "ann", "bob")
    agreement.set_share(store, 1.0, "leo")
    cat, dog = store.labels.by_name("cat").id, store.labels.by_name("dog").id

    set_tag(store, samples[0], cat, "ann")
    assert agreement.is_blind(store, samples[0], "bob") and not agreement.is_blind(store, samples[0], "ann")
    assert agreement.waiting_for_second_label(store, "bob") == [samples[0]]
    assert agreement.waiting_for_second_label(store, "ann") == []
    set_tag(store, samples[0], cat, "bob")  # agree: nothing escalated
    assert store.review.escalations.list() == []
    assert store.samples.get(samples[0]).status == "labeled"

    set_tag(store, samples[1], cat, "ann")
    set_tag(store, samples[1], dog, "leo")  # a lead's label is a correction, not a vote
    assert store.review.escalations.list() == []
    set_tag(store, samples[1], dog, "bob")
    (e,) = store.review.escalations.list()
    assert (e.sample_id, e.reason, e.raised_by, e.state) == (samples[1], esc.DISAGREEMENT_REASON, "bob", "open")
    assert e.note == "double-labeling disagreement, ann: cat; bob: dog"
    assert store.samples.get(samples[1]).status == "escalated"
    assert {(v.user, v.label_id) for v in store.review.votes.for_sample(samples[1])} == {("ann", cat), ("bob", dog)}


def test_no_votes_when_the_share_is_zero(project, tmp_path):
    store = project.store
    samples = add_unlabeled(project, tmp_path, 2)
    add_labelers(project, "ann", "bob")
    agreement.set_share(store, 0.0, "leo")
    cat, dog = store.labels.by_name("cat").id, store.labels.by_name("dog").id
    set_tag(store, samples[0], cat, "ann")
    set_tag(store, samples[0], dog, "bob")
    assert store.review.votes.all() == [] and store.review.escalations.list() == []


def test_cohen_kappa_matches_scikit_learn():
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    a = [0, 0, 1, 1, 2, 2, 2, 0, 1, 2, 0, 1]
    b = [0, 1, 1, 1, 2, 0, 2, 0, 2, 2, 0, 0]
    assert agreement.cohen_kappa(a, b) == pytest.approx(sklearn_metrics.cohen_kappa_score(a, b))
    assert agreement.cohen_kappa([], []) is None
    assert agreement.cohen_kappa([1, 1], [1, 1]) is None  # one class only: undefined


def test_agreement_figures_on_a_hand_made_example(project, tmp_path):
    """Six double-labeled samples s1..s6, labels cat (C) and dog (D).

        sample   ann  bob   settled
        s1       C    C     C   (agree)
        s2       C    D     D   (disagree -> escalated, lead resolves dog)
        s3       D    D     D   (agree)
        s4       D    C     C   (disagree -> escalated, lead resolves cat)
        s5       C    C     C   (agree)
        s6       D    D     D   (agree)

    Settled labels: C, D, D, C, C, D -> cat 3, dog 3.
    ann: C C D D C D vs settled -> matches s1 s3 s5 s6 = 4/6; ann's own counts cat 3, dog 3.
         po = 4/6 = 2/3; pe = (3*3 + 3*3) / 36 = 1/2; kappa = (2/3 - 1/2) / (1 - 1/2) = 1/3.
    bob: C D D C C D equals the settled labels -> 6/6; counts cat 3, dog 3.
         po = 1; pe = 1/2; kappa = (1 - 1/2) / (1/2) = 1.
    """
    store = project.store
    samples = add_unlabeled(project, tmp_path, 6)
    add_labelers(project, "ann", "bob")
    agreement.set_share(store, 1.0, "leo")
    cat, dog = store.labels.by_name("cat").id, store.labels.by_name("dog").id
    ann = [cat, cat, dog, dog, cat, dog]
    bob = [cat, dog, dog, cat, cat, dog]
    for sample, label in zip(samples, ann):
        set_tag(store, sample, label, "ann")
    for sample, label in zip(samples, bob):
        set_tag(store, sample, label, "bob")
    raised = store.review.escalations.list()
    assert [e.sample_id for e in raised] == [samples[1], samples[3]]
    # before the lead decides, only the four agreed samples count
    before = {a.user: a for a in agreement.agreement_by_labeler(store)}
    assert before["ann"].samples == 4 and before["ann"].rate == 1.0
    esc.resolve(store, raised[0].id, dog, "leo", "dog")
    esc.resolve(store, raised[1].id, cat, "leo", "cat")

    figures = {a.user: a for a in agreement.agreement_by_labeler(store)}
    assert set(figures) == {"ann", "bob"}
    assert (figures["ann"].samples, figures["ann"].agreed) == (6, 4)
    assert figures["ann"].rate == pytest.approx(4 / 6)
    assert figures["ann"].kappa == pytest.approx(1 / 3)
    assert (figures["bob"].samples, figures["bob"].agreed) == (6, 6)
    assert figures["bob"].kappa == pytest.approx(1.0)
    assert agreement.settled_labels(store) == dict(zip(samples, [cat, dog, dog, cat, cat, dog]))


def test_clearing_a_label_withdraws_the_vote_and_imports_never_vote(project, tmp_path):
    store = project.store
    samples = add_unlabeled(project, tmp_path, 2)
    add_labelers(project, "ann")
    agreement.set_share(store, 1.0, "leo")
    cat = store.labels.by_name("cat").id
    set_tag(store, samples[0], cat, "ann", source="model-accepted")  # accepting a suggestion is a judgement too
    assert [v.user for v in store.review.votes.for_sample(samples[0])] == ["ann"]
    set_tag(store, samples[0], None, "ann")
    assert store.review.votes.for_sample(samples[0]) == []
    set_tag(store, samples[1], cat, "ann", source="import")
    assert store.review.votes.all() == []
