"""Property-based keypoints round trips through every format that keeps them: export, import
into a fresh project, get the same named points with the same visibility (paired with their
box or alone), whatever the skeleton's size."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from s2ide.core.io.export_job import ExportOptions
from s2ide.core.io.exporting import run_export
from s2ide.core.store.skeletons import Skeleton
from s2ide.core.tasks import TaskState
from tests.core.io.formats.helpers import make_project, reimport
from tests.core.io.formats.test_roundtrip import ROUND

counter = itertools.count()
SIZE = (48, 40)


@st.composite
def objects(draw: Any) -> tuple[int, list]:
    """(keypoints per object, [(points, box or None)])."""
    k = draw(st.integers(1, 6))
    out = []
    for _ in range(draw(st.integers(1, 3))):
        points = []
        for _ in range(k):
            v = draw(st.sampled_from([0, 1, 2]))
            x, y = draw(st.integers(0, 4 * (SIZE[0] - 1))) / 4, draw(st.integers(0, 4 * (SIZE[1] - 1))) / 4
            points.append([x, y, v] if v else [0.0, 0.0, 0])
        if not any(p[2] for p in points):
            points[0] = [1.0, 1.0, 2]
        box = None
        if draw(st.booleans()):
            box = {"x": float(draw(st.integers(0, 20))), "y": float(draw(st.integers(0, 20))), "w": 8.0, "h": 6.0}
        if any(points == other and box is None and other_box is None for other, other_box in out):
            continue  # two identical lone objects on one image merge on import (the report counts it)
        out.append((points, box))
    return k, out


def _named(project: Any) -> list:
    """Every keypoints shape as a sorted list of (name, x, y, visibility) of its labelled points."""
    store = project.store
    person = store.labels.resolve("person").id
    names = store.skeletons.get(person).names
    found = []
    for row in store.samples.rows():
        for ann in store.annotations.for_sample(row["id"]):
            if ann.kind == "keypoints":
                found.append(
                    sorted((n, round(x, 2), round(y, 2), v) for n, (x, y, v) in zip(names, ann.geometry["points"]) if v)
                )
    return sorted(found)


def _round_trip(fmt: str, k: int, shapes: list) -> tuple[list, list]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        project = make_project(root / "p", [(f"img{next(counter)}.png", SIZE)], labels=["person"])
        store = project.store
        sample = store.samples.rows()[0]["id"]
        person = store.labels.resolve("person").id
        with store.transaction():
            store.skeletons.set(person, Skeleton([f"k{i}" for i in range(k)], [(i, i + 1) for i in range(k - 1)]))
            for group, (points, box) in enumerate(shapes, start=1):
                link = {"group_id": group} if box is not None else None
                if box is not None:
                    store.annotations.add(sample, "box", person, "t", geometry={**box, "angle": 0.0}, attributes=link)
                store.annotations.add(sample, "keypoints", person, "t", geometry={"points": points}, attributes=link)
        expected = _named(project)
        run_export(project, root / "out", fmt, ExportOptions(), TaskState())
        fresh, _report = reimport(root / "out", fmt, root / "fresh")
        got = _named(fresh)
        fresh.close()
        project.close()
    return expected, got


@pytest.mark.parametrize("fmt", ["coco", "cvat", "datumaro", "labelme", "labelstudio", "yolo"])
@settings(ROUND, max_examples=4)  # six formats: the suite stays quick
@given(data=objects())
def test_keypoints_round_trip(fmt: str, data: tuple[int, list]) -> None:
    k, shapes = data
    if fmt in ("labelme", "labelstudio"):  # these keep keypoints only in a group with an outline
        shapes = [(points, box or {"x": 1.0, "y": 1.0, "w": 4.0, "h": 4.0}) for points, box in shapes]
    expected, got = _round_trip(fmt, k, shapes)
    assert got == expected
