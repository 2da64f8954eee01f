"""Distribution queries: the trigger-kept tally matches the annotations, ids behind bars are right."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from s2ide.core.engine.compare import compare, evaluate
from s2ide.core.errors import InvalidInputError
from s2ide.core.labeling.tags import set_tag
from s2ide.core.store.analytics import imbalance_ratio
from tests.engineer_data import add_model, add_samples, tag_all


def truth(store) -> Counter:
    """(split, label_id, source, author) counts, computed from the annotations themselves."""
    counts: Counter = Counter()
    for row in store.samples.rows():
        for ann in store.annotations.for_sample(row["id"]):
            counts[(row["split"], ann.label_id, ann.source, ann.author)] += 1
    return counts


def tally(store) -> Counter:
    counts: Counter = Counter()
    for split, per_label in store.analytics.class_by_split().items():
        for label_id, n in per_label.items():
            counts[(split, label_id)] += n
    return counts


def test_tally_follows_every_kind_of_write(project) -> None:
    store = project.store
    cat, dog = (label.id for label in store.labels.list())
    ids = add_samples(project, 30, "train")
    rng = random.Random(1)
    for _step in range(200):
        sample_id = rng.choice(ids)
        action = rng.random()
        with store.transaction():
            if action < 0.4:
                store.annotations.add(
                    sample_id,
                    "box",
                    rng.choice([cat, dog]),
                    rng.choice(["lara", "leo"]),
                    geometry={"x": 1, "y": 1, "w": 2, "h": 2},
                    source=rng.choice(["human", "import"]),
                )
            elif action < 0.55:
                set_tag(store, sample_id, rng.choice([cat, dog, None]), "lara")
            elif action < 0.7:
                anns = store.annotations.for_sample(sample_id)
                if anns:
                    store.annotations.update(anns[0].id, label_id=rng.choice([cat, dog]), author="eng")
            elif action < 0.8:
                anns = store.annotations.for_sample(sample_id)
                if anns:
                    store.annotations.delete(anns[-1].id)
            else:
                store.samples.set_split([sample_id], rng.choice(["train", "val", "test", "none"]))
    expected: Counter = Counter()
    sources: Counter = Counter()
    for (split, label_id, source, _author), n in truth(store).items():
        expected[(split, label_id)] += n
        sources[source] += n
    assert tally(store) == +expected
    per_day: Counter = Counter()
    for row in store.samples.rows():
        for ann in store.annotations.for_sample(row["id"]):
            if ann.source != "import":
                per_day[(ann.author, ann.updated_at[:10])] += 1
    found = Counter({(a, d): n for a, days in store.analytics.labels_per_day().items() for d, n in days.items()})
    assert found == +per_day
    assert store.analytics.source_counts() == dict(+sources)
    assert store.stats.summary()["annotations"] == sum(sources.values())
    # deleting a sample takes its annotations out of the counts too
    victim = ids[0]
    gone = Counter(ann.label_id for ann in store.annotations.for_sample(victim))
    before = store.analytics.distribution().class_totals
    with store.transaction():
        store.conn.execute("DELETE FROM samples WHERE id = ?", (victim,))  # what a future "remove" does
    after = store.analytics.distribution().class_totals
    for label_id, n in gone.items():
        assert after.get(label_id, 0) == before[label_id] - n


def test_distribution_and_bar_ids(filled_project) -> None:
    store = filled_project.store
    cat, dog = (label.id for label in store.labels.list())
    dist = store.analytics.distribution()
    assert dist.class_totals == {cat: 3, dog: 2}
    assert dist.sources == {"import": 5}
    assert dist.per_day == {}  # imports are not anybody's labeling work
    assert dist.status["labeled"] == 5
    assert dist.model_version is None and dist.confidence == []
    sample = store.analytics.class_split_ids(dog)[0]
    set_tag(store, sample, cat, "lara")
    dist = store.analytics.distribution()
    assert dist.class_totals == {cat: 4, dog: 1}
    (day,) = dist.per_day["lara"]
    assert store.analytics.day_ids("lara", day) == [sample]
    assert store.analytics.source_ids("human") == [sample]
    split = store.samples.get(sample).split
    assert sample in store.analytics.class_split_ids(cat, split)
    assert store.analytics.status_ids("labeled") == store.samples.ids()
    assert imbalance_ratio(dist.class_totals) == 4.0
    assert imbalance_ratio({cat: 3}) == 1.0 and imbalance_ratio({cat: 3, dog: 0}) == float("inf")


def test_confidence_histogram_and_confusion_ids(project) -> None:
    store = project.store
    cat, dog = (label.id for label in store.labels.list())
    ids = add_samples(project, 4)
    tag_all(project, ids, [cat, cat, dog, dog])
    probs = np.array([[0.95, 0.05], [0.3, 0.7], [0.45, 0.55], [0.8, 0.2]])
    add_model(project, "v1", ids, probs)
    dist = store.analytics.distribution(bins=10)
    assert dist.model_version == "v1"
    assert sum(dist.confidence) == 4 and dist.confidence[9] == 1 and dist.confidence[5] == 1
    assert store.analytics.confidence_ids("v1", 9, bins=10) == [ids[0]]
    for bins in (3, 10, 20):  # every sample lands in exactly one bin, the same one both ways
        hist = store.analytics.confidence_histogram("v1", bins)
        per_bin = [store.analytics.confidence_ids("v1", i, bins) for i in range(bins)]
        assert [len(found) for found in per_bin] == hist
        assert sorted(i for found in per_bin for i in found) == sorted(ids)
    assert store.analytics.confusion_ids("v1", cat, dog) == [ids[1]]
    assert store.analytics.confusion_ids("v1", dog, cat) == [ids[3]]
    assert store.analytics.confusion_ids("v1", dog, cat, split="train") == []
    with pytest.raises(InvalidInputError):
        store.analytics.confidence_histogram("v1", bins=0)


def test_evaluate_and_compare(project) -> None:
    store = project.store
    cat, dog = (label.id for label in store.labels.list())
    ids = add_samples(project, 6)
    tag_all(project, ids, [cat, cat, cat, dog, dog, dog])
    a = np.array([[0.9, 0.1], [0.8, 0.2], [0.4, 0.6], [0.3, 0.7], [0.6, 0.4], [0.2, 0.8]])
    b = np.array([[0.9, 0.1], [0.3, 0.7], [0.9, 0.1], [0.3, 0.7], [0.1, 0.9], [0.2, 0.8]])
    add_model(project, "v1", ids, a, active=False)
    add_model(project, "v2", ids, b)
    ev = evaluate(store, "v1")
    assert ev.n == 6 and ev.accuracy == pytest.approx(4 / 6)
    assert ev.confusion.tolist() == [[2, 1], [1, 2]]
    assert ev.cell_ids(0, 1) == [ids[2]] and ev.cell_ids(1, 0) == [ids[4]]
    assert ev.calibration.counts.sum() == 6
    assert evaluate(store, "v1", "train").n == 0
    cmp = compare(store, "v1", "v2")
    assert cmp.fixed == [ids[2], ids[4]] and cmp.broken == [ids[1]] and cmp.common == 6
    assert cmp.metric_rows()[0] == ("accuracy", pytest.approx(4 / 6), pytest.approx(5 / 6))
    # a relabel changes the evaluation at once
    set_tag(store, ids[2], dog, "lara")
    assert evaluate(store, "v1").accuracy == pytest.approx(5 / 6)
