"""Shared pieces of the format tests: a project with every kind of shape, and a comparable view of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from s2ide.core import geometry
from s2ide.core.io.formats import read_plan
from s2ide.core.io.import_options import ImportOptions, ImportReport
from s2ide.core.io.importing import run_import
from s2ide.core.project import Project
from s2ide.core.tasks import TaskState
from tests.conftest import write_image

LABELS = ["cat", "dog", "car"]


def make_project(path: Path, images: list[tuple[str, tuple[int, int]]], labels: list[str] = LABELS) -> Project:
    """A detect project with the given (name, size) images imported from a folder beside it."""
    project = Project.create(path, labels, task="detect")
    src = path.parent / f"{path.name}-images"
    for index, (name, size) in enumerate(images):
        write_image(src / name, size=size, color=(index * 7 % 256, 90 + index % 100, 200 - index % 150))
    run_import(project, read_plan(src, "folder"), ImportOptions(), TaskState())
    return project


def rect_mask(size: tuple[int, int], box: tuple[int, int, int, int]) -> np.ndarray:
    width, height = size
    mask = np.zeros((height, width), dtype=bool)
    x, y, w, h = box
    mask[y : y + h, x : x + w] = True
    return mask


def add(project: Project, name: str, kind: str, label: str, geom: dict[str, Any] | None = None, mask=None) -> int:
    store = project.store
    sample = next(s for s in store.samples.rows() if s["path"].endswith("/" + name))
    label_id = store.labels.resolve(label).id
    with store.transaction():
        if kind == "tag":
            return store.annotations.add(sample["id"], "tag", label_id, "lara")
        if kind == "mask":
            geom = {"encoding": "png", "width": sample["width"], "height": sample["height"]}
            return store.annotations.add(
                sample["id"], "mask", label_id, "lara", geometry=geom, data=geometry.encode_mask(mask)
            )
        return store.annotations.add(sample["id"], kind, label_id, "lara", geometry=geometry.validate(kind, geom))


def shapes_project(path: Path) -> Project:
    """Three images: every kind of shape on the first, two on the second, none on the third."""
    project = make_project(path, [("a.png", (64, 48)), ("b.png", (40, 30)), ("c.png", (16, 16))])
    add(project, "a.png", "box", "cat", {"x": 4.0, "y": 5.0, "w": 20.0, "h": 10.0})
    add(project, "a.png", "box", "dog", {"x": 20.0, "y": 12.0, "w": 16.0, "h": 8.0, "angle": 30.0})
    add(project, "a.png", "polygon", "car", {"points": [[1.0, 1.0], [30.5, 2.0], [12.0, 40.25]]})
    add(project, "a.png", "mask", "cat", mask=rect_mask((64, 48), (40, 20, 10, 12)))
    add(project, "a.png", "point", "dog", {"x": 3.0, "y": 4.0})
    add(project, "a.png", "line", "car", {"points": [[0.0, 0.0], [10.0, 10.0], [20.0, 5.0]]})
    add(project, "a.png", "tag", "cat")
    add(project, "b.png", "polygon", "dog", {"points": [[2.0, 2.0], [38.0, 2.0], [38.0, 28.0], [2.0, 28.0], [20, 15]]})
    add(project, "b.png", "box", "car", {"x": 0.0, "y": 0.0, "w": 40.0, "h": 30.0})
    return project


def shapes(project: Project, kinds: tuple[str, ...] = ("box", "polygon", "mask", "point", "line", "tag")) -> dict:
    """{image file name: sorted [(kind, label, rounded geometry or mask pixel count and bounds)]}."""
    store = project.store
    names = {label.id: label.name for label in store.labels.list()}
    out: dict[str, list] = {}
    for row in store.samples.rows():
        entries = []
        for ann in store.annotations.for_sample(row["id"]):
            if ann.kind not in kinds:
                continue
            if ann.kind == "mask":
                mask = geometry.decode_mask(ann.data, row["width"], row["height"])
                ys, xs = np.nonzero(mask)
                value: Any = (int(mask.sum()), int(xs.min()), int(ys.min()))
            elif ann.geometry:
                value = _rounded(ann.geometry)
            else:
                value = None
            entries.append((ann.kind, names[ann.label_id], repr(value)))
        out[Path(row["path"]).name] = sorted(entries)
    return out


def _rounded(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    if isinstance(value, float):
        rounded = round(value, 3)
        return 0.0 if rounded == 0 else rounded
    return value


def reimport(
    dest: Path, fmt: str, project_path: Path, labels: list[str] | None = None, **options: Any
) -> tuple[Project, ImportReport]:
    """A fresh project (no labels unless given) with `dest` imported in `fmt`."""
    project = Project.create(project_path, labels or [], task="detect")
    report = run_import(project, read_plan(dest, fmt), ImportOptions(**options), TaskState())
    return project, report
