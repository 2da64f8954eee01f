"""KITTI MOTS (txt and PNG) and MOTSChallenge: every object on every frame a mask of its own,
with its class as the label and its object id as `track_id`; frames without an image counted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from s2ide.core import geometry
from s2ide.core.io.formats import detect_format, read_plan, rle
from tests.conftest import write_image
from tests.core.io.formats.helpers import reimport

W, H = 24, 16


def _mask(x: int, y: int, w: int, h: int) -> np.ndarray:
    mask = np.zeros((H, W), dtype=bool)
    mask[y : y + h, x : x + w] = True
    return mask


OBJECTS = {  # frame -> object id -> mask
    0: {1001: _mask(1, 1, 4, 3), 2001: _mask(10, 2, 3, 6), 10000: _mask(20, 10, 4, 6)},
    1: {1001: _mask(2, 1, 4, 3)},
}


def _line(frame: int, object_id: int, mask: np.ndarray) -> str:
    return f"{frame} {object_id} {object_id // 1000} {H} {W} {rle.to_string(rle.encode(mask))}"


def _found(project) -> dict[str, list]:
    store = project.store
    names = {label.id: label.name for label in store.labels.list()}
    out = {}
    for row in store.samples.rows():
        entries = []
        for ann in store.annotations.for_sample(row["id"]):
            mask = geometry.decode_mask(ann.data, W, H)
            entries.append(
                (ann.attributes["track_id"], names[ann.label_id], int(mask.sum()), ann.attributes.get("iscrowd"))
            )
        out[Path(row["path"]).name] = sorted(entries)
    return out


EXPECTED = {
    "000000.png": [(1001, "car", 12, None), (2001, "pedestrian", 18, None), (10000, "ignore", 24, 1)],
    "000001.png": [(1001, "car", 12, None)],
    "000002.png": [],
}


def _images(folder: Path) -> None:
    for frame in range(3):
        write_image(folder / f"{frame:06d}.png", size=(W, H), color=(frame, 7, 9))


def test_kitti_mots_txt(tmp_path: Path) -> None:
    root = tmp_path / "kitti_mots"
    _images(root / "images" / "0002")
    lines = [_line(f, oid, m) for f, objects in OBJECTS.items() for oid, m in objects.items()]
    lines.append(_line(5, 1001, _mask(0, 0, 2, 2)))  # a frame with no image
    (root / "instances_txt").mkdir(parents=True)
    (root / "instances_txt" / "0002.txt").write_text("\n".join(lines) + "\n")
    assert detect_format(root) == "mots"
    plan = read_plan(root)
    assert plan.refused == [(1, "no image for frame 5", str(root / "instances_txt" / "0002.txt"))]
    project, report = reimport(root, "auto", tmp_path / "p")
    assert report.annotations_added == 4 and report.imported == 3
    assert _found(project) == EXPECTED
    project.close()


def test_kitti_mots_png(tmp_path: Path) -> None:
    root = tmp_path / "kitti_mots_png"
    _images(root / "images" / "0000")
    (root / "instances" / "0000").mkdir(parents=True)
    for frame, objects in OBJECTS.items():
        ids = np.zeros((H, W), dtype=np.uint16)
        for object_id, mask in objects.items():
            ids[mask] = object_id
        Image.fromarray(ids).save(root / "instances" / "0000" / f"{frame:06d}.png")
    project, report = reimport(root, "auto", tmp_path / "p")
    assert report.annotations_added == 4
    assert _found(project) == EXPECTED
    project.close()


def test_mots_challenge_sequence(tmp_path: Path) -> None:
    root = tmp_path / "MOTS20-02"
    _images(root / "img1")
    lines = [_line(f, oid, m) for f, objects in OBJECTS.items() for oid, m in objects.items()]
    (root / "gt").mkdir(parents=True)
    (root / "gt" / "gt.txt").write_text("\n".join(lines) + "\n")
    assert detect_format(root) == "mots" and "MOTSChallenge" in read_plan(root).layout
    project, _ = reimport(root, "mots", tmp_path / "p")
    assert _found(project) == EXPECTED
    project.close()
