"""Find similar to a region: a box's embedding against whole samples (cheap embedding, no model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from s2ide.core.engine.similar_search import Region, SearchRequest, run_search
from s2ide.core.errors import InvalidInputError
from s2ide.core.io.formats import read_plan
from s2ide.core.io.import_options import ImportOptions
from s2ide.core.io.importing import run_import
from s2ide.core.project import Project
from s2ide.core.tasks import TaskState
from tests.region_scenes import write_scenes


@pytest.fixture
def scenes(tmp_path: Path):
    boxes = write_scenes(tmp_path / "scenes")
    project = Project.create(tmp_path / "p", ["red", "blue"], task="detect")
    run_import(project, read_plan(tmp_path / "scenes", "folder"), ImportOptions(), TaskState())
    ids = {Path(r["path"]).stem: r["id"] for r in project.store.samples.rows()}
    yield project, ids, boxes
    project.close()


def _names(project: Project, request: SearchRequest) -> list[str]:
    found = run_search(project, request).result.matches
    by_id = {r["id"]: Path(r["path"]).stem for r in project.store.samples.rows()}
    return [by_id[m.sample_id] for m in found]


def test_a_box_around_an_object_finds_the_samples_with_that_object_first(scenes) -> None:
    project, ids, (red_box, blue_box) = scenes
    both = ids["both"]
    by_red = _names(project, SearchRequest([both], limit=10, region=Region(both, red_box)))
    by_blue = _names(project, SearchRequest([both], limit=10, region=Region(both, blue_box)))
    assert all(name.startswith("red_") for name in by_red), by_red
    assert all(name.startswith("blue_") for name in by_blue), by_blue
    assert "both" not in by_red  # the sample the box is on is not its own result
    whole = _names(project, SearchRequest([both], limit=10))
    assert {n[:3] for n in whole} != {"red"} and {n[:4] for n in whole} != {"blue"}  # the box is what decides


def test_an_empty_or_outside_region_is_one_clear_error(scenes) -> None:
    project, ids, _boxes = scenes
    both = ids["both"]
    with pytest.raises(InvalidInputError, match="region is empty"):
        run_search(project, SearchRequest([both], region=Region(both, (10, 10, 0, 5))))
    with pytest.raises(Exception, match="outside"):
        run_search(project, SearchRequest([both], region=Region(both, (500, 500, 20, 20))))
