"""CSV, ImageFolder (copy and hard link) and mask exports."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
from PIL import Image

from s2ide.core.io.export_job import ExportOptions, ImagesMode
from s2ide.core.io.exporting import run_export
from s2ide.core.io.formats import detect_format
from s2ide.core.tasks import TaskState
from tests.core.io.formats.helpers import reimport, shapes, shapes_project


def test_csv_export_round_trips_tags(filled_project, tmp_path: Path) -> None:
    filled_project.store.samples.set_split([1, 4], "test")
    report = run_export(filled_project, tmp_path / "c", "csv", ExportOptions(), TaskState())
    rows = list(csv.reader((tmp_path / "c" / "labels.csv").read_text().splitlines()))
    assert rows[0] == ["path", "label", "split"] and len(rows) == 6 and report.images == 5
    assert Path(rows[1][0]).is_absolute() and rows[1][2] == "test"
    fresh, _ = reimport(tmp_path / "c", "csv", tmp_path / "fresh")
    assert shapes(fresh) == shapes(filled_project)
    assert sorted(r["split"] for r in fresh.store.samples.rows()) == ["none", "none", "none", "test", "test"]
    fresh.close()


def test_imagefolder_export_by_hard_link(filled_project, tmp_path: Path) -> None:
    filled_project.store.samples.set_split([1, 2, 3], "train")
    run_export(filled_project, tmp_path / "f", "imagefolder", ExportOptions(images=ImagesMode.LINK), TaskState())
    linked = tmp_path / "f" / "train" / "cat" / "cat0.png"
    assert linked.is_file() and linked.samefile(filled_project.image_path(filled_project.store.samples.get(1).path))
    assert (tmp_path / "f" / "dog" / "dog0.jpg").is_file()
    assert detect_format(tmp_path / "f") == "imagefolder"
    fresh, _ = reimport(tmp_path / "f", "imagefolder", tmp_path / "fresh")
    assert shapes(fresh) == shapes(filled_project)
    fresh.close()


def test_masks_export_paints_label_values_with_a_palette(tmp_path: Path) -> None:
    project = shapes_project(tmp_path / "p")
    report = run_export(project, tmp_path / "m", "masks", ExportOptions(), TaskState())
    assert report.images == 3
    image = Image.open(tmp_path / "m" / "masks" / "a.png")
    assert image.mode == "P"
    values = np.asarray(image)
    assert values.shape == (48, 64)
    assert (values[20:32, 40:50] == 1).all()  # the cat mask
    assert values[6, 10] == 3  # the cat box, painted over by the later car polygon
    assert values[16, 28] == 2  # the rotated dog box
    assert values[40, 60] == 0  # background
    assert set(np.unique(values)) <= {0, 1, 2, 3}
    palette = json.loads((tmp_path / "m" / "palette.json").read_text())
    assert palette["0"]["name"] == "background" and palette["1"]["name"] == "cat"
    assert (tmp_path / "m" / "labelmap.txt").read_text().splitlines()[2].startswith("cat:")
    assert not np.asarray(Image.open(tmp_path / "m" / "masks" / "c.png")).any()
    project.close()
