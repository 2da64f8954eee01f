"""COCO-style mAP matches pycocotools to 1e-3 on random scenes; error counts per image."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest

from s2ide.core.engine.detection_metrics import ImageBoxes, coco_map, image_errors


def _scene(rng, classes: int, images: int):
    truths, dets = [], []
    for _ in range(images):
        m = int(rng.integers(0, 6))
        xy = rng.uniform(0, 150, (m, 2))
        wh = rng.uniform(5, 60, (m, 2))
        gt = np.concatenate([xy, xy + wh], axis=1)
        gt_classes = rng.integers(0, classes, m)
        # detections: jittered copies of some truths, some with the wrong class, plus clutter
        keep = rng.random(m) < 0.8
        jitter = gt[keep] + rng.normal(0, 4, (int(keep.sum()), 4))
        jitter[:, 2:] = np.maximum(jitter[:, 2:], jitter[:, :2] + 1)
        det_classes = np.where(
            rng.random(int(keep.sum())) < 0.85, gt_classes[keep], rng.integers(0, classes, int(keep.sum()))
        )
        n_extra = int(rng.integers(0, 4))
        extra_xy = rng.uniform(0, 150, (n_extra, 2))
        extra = np.concatenate([extra_xy, extra_xy + rng.uniform(5, 60, (n_extra, 2))], axis=1)
        boxes = np.concatenate([jitter, extra])
        det_cls = np.concatenate([det_classes, rng.integers(0, classes, n_extra)])
        scores = np.round(rng.random(len(boxes)), 3)  # ties happen: the order rule matters
        truths.append(ImageBoxes(gt, gt_classes))
        dets.append(ImageBoxes(boxes, det_cls, scores))
    return truths, dets


def _pycocotools(truths, dets, classes):
    pytest.importorskip("pycocotools")
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    images, annotations, results = [], [], []
    for image_id, (truth, det) in enumerate(zip(truths, dets), start=1):
        images.append({"id": image_id, "width": 300, "height": 300})
        for box, c in zip(truth.boxes, truth.classes):
            w, h = box[2] - box[0], box[3] - box[1]
            annotations.append(
                {"id": len(annotations) + 1, "image_id": image_id, "category_id": int(c) + 1,
                 "bbox": [float(box[0]), float(box[1]), float(w), float(h)], "area": float(w * h), "iscrowd": 0}
            )  # fmt: skip
        for box, c, s in zip(det.boxes, det.classes, det.scores):
            results.append(
                {"image_id": image_id, "category_id": int(c) + 1, "score": float(s),
                 "bbox": [float(box[0]), float(box[1]), float(box[2] - box[0]), float(box[3] - box[1])]}
            )  # fmt: skip
    gt = COCO()
    gt.dataset = {"images": images, "annotations": annotations, "categories": [{"id": i + 1} for i in range(classes)]}
    with contextlib.redirect_stdout(io.StringIO()):
        gt.createIndex()
        dt = gt.loadRes(results)
        evaluator = COCOeval(gt, dt, "bbox")
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    precision = evaluator.eval["precision"][:, :, :, 0, 2]  # iou, recall, class, area all, maxDets 100
    per_class = []
    for c in range(classes):
        values = precision[:, :, c]
        per_class.append(float(values[values > -1].mean()) if (values > -1).any() else None)
    return evaluator.stats[0], evaluator.stats[1], evaluator.stats[2], per_class


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_pycocotools(seed):
    rng = np.random.default_rng(seed)
    truths, dets = _scene(rng, 3, 25)
    ours = coco_map(truths, dets, ["a", "b", "c"])
    mean_ap, ap50, ap75, per_class = _pycocotools(truths, dets, 3)
    assert ours["map"] == pytest.approx(mean_ap, abs=1e-3)
    assert ours["ap50"] == pytest.approx(ap50, abs=1e-3)
    assert ours["ap75"] == pytest.approx(ap75, abs=1e-3)
    for name, expected in zip("abc", per_class):
        assert ours["per_class"][name]["ap"] == pytest.approx(expected, abs=1e-3)


def test_perfect_detections_score_one_and_a_class_without_truth_is_left_out():
    gt = ImageBoxes(np.array([[0, 0, 10, 10], [20, 20, 40, 50]], float), np.array([0, 0]))
    det = ImageBoxes(gt.boxes.copy(), np.array([0, 0]), np.array([0.9, 0.8]))
    result = coco_map([gt], [det], ["car", "tree"])
    assert result["map"] == pytest.approx(1.0) and result["ap50"] == pytest.approx(1.0)
    assert result["per_class"]["tree"]["ap"] is None


def test_image_errors_count_missed_false_and_wrong_class():
    gt = ImageBoxes(np.array([[0, 0, 10, 10], [20, 20, 40, 40], [50, 50, 60, 60]], float), np.array([0, 1, 0]))
    det = ImageBoxes(
        np.array([[0, 0, 10, 10], [21, 21, 40, 40], [100, 100, 120, 120], [50, 50, 60, 60]], float),
        np.array([0, 0, 1, 0]),
        np.array([0.9, 0.8, 0.7, 0.1]),
    )
    assert image_errors(gt, det, score_floor=0.3) == (1, 1, 1)
