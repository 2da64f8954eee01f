"""labelme (and X-AnyLabeling) JSON and Pascal VOC XML: round trips and files written by those tools."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from s2ide.core import geometry
from s2ide.core.io.export_job import ExportOptions
from s2ide.core.io.exporting import run_export
from s2ide.core.io.formats import detect_format, read_plan
from s2ide.core.tasks import TaskState
from tests.conftest import write_image
from tests.core.io.formats.helpers import reimport, shapes, shapes_project


def test_labelme_round_trip_keeps_every_shape_and_the_tag(tmp_path: Path) -> None:
    project = shapes_project(tmp_path / "p")
    report = run_export(project, tmp_path / "lm", "labelme", ExportOptions(), TaskState())
    assert report.skipped == []
    doc = json.loads((tmp_path / "lm" / "a.json").read_text())
    assert doc["imagePath"] == "a.png" and doc["imageData"] is None and doc["flags"] == {"cat": True}
    types = sorted(s["shape_type"] for s in doc["shapes"])
    assert types == ["linestrip", "mask", "point", "polygon", "rectangle", "rotation"]
    assert detect_format(tmp_path / "lm") == "labelme"
    fresh, _ = reimport(tmp_path / "lm", "labelme", tmp_path / "fresh")
    assert shapes(fresh) == shapes(project)
    fresh.close()
    project.close()


def test_reads_files_written_by_labelme_and_x_anylabeling(tmp_path: Path) -> None:
    write_image(tmp_path / "data" / "img" / "p.jpg", size=(50, 40))
    crop = np.zeros((3, 4), bool)
    crop[1, 1:3] = True
    buffer = io.BytesIO()
    Image.fromarray(crop).save(buffer, "PNG")
    doc = {
        "version": "2.4.4",
        "flags": {"night": False, "day": True},
        "shapes": [
            {"label": "r4", "shape_type": "rectangle", "points": [[1, 2], [11, 2], [11, 7], [1, 7]]},
            {"label": "r2", "shape_type": "rectangle", "points": [[11, 7], [1, 2]]},
            {"label": "rot", "shape_type": "rotation", "points": [[10, 10], [20, 10], [20, 15], [10, 15]]},
            {"label": "c", "shape_type": "circle", "points": [[25, 20], [30, 20]]},
            {
                "label": "m",
                "shape_type": "mask",
                "points": [[5, 6], [8, 8]],
                "mask": base64.b64encode(buffer.getvalue()).decode(),
            },
            {"label": "l", "shape_type": "line", "points": [[0, 0], [5, 5]]},
        ],
        "imagePath": "../img/p.jpg",
        "imageData": None,
        "imageHeight": 40,
        "imageWidth": 50,
    }
    (tmp_path / "data" / "ann").mkdir()
    (tmp_path / "data" / "ann" / "p.json").write_text(json.dumps(doc))
    plan = read_plan(tmp_path / "data")
    assert plan.format == "labelme"
    item = plan.items[0]
    assert item.source == (tmp_path / "data" / "img" / "p.jpg").resolve() and item.tag == "day"
    kinds = [(a.kind, a.label) for a in item.annotations]
    assert kinds == [("box", "r4"), ("box", "r2"), ("box", "rot"), ("polygon", "c"), ("mask", "m"), ("line", "l")]
    assert item.annotations[0].geometry == item.annotations[1].geometry == {"x": 1, "y": 2, "w": 10, "h": 5, "angle": 0}
    mask = geometry.decode_mask(item.annotations[4].data, 50, 40)
    assert mask.sum() == 2 and mask[7, 6] and mask[7, 7]


def test_voc_round_trip_splits_and_layout(tmp_path: Path) -> None:
    project = shapes_project(tmp_path / "p")
    project.store.samples.set_split([1], "train")
    project.store.samples.set_split([2], "val")
    run_export(project, tmp_path / "voc", "voc", ExportOptions(), TaskState())
    out = tmp_path / "voc"
    assert (out / "JPEGImages" / "a.png").is_file()
    assert (out / "ImageSets" / "Main" / "val.txt").read_text() == "b\n"
    assert "<xmin>4</xmin>" in (out / "Annotations" / "a.xml").read_text()
    assert detect_format(out) == "voc"
    fresh, _ = reimport(out, "voc", tmp_path / "fresh")
    ours = shapes(project, ("box",))
    theirs = shapes(fresh, ("box",))
    assert theirs["b.png"] == ours["b.png"]
    assert theirs["a.png"][0] == ours["a.png"][0]  # the upright box; the rotated one is exported as its bounds
    assert {r["path"].rsplit("/", 1)[-1]: r["split"] for r in fresh.store.samples.rows()} == {
        "a.png": "train",
        "b.png": "val",
        "c.png": "none",
    }
    fresh.close()
    project.close()


def test_voc_entity_bomb_is_refused(tmp_path: Path) -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        "<annotation><filename>&lol2;</filename></annotation>"
    )
    (tmp_path / "bomb.xml").write_text(bomb)
    with pytest.raises(Exception, match=r"bomb\.xml: refused unsafe XML") as info:
        read_plan(tmp_path / "bomb.xml", "voc")
    assert type(info.value).__name__ == "ImportFormatError"
