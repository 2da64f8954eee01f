"""Confident learning finds flipped labels in out-of-sample probabilities."""

from __future__ import annotations

import numpy as np
import pytest

from s2ide.core.engine.label_errors import (
    FilterMethod,
    confident_joint,
    find_label_issues,
    per_class_thresholds,
    precision_recall_at_k,
)
from s2ide.core.errors import InvalidInputError


def noisy_problem(n: int = 600, k: int = 3, noise: float = 0.08, seed: int = 0):
    """Well separated classes whose out-of-sample probabilities follow the TRUE class."""
    rng = np.random.default_rng(seed)
    true = rng.integers(0, k, n)
    logits = rng.normal(0, 1, (n, k))
    logits[np.arange(n), true] += 4.0
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    given = true.copy()
    flipped = rng.choice(n, int(noise * n), replace=False)
    given[flipped] = (true[flipped] + rng.integers(1, k, flipped.size)) % k
    return given, probs, true, flipped


def test_thresholds_are_mean_self_probability() -> None:
    labels = np.array([0, 0, 1])
    probs = np.array([[0.9, 0.1], [0.3, 0.7], [0.4, 0.6]])
    assert per_class_thresholds(labels, probs).tolist() == pytest.approx([0.6, 0.6])
    joint, confident = confident_joint(labels, probs, per_class_thresholds(labels, probs))
    assert confident.tolist() == [0, 1, 1]  # the second sample, labeled 0, reaches class 1's bar
    assert joint.tolist() == [[1, 1], [0, 1]]


@pytest.mark.parametrize("method", list(FilterMethod))
def test_flags_flipped_labels_with_high_precision_and_recall(method: FilterMethod) -> None:
    given, probs, true, flipped = noisy_problem()
    issues = find_label_issues(given, probs, method)
    precision, recall = precision_recall_at_k(issues.indices, flipped)
    assert precision > 0.8 and recall > 0.8
    # suggestions point back to the true class, ranking puts the worst first
    assert (issues.suggested == true[issues.indices]).mean() > 0.9
    assert np.all(np.diff(issues.self_confidence) >= 0)
    assert 0.03 < issues.estimated_noise_rate < 0.15


def test_clean_labels_give_few_suspects() -> None:
    given, probs, _, _ = noisy_problem(noise=0.0)
    assert len(find_label_issues(given, probs)) <= 3


def test_min_per_class_keeps_small_classes() -> None:
    labels = np.array([0, 0, 1, 1, 1, 1])
    probs = np.array([[0.1, 0.9], [0.1, 0.9], [0.1, 0.9], [0.1, 0.9], [0.2, 0.8], [0.1, 0.9]])
    assert len(find_label_issues(labels, probs, min_per_class=2)) == 0


@pytest.mark.parametrize(
    ("labels", "probs"),
    [
        (np.array([0, 1]), np.array([0.5, 0.5])),
        (np.array([0, 1, 1]), np.array([[0.5, 0.5], [0.5, 0.5]])),
        (np.array([0, 2]), np.array([[0.5, 0.5], [0.5, 0.5]])),
        (np.array([0, 1]), np.array([[np.nan, 0.5], [0.5, 0.5]])),
        (np.array([0.5, 1.0]), np.array([[0.5, 0.5], [0.5, 0.5]])),
        (np.array([0, 1]), np.array([[0.0, 0.0], [0.5, 0.5]])),
    ],
)
def test_bad_input_is_refused(labels: np.ndarray, probs: np.ndarray) -> None:
    with pytest.raises(InvalidInputError):
        find_label_issues(labels, probs)


def test_empty_input() -> None:
    issues = find_label_issues(np.zeros(0, dtype=np.int64), np.zeros((0, 3)))
    assert len(issues) == 0 and issues.estimated_noise_rate == 0.0
