"""Should a new model version replace the active one? A paired comparison on the same samples.

Both versions are scored on the same examples, ones neither of them trained on (the new
version's held-out validation samples minus those the active model trained on, or a
validation split the user made, which no version trains on). Comparing each version's score
on its own validation set let a lucky 0.949 on 39 samples block a better version for five
rounds (issue 22). "Not worse" means "not significantly worse": for accuracy, an exact
one-sided McNemar test on the samples where exactly one of the two is right; for any other
metric (macro-F1 here; mAP and mIoU registered by the detection and segmentation code), a
paired bootstrap over the samples. With no common samples there is no evidence against the
newer version, which trained on more labels, and it goes active (the reason says so).

Plain numpy, no torch: the trainer (s2ide.ml) gathers the predictions, this module decides.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from s2ide.core.engine import metrics

ALPHA = 0.05  # a candidate is blocked only when it is worse with p < ALPHA
BOOTSTRAP_ROUNDS = 2000

# A set metric over a subset of samples: (sample positions) -> value. Classification builds
# one from labels and predictions; detection and segmentation register their own (mAP, mIoU).
SubsetScore = Callable[[np.ndarray], float]
TASK_METRIC = {"classify": "accuracy", "detect": "map", "segment": "miou"}


def accuracy_on(true: np.ndarray, predicted: np.ndarray) -> SubsetScore:
    def score(index: np.ndarray) -> float:
        return float((true[index] == predicted[index]).mean()) if len(index) else 0.0

    return score


def macro_f1_on(true: np.ndarray, predicted: np.ndarray, n_classes: int) -> SubsetScore:
    def score(index: np.ndarray) -> float:
        if not len(index):
            return 0.0
        cm = metrics.confusion_matrix(true[index], np.clip(predicted[index], 0, n_classes - 1), n_classes)
        pc = metrics.per_class(cm)
        present = pc.support > 0
        return float(pc.f1[present].mean()) if present.any() else 0.0

    return score


def mcnemar_worse_p(candidate_only_wrong: int, candidate_only_right: int) -> float:
    """One-sided exact McNemar: the chance of at least `candidate_only_wrong` of the discordant
    pairs going against the candidate if both versions were equally good (binomial, p=1/2)."""
    n = candidate_only_wrong + candidate_only_right
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(candidate_only_wrong, n + 1))
    return min(1.0, tail / 2.0**n)


def bootstrap_worse_p(
    n: int, candidate: SubsetScore, active: SubsetScore, rounds: int = BOOTSTRAP_ROUNDS, seed: int = 0
) -> float:
    """Paired bootstrap over the samples: the share of resamples where the candidate does not
    beat the active model (a one-sided p-value for "the candidate is worse")."""
    if n == 0:
        return 1.0
    rng = np.random.default_rng(seed)
    not_better = 0
    for _ in range(rounds):
        index = rng.integers(0, n, n)
        if candidate(index) >= active(index):
            not_better += 1
    # the share of resamples where the candidate is at least as good estimates P(not worse)
    return min(1.0, (not_better + 1) / (rounds + 1))


@dataclass(frozen=True)
class PairedVerdict:
    """Both versions' score on the same samples, and whether the candidate is significantly worse."""

    metric: str
    n: int  # samples both were scored on
    candidate: float | None
    active: float | None
    p_value: float  # one-sided: small means the candidate is worse
    test: str  # "McNemar" or "bootstrap"
    sample_set: str  # in words: which samples
    worse: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def paired_verdict(
    true: np.ndarray,
    candidate_pred: np.ndarray,
    active_pred: np.ndarray,
    *,
    metric: str = "accuracy",
    n_classes: int = 0,
    sample_set: str = "held-out samples",
    alpha: float = ALPHA,
) -> PairedVerdict:
    """Compare two versions' class predictions (column indices; -1 for a class the candidate
    does not know) against the labels of the same samples."""
    true = np.asarray(true, dtype=np.int64)
    cand = np.asarray(candidate_pred, dtype=np.int64)
    act = np.asarray(active_pred, dtype=np.int64)
    n = len(true)
    if metric == "accuracy":
        right_c, right_a = cand == true, act == true
        p = mcnemar_worse_p(int((right_a & ~right_c).sum()), int((right_c & ~right_a).sum()))
        value_c = float(right_c.mean()) if n else None
        value_a = float(right_a.mean()) if n else None
        test = "McNemar"
    else:
        k = max(n_classes, int(max(true.max(initial=0), cand.max(initial=0), act.max(initial=0))) + 1)
        score_c, score_a = macro_f1_on(true, cand, k), macro_f1_on(true, act, k)
        everything = np.arange(n)
        value_c = score_c(everything) if n else None
        value_a = score_a(everything) if n else None
        p = bootstrap_worse_p(n, score_c, score_a)
        test = "bootstrap"
    return PairedVerdict(metric, n, value_c, value_a, p, test, sample_set, worse=p < alpha)


def subset_verdict(
    n: int,
    candidate: SubsetScore,
    active: SubsetScore,
    *,
    metric: str,
    sample_set: str,
    alpha: float = ALPHA,
) -> PairedVerdict:
    """The hook for set metrics such as mAP (detection) or mIoU (segmentation): each version's
    score of any subset of the n common samples, compared by a paired bootstrap."""
    everything = np.arange(n)
    value_c = candidate(everything) if n else None
    value_a = active(everything) if n else None
    p = bootstrap_worse_p(n, candidate, active)
    return PairedVerdict(metric, n, value_c, value_a, p, "bootstrap", sample_set, worse=p < alpha)


def verdict_reason(verdict: PairedVerdict, candidate_version: str, active_version: str) -> str:
    """One line: activated or not, both scores and the set they were measured on."""
    if verdict.n == 0 or verdict.candidate is None or verdict.active is None:
        return (
            f"activated: no {verdict.sample_set} ({candidate_version} and {active_version}), "
            "so no evidence that the newer version is worse"
        )
    scores = (
        f"{verdict.metric} {verdict.candidate:.3f} vs {verdict.active:.3f} of {active_version} "
        f"on the same {verdict.n} {verdict.sample_set}"
    )
    if verdict.worse:
        return f"not activated: {scores}, significantly worse ({verdict.test} p={verdict.p_value:.3f})"
    how = "better or equal" if verdict.candidate >= verdict.active else "not significantly worse"
    return f"activated: {scores}, {how} ({verdict.test} p={verdict.p_value:.2f})"
