"""Import rules: human edits are never overwritten silently; all or nothing; unknown labels as chosen."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from s2ide.core.errors import ImportFormatError
from s2ide.core.io.formats import read_plan
from s2ide.core.io.import_options import ImportOptions
from s2ide.core.io.importing import run_import
from s2ide.core.tasks import TaskState
from tests.core.io.formats.helpers import add, make_project, shapes


def _labelme(folder: Path, image: str, shapes_: list[dict], size=(64, 48)) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    doc = {"shapes": shapes_, "imagePath": image, "imageWidth": size[0], "imageHeight": size[1], "flags": {}}
    (folder / (Path(image).stem + ".json")).write_text(json.dumps(doc))
    return folder


@pytest.fixture
def labeled(tmp_path: Path):
    """A project with a.png carrying one human box; a labelme folder beside the image with two boxes."""
    project = make_project(tmp_path / "p", [("a.png", (64, 48)), ("b.png", (64, 48))])
    add(project, "a.png", "box", "cat", {"x": 1.0, "y": 1.0, "w": 5.0, "h": 5.0})
    src = tmp_path / "p-images"
    _labelme(
        src,
        "a.png",
        [
            {"label": "dog", "shape_type": "rectangle", "points": [[10, 10], [20, 20]]},
            {"label": "cat", "shape_type": "rectangle", "points": [[1, 1], [6, 6]]},  # the same as the human box
        ],
    )
    yield project, src
    project.close()


def _import(project, src: Path, **options) -> object:
    return run_import(project, read_plan(src, "labelme"), ImportOptions(**options), TaskState())


def test_merge_is_the_default_and_keeps_the_human_box(labeled) -> None:
    project, src = labeled
    report = _import(project, src)
    got = shapes(project)["a.png"]
    assert [(k, label) for k, label, _ in got] == [("box", "cat"), ("box", "dog")]  # duplicate not added twice
    assert report.annotations_added == 1
    sources = sorted(a.source for a in project.store.annotations.for_sample(1))
    assert sources == ["human", "import"]
    audit = project.store.audit.list(entity="sample", entity_id=1)
    assert audit[0].action == "import annotations" and audit[0].after["rule"] == "merge"


def test_replace_removes_existing_shapes_and_records_them(labeled) -> None:
    project, src = labeled
    report = _import(project, src, on_existing="replace")
    anns = project.store.annotations.for_sample(1)
    assert sorted(a.source for a in anns) == ["import", "import"] and report.annotations_removed == 1
    audit = project.store.audit.list(entity="sample", entity_id=1)[0]
    assert audit.before["annotations"][0]["geometry"]["w"] == 5.0


def test_skip_leaves_images_with_annotations_alone(labeled) -> None:
    project, src = labeled
    before = shapes(project)
    report = _import(project, src, on_existing="skip")
    assert shapes(project) == before
    assert any("not added: the image has" in reason for reason in report.skipped)


def test_unknown_labels_created_or_skipped(labeled) -> None:
    project, src = labeled
    _labelme(src, "b.png", [{"label": "zebra", "shape_type": "point", "points": [[3, 3]]}])
    report = _import(project, src, unknown_labels="skip")
    assert project.store.labels.by_name("zebra") is None
    assert shapes(project)["b.png"] == []
    assert "unknown label 'zebra': 1 annotation(s) not added (unknown labels are skipped)" in report.skipped
    assert report.annotations_not_added["unknown label (unknown labels are skipped)"] == 1
    report = _import(project, src)
    assert report.created_labels == ["zebra"] and shapes(project)["b.png"][0][:2] == ("point", "zebra")
    assert project.store.samples.get(2).status == "labeled"


def test_an_error_on_one_image_changes_nothing(labeled, tmp_path: Path) -> None:
    project, src = labeled
    # b.png claims a size that differs from the real image: found only once the image is read
    _labelme(src, "b.png", [{"label": "newlabel", "shape_type": "point", "points": [[3, 3]]}], size=(640, 480))
    new_image = tmp_path / "p-images" / "c.png"
    from tests.conftest import write_image

    write_image(new_image, size=(8, 8), color=(1, 2, 3))
    before = (shapes(project), [lb.name for lb in project.store.labels.list()], project.store.samples.count())
    audit_before = len(project.store.audit.list())
    with pytest.raises(ImportFormatError, match=r"b\.json: declares a 640x480 image, but b\.png is 64x48"):
        _import(project, src)
    after = (shapes(project), [lb.name for lb in project.store.labels.list()], project.store.samples.count())
    assert after == before and len(project.store.audit.list()) == audit_before


def test_box_outside_the_real_image_is_counted_and_the_rest_imports(labeled) -> None:
    project, src = labeled
    doc = {
        "shapes": [
            {"label": "cat", "shape_type": "rectangle", "points": [[100, 100], [120, 120]]},
            {"label": "cat", "shape_type": "rectangle", "points": [[1, 1], [5, 5]]},
        ],
        "imagePath": "b.png",
    }
    (src / "b.json").write_text(json.dumps(doc))
    report = _import(project, src)
    assert [s[:2] for s in shapes(project)["b.png"]] == [("box", "cat")]
    assert report.annotations_not_added["wholly outside the 64x48 image"] == 1
    assert any(
        line.endswith("b.png: 1 annotation not added: wholly outside the 64x48 image") for line in report.skipped
    )


def test_masks_of_one_label_stay_separate_instances(tmp_path: Path) -> None:
    from s2ide.core import geometry
    from s2ide.core.io.formats import rle
    from tests.core.io.formats.helpers import rect_mask

    project = make_project(tmp_path / "p", [("a.png", (16, 8))])
    human = rect_mask((16, 8), (0, 0, 2, 2))
    add(project, "a.png", "mask", "cat", mask=human)  # a human's mask
    one, two = rect_mask((16, 8), (4, 4, 2, 2)), rect_mask((16, 8), (10, 1, 3, 3))
    doc = {
        "images": [{"id": 1, "file_name": "a.png", "width": 16, "height": 8}],
        "categories": [{"id": 1, "name": "cat"}],
        "annotations": [
            {"id": i, "image_id": 1, "category_id": 1, "iscrowd": 1, "segmentation": rle.to_coco(m)}
            for i, m in ((1, one), (2, two), (3, human))
        ],
    }
    (tmp_path / "p-images" / "annotations.json").write_text(json.dumps(doc))
    report = run_import(project, read_plan(tmp_path / "p-images", "coco"), ImportOptions(), TaskState())
    masks = [a for a in project.store.annotations.for_sample(1) if a.kind == "mask"]
    assert len(masks) == 3 and report.annotations_added == 2
    assert report.annotations_not_added == {"the same shape is in the project already": 1}
    pixels = [geometry.decode_mask(m.data, 16, 8) for m in masks]
    assert all((p == q).all() for p, q in zip(pixels, [human, one, two]))
    assert [m.attributes for m in masks] == [None, {"iscrowd": 1}, {"iscrowd": 1}]
    project.close()
