"""Two versions of a detector or segmenter side by side: what changed between them.

The classifier's comparison (core/engine/compare.py) counts samples whose one label turned
right or wrong. An image of boxes or masks is not right or wrong: it has object errors (missed
objects, spurious ones, wrong classes; matched as in the object confusion). An image is
*fixed* when the newer version makes fewer errors on it than the baseline and *broken* when it
makes more, most changed first; the headline figures (mAP, AP50, AP75 or mIoU, Dice) and each
class's AP50 or IoU come from each version's stored evaluation of the split.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from s2ide.core.engine.detection_confusion import MATCH_IOU, image_objects, match_objects
from s2ide.core.engine.ml_settings import load_loop_settings
from s2ide.core.errors import InvalidInputError
from s2ide.core.store import Store

SHAPE_TASKS = ("detect", "segment")
SPLIT_REPORTS = {"test": "test", "val": "validation"}
HEADLINE = {"detect": ("map", "ap50", "ap75"), "segment": ("miou", "dice", "pixel_accuracy")}
PER_CLASS = {"detect": "ap50", "segment": "iou"}


@dataclass
class ShapeComparison:
    a: str  # the baseline
    b: str
    split: str
    task: str
    metrics: dict[str, dict[str, float | None]]  # name -> {"a", "b"}
    per_class: list[dict[str, Any]]  # {"label", "metric", "a", "b"}
    errors: dict[int, tuple[int, int]] = field(default_factory=dict)  # sample id -> (errors a, errors b)

    @property
    def fixed(self) -> list[int]:
        """Images with fewer object errors under b, the biggest improvement first."""
        better = [(a - b, sid) for sid, (a, b) in self.errors.items() if b < a]
        return [sid for _gain, sid in sorted(better, key=lambda item: (-item[0], item[1]))]

    @property
    def broken(self) -> list[int]:
        """Images with more object errors under b, the biggest loss first."""
        worse = [(b - a, sid) for sid, (a, b) in self.errors.items() if b > a]
        return [sid for _loss, sid in sorted(worse, key=lambda item: (-item[0], item[1]))]

    def metric_rows(self) -> list[tuple[str, float, float]]:
        """(name, a, b) for the figures both versions have: headline, then per class."""
        rows = [(name, v["a"], v["b"]) for name, v in self.metrics.items()]
        rows += [(f"{r['metric']} {r['label']}", r["a"], r["b"]) for r in self.per_class]
        return [(name, float(a), float(b)) for name, a, b in rows if a is not None and b is not None]

    def as_json(self) -> dict[str, object]:
        return {
            "a": self.a,
            "b": self.b,
            "split": self.split,
            "task": self.task,
            "metrics": self.metrics,
            "per_class": self.per_class,
            "n_common": len(self.errors),
            "fixed": self.fixed,
            "broken": self.broken,
            "errors": {"a": sum(a for a, _b in self.errors.values()), "b": sum(b for _a, b in self.errors.values())},
        }


def _report(metrics: dict[str, Any], split: str) -> dict[str, Any]:
    report = metrics.get(SPLIT_REPORTS.get(split, ""))
    if isinstance(report, dict):
        return report
    return metrics if metrics.get("evaluated_on") == SPLIT_REPORTS.get(split, split) else {}


def _errors(pairs: list[tuple[int, int]]) -> int:
    return sum(1 for labeled, predicted in pairs if labeled != predicted)


def shape_version_report(
    store: Store, version_a: str, version_b: str, split: str = "test", iou: float = MATCH_IOU
) -> ShapeComparison:
    """Version b against the baseline a, both detectors or both segmenters of this project."""
    model_a, model_b = store.models.get(version_a), store.models.get(version_b)
    if model_a.task not in SHAPE_TASKS or model_a.task != model_b.task:
        raise InvalidInputError(
            f"{version_a} ({model_a.task}) and {version_b} ({model_b.task}) are not two detectors or two segmenters"
        )
    task = model_a.task
    report_a, report_b = _report(model_a.metrics, split), _report(model_b.metrics, split)
    metrics = {name: {"a": report_a.get(name), "b": report_b.get(name)} for name in HEADLINE[task]}
    key = PER_CLASS[task]
    classes_a = report_a.get("per_class") or {}
    per_class = [
        {"label": name, "metric": key, "a": (classes_a.get(name) or {}).get(key), "b": (entry or {}).get(key)}
        for name, entry in (report_b.get("per_class") or {}).items()
    ]
    floor = load_loop_settings(store).confidence_threshold
    _names, images_a, _kind = image_objects(store, version_a, split)
    _names, images_b, _kind = image_objects(store, version_b, split)
    by_id = {sid: (truth, det) for sid, truth, det in images_a}
    errors: dict[int, tuple[int, int]] = {}
    # the class columns follow each version's label map; both were trained on this project's labels
    for sid, truth_b, det_b in images_b:
        if sid in by_id:
            truth_a, det_a = by_id[sid]
            errors[sid] = (
                _errors(match_objects(truth_a, det_a, floor, iou)),
                _errors(match_objects(truth_b, det_b, floor, iou)),
            )
    return ShapeComparison(version_a, version_b, split, task, metrics, per_class, errors)
