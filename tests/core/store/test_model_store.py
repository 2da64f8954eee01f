"""The models and predictions repositories."""

from __future__ import annotations

import numpy as np
import pytest

from s2ide.core.errors import InvalidInputError
from s2ide.core.labeling.tags import set_tag
from s2ide.core.store.models import NewModel, UnknownModelError


def _model(store, state="ready", accuracy=0.5):
    with store.transaction():
        return store.models.add(
            NewModel(
                task="classify",
                architecture="resnet",
                label_map=[{"id": label.id, "name": label.name} for label in store.labels.list()],
                metrics={"validation": {"accuracy": accuracy}},
                trained_on=3,
                state=state,
            )
        )


def test_versions_number_up_and_one_is_active(project) -> None:
    store = project.store
    first = _model(store)
    second = _model(store)
    assert (first.version, second.version) == ("v1", "v2")
    assert store.models.active() is None
    with store.transaction():
        assert store.models.set_active("v1") is None
        assert store.models.set_active("v2").version == "v1"
    assert store.models.active().version == "v2"
    assert [m.state for m in store.models.list()] == ["active", "ready"]
    assert store.models.get("v2").val_score == 0.5
    with pytest.raises(UnknownModelError, match="v9"):
        store.models.get("v9")


def test_a_failed_model_cannot_be_activated(project) -> None:
    store = project.store
    _model(store, state="failed")
    with pytest.raises(InvalidInputError, match="failed"):
        store.models.set_active("v1")


def test_predictions_round_trip_and_arrays(filled_project) -> None:
    store = filled_project.store
    model = _model(store)
    ids = store.samples.ids()
    rows = [
        {
            "sample_id": sid,
            "label_id": model.label_ids[i % 2],
            "score": 0.6 + 0.1 * i,
            "probabilities": np.array([0.6, 0.4], dtype=np.float32),
            "least_confidence": 0.4,
            "margin": 0.2,
            "entropy": 0.67,
            "loss": 0.5 if i == 0 else None,
            "embedding": np.arange(4, dtype=np.float32) + i,
            "in_training": i < 2,
        }
        for i, sid in enumerate(ids)
    ]
    with store.transaction():
        store.predictions.put_many(model.version, rows)
    got = store.predictions.get(ids[0], model.version)
    assert got is not None and got.probabilities.tolist() == pytest.approx([0.6, 0.4])
    assert got.embedding.dtype == np.float16 and got.embedding.tolist() == [0, 1, 2, 3]
    assert got.loss == 0.5 and got.in_training
    arrays = store.predictions.arrays(model.version)
    assert len(arrays) == len(ids) and arrays.probabilities.shape == (len(ids), 2)
    assert np.isnan(arrays.loss[1]) and arrays.in_training.tolist()[:3] == [True, True, False]
    assert arrays.embeddings.shape == (len(ids), 4)
    # a few embeddings by sample id, in the order asked; None if one has no prediction
    some = store.predictions.embeddings_of(model.version, [ids[2], ids[0]])
    assert some is not None and some.dtype == np.float32 and some[:, 0].tolist() == [2, 0]
    assert store.predictions.embeddings_of(model.version, [ids[0], 10**9]) is None
    assert store.predictions.embeddings_of(model.version, []) is None
    assert store.predictions.active_for_sample(ids[0]) is None
    with store.transaction():
        store.models.set_active(model.version)
    assert store.predictions.active_label(ids[1]) == model.label_ids[1]


def test_set_tag_records_agreement_with_the_active_model(filled_project) -> None:
    store = filled_project.store
    model = _model(store)
    sid = store.samples.ids()[0]
    cat, dog = model.label_ids
    with store.transaction():
        store.predictions.put_many(model.version, [{"sample_id": sid, "label_id": dog, "score": 0.9}])
    set_tag(store, sid, cat, "lara")
    assert store.annotations.tag_of(sid).agreed_with_prediction is None  # no active model yet
    with store.transaction():
        store.models.set_active(model.version)
    set_tag(store, sid, cat, "lara")
    assert store.annotations.tag_of(sid).agreed_with_prediction is False
    set_tag(store, sid, dog, "lara", source="model-accepted")
    tag = store.annotations.tag_of(sid)
    assert tag.agreed_with_prediction is True and tag.source == "model-accepted"


def test_mistakes_are_ordered_by_loss(filled_project) -> None:
    store = filled_project.store
    model = _model(store)
    cat, dog = model.label_ids
    rows = store.samples.rows()
    preds = []
    for i, row in enumerate(rows):
        wrong = dog if row["label_id"] == cat else cat
        preds.append({"sample_id": row["id"], "label_id": wrong if i < 3 else row["label_id"], "loss": float(i)})
    with store.transaction():
        store.predictions.put_many(model.version, preds)
    mistakes = store.predictions.mistakes(model.version)
    assert [m["id"] for m in mistakes] == [rows[2]["id"], rows[1]["id"], rows[0]["id"]]
