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
    code, _, err = run(capsys, "mark-done", project, "99", "--user", "ann")
    assert code == 1 and "99" in err and "Traceback" not in err


def test_mark_done_refused_in_classification_projects(tmp_path, capsys):
    project = tmp_path / "c"
    run(capsys, "init", project, "--labels", "a,b")
    code, _, err = run(capsys, "mark-done", project, "1", "--user", "x")
    assert code == 1 and err.count("\n") == 1
