"""Hostile and broken files: one ImportFormatError naming the file, the key or line, and the problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from s2ide.core.errors import ImportFormatError
from s2ide.core.io.formats import read_plan
from s2ide.core.io.import_options import ImportOptions
from s2ide.core.io.importing import run_import
from s2ide.core.tasks import TaskState
from tests.conftest import write_image
from tests.core.io.formats.helpers import make_project, shapes

IMAGE = {"id": 1, "file_name": "a.png", "width": 64, "height": 48}
CATS = [{"id": 1, "name": "cat"}]


def coco(annotation: dict | None = None, **overrides) -> str:
    doc = {"images": [IMAGE], "categories": CATS, "annotations": []}
    if annotation is not None:
        doc["annotations"] = [{"id": 1, "image_id": 1, "category_id": 1, **annotation}]
    doc.update(overrides)
    return json.dumps(doc)


def labelme(**overrides) -> str:
    doc = {"shapes": [], "imagePath": "a.png", "imageWidth": 64, "imageHeight": 48}
    doc.update(overrides)
    return json.dumps(doc)


CASES = [
    (
        "coco",
        coco(images=[{**IMAGE, "file_name": "../../etc/passwd"}]),
        r"images\[0\]\.file_name: path '\.\./\.\./etc/passwd' leads outside",
    ),
    (
        "coco",
        coco(images=[{**IMAGE, "file_name": "/etc/passwd"}]),
        r"images\[0\]\.file_name: path '/etc/passwd' leads outside",
    ),
    ("coco", coco()[:-20], r"line 1 column \d+: not valid JSON"),
    ("coco", "[1, 2, 3]", r"expected an object, got a list"),
    ("coco", coco(images={"a": 1}), r": images: expected a list, got an object"),
    ("coco", coco({"bbox": ["1", 2, 3, 4]}), r"annotations\[0\]\.bbox\[0\]: expected a number, got a string"),
    ("coco", coco({"bbox": [1e308 * 10, 2, 3, 4]}).replace("Infinity", "1e999"), r"bbox\[0\]: must be finite"),
    (
        "coco",
        coco({"bbox": [2, 2, 3, 4]}).replace("[2, 2,", "[" + "9" * 5000 + ", 2,"),
        r"not valid JSON \(Exceeds the limit",
    ),
    ("coco", coco({"bbox": [2e9, 2, 3, 4]}), r"bbox\[0\]: 2e\+09 is out of range"),
    ("coco", coco(images=[{**IMAGE, "width": -5}]), r"images\[0\]\.width: -5 is out of range"),
    ("coco", coco({"bbox": [2, 2, -3, 4]}), r"annotations\[0\]\.bbox: box has a non-positive size"),
    ("coco", coco({"segmentation": [[1, 2, 3, 4]]}), r"segmentation\[0\]: a polygon needs at least 3 points, got 2"),
    ("coco", coco({"segmentation": [[1, 2, 3, 4, 5]]}), r"segmentation\[0\]: a polygon needs x,y pairs"),
    (
        "coco",
        coco({"segmentation": {"size": [48, 64], "counts": [10, 5]}}),
        r"segmentation\.counts: RLE covers 15 pixels",
    ),
    (
        "coco",
        coco({"segmentation": {"size": [4, 4], "counts": [16]}}),
        r"segmentation\.size: RLE is 4x4, the image is 64x48",
    ),
    ("coco", coco({"segmentation": {"size": [48, 64], "counts": "\u00ff"}}), r"compressed RLE counts must be ASCII"),
    ("coco", coco({"segmentation": {"size": [48, 64], "counts": "0"}}), r"RLE covers 0 pixels"),
    (
        "coco",
        coco(
            {"segmentation": {"size": [100000, 100000], "counts": [10**10]}},
            images=[{**IMAGE, "width": 100000, "height": 100000}],
        ),
        r"segmentation\.size: a 100000x100000 mask is larger than",
    ),
    ("coco", coco({"image_id": 99, "bbox": [1, 1, 2, 2]}), r"annotations\[0\]\.image_id: no image with id 99"),
    ("coco", coco({"category_id": 5, "bbox": [1, 1, 2, 2]}), r"annotations\[0\]\.category_id: no category with id 5"),
    ("labelme", labelme(imagePath="../../../../x.png"), r"imagePath: path '\.\./\.\./\.\./\.\./x\.png' leads outside"),
    ("labelme", labelme(shapes={"a": 1}), r"shapes: expected a list, got an object"),
    (
        "labelme",
        labelme(shapes=[{"label": "a", "shape_type": "polygon", "points": [[1, 1], [2, 2]]}]),
        r"shapes\[0\]: a polygon needs at least 3 points, got 2",
    ),
    (
        "labelme",
        labelme(shapes=[{"label": "a", "shape_type": "point", "points": [["x", 1]]}]),
        r"shapes\[0\]\.points\[0\]\[0\]: expected a number, got a string",
    ),
    (
        "labelme",
        labelme(shapes=[{"label": "a", "shape_type": "blob", "points": [[1, 1]]}]),
        r"shapes\[0\]\.shape_type: unknown shape type 'blob'",
    ),
    ("labelme", labelme(imageHeight=-1), r"image\.height: -1 is out of range"),
    (
        "labelme",
        labelme(shapes=[{"label": "a", "shape_type": "mask", "points": [[0, 0], [3, 3]], "mask": "!!"}]),
        r"shapes\[0\]\.mask: not valid base64",
    ),
    ("labelme", labelme()[:10], r"not valid JSON"),
    ("voc", "<annotation><filename>../x.png</filename></annotation>", r"<filename>: path '\.\./x\.png' leads outside"),
    (
        "voc",
        "<annotation><filename>a.png</filename><object><name>a</name><bndbox><xmin>5</xmin><ymin>1</ymin><xmax>2</xmax><ymax>3</ymax></bndbox></object></annotation>",
        r"<object> 1: <bndbox> has a non-positive size",
    ),
    (
        "voc",
        "<annotation><filename>a.png</filename><object><name>a</name></object></annotation>",
        r"<object> 1: missing <bndbox>",
    ),
    ("voc", "<annotation><filename>a.png</filename>", r"line 1 column \d+: not valid XML"),
    (
        "voc",
        '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><annotation><filename>&e;</filename></annotation>',
        r"refused unsafe XML",
    ),
    ("csv", "a.png,cat,extra,more\n", r"expected path,label\[,split\], got 4"),
]


@pytest.mark.parametrize(("fmt", "text", "problem"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_one_clear_message_naming_the_file(tmp_path: Path, fmt: str, text: str, problem: str) -> None:
    root = tmp_path / "data"
    write_image(root / "a.png", size=(64, 48))
    name = {"coco": "annotations.json", "labelme": "a.json", "voc": "a.xml", "csv": "labels.csv"}[fmt]
    (root / name).write_text(text, encoding="utf-8")
    target = root / name
    try:
        plan = read_plan(target, fmt)
    except ImportFormatError as exc:
        message = str(exc)
    else:
        assert plan.problems, "a broken file must be refused or reported"
        message = plan.problems[0]
    assert str(target) in message and "\n" not in message
    assert __import__("re").search(problem, message), message


def test_nothing_changes_when_an_import_fails(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", [("a.png", (64, 48))])
    folder = tmp_path / "p-images"
    doc = json.loads(coco({"bbox": [1, 1, 5, 5]}, categories=[{"id": 1, "name": "new"}]))
    doc["images"][0]["width"] = 65  # the file says 65 wide; the image is 64: found once the image is read
    (folder / "annotations.json").write_text(json.dumps(doc))
    state = lambda: (  # noqa: E731
        shapes(project),
        project.store.samples.count(),
        len(project.store.audit.list()),
        project.store.labels.list(),
    )
    before = state()
    with pytest.raises(ImportFormatError, match="declares a 65x48 image"):
        run_import(project, read_plan(folder / "annotations.json", "coco"), ImportOptions(), TaskState())
    assert state() == before
    project.close()
