"""The geometry a model predicted for a sample, as shapes the canvas draws in its own layer.

`predictions.geometry` holds JSON: one shape or a list of shapes, each
`{"kind": "box"|"polygon"|"line"|"point"|"mask", "label_id"?: int, "score"?: float, ...}` with
the geometry keys of core/geometry.py inline (or under "geometry"); a mask carries its 1-bit
PNG as base64 in "png". Shapes that do not parse are skipped, never fatal: a prediction is a
hint, not data.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from s2ide.core.errors import S2Error
from s2ide.core.geometry import decode_mask, validate


@dataclass(frozen=True)
class PredictedShape:
    kind: str
    label_id: int | None
    score: float | None
    geometry: dict[str, Any]
    mask: np.ndarray | None = None


def parse(text: str, label_id: int | None, score: float | None, width: int, height: int) -> list[PredictedShape]:
    try:
        loaded = json.loads(text)
    except (TypeError, ValueError):
        return []
    items = loaded if isinstance(loaded, list) else [loaded]
    shapes = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("kind"), str):
            continue
        kind = item["kind"]
        own_label = item.get("label_id", label_id)
        own_score = item.get("score", score)
        try:
            if kind == "mask":
                mask = decode_mask(base64.b64decode(item["png"]), width, height)
                shapes.append(PredictedShape(kind, own_label, own_score, {}, mask))
            else:
                raw = item.get("geometry", item)
                shapes.append(PredictedShape(kind, own_label, own_score, validate(kind, raw)))
        except (S2Error, KeyError, binascii.Error, TypeError, ValueError):
            continue
    return shapes
