"""The repositories mean the same on both backends: each test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import numpy as np
import pytest

from s2ide.core.review import escalations as esc
from s2ide.core.store import SampleFilter
from s2ide.core.store.models import NewModel
from s2ide.core.store.records import Annotation
from s2ide.core.store.tag_writes import write_tag


def _samples(store, n: int = 5) -> list[int]:
    with store.transaction():
        return [
            store.samples.add(f"img/{i:03d}_x.png", f"sha{i}", 32, 24, "train" if i % 2 else "val") for i in range(n)
        ]


def test_labels_and_meta(any_project):
    store = any_project.store
    assert [label.name for label in store.labels.list()] == ["cat", "dog"]
    with store.transaction():
        bird = store.labels.create("bird", "#123456", "3")
        store.labels.update(bird.id, guideline="feathers")
        store.meta.set("k", "1")
        store.meta.set("k", "2")  # the upsert
    assert store.labels.resolve("bird").guideline == "feathers"
    assert store.labels.resolve(str(bird.id)).name == "bird"
    assert store.meta.get("k") == "2"


def test_samples_rows_filters_and_details(any_project):
    store = any_project.store
    ids = _samples(store)
    assert store.samples.count() == 5
    assert store.samples.ids(SampleFilter(split="train")) == ids[1::2]
    assert store.samples.ids(SampleFilter(ids=ids[:3])) == ids[:3]
    assert store.samples.ids(SampleFilter(search="003_")) == [ids[3]]
    assert store.samples.ids(SampleFilter(search="_x")) == ids  # _ is a literal, not a wildcard
    assert set(store.samples.details(ids[:2])) == set(ids[:2])
    assert len(store.samples.rows(limit=2, offset=1)) == 2
    with store.transaction():
        store.samples.set_split(ids[:2], "test")
        added = store.samples.add_many([("b/1.png", "shb1", 1, 1, "none"), ("b/2.png", "shb2", 1, 1, "none")])
    assert added == 2
    assert store.samples.get(ids[0]).split == "test"
    assert store.samples.by_sha256("shb2").path == "b/2.png"


def test_tags_stats_audit_and_analytics(any_project):
    store = any_project.store
    ids = _samples(store)
    cat, dog = (store.labels.by_name(n).id for n in ("cat", "dog"))
    user = any_project.signed_in_user or "lara"
    write_tag(store, ids[0], cat, user)
    write_tag(store, ids[1], dog, user)
    write_tag(store, ids[1], cat, user)
    write_tag(store, ids[2], cat, user)
    write_tag(store, ids[2], None, user)
    summary = store.stats.summary()
    assert summary["labels"] == {"cat": 2, "dog": 0}
    assert summary["status"]["labeled"] == 2
    assert store.samples.progress_counts() == (2, 5)
    assert store.samples.ids(SampleFilter(label_id=cat)) == ids[:2]
    assert store.samples.ids(SampleFilter(unlabeled_only=True)) == ids[2:]
    entries = store.audit.list(sample_id=ids[1])
    assert [e.action for e in entries if e.action == "tag"] == ["tag", "tag"]
    assert entries[0].user == user
    dist = store.analytics.distribution()
    assert dist.class_totals == {cat: 2}
    with store.transaction():
        store.samples.set_split([ids[0]], "test")  # the tally follows the split
    assert store.analytics.class_by_split().get("test") == {cat: 1}
    assert store.analytics.labels_per_day()[user]


def test_annotations_restore_and_counts(any_project):
    store = any_project.store
    (sid,) = _samples(store, 1)
    user = any_project.signed_in_user or "lara"
    with store.transaction():
        aid = store.annotations.add(sid, "box", 1, user, geometry={"x": 1}, data=b"\x00\x01")
    gone: Annotation | None = store.annotations.get(aid)
    assert gone is not None and gone.data == b"\x00\x01" and gone.geometry == {"x": 1}
    with store.transaction():
        store.annotations.delete(aid)
    assert store.annotations.count_for_sample(sid) == 0
    with store.transaction():
        store.annotations.restore(gone)
    assert store.annotations.get(aid) == gone
    assert store.annotations.count_for_sample(sid, "box") == 1


def test_transactions_roll_back_and_savepoints(any_project):
    store = any_project.store
    with pytest.raises(RuntimeError), store.transaction():
        store.meta.set("x", "1")
        raise RuntimeError
    assert store.meta.get("x") is None
    with store.transaction():
        store.meta.set("y", "1")
        with pytest.raises(RuntimeError), store.transaction():
            store.meta.set("z", "1")
            raise RuntimeError
    assert (store.meta.get("y"), store.meta.get("z")) == ("1", None)


def test_escalation_flow_and_votes(any_project):
    store = any_project.store
    ids = _samples(store, 3)
    team = any_project.signed_in_user
    lead = team or "leo"
    raiser = team or "lara"
    e = esc.escalate(store, ids[0], "ambiguous class", raiser, note="hm", proposed_label_id=1)
    assert esc.list_escalations(store, "open")[0].id == e.id
    done = esc.resolve(store, e.id, 2, lead, note="dog it is")
    assert (done.state, done.resolved_by, done.resolution_label_id) == ("resolved", lead, 2)
    assert store.annotations.tag_of(ids[0]).label_id == 2
    assert store.review.escalations.counts() == {"resolved": 1}
    with store.transaction():
        store.review.votes.set(ids[1], raiser, 1)
    assert store.review.votes.single_vote_samples("nobody") == [ids[1]]
    assert store.review.votes.single_vote_samples(raiser) == []


def test_models_and_predictions(any_project):
    store = any_project.store
    ids = _samples(store, 3)
    with store.transaction():
        model = store.models.add(NewModel(task="classify", architecture="tiny", state="ready", label_map=[]))
        rows = [
            {"sample_id": i, "label_id": 1, "score": 0.5 + i / 10, "probabilities": np.array([0.4, 0.6]),
             "embedding": np.ones(4), "in_training": True}
            for i in ids
        ]  # fmt: skip
        store.predictions.put_many(model.version, rows)
        store.predictions.put_many(model.version, rows[:1])  # replaces, not duplicates
    with store.transaction():
        store.models.set_active(model.version)
    assert store.models.active().version == model.version
    arrays = store.predictions.arrays(model.version)
    assert len(arrays) == 3 and arrays.probabilities.shape == (3, 2) and bool(arrays.in_training.all())
    assert store.predictions.active_label(ids[0]) == 1
    assert store.samples.rows()[0]["pred_label_id"] == 1
    assert sum(store.analytics.confidence_histogram(model.version, 10)) == 3
    assert store.predictions.embeddings_of(model.version, ids[:2]).shape == (2, 4)
