"""Model tests and named slices: regression tests for the program that is the weights.

An engineer or a lead pins a sample ("must be predicted as X", "must not be Y", for detection
"must find an object of class X here") with a note, or names a slice (a list of samples or a
saved gallery filter) with a minimum metric. Every new version runs the suite after training;
a failure keeps it from going active on its own (an engineer may still activate it, with a
reason that goes into the audit), and `s2ide test` runs it on any version for a team's CI.

The suite is evaluated here from a version's predictions (sample id -> predicted label id);
the trainer and `s2ide test` compute those with the network (s2ide.ml.suite).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from s2ide.core.engine import metrics
from s2ide.core.errors import InvalidInputError
from s2ide.core.review.users import Action, require
from s2ide.core.store import SampleFilter, Store
from s2ide.core.store.quality import ModelTest, Slice

SLICE_METRICS = ("accuracy", "macro_f1")
KIND_WORDS = {"must_be": "must be", "must_not_be": "must not be", "must_find": "must find"}
FILTER_KEYS = ("split", "status", "label_id", "search", "unlabeled_only")


# -- defining tests and slices -------------------------------------------------------------
def _label_id(store: Store, label: str | int) -> int:
    labels = store.labels.list()
    for item in labels:
        if item.name == label or item.id == label:
            return item.id
    names = ", ".join(item.name for item in labels)
    raise InvalidInputError(f"unknown label {label!r} (the project has: {names})")


def pin_sample(
    store: Store,
    sample_id: int,
    label: str | int,
    user: str,
    *,
    kind: str = "must_be",
    note: str = "",
    region: list[float] | None = None,
) -> ModelTest:
    """Pin a sample as a model test (engineers and leads); recorded in the audit."""
    require(store, user, Action.EDIT_MODEL_TESTS)
    store.samples.get(sample_id)  # a clear error for an unknown sample
    label_id = _label_id(store, label)
    if region is not None and (len(region) != 4 or region[2] <= 0 or region[3] <= 0):
        raise InvalidInputError("a region is [x, y, width, height] with a positive width and height")
    with store.transaction():
        test = store.model_tests.add(sample_id, kind, label_id, user, note, region)
        store.audit.record(user, "pin test", "model_test", test.id, None, asdict(test))
    return test


def unpin(store: Store, test_id: int, user: str) -> None:
    require(store, user, Action.EDIT_MODEL_TESTS)
    test = store.model_tests.get(test_id)
    with store.transaction():
        store.model_tests.delete(test_id)
        store.audit.record(user, "unpin test", "model_test", test_id, asdict(test), None)


def _check_metric(metric: str, minimum: float | None) -> None:
    if metric not in SLICE_METRICS:
        raise InvalidInputError(f"unknown slice metric {metric!r} (use one of {', '.join(SLICE_METRICS)})")
    if minimum is not None and not 0 <= minimum <= 1:
        raise InvalidInputError("a slice's minimum is a fraction between 0 and 1")


def save_slice(
    store: Store,
    name: str,
    sample_ids: Sequence[int],
    user: str,
    *,
    metric: str = "accuracy",
    minimum: float | None = None,
    note: str = "",
) -> int:
    """Save (or replace) a named slice holding these samples; returns its id."""
    require(store, user, Action.EDIT_MODEL_TESTS)
    _check_metric(metric, minimum)
    ids = sorted({int(i) for i in sample_ids})
    if not ids:
        raise InvalidInputError(f"slice {name!r}: no samples to save")
    with store.transaction():
        saved = store.slices.upsert(
            name, "samples", {"sample_ids": ids}, user, metric=metric, minimum=minimum, note=note
        )
        store.audit.record(user, "save slice", "slice", saved.id, None, {"name": saved.name, "samples": len(ids)})
    return saved.id


def save_filter_slice(
    store: Store,
    name: str,
    flt: Mapping[str, Any],
    user: str,
    *,
    metric: str = "accuracy",
    minimum: float | None = None,
    note: str = "",
) -> int:
    """Save a gallery filter (split, status, label_id, search) as a slice: it follows the data."""
    require(store, user, Action.EDIT_MODEL_TESTS)
    _check_metric(metric, minimum)
    definition = {key: flt[key] for key in FILTER_KEYS if flt.get(key) not in (None, "", False)}
    SampleFilter(**definition).validate()
    with store.transaction():
        saved = store.slices.upsert(name, "filter", definition, user, metric=metric, minimum=minimum, note=note)
        store.audit.record(user, "save slice", "slice", saved.id, None, {"name": saved.name, "filter": definition})
    return saved.id


def delete_slice(store: Store, name: str, user: str) -> None:
    require(store, user, Action.EDIT_MODEL_TESTS)
    found = store.slices.by_name(name)
    with store.transaction():
        store.slices.delete(found.id)
        store.audit.record(user, "delete slice", "slice", found.id, {"name": found.name}, None)


def slice_sample_ids(store: Store, item: Slice) -> list[int]:
    if item.kind == "samples":
        return [int(i) for i in item.definition.get("sample_ids", [])]
    definition = {key: item.definition[key] for key in FILTER_KEYS if key in item.definition}
    return [int(row[0]) for row in store.samples.row_tuples(SampleFilter(**definition))]


def suite_sample_ids(store: Store) -> list[int]:
    """Every sample the suite needs a prediction for (pinned ones and the slices' labeled ones)."""
    ids = {test.sample_id for test in store.model_tests.list()}
    tags = _tags(store)
    for item in store.slices.list():
        ids.update(i for i in slice_sample_ids(store, item) if i in tags)
    return sorted(ids)


def _tags(store: Store) -> dict[int, int]:
    return {int(row[0]): int(row[7]) for row in store.samples.row_tuples() if row[7] is not None}


# -- running the suite ---------------------------------------------------------------------
@dataclass
class SuiteResult:
    model: str
    tests: list[dict[str, Any]] = field(default_factory=list)
    slices: list[dict[str, Any]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(t["passed"] for t in self.tests) and all(s["passed"] for s in self.slices)

    @property
    def failures(self) -> list[str]:
        out = [f"{t['name']} {t['expected']}, got {t['got']}" for t in self.tests if not t["passed"]]
        out += [
            f"slice {s['name']} {s['metric']} {s['value']:.3f} < {s['minimum']:.3f}"
            for s in self.slices
            if not s["passed"]
        ]
        return out

    def as_json(self) -> dict[str, Any]:
        """DESIGN.md §4's `test --json` shape (with a few extra keys per entry)."""
        return {"model": self.model, "passed": self.passed, "tests": self.tests, "slices": self.slices}

    def summary(self) -> str:
        total = len(self.tests) + len(self.slices)
        if self.passed:
            return f"{total} model tests and slices passed" if total else "no model tests or slices defined"
        return f"{len(self.failures)} of {total} model tests and slices failed: " + "; ".join(self.failures[:3])


def run_suite(
    store: Store,
    version: str,
    predicted: Mapping[int, int | None],
    found: Mapping[int, Sequence[tuple[int, Sequence[float]]]] | None = None,
) -> SuiteResult:
    """Evaluate every pinned test and slice on a version's predictions.

    `predicted`: sample id -> predicted label id (None where the image could not be read);
    `found` (detection): sample id -> [(label id, [x, y, w, h]), ...] of the found objects. In a
    classification project "must find X" reads as "must be predicted as X".
    """
    names = {label.id: label.name for label in store.labels.list()}
    paths = {int(row[0]): str(row[1]) for row in store.samples.row_tuples()}
    result = SuiteResult(version)
    for test in store.model_tests.list():
        got_id = predicted.get(test.sample_id)
        got = names.get(got_id) if got_id is not None else None
        if test.kind == "must_be":
            ok = got_id == test.label_id
        elif test.kind == "must_not_be":
            ok = got_id is not None and got_id != test.label_id
        elif found is not None:
            boxes = found.get(test.sample_id, [])
            ok = any(label == test.label_id and _overlaps(box, test.region) for label, box in boxes)
            got = ", ".join(sorted({names.get(label, "?") for label, _ in boxes})) or "nothing"
        else:
            ok = got_id == test.label_id
        result.tests.append(
            {
                "id": test.id,
                "name": f"#{test.id} {paths.get(test.sample_id, test.sample_id)}",
                "kind": test.kind,
                "sample_id": test.sample_id,
                "path": paths.get(test.sample_id),
                "expected": f"{KIND_WORDS[test.kind]} {names.get(test.label_id, '?')}",
                "got": got if got is not None else "no prediction",
                "passed": bool(ok),
                "note": test.note,
            }
        )
    tags = _tags(store)
    for item in store.slices.list():
        ids = [i for i in slice_sample_ids(store, item) if i in tags and predicted.get(i) is not None]
        value = _slice_metric(item.metric, [tags[i] for i in ids], [int(predicted[i] or 0) for i in ids])
        passed = value is None or item.minimum is None or value + 1e-9 >= item.minimum
        result.slices.append(
            {
                "id": item.id,
                "name": item.name,
                "metric": item.metric,
                "minimum": item.minimum,
                "value": value,
                "passed": bool(passed),
                "n": len(ids),
                "sample_ids": ids,
                "note": item.note or ("" if ids else "no labeled samples with a prediction in this slice"),
            }
        )
    return result


def _slice_metric(metric: str, true_ids: list[int], predicted_ids: list[int]) -> float | None:
    if not true_ids:
        return None
    classes = sorted(set(true_ids) | set(predicted_ids))
    column = {label_id: i for i, label_id in enumerate(classes)}
    true = np.array([column[i] for i in true_ids])
    pred = np.array([column[i] for i in predicted_ids])
    if metric == "accuracy":
        return float((true == pred).mean())
    pc = metrics.per_class(metrics.confusion_matrix(true, pred, len(classes)))
    present = pc.support > 0
    return float(pc.f1[present].mean())


def _overlaps(box: Sequence[float], region: Sequence[float] | None, threshold: float = 0.5) -> bool:
    """A found box matches the pinned region when their IoU reaches the threshold (no region:
    anywhere in the image)."""
    if region is None:
        return True
    ax, ay, aw, ah = (float(v) for v in box)
    bx, by, bw, bh = (float(v) for v in region)
    iw = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    inter = iw * ih
    union = aw * ah + bw * bh - inter
    return union > 0 and inter / union >= threshold
