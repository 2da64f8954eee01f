"""A segmenter's object confusion: instances (masks, polygons) matched to labeled ones by the IoU
of their pixels, on hand-made masks and from a segment project's stored predictions."""

from __future__ import annotations

import base64

import numpy as np

from s2ide.core.engine.detection_confusion import confusion_from, detection_confusion, match_objects
from s2ide.core.engine.mask_objects import GRID, mask_iou, object_masks
from s2ide.core.geometry import encode_mask
from s2ide.core.labeling.done import mark_done
from s2ide.core.labeling.tags import set_tag
from tests.core.engine.test_detection_confusion import add_shape_model

CAR, TREE = 0, 1


def _square(x: int, y: int, side: int, size: int = 100) -> np.ndarray:
    mask = np.zeros((size, size), bool)
    mask[y : y + side, x : x + side] = True
    return mask


def _triangle(size: int = 100) -> np.ndarray:
    """The lower-left half of the image: its box covers the whole image, its pixels half."""
    rows, cols = np.indices((size, size))
    return cols <= rows


def test_pixels_not_boxes_decide_a_match() -> None:
    # a thin diagonal object and a prediction of the other half: their boxes are the same
    # (box IoU 1.0), their pixels barely overlap, so it is one missed and one spurious object
    truth = object_masks([("mask", None, _triangle(), CAR, None)], 100, 100)
    det = object_masks([("mask", None, ~_triangle() | np.eye(100, dtype=bool), CAR, 0.9)], 100, 100)
    assert mask_iou(det.masks, truth.masks)[0, 0] < 0.1
    assert sorted(match_objects(truth, det, 0.5)) == [(-1, CAR), (CAR, -1)]


def test_polygons_and_masks_compare_on_one_grid_and_classes_confuse() -> None:
    square = {"points": [[10, 10], [50, 10], [50, 50], [10, 50]]}
    truth = object_masks(
        [("polygon", square, None, CAR, None), ("mask", None, encode_mask(_square(60, 60, 30)), TREE, None)], 100, 100
    )
    det = object_masks(
        [("mask", None, _square(10, 10, 40), CAR, 0.9), ("mask", None, _square(62, 60, 30), CAR, 0.8),
         ("mask", None, _square(0, 80, 10), TREE, 0.3), ("point", {"x": 1, "y": 1}, None, TREE, 0.9)],
        100, 100,
    )  # fmt: skip
    assert len(det.classes) == 3  # a point is not a segmenter's object
    result = confusion_from("v1", "test", ["car", "tree"], [(7, truth, det)], 0.5, kind="mask")
    assert result.matrix.tolist() == [[1, 0, 0], [1, 0, 0], [0, 0, 0]]  # the faint tree is under the floor
    assert result.cell_title(1, 0) == "v1: tree masked as car"
    assert result.cell_title(2, 1) == "v1: spurious tree masks (over background)"


def test_a_large_image_is_compared_on_a_small_grid() -> None:
    big = np.zeros((2000, 3000), bool)
    big[100:900, 200:1400] = True
    masks = object_masks([("mask", None, big, CAR, None)], 3000, 2000)
    assert masks.masks.shape[1] <= GRID * GRID
    assert abs(masks.masks[0].mean() - big.mean()) < 0.01


def _png(mask: np.ndarray) -> str:
    return base64.b64encode(encode_mask(mask)).decode("ascii")


def segment_project_with_masks(project):
    """The project as a segment project: 2 done test images; image 0: the car's half found;
    image 1: a tree's half missed and a car predicted over the other half."""
    store = project.store
    ids = store.samples.ids()
    for sid in ids:
        set_tag(store, sid, None, "lara")
    labels = store.labels.list()
    car, tree = labels[0].id, labels[1].id
    first = store.samples.get(ids[0])
    w, h = first.width, first.height
    half = np.zeros((h, w), bool)
    half[:, : w // 2] = True
    with store.transaction():
        store.meta.set("task", "segment")
        store.samples.set_split(ids[:2], "test")
        store.samples.set_split(ids[2:], "train")
        store.annotations.add(ids[0], "mask", car, "lara", data=encode_mask(half))
        store.annotations.add(ids[1], "mask", tree, "lara", data=encode_mask(half))
    version = add_shape_model(
        store,
        "segment",
        {
            ids[0]: [{"kind": "mask", "label_id": car, "score": 0.9, "png": _png(half)}],
            ids[1]: [{"kind": "mask", "label_id": car, "score": 0.9, "png": _png(~half)}],
        },
    )
    for sid in ids[:2]:
        mark_done(store, sid, "lara")
    return ids, labels, version


def test_from_a_segment_project_counts_done_images(filled_project) -> None:
    store = filled_project.store
    ids, labels, version = segment_project_with_masks(filled_project)
    result = detection_confusion(store, version, "test", score_floor=0.5)
    k = len(labels)
    assert result.kind == "mask" and result.images == 2
    assert result.matrix[0, 0] == 1  # the car's half found
    assert result.matrix[1, k] == 1 and result.matrix[k, 0] == 1  # the tree missed, a car over nothing
    assert result.cell_ids(1, k) == [ids[1]]
    assert result.errors() == {"missed": 1, "spurious": 1, "wrong_class": 0, "correct": 1}
