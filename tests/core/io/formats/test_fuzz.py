"""Fuzz every parser: whatever the bytes, a reader may only raise our own ImportFormatError.

Bounded: few examples each, no deadline, so the whole file stays within a few seconds.
Structured strategies build files that are almost right (the right keys, wrong values), which
reach deeper than random bytes; plans that do parse are applied too, and may fail only the same way.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from s2ide.core.errors import ImportFormatError
from s2ide.core.io.formats import read_plan, rle
from s2ide.core.io.import_options import ImportOptions
from s2ide.core.io.importing import run_import
from s2ide.core.project import Project
from s2ide.core.tasks import TaskState
from tests.conftest import write_image

FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)

_dir = tempfile.TemporaryDirectory(prefix="s2ide-fuzz-")
ROOT = Path(_dir.name)
write_image(ROOT / "data" / "a.png", size=(64, 48))
(ROOT / "data" / "labels").mkdir()
(ROOT / "data" / "images").mkdir()
write_image(ROOT / "data" / "images" / "a.png", size=(64, 48))
PROJECT = Project.create(ROOT / "proj", ["cat"], task="detect")

numbers = st.one_of(
    st.integers(-5, 100),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, 1, 47, 48, 63, 64, 1e308, -1e308, 2**63, 0.5]),
)
json_values = st.recursive(
    st.one_of(
        st.none(), st.booleans(), numbers, st.text(max_size=8), st.sampled_from(["a.png", "../a.png", "/etc/passwd"])
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=6), st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=20,
)


def _try(path: Path, fmt: str, apply: bool = False) -> None:
    try:
        plan = read_plan(path, fmt)
        if apply:
            run_import(PROJECT, plan, ImportOptions(processes=1), TaskState())
    except ImportFormatError as exc:
        assert str(exc) and "\n" not in str(exc).strip()


@pytest.mark.parametrize(
    ("fmt", "name"), [("coco", "c.json"), ("labelme", "l.json"), ("voc", "v.xml"), ("csv", "x.csv")]
)
@FUZZ
@given(data=st.binary(max_size=300))
def test_random_bytes(fmt: str, name: str, data: bytes) -> None:
    path = ROOT / "data" / name
    path.write_bytes(data)
    _try(path, fmt, apply=True)


def _coco_annotation():
    return st.fixed_dictionaries(
        {"image_id": st.sampled_from([1, 2, "1"]), "category_id": st.sampled_from([1, 2, None])},
        optional={
            "bbox": st.one_of(st.lists(numbers, min_size=0, max_size=5), json_values),
            "segmentation": st.one_of(
                st.lists(st.lists(numbers, max_size=9), max_size=2),
                st.fixed_dictionaries(
                    {
                        "size": st.lists(numbers, max_size=3),
                        "counts": st.one_of(st.text(max_size=12), st.lists(st.integers(-2, 4000), max_size=5)),
                    }
                ),
                json_values,
            ),
            "iscrowd": numbers,
            "attributes": json_values,
        },
    )


@FUZZ
@given(
    images=st.lists(
        st.fixed_dictionaries(
            {"id": st.sampled_from([1, 2]), "file_name": st.sampled_from(["a.png", "../a.png", "x/../a.png", 5])},
            optional={"width": numbers, "height": numbers},
        ),
        max_size=2,
    ),
    annotations=st.lists(_coco_annotation(), max_size=4),
    categories=st.one_of(st.just([{"id": 1, "name": "cat"}]), json_values),
)
def test_coco_structured(images, annotations, categories) -> None:
    path = ROOT / "data" / "coco.json"
    path.write_text(json.dumps({"images": images, "annotations": annotations, "categories": categories}))
    _try(path, "coco", apply=True)


@FUZZ
@given(
    shapes=st.lists(
        st.fixed_dictionaries(
            {
                "label": st.one_of(st.just("cat"), json_values),
                "points": st.one_of(st.lists(st.lists(numbers, max_size=3), max_size=5), json_values),
            },
            optional={
                "shape_type": st.sampled_from(
                    ["rectangle", "polygon", "point", "line", "linestrip", "circle", "rotation", "mask", "x", None]
                ),
                "mask": st.one_of(st.text(max_size=12), st.just("iVBORw0KGgo=")),
            },
        ),
        max_size=4,
    ),
    extra=st.dictionaries(
        st.sampled_from(["imageWidth", "imageHeight", "flags", "imagePath"]), json_values, max_size=2
    ),
)
def test_labelme_structured(shapes, extra) -> None:
    path = ROOT / "data" / "lm.json"
    path.write_text(json.dumps({"imagePath": "a.png", "imageWidth": 64, "imageHeight": 48, "shapes": shapes, **extra}))
    _try(path, "labelme", apply=True)


tokens = st.sampled_from(
    ["0", "1", "0.5", "1.5", "-0.1", "nan", "inf", "1e999", "x", "0.0", "0.99", "3", "-0", "1e-320"]
)


@FUZZ
@given(
    lines=st.lists(st.lists(tokens, max_size=11).map(" ".join), max_size=4),
    yaml=st.sampled_from(
        [
            "names: [cat]\n",
            "names:\n  0: cat\n",
            "names: ['a\n",
            "task: obb\nnames: [cat]\n",
            "nc: 2\nnames: [a]\n",
            "train: ..\n",
            "",
        ]
    ),
)
def test_yolo_structured(lines, yaml) -> None:
    (ROOT / "data" / "labels" / "a.txt").write_text("\n".join(lines))
    (ROOT / "data" / "data.yaml").write_text(yaml)
    try:
        _try(ROOT / "data", "yolo", apply=True)
    finally:
        (ROOT / "data" / "data.yaml").unlink()


@FUZZ
@given(
    fields=st.lists(
        st.tuples(
            st.sampled_from(["xmin", "ymin", "xmax", "ymax", "name", "x"]), st.one_of(tokens, st.text(max_size=5))
        ),
        max_size=6,
    ),
    filename=st.sampled_from(["a.png", "../a.png", "", "/a.png", "<x>"]),
    size=st.tuples(tokens, tokens),
)
def test_voc_structured(fields, filename, size) -> None:
    from xml.sax.saxutils import escape

    body = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields)
    xml = (
        f"<annotation><filename>{escape(filename)}</filename><size><width>{size[0]}</width><height>{size[1]}</height></size>"
        f"<object><name>cat</name><bndbox>{body}</bndbox></object></annotation>"
    )
    path = ROOT / "data" / "v.xml"
    path.write_text(xml)
    _try(path, "voc", apply=True)


@FUZZ
@given(text=st.text(max_size=40), size=st.integers(0, 5000))
def test_rle_strings(text: str, size: int) -> None:
    try:
        counts = rle.from_string(text, "counts", size)
        rle.decode(counts, 1, size, "counts")
    except ImportFormatError:
        pass
