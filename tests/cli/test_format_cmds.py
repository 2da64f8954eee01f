"""`s2ide export` and `s2ide import` with annotation formats, as a person or a script runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from s2ide.cli import main
from tests.core.io.formats.helpers import shapes, shapes_project


@pytest.fixture
def proj(tmp_path: Path):
    project = shapes_project(tmp_path / "p")
    yield project
    project.close()


@pytest.mark.parametrize("fmt", ["coco", "yolo", "labelme", "voc", "imagefolder", "csv", "masks"])
def test_export_every_format(proj, tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", str(proj.path), str(tmp_path / fmt), "--format", fmt, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["format"] == fmt and out["dest"] == str(tmp_path / fmt) and out["files"] > 0
    assert out["images"] == (1 if fmt in ("csv", "imagefolder") else 3)


def test_export_then_import_round_trip_on_the_command_line(proj, tmp_path: Path, capsys) -> None:
    assert main(["export", str(proj.path), str(tmp_path / "lm"), "--format", "labelme", "--images", "link"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("exported 3 images, 9 annotations to ")
    assert main(["init", str(tmp_path / "fresh"), "--labels", "cat", "--task", "detect"]) == 0
    capsys.readouterr()
    assert main(["import", str(tmp_path / "fresh"), str(tmp_path / "lm"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (
        report["imported"] == 3
        and report["annotations_added"] == 8
        and report["labels_set"] == 1
        and report["created_labels"] == ["dog", "car"]
    )
    from s2ide.core.project import Project

    fresh = Project.open(tmp_path / "fresh")
    assert shapes(fresh) == shapes(proj)
    fresh.close()


def test_import_existing_rule_and_unknown_labels(proj, tmp_path: Path, capsys) -> None:
    main(["export", str(proj.path), str(tmp_path / "c"), "--format", "coco"])
    capsys.readouterr()
    # re-import onto the same images (copied, so new files with the same content): merge adds nothing
    assert main(["import", str(proj.path), str(tmp_path / "c"), "--existing", "skip", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["imported"] == 0 and report["already_present"] == 3 and report["annotations_added"] == 0


def test_errors_are_one_line_and_change_nothing(proj, tmp_path: Path, capsys) -> None:
    (tmp_path / "bad.json").write_text('{"images": [{"id": 1, "file_name": 7}]}')
    before = shapes(proj)
    assert main(["import", str(proj.path), str(tmp_path / "bad.json"), "--format", "coco"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("s2ide: error: ") and "bad.json: images[0].file_name" in err and err.count("\n") == 1
    assert shapes(proj) == before
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    assert main(["export", str(proj.path), str(tmp_path / "full"), "--format", "coco"]) == 1
    assert "not empty" in capsys.readouterr().err
    assert main(["export", str(proj.path), str(tmp_path / "n"), "--format", "coco", "--images", "none"]) == 1
    assert "coco export takes images as copy, link" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["export", str(proj.path), str(tmp_path / "n"), "--format", "tiff"])
    assert exit_info.value.code == 2
