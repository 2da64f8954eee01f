"""The detector's object confusion matrix: matched-but-wrong-class, missed and spurious boxes
per class pair, with the images behind each cell, on hand-made boxes and from a project."""

from __future__ import annotations

import json

import numpy as np

from s2ide.core.engine.detection_confusion import confusion_from, detection_confusion, match_objects
from s2ide.core.engine.detection_metrics import ImageBoxes, image_errors
from s2ide.core.labeling.done import mark_done
from s2ide.core.labeling.tags import set_tag
from s2ide.core.store.models import NewModel

CAR, TREE = 0, 1


def _boxes(rows, scores=None):
    boxes = np.array([r[:4] for r in rows], dtype=np.float64).reshape(-1, 4)
    classes = np.array([r[4] for r in rows], dtype=np.int64)
    return ImageBoxes(boxes, classes, None if scores is None else np.array(scores, dtype=np.float64))


# image 1: a car found, a tree boxed as a car, a spurious tree, a faint box under the floor
TRUTH_1 = _boxes([(0, 0, 10, 10, CAR), (20, 20, 40, 40, TREE)])
DET_1 = _boxes([(0, 0, 10, 11, CAR), (21, 20, 40, 40, CAR), (60, 60, 70, 70, TREE), (80, 80, 90, 90, CAR)],
               [0.9, 0.8, 0.7, 0.2])  # fmt: skip
# image 2: one car missed, the other found
TRUTH_2 = _boxes([(0, 0, 10, 10, CAR), (50, 50, 60, 60, CAR)])
DET_2 = _boxes([(50, 50, 60, 61, CAR)], [0.95])


def test_match_objects_agrees_with_the_mistakes_count() -> None:
    pairs = match_objects(TRUTH_1, DET_1, 0.5)
    assert sorted(pairs) == sorted([(CAR, CAR), (TREE, CAR), (-1, TREE)])
    missed, false, wrong = image_errors(TRUTH_1, DET_1, 0.5)
    assert (missed, false, wrong) == (0, 1, 1)
    assert match_objects(TRUTH_2, DET_2, 0.5) == [(CAR, CAR), (CAR, -1)]


def test_matrix_rows_labels_columns_predictions_with_background_and_cells() -> None:
    result = confusion_from("v1", "test", ["car", "tree"], [(11, TRUTH_1, DET_1), (12, TRUTH_2, DET_2)], 0.5)
    # rows: car, tree, background (a box over nothing); columns: car, tree, background (missed)
    assert result.matrix.tolist() == [[2, 0, 1], [1, 0, 0], [0, 1, 0]]
    assert result.errors() == {"missed": 1, "spurious": 1, "wrong_class": 1, "correct": 2}
    assert result.cell_ids(0, 0) == [11, 12]
    assert result.cell_ids(1, 0) == [11]  # the tree boxed as a car
    assert result.cell_ids(0, 2) == [12]  # the missed car
    assert result.cell_ids(2, 1) == [11]  # the spurious tree
    assert result.cell_ids(1, 1) == []
    assert result.cell_title(0, 2) == "v1: missed car objects"
    assert result.cell_title(2, 1) == "v1: spurious tree boxes (over background)"
    assert result.cell_title(1, 0) == "v1: tree boxed as car"
    # a lower floor lets the faint car box in: one more spurious car
    assert confusion_from("v1", "test", ["car", "tree"], [(11, TRUTH_1, DET_1)], 0.1).matrix[2, 0] == 1


def detect_project_with_boxes(project):
    """The project as a detect project: 3 test images (2 done) with labeled and predicted boxes;
    image 0: a car found and a tree boxed as a car; image 1: a car missed; image 2: not done."""
    store = project.store
    ids = store.samples.ids()
    for sid in ids:
        set_tag(store, sid, None, "lara")
    labels = store.labels.list()
    car, tree = labels[0].id, labels[1].id
    truth = [(ids[0], car, (0, 0, 10, 10)), (ids[0], tree, (20, 20, 20, 20)), (ids[1], car, (5, 5, 10, 10))]
    with store.transaction():
        store.meta.set("task", "detect")
        store.samples.set_split(ids[:3], "test")
        store.samples.set_split(ids[3:], "train")
        for sid, label, (x, y, w, h) in truth:
            store.annotations.add(sid, "box", label, "lara", geometry={"x": x, "y": y, "w": w, "h": h, "angle": 0})

    def box(label, x, y, w, h, score):
        return {"kind": "box", "label_id": label, "score": score, "x": x, "y": y, "w": w, "h": h, "angle": 0}

    version = add_shape_model(
        store,
        "detect",
        {
            ids[0]: [box(car, 0, 0, 10, 10, 0.9), box(car, 20, 20, 20, 20, 0.8)],
            ids[1]: [],
            ids[2]: [box(tree, 0, 0, 5, 5, 0.9)],  # not done: left out
        },
    )
    for sid in ids[:2]:
        mark_done(store, sid, "lara")
    return ids, labels, version


def add_shape_model(store, task: str, shapes: dict[int, list[dict]], metrics: dict | None = None) -> str:
    """A ready detector or segmenter version over the project's labels whose stored predictions
    are `shapes` per sample id; its version."""
    labels = store.labels.list()
    architecture = "s2ide-centernet" if task == "detect" else "s2ide-unet"
    label_map = [{"id": label.id, "name": label.name} for label in labels]
    with store.transaction():
        model = store.models.add(
            NewModel(task, architecture, label_map=label_map, state="ready", metrics=metrics or {})
        )
        store.predictions.put_many(model.version, [{"sample_id": sid, "label_id": labels[0].id} for sid in shapes])
        store.predictions.put_geometry(model.version, [(sid, json.dumps(items)) for sid, items in shapes.items()])
    return model.version


def test_from_a_project_counts_done_images_of_the_split(filled_project) -> None:
    store = filled_project.store
    ids, labels, version = detect_project_with_boxes(filled_project)
    result = detection_confusion(store, version, "test", score_floor=0.5)
    assert result.images == 2 and result.label_names == [labels[0].name, labels[1].name]
    k = len(labels)
    assert result.matrix[0, 0] == 1 and result.matrix[1, 0] == 1 and result.matrix[0, k] == 1
    assert result.matrix.sum() == 3
    assert result.cell_ids(0, k) == [ids[1]]
    assert detection_confusion(store, version, "train", score_floor=0.5).images == 0
