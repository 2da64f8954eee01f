"""Version report: per class and slice, pinned tests that flipped, predictions that changed."""

from __future__ import annotations

import json

import numpy as np

from s2ide.cli import main
from s2ide.core.engine.compare import version_report
from s2ide.core.engine.model_tests import pin_sample, run_suite, save_slice
from tests.engineer_data import add_model, add_samples, tag_all


def test_report_names_what_changed_between_two_versions(project, capsys) -> None:
    store = project.store
    cat, dog = (label.id for label in store.labels.list())
    ids = add_samples(project, 4)
    tag_all(project, ids, [cat, cat, dog, dog])
    a = np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.6, 0.4]])  # right, wrong, right, wrong
    b = np.array([[0.9, 0.1], [0.7, 0.3], [0.6, 0.4], [0.1, 0.9]])  # right, right, wrong, right
    add_model(project, "v1", ids, a, active=False)
    add_model(project, "v2", ids, b)
    pin_sample(store, ids[1], "cat", "eng", note="was broken")
    save_slice(store, "dogs", ids[2:], "eng", minimum=0.5)
    for version, probs in (("v1", a), ("v2", b)):
        predicted = {i: (cat if p[0] > p[1] else dog) for i, p in zip(ids, probs)}
        suite = run_suite(store, version, predicted)
        model = store.models.get(version)
        store.models.update(version, metrics={**model.metrics, "suite": suite.as_json()})
    report = version_report(store, "v1", "v2")
    assert report.comparison.fixed == [ids[1], ids[3]] and report.comparison.broken == [ids[2]]
    assert [c["sample_id"] for c in report.changed] == [ids[1], ids[2], ids[3]]
    assert report.flipped_tests[0]["sample_id"] == ids[1]
    assert report.flipped_tests[0]["passed_a"] is False and report.flipped_tests[0]["passed_b"] is True
    dogs = report.slices[0]
    assert dogs["name"] == "dogs" and dogs["a"] == 0.5 and dogs["b"] == 0.5
    cat_row = next(r for r in report.per_class if r["label"] == "cat")
    assert cat_row["recall"] == {"a": 0.5, "b": 1.0}
    assert main(["compare", str(project.path), "v1", "v2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["a"] == "v1" and len(out["changed_predictions"]) == 3 and len(out["flipped_tests"]) == 1
    assert main(["compare", str(project.path), "v1", "v2"]) == 0
    assert "slice dogs" in capsys.readouterr().out


def test_must_find_is_kept_as_data_and_judged_by_found_boxes(project) -> None:
    from s2ide.core.errors import InvalidInputError

    store = project.store
    cat, dog = (label.id for label in store.labels.list())
    ids = add_samples(project, 2)
    test = pin_sample(store, ids[0], "dog", "eng", kind="must_find", region=[10, 10, 20, 20], note="dog by the door")
    assert store.model_tests.get(test.id).region == [10, 10, 20, 20]
    found = {ids[0]: [(dog, [12, 11, 20, 19])]}
    assert run_suite(store, "v9", {}, found).tests[0]["passed"] is True
    missed = {ids[0]: [(dog, [100, 100, 20, 20]), (cat, [10, 10, 20, 20])]}
    result = run_suite(store, "v9", {}, missed)
    assert result.tests[0]["passed"] is False and result.tests[0]["got"] == "cat, dog"
    assert run_suite(store, "v9", {ids[0]: dog}).tests[0]["passed"] is True  # classification reads it as "must be"
    try:
        pin_sample(store, ids[1], "dog", "eng", kind="must_find", region=[0, 0, -1, 5])
    except InvalidInputError as exc:
        assert "positive width" in str(exc)
    else:
        raise AssertionError("a bad region was accepted")
