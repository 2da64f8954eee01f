"""The project's external models: add (local file or URL + sha256), list, load, remove.

A model is checked before it is recorded: the file must be ONNX with the signature of its kind
(a SAM encoder + decoder pair, or one YOLO detector/segmenter). Files are copied into the user's
data folder under their sha256 and checked again each time they are loaded.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from s2ide.core.errors import InvalidInputError
from s2ide.core.store import Store
from s2ide.core.store.external_models import ExternalModel
from s2ide.core.tasks import TaskState
from s2ide.ml.external import files
from s2ide.ml.external.signatures import check


def _name_free(store: Store, name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidInputError("give the model a name")
    if store.external_models.by_name(name) is not None:
        raise InvalidInputError(f"a model named {name!r} exists already")
    return name


def add_sam(store: Store, name: str, encoder: Path, decoder: Path, user: str = "", source: str = "") -> ExternalModel:
    """Record a SAM-family encoder/decoder pair after checking both signatures."""
    name = _name_free(store, name)
    check(Path(encoder), "sam-encoder")
    check(Path(decoder), "sam-decoder")
    shas = {"encoder": files.store_file(Path(encoder)), "decoder": files.store_file(Path(decoder))}
    return store.external_models.add(name, "sam", shas, source or f"{encoder} + {decoder}", user)


def add_yolo(store: Store, name: str, path: Path, user: str = "", source: str = "") -> ExternalModel:
    """Record an Ultralytics YOLO ONNX detector or segmenter after checking its signature."""
    name = _name_free(store, name)
    kind, _session = check(Path(path), ("yolo-detect", "yolo-segment"))
    return store.external_models.add(name, kind, {"model": files.store_file(Path(path))}, source or str(path), user)


def add_from_urls(
    store: Store, name: str, kind: str, urls: dict[str, tuple[str, str]], user: str = "", state: TaskState | None = None
) -> ExternalModel:
    """Download each role's (url, sha256), refusing any whose checksum differs, then add it."""
    paths = {role: files.stored_path(files.download(url, sha, state)) for role, (url, sha) in urls.items()}
    source = " + ".join(url for url, _sha in urls.values())
    if kind == "sam":
        return add_sam(store, name, paths["encoder"], paths["decoder"], user, source)
    return add_yolo(store, name, paths["model"], user, source)


def available(model: ExternalModel) -> bool:
    """Whether this machine holds the model's files (checksums are checked on load)."""
    return all(files.stored_path(sha).exists() for sha in model.files.values())


def load(model: ExternalModel) -> Any:
    """A SamModel or YoloModel for a recorded model (files verified by checksum first)."""
    from s2ide.ml.external.sam import SamModel
    from s2ide.ml.external.yolo import YoloModel

    if model.kind == "sam":
        return SamModel(files.verified_path(model.files["encoder"]), files.verified_path(model.files["decoder"]))
    return YoloModel(files.verified_path(model.files["model"]))


@dataclass
class PreLabels:
    """YOLO detections turned into shapes of the project's labels, and what could not be."""

    shapes: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)  # (kind, label_id, geometry)
    scores: list[float] = field(default_factory=list)
    unmatched: Counter[str] = field(default_factory=Counter)  # class names with no label of that name


def prelabels(detections: list, labels: dict[str, int], as_masks: bool) -> PreLabels:
    """Boxes (detectors) or polygons traced from masks (segmenters), by label name; classes the
    project has no label for are counted, never dropped silently."""
    from s2ide.core.labeling.selection.regions import polygons

    lowered = {name.lower(): label_id for name, label_id in labels.items()}
    out = PreLabels()
    for det in detections:
        label_id = lowered.get(det.name.lower())
        if label_id is None:
            out.unmatched[det.name] += 1
            continue
        if as_masks and det.mask is not None and np.any(det.mask):
            traced = polygons(det.mask, tolerance=1.0)
            if traced:
                out.shapes.append(("polygon", label_id, {"points": max(traced, key=len)}))
                out.scores.append(det.score)
                continue
        x0, y0, x1, y1 = det.box
        out.shapes.append(("box", label_id, {"x": x0, "y": y0, "w": x1 - x0, "h": y1 - y0, "angle": 0.0}))
        out.scores.append(det.score)
    return out
