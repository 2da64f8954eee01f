"""The Evaluation view's figures for detectors and segmenters: COCO-style mAP, AP50, AP75 and
per-class AP, or mIoU and Dice per class, as measured when the version was trained (on the
test split, else validation). Classification versions keep the live confusion matrix view."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QTableWidget, QTableWidgetItem

from s2ide.core.store.models import ModelVersion

SPLIT_KEYS = {"test": "test", "val": "validation"}


def is_shape_model(model: ModelVersion) -> bool:
    return model.task in ("detect", "segment")


def _fmt(value: Any) -> str:
    return "–" if value is None else f"{value:.3f}"


def show_shape_metrics(model: ModelVersion, split: str, table: QTableWidget, headline: QLabel) -> None:
    """Fill the per-class table and the headline from the version's stored report of `split`."""
    report = model.metrics.get(SPLIT_KEYS.get(split, ""))
    where = SPLIT_KEYS.get(split, split)
    if not isinstance(report, dict):
        report = model.metrics if model.metrics.get("evaluated_on") == where else None
    detector = model.task == "detect"
    columns = ["class", "AP", "AP50", "AP75", "boxes"] if detector else ["class", "IoU", "Dice", "pixels", ""]
    table.setHorizontalHeaderLabels(columns)
    if not report:
        table.setRowCount(0)
        headline.setText(f"{model.version}: not measured on {where} (it has no images marked done there)")
        return
    if detector:
        headline.setText(
            f"{model.version} ({model.task}) on {where}: mAP@[.5:.95] {_fmt(report.get('map'))} · "
            f"AP50 {_fmt(report.get('ap50'))} · AP75 {_fmt(report.get('ap75'))} over {report.get('images', 0)} images"
        )
    else:
        headline.setText(
            f"{model.version} ({model.task}) on {where}: mIoU {_fmt(report.get('miou'))} · "
            f"Dice {_fmt(report.get('dice'))} over {report.get('images', 0)} images"
        )
    per_class = report.get("per_class") or {}
    table.setRowCount(len(per_class))
    for row, (name, entry) in enumerate(per_class.items()):
        if detector:
            values = [name, _fmt(entry.get("ap")), _fmt(entry.get("ap50")), _fmt(entry.get("ap75"))]
            values.append(str(entry.get("support", 0)))
        else:
            values = [name, _fmt(entry.get("iou")), _fmt(entry.get("dice")), str(entry.get("pixels", 0)), ""]
        for col, value in enumerate(values):
            item = QTableWidgetItem(value)
            if col:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(row, col, item)
