"""Metrics against hand-computed answers."""

from __future__ import annotations

import numpy as np
import pytest

from s2ide.core.engine.metrics import accuracy, calibration, classification_report, confusion_matrix, per_class
from s2ide.core.errors import InvalidInputError


def test_confusion_matrix_rows_are_truth() -> None:
    cm = confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0], 3)
    assert cm.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert accuracy(cm) == pytest.approx(4 / 6)


def test_per_class_precision_recall_f1() -> None:
    cm = np.array([[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    pc = per_class(cm)
    assert pc.precision.tolist() == pytest.approx([0.5, 0.5, 1.0])
    assert pc.recall.tolist() == pytest.approx([0.5, 1.0, 2 / 3])
    assert pc.f1[2] == pytest.approx(2 * 1.0 * (2 / 3) / (1 + 2 / 3))
    assert pc.support.tolist() == [2, 1, 3]


def test_per_class_is_zero_not_nan_for_absent_classes() -> None:
    pc = per_class(confusion_matrix([0, 0], [0, 0], 3))
    assert not np.isnan(pc.precision).any() and pc.recall[1] == 0 and pc.f1[2] == 0


def test_confusion_matrix_refuses_bad_input() -> None:
    with pytest.raises(InvalidInputError):
        confusion_matrix([0, 1], [0], 2)
    with pytest.raises(InvalidInputError):
        confusion_matrix([0, 5], [0, 1], 2)


def test_calibration_bins_and_ece() -> None:
    # two samples at confidence 0.95 (one right), two at 0.55 (both right)
    probs = np.array([[0.95, 0.05], [0.95, 0.05], [0.55, 0.45], [0.45, 0.55]])
    cal = calibration(probs, [0, 1, 0, 1], n_bins=10)
    assert cal.counts[9] == 2 and cal.counts[5] == 2 and cal.counts.sum() == 4
    assert cal.accuracy[9] == pytest.approx(0.5) and cal.confidence[9] == pytest.approx(0.95)
    assert cal.accuracy[5] == pytest.approx(1.0) and cal.confidence[5] == pytest.approx(0.55)
    assert cal.ece == pytest.approx(0.5 * 0.45 + 0.5 * 0.45)
    assert cal.mce == pytest.approx(0.45)
    assert cal.as_dict()["bins"][0]["accuracy"] is None


def test_perfectly_calibrated_has_zero_ece() -> None:
    probs = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert calibration(probs, [0, 1]).ece == pytest.approx(0.0)


def test_classification_report_shape() -> None:
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    report = classification_report([0, 1, 1], probs, ["cat", "dog"])
    assert report["accuracy"] == pytest.approx(2 / 3)
    assert report["labels"] == ["cat", "dog"]
    assert report["confusion_matrix"] == [[1, 0], [1, 1]]
    assert set(report["per_class"]["dog"]) == {"precision", "recall", "f1", "support"}
    assert report["per_class"]["dog"]["recall"] == pytest.approx(0.5)
    assert report["calibration"]["ece"] >= 0
