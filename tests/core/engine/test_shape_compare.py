"""Two detectors (or segmenters) side by side: images fixed and broken by object errors, the
stored headline and per-class figures, the CLI's `compare` for them, and a mixed pair refused."""

from __future__ import annotations

import json

import pytest

from s2ide.cli import main
from s2ide.core.engine.shape_compare import shape_version_report
from s2ide.core.errors import InvalidInputError
from s2ide.core.store.models import NewModel
from tests.core.engine.test_detection_confusion import add_shape_model, detect_project_with_boxes


def _box(label, x, y, w, h, score=0.9):
    return {"kind": "box", "label_id": label, "score": score, "x": x, "y": y, "w": w, "h": h, "angle": 0}


def second_detector(project, ids, labels, metrics):
    """v2 finds the car of image 1 that v1 missed, boxes image 0's tree as a tree (v1: as a car)
    and adds a spurious car on image 0. Object errors: image 0 1 -> 1, image 1 1 -> 0."""
    car, tree = labels[0].id, labels[1].id
    shapes = {
        ids[0]: [_box(car, 0, 0, 10, 10), _box(tree, 20, 20, 20, 20), _box(car, 60, 60, 5, 5)],
        ids[1]: [_box(car, 5, 5, 10, 10)],
    }
    return add_shape_model(project.store, "detect", shapes, metrics)


def test_fixed_and_broken_images_by_object_errors_and_the_stored_figures(filled_project) -> None:
    store = filled_project.store
    ids, labels, v1 = detect_project_with_boxes(filled_project)
    with store.transaction():
        store.models.update(v1, metrics={"test": {"map": 0.30, "ap50": 0.50, "ap75": 0.20,
                                                  "per_class": {labels[0].name: {"ap50": 0.6}}}})  # fmt: skip
    metrics = {"test": {"map": 0.45, "ap50": 0.80, "ap75": 0.40, "per_class": {labels[0].name: {"ap50": 0.9}}}}
    v2 = second_detector(filled_project, ids, labels, metrics)
    report = shape_version_report(store, v1, v2, "test")
    # v1: image 0 a car right + a tree boxed as a car (1 error), image 1 a missed car (1 error)
    assert report.errors[ids[0]] == (1, 1)  # the tree now right, a spurious car instead
    assert report.errors[ids[1]] == (1, 0)
    assert report.fixed == [ids[1]] and report.broken == []
    assert report.metrics["ap50"] == {"a": 0.50, "b": 0.80}
    assert ("ap50 " + labels[0].name, 0.6, 0.9) in report.metric_rows()
    reverse = shape_version_report(store, v2, v1, "test")
    assert reverse.broken == [ids[1]] and reverse.fixed == []


def test_compare_cli_json_for_detectors_and_a_mixed_pair_refused(filled_project, capsys) -> None:
    store = filled_project.store
    ids, labels, v1 = detect_project_with_boxes(filled_project)
    v2 = second_detector(filled_project, ids, labels, {})
    assert main(["compare", str(filled_project.path), v1, v2, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["task"] == "detect" and out["fixed"] == [ids[1]] and out["n_common"] == 2
    assert out["errors"] == {"a": 2, "b": 1}
    with store.transaction():
        classifier = store.models.add(NewModel("classify", "s2ide-resnet", label_map=[], state="ready"))
    with pytest.raises(InvalidInputError, match="not two detectors or two segmenters"):
        shape_version_report(store, v1, classifier.version)
