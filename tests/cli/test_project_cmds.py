"""The project commands in-process (fast), with exact --json shapes (DESIGN.md §4) and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from s2ide.cli import main
from s2ide.core.project import os_user

COMMANDS = ["demo", "init", "import", "users", "stats", "samples", "label"]


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def run_json(capsys, *args: str):
    code, out, err = run(capsys, *args, "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(capsys, command):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: s2ide " + command in capsys.readouterr().out


def test_init_import_label_samples_stats(capsys, tmp_path, image_tree):
    proj = tmp_path / "p"
    code, out, _ = run(capsys, "init", proj, "--labels", "cat,dog")
    assert code == 0 and "created" in out
    report = run_json(capsys, "import", proj, image_tree)
    assert report["imported"] == 5 and report["skipped"] == []
    me = os_user()  # the creator owns the project, an engineer; once it has users, adding one names who adds
    code, _out, err = run(capsys, "users", proj, "add", "lara", "--role", "labeler")
    assert code == 1 and "--by" in err
    code, out, _ = run(capsys, "users", proj, "add", "lara", "--role", "labeler", "--by", me)
    assert code == 0 and out.strip() == "lara is a labeler"
    assert run_json(capsys, "users", proj) == sorted(
        [{"name": "lara", "role": "labeler"}, {"name": me, "role": "engineer"}], key=lambda u: u["name"]
    )

    samples = run_json(capsys, "samples", proj)
    assert len(samples) == 5
    assert all(set(s) == {"id", "path", "split", "status", "label"} for s in samples)
    cat = next(s for s in samples if "cat0" in s["path"])
    assert cat["label"] == "cat" and cat["status"] == "labeled" and cat["split"] == "none"

    labeled = run_json(capsys, "label", proj, str(cat["id"]), "dog", "--user", "lara")
    assert labeled["label"] == "dog" and labeled["id"] == cat["id"]
    dogs = run_json(capsys, "samples", proj, "--label", "dog")
    assert {s["id"] for s in dogs} >= {cat["id"]} and len(dogs) == 3

    stats = run_json(capsys, "stats", proj)
    assert set(stats) >= {"samples", "labels", "splits", "status", "sources", "escalations"}
    assert stats["samples"] == 5
    assert stats["labels"] == {"cat": 2, "dog": 3}
    assert stats["splits"] == {"none": 5}
    assert stats["status"] == {"labeled": 5}
    assert stats["sources"] == {"import": 4, "human": 1}
    assert stats["escalations"] == {}

    code, out, _ = run(capsys, "stats", proj)
    assert code == 0 and "5 samples" in out


def test_samples_filters(capsys, tmp_path, image_tree):
    proj = tmp_path / "p"
    run(capsys, "init", proj, "--labels", "cat,dog")
    run(capsys, "import", proj, image_tree, "--split", "val")
    assert len(run_json(capsys, "samples", proj, "--split", "val")) == 5
    assert run_json(capsys, "samples", proj, "--status", "unlabeled") == []
    assert [Path(s["path"]).name for s in run_json(capsys, "samples", proj, "--search", "dog1")] == ["dog1.jpg"]


def test_demo_builds_into_a_folder(capsys, tmp_path):
    code, out, _ = run(capsys, "demo", tmp_path / "demo")
    assert code == 0
    assert Path(out.strip().splitlines()[-1]) == (tmp_path / "demo").resolve()
    stats = run_json(capsys, "stats", tmp_path / "demo")
    assert stats["samples"] == 1797 and len(stats["labels"]) == 10


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["stats", "{tmp}"], "not an s2ide project"),
        (["samples", "{proj}", "--label", "zebra"], "unknown label 'zebra'"),
        (["label", "{proj}", "1", "cat", "--user", "nobody"], "unknown user 'nobody'"),
        (["label", "{proj}", "999", "cat", "--user", "lara"], "no sample"),
        (["import", "{proj}", "{tmp}/missing"], "no such file or folder"),
    ],
)
def test_errors_are_one_line_and_exit_1(capsys, tmp_path, filled_project, args, message):
    args = [a.format(tmp=tmp_path, proj=filled_project.path) for a in args]
    code, out, err = run(capsys, *args)
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("s2ide: error: ") and message in err


@pytest.mark.parametrize(
    "args",
    [["stats"], ["init", "p"], ["samples", "p", "--status", "bogus"], ["users", "p", "add", "x", "--role", "king"]],
)
def test_usage_errors_exit_2(capsys, args):
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_module_entry_point_help():
    done = subprocess.run(
        [sys.executable, "-m", "s2ide", "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0
    assert "usage: s2ide" in done.stdout
    assert all(command in done.stdout for command in COMMANDS)
