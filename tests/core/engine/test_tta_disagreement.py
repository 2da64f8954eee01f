"""Localisation disagreement under test-time augmentation: the measure on hand-made boxes and
instance maps, and the localisation queue that ranks unstable images first."""

from __future__ import annotations

import numpy as np
import pytest

from s2ide.core.engine.detection_metrics import box_iou
from s2ide.core.engine.sampling import Strategy, build_queue, set_strategy
from s2ide.core.engine.tta_disagreement import (
    box_disagreement,
    disagreement,
    instance_disagreement,
    instance_iou_matrix,
)
from s2ide.core.errors import InvalidInputError
from s2ide.core.labeling.tags import set_tag
from s2ide.core.store.models import NewModel

BOXES = np.array([[10, 10, 50, 40], [60, 20, 90, 60]], dtype=np.float64)
SCORES = np.array([0.9, 0.8])


def test_iou_matrices() -> None:
    iou = box_iou(BOXES, np.array([[10, 10, 50, 40], [30, 10, 70, 40]]))
    assert iou[0, 0] == pytest.approx(1.0) and iou[1, 0] == 0.0
    assert iou[0, 1] == pytest.approx(20 * 30 / (2 * 40 * 30 - 20 * 30))
    a = np.zeros((4, 6), np.int32)
    a[:, :3] = 1
    b = np.zeros((4, 6), np.int32)
    b[:, 1:4] = 1
    b[0, 5] = 2
    assert instance_iou_matrix(a, b).ravel().tolist() == pytest.approx([8 / 16, 0.0])


def test_boxes_both_passes_agree_on_score_near_zero_moved_and_lost_ones_score_high() -> None:
    same = box_disagreement(BOXES, SCORES, BOXES + 0.5, SCORES)
    assert same == pytest.approx(1 - np.mean(box_iou(BOXES, BOXES + 0.5).diagonal()))
    assert same < 0.1
    moved = BOXES.copy()
    moved[0] += [12, 0, 12, 0]  # the first box slides by a third of its width
    shifted = box_disagreement(BOXES, SCORES, moved, SCORES)
    assert 0.1 < shifted < 1.0
    lost = box_disagreement(BOXES, SCORES, BOXES[:1], SCORES[:1])
    assert lost == pytest.approx(1.0)  # one box matched exactly, one unmatched
    apart = box_disagreement(BOXES, SCORES, BOXES + 100, SCORES)
    assert apart == pytest.approx(1.0 + 4)  # nothing overlaps: every box unmatched
    faint = box_disagreement(BOXES, SCORES, BOXES[:1], SCORES[:1], floor=0.85)
    assert faint == 0.0  # the 0.8 box is under the floor in both passes
    assert disagreement(np.zeros((0, 0))) == 0.0
    assert disagreement(np.zeros((2, 0))) == pytest.approx(1.0 + 2)


def test_instances() -> None:
    a = np.zeros((20, 20), np.int32)
    a[2:10, 2:10] = 1
    a[12:18, 12:18] = 2
    assert instance_disagreement(a, a) == pytest.approx(0.0)
    b = a.copy()
    b[b == 2] = 0
    assert instance_disagreement(a, b) == pytest.approx(1.0)


def _detect_queue_project(project, values):
    """The project as a detect project whose active model measured these flip disagreements."""
    store = project.store
    ids = store.samples.ids()
    for sid in ids:
        set_tag(store, sid, None, "lara")
    labels = store.labels.list()
    with store.transaction():
        store.meta.set("task", "detect")
        model = store.models.add(
            NewModel(
                "detect", "s2ide-centernet", label_map=[{"id": lb.id, "name": lb.name} for lb in labels], state="ready"
            )
        )
        store.models.set_active(model.version)
        rows = [{"sample_id": sid, "label_id": labels[0].id, "score": 0.9, "least_confidence": 0.1} for sid in ids]
        store.predictions.put_many(model.version, rows)
        store.predictions.put_localisation(
            model.version, [(sid, value) for sid, value in zip(ids, values) if value is not None]
        )
    return ids


def test_localisation_queue_puts_unstable_boxes_first(filled_project) -> None:
    # box sets as two passes would find them: stable (the flip agrees), a box lost, a box moved
    stable = box_disagreement(BOXES, SCORES, BOXES, SCORES)
    lost = box_disagreement(BOXES, SCORES, BOXES[:1], SCORES[:1])
    moved_boxes = BOXES + np.array([[12, 0, 12, 0], [0, 0, 0, 0]])
    moved = box_disagreement(BOXES, SCORES, moved_boxes, SCORES)
    ids = _detect_queue_project(filled_project, [stable, lost, moved, None, stable])
    queue = build_queue(filled_project.store, Strategy.LOCALISATION)
    order = [entry.sample_id for entry in queue]
    assert order[:2] == [ids[1], ids[2]]  # the lost box, then the moved one, above the stable images
    assert set(order[2:4]) == {ids[0], ids[4]} and order[4] == ids[3]  # not measured: last
    assert queue[0].priority == pytest.approx(lost) and queue[4].priority is None


def test_localisation_queue_is_for_shape_projects(filled_project) -> None:
    with pytest.raises(InvalidInputError, match="detect and segment"):
        build_queue(filled_project.store, Strategy.LOCALISATION)
    with pytest.raises(InvalidInputError, match="detect and segment"):
        set_strategy(filled_project.store, "localisation", "eng")
    _detect_queue_project(filled_project, [0.5])
    assert set_strategy(filled_project.store, "localisation", "eng") is Strategy.LOCALISATION
