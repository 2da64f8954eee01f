"""Sampling strategies on hand-made probabilities with known answers, and the project queue."""

from __future__ import annotations

import numpy as np
import pytest

from s2ide.core.engine.ml_settings import LoopSettings, save_loop_settings
from s2ide.core.engine.sampling import (
    YOUNG_MODEL_LABELS_PER_CLASS,
    Strategy,
    batch_spread_order,
    build_queue,
    cross_entropy,
    diversity_order,
    entropy,
    get_strategy,
    k_center_greedy,
    k_means,
    least_confidence,
    margin,
    set_strategy,
    uncertainty_order,
)
from s2ide.core.errors import InvalidInputError, PermissionDenied
from s2ide.core.labeling.tags import set_tag
from s2ide.core.store.models import NewModel

# row 0: sure; row 1: two-way tie; row 2: spread over three; row 3: fairly sure
PROBS = np.array(
    [
        [0.98, 0.01, 0.01],
        [0.50, 0.49, 0.01],
        [0.34, 0.33, 0.33],
        [0.80, 0.15, 0.05],
    ]
)


def test_uncertainty_measures() -> None:
    assert least_confidence(PROBS).tolist() == pytest.approx([0.02, 0.50, 0.66, 0.20])
    assert margin(PROBS).tolist() == pytest.approx([0.97, 0.01, 0.01, 0.65])
    assert entropy(PROBS)[2] == pytest.approx(np.log(3), abs=1e-3)
    assert cross_entropy(PROBS, np.array([0, -1, 2, 1]))[[0, 2, 3]].tolist() == pytest.approx(
        [-np.log(0.98), -np.log(0.33), -np.log(0.15)]
    )
    assert np.isnan(cross_entropy(PROBS, np.array([0, -1, 2, 1]))[1])


def test_orders_put_the_most_uncertain_first() -> None:
    assert uncertainty_order(Strategy.LEAST_CONFIDENCE, PROBS).tolist() == [2, 1, 3, 0]
    assert uncertainty_order(Strategy.MARGIN, PROBS).tolist() == [1, 2, 3, 0]  # tie kept in order
    assert uncertainty_order(Strategy.ENTROPY, PROBS).tolist() == [2, 1, 3, 0]
    with pytest.raises(InvalidInputError):
        uncertainty_order(Strategy.RANDOM, PROBS)


def test_margin_and_entropy_disagree_where_they_should() -> None:
    # a near tie of two classes (small margin, low entropy) against mass spread thin over four
    probs = np.array([[0.5, 0.45, 0.05, 0.0], [0.4, 0.2, 0.2, 0.2]])
    assert uncertainty_order(Strategy.MARGIN, probs).tolist() == [0, 1]
    assert uncertainty_order(Strategy.ENTROPY, probs).tolist() == [1, 0]


def test_k_center_picks_spread_out_points() -> None:
    points = np.array([[0, 0], [0.1, 0], [10, 0], [10.1, 0], [0, 10]], dtype=float)
    picks = k_center_greedy(points, 3)
    assert picks.tolist() == [0, 3, 4]  # 3 is the farthest from 0, then 4 from both
    # with a labeled center near (10, 0) the first pick is the farthest from it
    assert k_center_greedy(points, 1, centers=np.array([[10.0, 0.0]]))[0] == 4


def test_k_means_finds_separated_groups() -> None:
    rng = np.random.default_rng(0)
    centers = np.array([[0, 0], [10, 0], [0, 10]], dtype=float)
    points = np.concatenate([c + rng.normal(0, 0.3, (20, 2)) for c in centers])
    for seed in range(5):
        clusters = k_means(points, 3, seed=seed)
        # each true group lands in one cluster of its own
        assert sorted(len(set(clusters[i * 20 : (i + 1) * 20])) for i in range(3)) == [1, 1, 1]
        assert len(set(clusters.tolist())) == 3
    assert k_means(points, 3, seed=4).tolist() == k_means(points, 3, seed=4).tolist()
    assert k_means(points[:2], 5).tolist() in ([0, 1], [1, 0])  # never more clusters than rows


def test_batch_spread_takes_one_of_each_kind_before_seconds() -> None:
    # rows ranked 0..7 (most uncertain first); 0-3 are near-copies of one image, 4-5 of another,
    # 6-7 of a third: a batch of 3 asks for one of each, not four copies of the first
    emb = np.array([[1, 0, 0]] * 4 + [[0, 1, 0]] * 2 + [[0, 0, 1]] * 2, dtype=float)
    emb += np.random.default_rng(1).normal(0, 0.01, emb.shape)
    order = np.arange(8)
    spread = batch_spread_order(order, emb, batch=3, pool_factor=3)
    assert [0 if r < 4 else 1 if r < 6 else 2 for r in spread[:3]] == [0, 1, 2]  # groups by their top row
    assert [0 if r < 4 else 1 if r < 6 else 2 for r in spread[3:6]] == [0, 1, 2]
    assert sorted(spread.tolist()) == list(range(8))
    # rows past the pool keep their rank; a batch of one is plain ranking
    assert batch_spread_order(order, emb, batch=2, pool_factor=2)[4:].tolist() == [4, 5, 6, 7]
    assert batch_spread_order(order, emb, batch=1).tolist() == order.tolist()


