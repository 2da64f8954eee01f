"""Model tests and slices: who may define them, what a filter slice follows, the suite's verdicts."""

from __future__ import annotations

import pytest

from s2ide.core.engine.model_tests import (
    delete_slice,
    pin_sample,
    run_suite,
    save_filter_slice,
    save_slice,
    slice_sample_ids,
    unpin,
)
from s2ide.core.errors import InvalidInputError, PermissionDenied
from tests.engineer_data import add_samples, tag_all


def test_slices_by_list_and_by_filter_and_who_may_save_them(project) -> None:
    store = project.store
    cat, dog = (label.id for label in store.labels.list())
    ids = add_samples(project, 5)
    tag_all(project, ids, [cat, cat, dog, dog, dog])
    with pytest.raises(PermissionDenied):
        save_slice(store, "night", ids[:2], "lara")
    first = save_slice(store, "night", ids[:2], "leo", minimum=0.8, note="dark")
    assert save_slice(store, "night", ids[:3], "eng") == first  # the same name replaces the list
    assert slice_sample_ids(store, store.slices.by_name("night")) == ids[:3]
    save_filter_slice(store, "dogs", {"label_id": dog, "split": "test", "search": ""}, "eng", metric="macro_f1")
    dogs = store.slices.by_name("dogs")
    assert dogs.definition == {"label_id": dog, "split": "test"} and dogs.metric == "macro_f1"
    assert slice_sample_ids(store, dogs) == ids[2:]
    tag_all(project, [ids[0]], [dog])  # a filter slice follows the data
    assert slice_sample_ids(store, dogs) == [ids[0], *ids[2:]]
    with pytest.raises(InvalidInputError):
        save_slice(store, "x", [], "eng")
    with pytest.raises(InvalidInputError):
        save_slice(store, "x", ids, "eng", minimum=1.5)
    with pytest.raises(InvalidInputError):
        save_filter_slice(store, "x", {"split": "nowhere"}, "eng")
    delete_slice(store, "dogs", "eng")
    assert [s.name for s in store.slices.list()] == ["night"]
    actions = [entry.action for entry in store.audit.list(entity="slice")]
    assert actions.count("save slice") == 3 and "delete slice" in actions


def test_suite_verdicts_for_tests_and_slices(project) -> None:
    store = project.store
    cat, dog = (label.id for label in store.labels.list())
    ids = add_samples(project, 4)
    tag_all(project, ids, [cat, cat, dog, dog])
    must = pin_sample(store, ids[0], "cat", "eng", note="easy")
    pin_sample(store, ids[1], dog, "eng", kind="must_not_be")
    save_slice(store, "all", ids, "eng", minimum=0.75)
    save_slice(store, "unlabeled", add_samples(project, 1, start=50), "eng", minimum=0.9)
    good = run_suite(store, "v1", {ids[0]: cat, ids[1]: cat, ids[2]: dog, ids[3]: dog})
    assert good.passed and good.summary() == "4 model tests and slices passed"
    bad = run_suite(store, "v2", {ids[0]: dog, ids[1]: dog, ids[2]: dog, ids[3]: None})
    assert not bad.passed
    tests = {t["id"]: t for t in bad.tests}
    assert tests[must.id]["got"] == "dog" and tests[must.id]["expected"] == "must be cat"
    slices = {s["name"]: s for s in bad.slices}
    assert slices["all"]["value"] == pytest.approx(1 / 3) and slices["all"]["n"] == 3 and not slices["all"]["passed"]
    assert slices["unlabeled"]["value"] is None and slices["unlabeled"]["passed"]  # nothing to measure
    assert "3 of 4 model tests and slices failed" in bad.summary()
    with pytest.raises(InvalidInputError, match="unknown label"):
        pin_sample(store, ids[0], "horse", "eng")
    with pytest.raises(PermissionDenied):
        unpin(store, must.id, "lara")
    unpin(store, must.id, "eng")
    assert len(store.model_tests.list()) == 1
