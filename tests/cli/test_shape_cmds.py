"""`s2ide mark-done`: what Enter and N do in the app, from the command line."""

from __future__ import annotations

import json

from PIL import Image

from s2ide.cli import main
from s2ide.core.project import os_user


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_mark_done_and_empty(tmp_path, capsys):
    project = tmp_path / "p"
    assert run(capsys, "init", project, "--labels", "car,tree", "--task", "detect")[0] == 0
    folder = tmp_path / "imgs"
    folder.mkdir()
    for index in range(2):
        Image.new("RGB", (20, 20), (index * 90, 0, 0)).save(folder / f"{index}.png")
    assert run(capsys, "import", project, folder)[0] == 0
    owner = os_user()  # the creator owns the project; once it has users, adding one names who adds
    assert run(capsys, "users", project, "add", "ann", "--role", "labeler", "--by", owner)[0] == 0
    code, out, err = run(capsys, "mark-done", project, "1", "--user", "ann", "--json")
    assert code == 0, err
    assert json.loads(out)["status"] == "labeled"
    code, out, _ = run(capsys, "mark-done", project, "2", "--empty", "--user", "ann")
    assert code == 0 and "no objects" in out
    code, out, _ = run(capsys, "stats", project, "--json")
    assert json.loads(out)["status"] == {"labeled": 2}
    assert json.loads(out)["prelabel_time"] == []  # nobody took a pre-label yet
    _time_with_and_without_prelabels(project)
    code, out, _ = run(capsys, "stats", project, "--json")
    (row,) = json.loads(out)["prelabel_time"]
    assert (row["labeler"], row["seconds_per_image"], row["baseline_seconds_per_image"]) == ("ann", 5.0, 20.0)
    assert row["seconds_saved_per_image"] == 15.0
    code, out, _ = run(capsys, "stats", project)
    assert "ann with v1 pre-labels:" in out and "15.0 s/image saved" in out
    code, out, _ = run(capsys, "prelabels", project, "--json")
    (rate,) = json.loads(out)
    assert rate["acceptance_rate"] == 1.0 and rate["seconds_saved_per_image"] == 15.0
    code, _, err = run(capsys, "mark-done", project, "99", "--user", "ann")
    assert code == 1 and "99" in err and "Traceback" not in err


def _time_with_and_without_prelabels(path):
    """Sample 1 done in 5 s with a v1 pre-label taken, sample 2 in 20 s without."""
    from s2ide.core.project import Project
    from s2ide.core.store.sessions_time import OpenInterval, record

    project = Project.open(path)
    store = project.store
    row = {"model_version": "v1", "labeler": "ann", "kind": "box", "label_id": None, "score": 0.9}
    with store.transaction():
        store.prelabel_outcomes.replace_for_sample(1, [{**row, "outcome": "accepted"}])
    for sample_id, seconds in ((1, 5.0), (2, 20.0)):
        record(store, OpenInterval(sample_id, "ann", "2026-12-04T10:00:00", "2026-12-04T10:00:20", seconds))
    project.close()


def test_stats_has_no_prelabel_time_in_classification_projects(tmp_path, capsys):
    project = tmp_path / "c"
    run(capsys, "init", project, "--labels", "a,b")
    code, out, _ = run(capsys, "stats", project, "--json")
    assert code == 0 and "prelabel_time" not in json.loads(out)


def test_mark_done_refused_in_classification_projects(tmp_path, capsys):
    project = tmp_path / "c"
    run(capsys, "init", project, "--labels", "a,b")
    code, _, err = run(capsys, "mark-done", project, "1", "--user", "x")
    assert code == 1 and err.count("\n") == 1