def test_batch_spread_can_take_a_groups_typical_sample_before_its_odd_one() -> None:
    # one group of five look-alikes: the most uncertain row (0) sits at the group's edge, row 3
    # at its centre (the mean of the group is 0.04); for a young model a label on the centre
    # speaks for the group, so it goes first
    emb = np.array([[1, 0.30], [1, -0.20], [1, -0.10], [1, 0.05], [1, 0.15]], dtype=float)
    far = np.array([[-1, 5.0], [-1, 5.1], [-1, 4.9]])  # a second group, so the batch has two clusters
    order = np.arange(8)
    assert batch_spread_order(order, np.vstack([emb, far]), batch=2, pool_factor=4)[:2].tolist() == [0, 5]
    spread = batch_spread_order(order, np.vstack([emb, far]), batch=2, pool_factor=4, typical_first=True)
    assert spread[0] == 3  # the centre of the group holding the most uncertain row
    assert spread[1] == 5  # the other group's centre
    assert spread[2:].tolist().index(0) > spread[2:].tolist().index(4)  # the odd one out comes late
    assert sorted(spread.tolist()) == list(range(8))


def test_diversity_chooses_among_the_uncertain_but_spreads() -> None:
    # rows 0-2 uncertain but rows 0 and 1 are the same point; row 3 is sure
    # rows 0-3 are the uncertain pool; 0 and 1 sit on one point; row 4 is sure (and far away)
    probs = np.array([[0.5, 0.5], [0.51, 0.49], [0.55, 0.45], [0.6, 0.4], [0.99, 0.01]])
    emb = np.array([[0, 0], [0, 0.01], [5, 5], [1, 1], [9, 9]], dtype=float)
    order = diversity_order(probs, emb, k=2, pool_factor=2)
    assert order[:2].tolist() == [0, 2]
    assert order.tolist() == [0, 2, 1, 3, 4]


def test_strategy_is_an_engineers_choice(project) -> None:
    assert get_strategy(project.store) is Strategy.MARGIN
    with pytest.raises(PermissionDenied):
        set_strategy(project.store, "entropy", "lara")
    assert set_strategy(project.store, "entropy", "eng") is Strategy.ENTROPY
    assert get_strategy(project.store) is Strategy.ENTROPY
    with pytest.raises(InvalidInputError, match="unknown strategy"):
        set_strategy(project.store, "bogus", "eng")


def _with_predictions(project, probs_by_row):
    """Clear every tag, then store an active model's predictions for each sample."""
    store = project.store
    ids = store.samples.ids()
    for sid in ids:
        set_tag(store, sid, None, "lara")
    labels = store.labels.list()
    with store.transaction():
        model = store.models.add(
            NewModel("classify", "resnet", label_map=[{"id": lb.id, "name": lb.name} for lb in labels], state="ready")
        )
        store.models.set_active(model.version)
        rows = []
        for sid, p in zip(ids, probs_by_row):
            p = np.array(p, dtype=np.float32)
            rows.append(
                {
                    "sample_id": sid,
                    "label_id": labels[int(p.argmax())].id,
                    "score": float(p.max()),
                    "probabilities": p,
                    "embedding": np.array([sid, 0], dtype=np.float32),
                }
            )
        store.predictions.put_many(model.version, rows)
    return ids, labels


def test_queue_follows_the_strategy_and_skips_labeled_and_escalated(filled_project) -> None:
    probs = [[0.9, 0.1], [0.55, 0.45], [0.7, 0.3], [0.51, 0.49], [0.99, 0.01]]
    ids, labels = _with_predictions(filled_project, probs)
    store = filled_project.store
    queue = build_queue(store, Strategy.MARGIN)
    assert [e.sample_id for e in queue] == [ids[3], ids[1], ids[2], ids[0], ids[4]]
    assert queue[0].label_id == labels[0].id and queue[0].score == pytest.approx(0.51)
    set_tag(store, ids[3], labels[0].id, "lara")
    with store.transaction():
        store.samples.set_status(ids[1], "escalated")
    assert [e.sample_id for e in build_queue(store, Strategy.MARGIN, limit=2)] == [ids[2], ids[0]]
    random_a = [e.sample_id for e in build_queue(store, Strategy.RANDOM, seed=1)]
    assert sorted(random_a) == sorted([ids[0], ids[2], ids[4]])
    assert random_a == [e.sample_id for e in build_queue(store, Strategy.RANDOM, seed=1)]


