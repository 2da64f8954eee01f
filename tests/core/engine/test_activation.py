"""The paired comparison behind activation (McNemar, bootstrap) on hand-made predictions."""

from __future__ import annotations

import numpy as np
import pytest

from s2ide.core.engine.activation import (
    accuracy_on,
    mcnemar_worse_p,
    paired_verdict,
    subset_verdict,
    verdict_reason,
)


def test_mcnemar_exact_tail() -> None:
    assert mcnemar_worse_p(0, 0) == 1.0
    assert mcnemar_worse_p(5, 0) == pytest.approx(1 / 32)
    assert mcnemar_worse_p(0, 5) == 1.0
    assert mcnemar_worse_p(3, 1) == pytest.approx(5 / 16)


def test_small_sets_do_not_block_a_slightly_lower_score() -> None:
    true = np.arange(20) % 4
    active = true.copy()
    candidate = true.copy()
    candidate[:2] = (candidate[:2] + 1) % 4  # two more mistakes on 20: not significant
    verdict = paired_verdict(true, candidate, active, sample_set="held-out samples")
    assert verdict.candidate == pytest.approx(0.9) and verdict.active == 1.0
    assert not verdict.worse and verdict.p_value == pytest.approx(0.25)
    assert verdict_reason(verdict, "v7", "v6").startswith("activated: accuracy 0.900 vs 1.000 of v6 on the same 20")


def test_a_clearly_worse_candidate_is_blocked_with_both_scores_in_the_reason() -> None:
    true = np.arange(100) % 5
    active = true.copy()
    candidate = true.copy()
    candidate[:15] = (candidate[:15] + 1) % 5
    verdict = paired_verdict(true, candidate, active, sample_set="held-out samples")
    assert verdict.worse
    reason = verdict_reason(verdict, "v3", "v2")
    assert reason.startswith("not activated: accuracy 0.850 vs 1.000 of v2 on the same 100 held-out samples")


def test_macro_f1_uses_a_paired_bootstrap() -> None:
    true = np.arange(200) % 4
    active = true.copy()
    candidate = true.copy()
    candidate[true == 3] = 0  # a whole class lost
    verdict = paired_verdict(true, candidate, active, metric="macro_f1", n_classes=4)
    assert verdict.test == "bootstrap" and verdict.worse and verdict.candidate < verdict.active
    same = paired_verdict(true, active, active, metric="macro_f1", n_classes=4)
    assert not same.worse


def test_no_common_samples_means_no_evidence_against_the_newer_version() -> None:
    empty = np.zeros(0, dtype=np.int64)
    verdict = paired_verdict(empty, empty, empty)
    assert not verdict.worse and verdict.n == 0
    assert verdict_reason(verdict, "v2", "v1").startswith("activated: no held-out samples")


def test_set_metric_hook_for_detection_and_segmentation() -> None:
    true = np.arange(50) % 2
    good, bad = accuracy_on(true, true), accuracy_on(true, 1 - true)
    verdict = subset_verdict(50, bad, good, metric="map", sample_set="validation images")
    assert verdict.worse and verdict.metric == "map"
