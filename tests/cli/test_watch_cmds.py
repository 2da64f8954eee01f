"""`s2ide watch`: change events as JSON lines, printed as other processes commit them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from s2ide.cli import main
from s2ide.core.labeling.tags import set_tag

ROOT = Path(__file__).resolve().parents[2]


def test_watch_prints_each_change_as_one_json_line(filled_project) -> None:
    store = filled_project.store
    sample_id = store.samples.ids()[0]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    watch = subprocess.Popen(
        [sys.executable, "-m", "s2ide", "watch", str(filled_project.path), "--json", "--for", "8"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        os.set_blocking(watch.stdout.fileno(), False)
        labels = [store.labels.by_name("cat").id, store.labels.by_name("dog").id]
        line, deadline, turn = "", time.monotonic() + 7, 0
        while not line and time.monotonic() < deadline:  # label until the watcher, once started, sees it
            set_tag(store, sample_id, labels[turn % 2], "leo")
            turn += 1
            time.sleep(0.3)
            line = watch.stdout.readline()
        assert line, watch.stderr.read()
        event = json.loads(line)
        assert list(event)[:5] == ["at", "user", "action", "entity", "entity_id"]
        assert (event["user"], event["action"], event["entity"], event["entity_id"]) == (
            "leo",
            "tag",
            "sample",
            str(sample_id),
        )
    finally:
        watch.kill()
        watch.wait()


def test_watch_has_help(capsys) -> None:
    try:
        main(["watch", "--help"])
    except SystemExit as exit_info:
        assert exit_info.code == 0
    assert "usage: s2ide watch" in capsys.readouterr().out
