"""Mispredictions and label-errors tables: ranked rows, one-click relabel, guarded escalate."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from s2ide.core.engine.label_errors import Suspect, save_suspects
from s2ide.ui.insight.label_errors_view import LabelErrorsView
from s2ide.ui.insight.mispredictions_view import MispredictionsView, escalate_function
from s2ide.ui.shell.context import AppContext
from tests.engineer_data import add_model, add_samples, tag_all


def setup(project):
    store = project.store
    cat, dog = (label.id for label in store.labels.list())
    ids = add_samples(project, 4)
    tag_all(project, ids, [cat, cat, dog, dog])
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.45, 0.55], [0.05, 0.95]])
    probs[1] = [0.4, 0.6]
    probs[3] = [0.9, 0.1]  # labeled dog, model very sure it is a cat: the highest loss
    add_model(project, "v1", ids, probs)
    context = AppContext()
    context.project = project
    context.set_user("eng")
    return context, ids, cat, dog


def test_mispredictions_ranked_and_relabel(qtbot, project) -> None:
    context, ids, cat, _dog = setup(project)
    view = MispredictionsView(context)
    qtbot.addWidget(view)
    view.show()
    try:
        qtbot.waitUntil(lambda: view.loaded and not view.refresher.busy, timeout=10000)
        assert [row.sample_id for row in view.table.rows] == [ids[3], ids[1]]  # highest loss first
        assert view.table.table.item(0, 1).text() == "dog" and view.table.table.item(0, 2).text() == "cat"
        with qtbot.waitSignal(context.showSamplesRequested) as blocker:
            qtbot.mouseClick(view.show_button, Qt.MouseButton.LeftButton)
        assert blocker.args[0] == [ids[3], ids[1]]
        fix = view.table.table.cellWidget(0, 5)
        assert fix.text() == "Use 'cat'"
        qtbot.mouseClick(fix, Qt.MouseButton.LeftButton)
        tag = project.store.annotations.tag_of(ids[3])
        assert tag.label_id == cat and tag.author == "eng"
        qtbot.waitUntil(lambda: [r.sample_id for r in view.table.rows] == [ids[1]], timeout=10000)
        opened: list[int] = []
        context.sampleChanged.connect(opened.append)
        view.table.table.cellDoubleClicked.emit(0, 0)
        assert opened == [ids[1]]
    finally:
        view.shutdown()


def test_escalate_button_uses_the_review_core_when_present(qtbot, project) -> None:
    context, ids, _cat, _dog = setup(project)
    view = MispredictionsView(context)
    qtbot.addWidget(view)
    view.show()
    try:
        qtbot.waitUntil(lambda: view.loaded and not view.refresher.busy, timeout=10000)
        button = view.table.table.cellWidget(0, 6)
        if escalate_function() is None:
            assert not button.isEnabled()  # the review feature is not in this build
            return
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert project.store.samples.get(ids[3]).status == "escalated"
    finally:
        view.shutdown()


def test_label_errors_view_lists_saved_suspects_and_quick_search(qtbot, project) -> None:
    context, ids, cat, dog = setup(project)
    store = project.store
    save_suspects(store, [Suspect(ids[3], dog, cat, 0.1, 0.9), Suspect(ids[0], dog, cat, 0.2, 0.8)], "test")
    view = LabelErrorsView(context)
    qtbot.addWidget(view)
    view.show()
    try:
        qtbot.waitUntil(lambda: view.loaded and not view.refresher.busy, timeout=10000)
        # ids[0] is tagged cat now, not dog as when it was flagged: dropped from the list
        assert [row.sample_id for row in view.table.rows] == [ids[3]]
        assert "1 likely label errors" in view.title.text() and "test" in view.title.text()
        qtbot.mouseClick(view.quick_button, Qt.MouseButton.LeftButton)  # validation/test predictions
        qtbot.waitUntil(lambda: "model v1" in view.title.text(), timeout=10000)
        qtbot.waitUntil(lambda: not view.runner.running and not view.refresher.busy, timeout=10000)
    finally:
        view.shutdown()
