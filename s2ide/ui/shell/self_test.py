"""`s2ide self-test`: drive the real window through one labeling round, for installs and bundles.

A desktop bundle can miss a module or a data file that only one code path loads (a feature
imported by name, the model child process, a format's exporter). This walks those paths in the
shipped program itself: build the demo, open the main window on it, open a sample, tag it with
the label panel, train one epoch in the model child process, export COCO, then quit with 0.
Any failure prints one line naming the step and exits 1.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

STEP_TIMEOUT_S = 300.0


class SelfTestFailed(Exception):
    pass


def _wait(until: Callable[[], bool], what: str, timeout_s: float = STEP_TIMEOUT_S) -> None:
    """Process events until `until()` holds; the window stays live meanwhile."""
    deadline = time.monotonic() + timeout_s
    while not until():
        if time.monotonic() > deadline:
            raise SelfTestFailed(f"timed out after {timeout_s:.0f} s waiting for {what}")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)


def run_self_test(work: Path, report: Callable[[str], None] = print) -> None:
    """Raises SelfTestFailed (or the error itself) naming the step that broke."""
    from s2ide.core.engine.ml_settings import load_train_config
    from s2ide.core.io.demo import build_demo
    from s2ide.core.io.export_job import ExportOptions
    from s2ide.core.io.exporting import run_export
    from s2ide.core.store import SampleFilter
    from s2ide.core.tasks import TaskState
    from s2ide.ui.gallery.label_panel import tag_current
    from s2ide.ui.shell.context import AppContext
    from s2ide.ui.shell.main_window import MainWindow
    from s2ide.ui.training.model_jobs import ModelJobs

    # the check must not touch the person's own settings (recent projects, who works where)
    os.environ.setdefault("S2IDE_CONFIG_DIR", str(work / "config"))
    report("building the demo project")
    project = build_demo(work / "demo")
    project_path = project.path
    project.close()

    app = QApplication.instance() or QApplication(sys.argv[:1])
    context = AppContext()
    window = MainWindow(context)
    window.show()
    context.open_project(project_path)
    context.set_user("eve")  # the demo's engineer: may label and train
    report(f"window open on {project_path} ({len(window.runners)} task runners)")

    store = context.store
    unlabeled = store.samples.ids(SampleFilter(status="unlabeled", split="train"))
    if not unlabeled:
        raise SelfTestFailed("the demo project has no unlabeled training sample")
    sample_id = unlabeled[0]
    context.open_sample(sample_id)
    _wait(lambda: context.current_sample_id == sample_id, "the sample to open")
    label = store.labels.list()[0]
    if not tag_current(context, label.id):
        raise SelfTestFailed("tagging the open sample was refused")
    tag = store.annotations.tag_of(sample_id)
    if tag is None or tag.label_id != label.id:
        raise SelfTestFailed(f"the tag of sample {sample_id} was not saved")
    report(f"tagged sample {sample_id} as {label.name!r}")

    model_jobs = [child for child in window.findChildren(ModelJobs)]
    if not model_jobs:
        raise SelfTestFailed("the training feature is missing from the window")
    runner = model_jobs[0]
    runner.config_override = dataclasses.replace(load_train_config(store), epochs=1, members=1)
    outcome: dict[str, str] = {}
    runner.jobFinished.connect(lambda text: outcome.setdefault("done", text))
    runner.jobFailed.connect(lambda text: outcome.setdefault("failed", text))
    if not runner.start_training():
        raise SelfTestFailed("training could not start")
    _wait(lambda: bool(outcome), "one epoch of training in the model process")
    if "failed" in outcome:
        raise SelfTestFailed(f"training failed: {outcome['failed']}")
    report(f"trained: {outcome['done']}")

    dest = work / "coco"
    exported = run_export(context.project, dest, "coco", ExportOptions(), TaskState())  # type: ignore[arg-type]
    annotations = json.loads(next(dest.rglob("*.json")).read_text())
    if not annotations.get("images"):
        raise SelfTestFailed("the COCO export holds no images")
    report(exported.summary())

    window.close()
    context.close_project()
    QTimer.singleShot(0, app.quit)


def main(directory: str | None = None) -> int:
    """Entry of the hidden `s2ide self-test [DIR]` command; 0 when every step passed."""
    try:
        if directory:
            run_self_test(Path(directory))
        else:
            with tempfile.TemporaryDirectory(prefix="s2ide-self-test-") as tmp:
                run_self_test(Path(tmp))
    except Exception as exc:  # one line naming the failure; the bundle's smoke test reads it
        print(f"s2ide self-test failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print("s2ide self-test passed")
    return 0
