"""Multi-ring polygons count whole in the segment metrics and the detector's boxes: a COCO
object drawn as two parts is the union of both, not its first part."""

from __future__ import annotations

import numpy as np

from s2ide.core.engine.segmentation_metrics import segmentation_report
from s2ide.ml.detect.data import shape_box
from s2ide.ml.segment.data import class_map

TWO_PARTS = {
    "points": [[2, 2], [10, 2], [10, 10], [2, 10]],
    "rings": [[[20, 4], [28, 4], [28, 12], [20, 12]]],
}


def test_class_map_draws_every_ring(project):
    store = project.store
    with store.transaction():
        sample = store.samples.add("a.png", "sha-a", 32, 24, "test")
        label = store.labels.resolve("cat").id
        store.annotations.add(sample, "polygon", label, "lara", geometry=TWO_PARTS)
    truth = class_map(store, sample, {label: 0}, 32, 24)
    assert truth[6, 6] == 1 and truth[8, 24] == 1  # inside the first part and inside the second
    assert truth[20, 16] == 0
    first_only = np.zeros_like(truth)
    first_only[2:11, 2:11] = 1
    # The mask IoU of the first part alone against the whole instance is well below 1 now.
    report = segmentation_report(truth, first_only, ["cat"])
    assert report["per_class"]["cat"]["iou"] < 0.6
    assert segmentation_report(truth, truth, ["cat"])["per_class"]["cat"]["iou"] == 1.0


def test_detector_box_spans_every_ring():
    assert shape_box("polygon", TWO_PARTS) == (2.0, 2.0, 28.0, 12.0)
