"""Property-based round trips for the formats added with lossless interop, attributes included:
export, re-import into a fresh project, get the same shapes and attributes back."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import example, given
from hypothesis import strategies as st

from s2ide.core import geometry
from s2ide.core.io.export_job import ExportOptions
from s2ide.core.io.exporting import run_export
from s2ide.core.tasks import TaskState
from tests.core.io.formats.helpers import LABELS, make_project, reimport
from tests.core.io.formats.test_roundtrip import ROUND, _close, image_shapes

counter = itertools.count()


def _attrs(draw: Any, kind: str, fmt: str) -> dict[str, Any] | None:
    """Attributes each format has a place for, with the types it keeps."""
    if fmt == "kitti":
        return {"truncated": draw(st.integers(0, 100)) / 100, "occluded": draw(st.integers(0, 3))}
    if not draw(st.booleans()):
        return None
    words = st.text(alphabet="abcxyz", min_size=1, max_size=6)
    if fmt == "coco":
        return {"iscrowd": 1} if draw(st.booleans()) else {"color": draw(words)}
    if fmt == "cvat":
        out: dict[str, Any] = {"color": draw(words)}
        if draw(st.booleans()):
            out["occluded"] = 1
        if draw(st.booleans()):
            out["group_id"] = draw(st.integers(1, 9))
        return out
    if fmt == "datumaro":
        return {"group_id": draw(st.integers(1, 9)), "note": draw(words)}
    if fmt == "labelstudio":
        return {"note": draw(words)}
    return None


@st.composite
def case(draw: Any, fmt: str, kinds: tuple[str, ...]) -> tuple[tuple[int, int], list]:
    size, shapes = draw(image_shapes(kinds=kinds))
    return size, [(kind, label, value, _attrs(draw, kind, fmt)) for kind, label, value in shapes]


def _read(project: Any) -> list:
    store = project.store
    names = {label.id: label.name for label in store.labels.list()}
    out = []
    for ann in store.annotations.for_sample(store.samples.ids()[0]):
        value = geometry.decode_mask(ann.data) if ann.kind == "mask" else ann.geometry
        out.append((ann.kind, names[ann.label_id], value, ann.attributes))
    return out


def _same_attrs(a: Any, b: Any) -> bool:
    if not a or not b:
        return not a and not b
    return a.keys() == b.keys() and all(_close(a[k], b[k]) if isinstance(a[k], float) else a[k] == b[k] for k in a)


def _matches(expected: list, got: list) -> bool:
    if len(expected) != len(got):
        return False
    remaining = list(got)
    for kind, label, value, attrs in expected:
        for index, (k2, l2, v2, a2) in enumerate(remaining):
            if k2 != kind or l2 != label or not _same_attrs(attrs, a2):
                continue
            if (value == v2).all() if kind == "mask" else _close(value, v2):
                remaining.pop(index)
                break
        else:
            return False
    return True


def _round_trip(fmt: str, size: tuple[int, int], shapes: list) -> tuple[list, list]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        project = make_project(root / "p", [(f"img{next(counter)}.png", size)])
        sample = project.store.samples.rows()[0]
        store = project.store
        with store.transaction():
            for kind, label, value, attrs in shapes:
                label_id = store.labels.resolve(label).id
                if kind == "mask":
                    geom = {"encoding": "png", "width": size[0], "height": size[1]}
                    data = geometry.encode_mask(value)
                    store.annotations.add(sample["id"], kind, label_id, "t", geometry=geom, data=data, attributes=attrs)
                else:
                    store.annotations.add(sample["id"], kind, label_id, "t", geometry=value, attributes=attrs)
        expected = _read(project)
        run_export(project, root / "out", fmt, ExportOptions(), TaskState())
        fresh, report = reimport(root / "out", fmt, root / "fresh", labels=LABELS)
        assert report.annotations_skipped == 0, report.skipped
        got = _read(fresh)
        fresh.close()
        project.close()
    return expected, got


@ROUND
@given(data=case("coco", ("box", "rotated", "polygon", "mask")))
def test_coco_attributes_round_trip(data) -> None:
    expected, got = _round_trip("coco", *data)
    assert _matches(expected, got), (expected, got)


@ROUND
@given(data=case("cvat", ("box", "rotated", "polygon", "mask")))
@example(data=((8, 8), [("box", "cat", {"x": 0.25, "y": 0.25, "w": 1.0, "h": 1.0, "angle": -1.0}, None)]))
def test_cvat_round_trip(data) -> None:
    expected, got = _round_trip("cvat", *data)
    assert _matches(expected, got), (expected, got)


@ROUND
@given(data=case("datumaro", ("box", "rotated", "polygon", "mask")))
def test_datumaro_round_trip(data) -> None:
    expected, got = _round_trip("datumaro", *data)
    assert _matches(expected, got), (expected, got)


@ROUND
@given(data=case("labelstudio", ("box", "rotated", "polygon", "mask")))
def test_labelstudio_round_trip(data) -> None:
    expected, got = _round_trip("labelstudio", *data)
    assert _matches(expected, got), (expected, got)


@ROUND
@given(data=case("kitti", ("box",)))
def test_kitti_round_trip(data) -> None:
    expected, got = _round_trip("kitti", *data)
    assert _matches(expected, got), (expected, got)


@ROUND
@given(data=case("cityscapes", ("polygon",)))
def test_cityscapes_round_trip(data) -> None:
    expected, got = _round_trip("cityscapes", *data)
    assert _matches(expected, got), (expected, got)


@ROUND
@given(
    size=st.tuples(st.integers(4, 32), st.integers(4, 32)), seed=st.integers(0, 2**16), label=st.sampled_from(LABELS)
)
def test_vocseg_round_trip(size, seed, label) -> None:
    mask = np.random.default_rng(seed).random((size[1], size[0])) > 0.5
    mask[0, 0] = True
    expected, got = _round_trip("vocseg", size, [("mask", label, mask, None)])
    assert _matches(expected, got), (expected, got)


@ROUND
@given(rings=st.integers(2, 4), size=st.integers(16, 64))
def test_coco_multi_ring_polygon_round_trip(rings, size) -> None:
    step = size / rings
    polygon = [[[i * step, 0.0], [(i + 0.5) * step, 0.0], [i * step, step / 2]] for i in range(rings)]
    geom = {"points": polygon[0], "rings": polygon[1:]}
    expected, got = _round_trip("coco", (size, size), [("polygon", "cat", geom, None)])
    assert _matches(expected, got), (expected, got)
