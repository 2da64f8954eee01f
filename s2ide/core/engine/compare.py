"""Evaluate one model version on the current labels, and compare two versions side by side.

Metrics are recomputed from the stored predictions against the tags as they are *now* (a
relabel changes the picture at once), not read from the numbers saved at training time.
Classes are the model's label map; tags whose label the model never knew are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from s2ide.core.engine import metrics
from s2ide.core.store import Store

ALL_SPLITS = "all"


@dataclass(frozen=True)
class Evaluation:
    version: str
    split: str  # a split name or "all"
    label_ids: list[int]  # the model's classes, in its output order
    label_names: list[str]
    sample_ids: np.ndarray  # int64 (n,): tagged samples with a prediction
    true: np.ndarray  # int64 (n,): class index of the tag
    predicted: np.ndarray  # int64 (n,): class index of the prediction
    probabilities: np.ndarray  # float32 (n, k)
    confusion: np.ndarray  # k x k, rows true
    per_class: metrics.PerClass
    calibration: metrics.Calibration

    @property
    def accuracy(self) -> float:
        return metrics.accuracy(self.confusion)

    @property
    def n(self) -> int:
        return int(self.sample_ids.size)

    def cell_ids(self, true_index: int, predicted_index: int) -> list[int]:
        """Samples in one confusion-matrix cell, most confident prediction first."""
        mask = (self.true == true_index) & (self.predicted == predicted_index)
        ids = self.sample_ids[mask]
        if self.probabilities.size:
            scores = self.probabilities[mask, predicted_index]
            ids = ids[np.argsort(-scores, kind="stable")]
        return [int(i) for i in ids]

    @property
    def correct(self) -> np.ndarray:
        return self.true == self.predicted


def evaluate(store: Store, version: str, split: str = "test", n_bins: int = 10) -> Evaluation:
    """Metrics of `version` over tagged samples of `split` ("all" for every split)."""
    model = store.models.get(version)
    label_ids = model.label_ids
    index_of = {label_id: i for i, label_id in enumerate(label_ids)}
    arrays = store.predictions.arrays(version, with_embeddings=False)
    rows = store.predictions.rows(version)
    tag_of = {row["id"]: row["label_id"] for row in rows}
    split_of = {row["id"]: row["split"] for row in rows}
    keep = []
    true = []
    pred = []
    for position, (sample_id, predicted_id) in enumerate(zip(arrays.sample_ids.tolist(), arrays.label_ids.tolist())):
        tag = tag_of.get(sample_id)
        if tag not in index_of or predicted_id not in index_of:
            continue
        if split != ALL_SPLITS and split_of.get(sample_id) != split:
            continue
        keep.append(position)
        true.append(index_of[tag])
        pred.append(index_of[predicted_id])
    keep_idx = np.asarray(keep, dtype=np.int64)
    k = len(label_ids)
    probs = arrays.probabilities[keep_idx] if arrays.probabilities.shape[1] == k else np.zeros((len(keep), k))
    true_arr = np.asarray(true, dtype=np.int64)
    pred_arr = np.asarray(pred, dtype=np.int64)
    cm = metrics.confusion_matrix(true_arr, pred_arr, k)
    if len(true_arr) and probs.shape[1] == k and np.any(probs):
        cal = metrics.calibration(probs, true_arr, n_bins)
    else:
        cal = metrics.calibration(np.zeros((0, max(k, 1))), np.zeros(0, dtype=np.int64), n_bins)
    return Evaluation(
        version=version,
        split=split,
        label_ids=label_ids,
        label_names=model.label_names,
        sample_ids=arrays.sample_ids[keep_idx],
        true=true_arr,
        predicted=pred_arr,
        probabilities=np.asarray(probs, dtype=np.float32),
        confusion=cm,
        per_class=metrics.per_class(cm),
        calibration=cal,
    )


@dataclass(frozen=True)
class Comparison:
    """What changed from version `a` to version `b` on the samples both were evaluated on."""

    a: Evaluation
    b: Evaluation
    fixed: list[int]  # wrong under a, right under b
    broken: list[int]  # right under a, wrong under b
    both_wrong: list[int]
    common: int  # samples evaluated by both

    def metric_rows(self) -> list[tuple[str, float, float]]:
        """(name, value under a, value under b): accuracy, then F1 of each class both know."""
        out = [("accuracy", self.a.accuracy, self.b.accuracy)]
        b_index = {label_id: i for i, label_id in enumerate(self.b.label_ids)}
        for i, (label_id, name) in enumerate(zip(self.a.label_ids, self.a.label_names)):
            if label_id in b_index:
                out.append((f"F1 {name}", float(self.a.per_class.f1[i]), float(self.b.per_class.f1[b_index[label_id]])))
        return out


def compare(store: Store, version_a: str, version_b: str, split: str = "test") -> Comparison:
    a = evaluate(store, version_a, split)
    b = evaluate(store, version_b, split)
    right_a = dict(zip(a.sample_ids.tolist(), a.correct.tolist()))
    right_b = dict(zip(b.sample_ids.tolist(), b.correct.tolist()))
    common = sorted(set(right_a) & set(right_b))
    fixed = [i for i in common if not right_a[i] and right_b[i]]
    broken = [i for i in common if right_a[i] and not right_b[i]]
    both_wrong = [i for i in common if not right_a[i] and not right_b[i]]
    return Comparison(a, b, fixed, broken, both_wrong, len(common))


@dataclass(frozen=True)
class VersionReport:
    """Two versions side by side (issue 22): what changed per class and per slice, which pinned
    tests flipped, and the samples whose prediction changed (from their stored predictions)."""

    comparison: Comparison
    per_class: list[dict[str, object]]  # label, precision/recall/F1 under a and b, support
    slices: list[dict[str, object]]  # name, metric, minimum, value under a and b, passed under each
    flipped_tests: list[dict[str, object]]  # name, sample_id, expected, got under a and b, passed under each
    changed: list[dict[str, object]]  # sample_id, predicted under a and b (label ids), tag (label id or None)

    def as_json(self) -> dict[str, object]:
        c = self.comparison
        return {
            "a": c.a.version,
            "b": c.b.version,
            "split": c.a.split,
            "accuracy": {"a": c.a.accuracy, "b": c.b.accuracy, "n_common": c.common},
            "fixed": c.fixed,
            "broken": c.broken,
            "per_class": self.per_class,
            "slices": self.slices,
            "flipped_tests": self.flipped_tests,
            "changed_predictions": self.changed,
        }


def version_report(store: Store, version_a: str, version_b: str, split: str = "test") -> VersionReport:
    comparison = compare(store, version_a, version_b, split)
    a, b = comparison.a, comparison.b
    b_index = {label_id: i for i, label_id in enumerate(b.label_ids)}
    per_class: list[dict[str, object]] = []
    for i, (label_id, name) in enumerate(zip(a.label_ids, a.label_names)):
        j = b_index.get(label_id)
        if j is None:
            continue
        row: dict[str, object] = {"label": name, "support": int(b.per_class.support[j])}
        for key in ("precision", "recall", "f1"):
            row[key] = {"a": float(getattr(a.per_class, key)[i]), "b": float(getattr(b.per_class, key)[j])}
        per_class.append(row)
    suite_a = store.models.get(version_a).metrics.get("suite") or {}
    suite_b = store.models.get(version_b).metrics.get("suite") or {}
    slices_a = {s["name"]: s for s in suite_a.get("slices", [])}
    slices: list[dict[str, object]] = []
    for item in suite_b.get("slices", []):
        before = slices_a.get(item["name"], {})
        slices.append(
            {
                "name": item["name"],
                "metric": item["metric"],
                "minimum": item.get("minimum"),
                "a": before.get("value"),
                "b": item.get("value"),
                "passed_a": before.get("passed"),
                "passed_b": item.get("passed"),
            }
        )
    tests_a = {t["id"]: t for t in suite_a.get("tests", [])}
    flipped: list[dict[str, object]] = []
    for test in suite_b.get("tests", []):
        before = tests_a.get(test["id"])
        if before is not None and bool(before["passed"]) != bool(test["passed"]):
            flipped.append(
                {
                    "name": test["name"],
                    "sample_id": test.get("sample_id"),
                    "expected": test["expected"],
                    "got_a": before["got"],
                    "got_b": test["got"],
                    "passed_a": before["passed"],
                    "passed_b": test["passed"],
                }
            )
    pred_a = store.predictions.arrays(version_a, with_embeddings=False)
    pred_b = store.predictions.arrays(version_b, with_embeddings=False)
    of_a = dict(zip(pred_a.sample_ids.tolist(), pred_a.label_ids.tolist()))
    tags = {row["id"]: row["label_id"] for row in store.predictions.rows(version_b)}
    changed: list[dict[str, object]] = [
        {"sample_id": int(s), "a": int(of_a[s]), "b": int(label), "label": tags.get(s)}
        for s, label in zip(pred_b.sample_ids.tolist(), pred_b.label_ids.tolist())
        if s in of_a and of_a[s] != label
    ]
    return VersionReport(comparison, per_class, slices, flipped, changed)