def test_uncertainty_queues_spread_each_batch_over_kinds(filled_project) -> None:
    # five samples nearly tied; samples 0-2 embed as one image, 3-4 as another
    probs = [[0.5, 0.5], [0.51, 0.49], [0.52, 0.48], [0.53, 0.47], [0.54, 0.46]]
    ids, _ = _with_predictions(filled_project, probs)
    store = filled_project.store
    vectors = [[1, 0], [1, 0.01], [1, 0.02], [0, 1], [0.01, 1]]
    with store.transaction():
        for sid, vector in zip(ids, vectors, strict=True):
            store.conn.execute(
                "UPDATE predictions SET embedding = ? WHERE sample_id = ?",
                (np.array(vector, dtype=np.float16).tobytes(), sid),
            )
    plain = [ids[0], ids[1], ids[2], ids[3], ids[4]]
    save_loop_settings(store, LoopSettings(retrain_after=2), "admin")
    for strategy in (Strategy.MARGIN, Strategy.LEAST_CONFIDENCE, Strategy.ENTROPY):
        queue = [e.sample_id for e in build_queue(store, strategy)]
        # the batch of two: one of each kind; the model trained on no labels, so each kind's
        # most typical sample (0-2: the middle one; 3-4 are equally typical, so the more
        # uncertain goes first)
        assert queue[:2] == [ids[1], ids[3]], strategy
        assert sorted(queue) == sorted(plain)
    assert [e.sample_id for e in build_queue(store, Strategy.MARGIN, limit=2)] == [ids[1], ids[3]]
    # a model trained on 10 labels per class is no longer young: each kind's most uncertain first
    model = store.models.active()
    assert model is not None
    with store.transaction():
        store.models.update(model.version, trained_on=YOUNG_MODEL_LABELS_PER_CLASS * len(model.label_ids))
    assert [e.sample_id for e in build_queue(store, Strategy.MARGIN, limit=2)] == [ids[0], ids[3]]
    save_loop_settings(store, LoopSettings(retrain_after=1), "admin")
    assert [e.sample_id for e in build_queue(store, Strategy.MARGIN)] == plain  # a batch of one: pure ranking


def test_long_retrain_intervals_share_a_bounded_number_of_clusters(filled_project, monkeypatch) -> None:
    import s2ide.core.engine.sampling as sampling

    ids, _ = _with_predictions(filled_project, [[0.5, 0.5]] * 5)
    seen: list[int] = []
    real = sampling.batch_spread_order

    def spy(order, embeddings, batch, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(batch)
        return real(order, embeddings, batch, *args, **kwargs)

    monkeypatch.setattr(sampling, "batch_spread_order", spy)
    save_loop_settings(filled_project.store, LoopSettings(retrain_after=5000), "admin")
    assert sorted(e.sample_id for e in build_queue(filled_project.store, Strategy.MARGIN)) == sorted(ids)
    assert seen == [sampling.MAX_SPREAD_CLUSTERS]  # k-means stays ~0.1 s when Next first ranks


def test_disagreement_ranks_contradicted_labels_by_loss(filled_project) -> None:
    probs = [[0.9, 0.1], [0.6, 0.4], [0.7, 0.3], [0.51, 0.49], [0.99, 0.01]]
    ids, labels = _with_predictions(filled_project, probs)
    store = filled_project.store
    cat, dog = labels[0].id, labels[1].id
    for sid in ids[:3]:
        set_tag(store, sid, dog, "lara")  # the model says cat for all three
    set_tag(store, ids[4], cat, "lara")  # agrees
    queue = build_queue(store, Strategy.DISAGREEMENT)
    assert [e.sample_id for e in queue] == [ids[0], ids[2], ids[1]]
    assert queue[0].priority == pytest.approx(-np.log(0.1), rel=1e-4)


def test_queue_without_a_model_keeps_the_default_order(filled_project) -> None:
    store = filled_project.store
    ids = store.samples.ids()
    for sid in ids:
        set_tag(store, sid, None, "lara")
    assert [e.sample_id for e in build_queue(store, Strategy.ENTROPY)] == ids
    assert build_queue(store, Strategy.DISAGREEMENT) == []


def test_diversity_queue_uses_embeddings(filled_project) -> None:
    probs = [[0.5, 0.5]] * 5
    ids, _ = _with_predictions(filled_project, probs)
    queue = build_queue(filled_project.store, Strategy.DIVERSITY, limit=2)
    # embeddings are (sample id, 0): the two ends of the line are farthest apart
    assert {e.sample_id for e in queue} == {ids[0], ids[-1]}
