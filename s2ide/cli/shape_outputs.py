"""What `predict`, `mistakes` and `train` print in detect and segment projects (DESIGN.md §4):
boxes in image pixels, masks as COCO compressed RLE, errors as missed plus false objects."""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from s2ide.core.engine.headline import metric_headline
from s2ide.core.io.formats.rle import to_coco
from s2ide.core.labeling.prediction_shapes import PredictedShape, parse
from s2ide.core.project import Project
from s2ide.core.store.models import ModelVersion


def _mask_of(shape: PredictedShape, width: int, height: int) -> np.ndarray | None:
    if shape.kind == "mask" and shape.mask is not None:
        return np.asarray(shape.mask, dtype=bool)
    if shape.kind == "polygon":
        canvas = Image.new("1", (width, height), 0)
        ImageDraw.Draw(canvas).polygon([(float(x), float(y)) for x, y in shape.geometry["points"]], fill=1)
        return np.asarray(canvas, dtype=bool)
    return None


def predictions_json(project: Project, model: ModelVersion) -> list[dict[str, Any]]:
    """One entry per predicted sample: {"id", "path", "boxes": [...]} for a detector,
    {"id", "path", "masks": [...]} for a segmenter, best score first."""
    store = project.store
    names: dict[int | None, str] = {label.id: label.name for label in store.labels.list()}
    shapes_by_sample = store.predictions.geometry_of(model.version)
    unstable = store.predictions.localisation_of(model.version)
    out: list[dict[str, Any]] = []
    for row in store.predictions.rows(model.version):
        sample = store.samples.get(row["id"])
        shapes = parse(shapes_by_sample.get(row["id"], "[]"), None, None, sample.width, sample.height)
        entry: dict[str, Any] = {"id": row["id"], "path": row["path"]}
        if model.task == "detect":
            entry["boxes"] = [
                {
                    "label": names.get(shape.label_id),
                    "score": shape.score,
                    "bbox": [shape.geometry["x"], shape.geometry["y"], shape.geometry["w"], shape.geometry["h"]],
                }
                for shape in shapes
                if shape.kind == "box"
            ]
        else:
            masks = []
            for shape in shapes:
                mask = _mask_of(shape, sample.width, sample.height)
                if mask is not None:
                    masks.append({"label": names.get(shape.label_id), "score": shape.score, "rle": to_coco(mask)})
            entry["masks"] = masks
        entry["uncertainty"] = row["least_confidence"]
        entry["localisation"] = unstable.get(row["id"])  # the localisation queue's key (samples to label)
        out.append(entry)
    return out


def mistakes_json(project: Project, model: ModelVersion, limit: int | None) -> list[dict[str, Any]]:
    """Samples marked done where the model misses or invents objects, most errors first;
    `loss` is the number of objects wrong at the pre-label threshold."""
    store = project.store
    rows = [r for r in store.predictions.rows(model.version) if r["loss"] is not None and r["loss"] > 0]
    rows.sort(key=lambda r: (-float(r["loss"]), r["id"]))
    names: dict[int | None, str] = {label.id: label.name for label in store.labels.list()}
    out = [
        {
            "id": r["id"],
            "path": r["path"],
            "label": None,
            "predicted": names.get(r["predicted_id"]),
            "score": r["score"],
            "loss": r["loss"],
            "errors": int(r["loss"]),
        }
        for r in rows
    ]
    return out[:limit] if limit is not None else out


def train_line(model: ModelVersion) -> str:
    return f"{model.version}: trained on {model.trained_on} images, {metric_headline(model.metrics)} ({model.state})"
