"""Checks view (findings, click-through, escalation), Model tests view (failures first, thumbnails),
and the Training dock's one-line activation reason."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QLabel

from s2ide.core.engine.model_tests import pin_sample, run_suite, save_slice
from s2ide.ui.shell.context import AppContext
from tests.engineer_data import add_model, add_samples, tag_all

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"), pytest.mark.qt_log_ignore("propagateSizeHints")]


def test_checks_view_lists_findings_shows_their_samples_and_escalates(qtbot, filled_project) -> None:
    from s2ide.ui.insight.checks_view import ChecksView

    store = filled_project.store
    rows = store.samples.rows()
    filled_project.image_path(rows[0]["path"]).unlink()
    context = AppContext()
    context.project = filled_project
    context.user = store.users.get("lara")
    view = ChecksView(context)
    qtbot.addWidget(view)
    view.show()
    try:
        view.run()
        qtbot.waitUntil(lambda: view.report is not None, timeout=20000)
        kinds = [f.kind for f in view.report.findings]
        assert "missing" in kinds and view.table.rowCount() == len(kinds)
        assert "samples checked" in view.summary.text()
        row = kinds.index("missing")
        with qtbot.waitSignal(context.showSamplesRequested, timeout=2000) as blocker:
            view.table.cellClicked.emit(row, 0)
        assert blocker.args[0] == [rows[0]["id"]]
        assert view.escalate(view.report.findings[row], "poor image quality") == 1
        assert store.review.escalations.active_for_sample(rows[0]["id"]) is not None
    finally:
        view.shutdown()


def test_model_tests_view_shows_failures_first_with_thumbnails(qtbot, project) -> None:
    from s2ide.ui.insight.model_tests_view import ModelTestsView

    store = project.store
    cat, dog = (label.id for label in store.labels.list())
    ids = add_samples(project, 4)
    tag_all(project, ids, [cat, cat, dog, dog])
    add_model(project, "v1", ids, np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.4, 0.6]]))
    pin_sample(store, ids[0], "cat", "eng", note="easy one")
    pin_sample(store, ids[1], "cat", "leo", note="the tunnel")
    save_slice(store, "dogs", ids[2:], "eng", minimum=0.9)
    suite = run_suite(store, "v1", {i: (cat if n == 0 else dog) for n, i in enumerate(ids)})
    model = store.models.get("v1")
    store.models.update("v1", metrics={**model.metrics, "suite": suite.as_json()})
    context = AppContext()
    context.project = project
    view = ModelTestsView(context)
    qtbot.addWidget(view)
    view.show()
    try:
        assert view.version.currentText() == "v1"
        assert view.table.rowCount() == 3
        assert view.table.item(0, 3).text() == "FAIL" and view.table.item(0, 4).text() == "the tunnel"
        assert view.table.item(0, 2).text() == "dog" and view.table.item(0, 1).text() == "must be cat"
        assert [view.table.item(r, 3).text() for r in range(3)] == ["FAIL", "pass", "pass"]
        assert "1 FAILED" in view.summary.text()
        opened: list[int] = []
        context.sampleChanged.connect(opened.append)
        view.table.cellClicked.emit(0, 0)
        assert opened == [ids[1]]
        with qtbot.waitSignal(context.showSamplesRequested, timeout=2000) as blocker:
            view.table.cellClicked.emit(2, 0)
        assert blocker.args[0] == ids[2:]
    finally:
        view.shutdown()


def test_training_dock_says_why_a_version_was_not_activated(qtbot, project) -> None:
    from s2ide.ui.training.model_jobs import ModelJobs
    from s2ide.ui.training.training_panel import QtTrainingPanel

    ids = add_samples(project, 2)
    add_model(project, "v1", ids, np.array([[0.9, 0.1], [0.2, 0.8]]))
    add_model(project, "v2", ids, np.array([[0.9, 0.1], [0.2, 0.8]]), active=False)
    reason = "not activated: accuracy 0.700 vs 0.900 of v1 on the same 60 validation-split samples neither trained on"
    model = project.store.models.get("v2")
    project.store.models.update("v2", metrics={**model.metrics, "activation": {"reason": reason}})
    context = AppContext()
    context.project = project
    context.user = project.store.users.get("eng")
    jobs = ModelJobs(context)
    panel = QtTrainingPanel(context, jobs)
    qtbot.addWidget(panel)
    panel.show()
    row = next(i for i, m in enumerate(panel.table_model.models) if m.version == "v2")
    panel.table.selectRow(row)
    label = panel.findChild(QLabel, "activation_reason")
    assert label.text() == f"v2 {reason}"
    jobs.runner.shutdown()
