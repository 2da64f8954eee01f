"""`s2ide similar` and `s2ide queue --prioritize`: DESIGN.md §4 shapes, errors as one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from s2ide.cli import main
from s2ide.core.io.formats import read_plan
from s2ide.core.io.import_options import ImportOptions
from s2ide.core.io.importing import run_import
from s2ide.core.tasks import TaskState
from tests.conftest import write_image


@pytest.fixture
def pool(filled_project, tmp_path: Path):
    folder = tmp_path / "pool"
    for i in range(5):
        write_image(folder / f"red{i}.png", color=(200 + 5 * i, 20, 20))
        write_image(folder / f"blue{i}.png", color=(20, 20, 200 + 5 * i))
    run_import(filled_project, read_plan(folder, "folder"), ImportOptions(), TaskState())
    return filled_project


def _ids(project, prefix: str) -> list[int]:
    return [r["id"] for r in project.store.samples.rows() if Path(r["path"]).name.startswith(prefix)]


def test_similar_json_nearest_first(pool, capsys) -> None:
    red = _ids(pool, "red")
    assert main(["similar", str(pool.path), str(red[0]), "--limit", "4", "--json"]) == 0
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert [set(row) for row in out] == [{"id", "path", "distance", "label"}] * 4
    assert {row["id"] for row in out} == set(red[1:])  # the other reds, not the query itself
    assert [row["distance"] for row in out] == sorted(row["distance"] for row in out)
    assert "cheap-v1" in captured.err and "embedding images" in captured.err  # computed on demand
    # by path, several samples, unlabeled only
    sample_path = pool.store.samples.get(red[0]).path
    assert main(["similar", str(pool.path), sample_path, "--limit", "30", "--unlabeled", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert all(row["label"] is None for row in out) and len(out) == 9  # the 5 labeled cats/dogs are left out
    assert main(["similar", str(pool.path), str(red[0]), str(_ids(pool, "blue")[0]), "--mode", "any"]) == 0
    assert "distance" in capsys.readouterr().out


def test_similar_errors_are_one_line(pool, capsys) -> None:
    assert main(["similar", str(pool.path), "999"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "999" in err
    assert main(["similar", str(pool.path), "1", "--limit", "0"]) == 1
    assert "--limit" in capsys.readouterr().err


def test_queue_prioritize_puts_samples_first_and_keeps_the_shape(pool, capsys) -> None:
    blue = _ids(pool, "blue")
    path = str(pool.path)
    assert main(["queue", path, "--prioritize", str(blue[3]), str(blue[1]), "--user", "leo", "--json"]) == 0
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert [row["id"] for row in out[:2]] == [blue[3], blue[1]]
    assert set(out[0]) >= {"id", "path", "label", "score"} and out[0]["prioritized"] is True
    assert not any(row["prioritized"] for row in out[2:])
    assert "2 sample(s) now first" in captured.err
    # a labeler may not reorder everyone's queue; a user must be named
    assert main(["queue", path, "--prioritize", str(blue[0]), "--user", "lara"]) == 1
    assert "may not" in capsys.readouterr().err
    assert main(["queue", path, "--prioritize", str(blue[0])]) == 1
    assert "--user" in capsys.readouterr().err
    assert main(["queue", path, "--clear-priority", "--user", "eng", "--json"]) == 0
    assert not any(row["prioritized"] for row in json.loads(capsys.readouterr().out))


def test_similar_box_searches_by_a_region_of_the_sample(tmp_path: Path, capsys) -> None:
    from s2ide.core.project import Project
    from tests.region_scenes import write_scenes

    red_box, blue_box = write_scenes(tmp_path / "scenes", reds=6, blues=6)
    project = Project.create(tmp_path / "p", ["red", "blue"], task="detect")
    run_import(project, read_plan(tmp_path / "scenes", "folder"), ImportOptions(), TaskState())
    (both,) = _ids(project, "both")
    project.close()
    for box, want in ((red_box, "red_"), (blue_box, "blue_")):
        text = ",".join(str(v) for v in box)
        assert main(["similar", str(tmp_path / "p"), str(both), "--box", text, "--limit", "5", "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert len(out) == 5 and all(Path(row["path"]).name.startswith(want) for row in out), out
    assert main(["similar", str(tmp_path / "p"), str(both), "--box", "1,2,3"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "X,Y,W,H" in err
    assert main(["similar", str(tmp_path / "p"), str(both), "1", "--box", "1,2,30,30"]) == 1
    assert "one SAMPLE" in capsys.readouterr().err
