"""The training dock: a real short training in a TaskRunner, cancel, failures, activation."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tests.ml.conftest import digits, digits_base, trained, trained_base  # noqa: F401 (fixtures)
from tests.ml.digits import FAST_CONFIG

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"), pytest.mark.qt_log_ignore("propagateSizeHints")]


def _panel(qtbot, project, user="eng", in_child=False, **config):
    from s2ide.ui.shell.context import AppContext
    from s2ide.ui.training.model_jobs import ModelJobs
    from s2ide.ui.training.training_panel import QtTrainingPanel

    ctx = AppContext()
    ctx.open_project(project.path)
    ctx.set_user(user)
    jobs = ModelJobs(ctx)
    jobs.in_child_process = in_child  # the real app's path is tested below; the rest save the spawn
    jobs.config_override = dataclasses.replace(FAST_CONFIG, **config)
    panel = QtTrainingPanel(ctx, jobs)
    qtbot.addWidget(panel)
    panel.show()
    return ctx, jobs, panel


def test_train_button_trains_in_the_background_and_the_table_updates(qtbot, digits) -> None:  # noqa: F811
    ctx, jobs, panel = _panel(qtbot, digits, in_child=True, epochs=6)
    assert panel.table_model.rowCount() == 0
    with qtbot.waitSignals([ctx.modelsChanged, ctx.predictionsChanged], timeout=60000):
        panel.train_button.click()
        assert jobs.running and panel.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: not jobs.running)
    assert panel.table_model.rowCount() == 1
    model = panel.table_model.models[0]
    assert model.version == "v1" and model.state == "active"
    assert len(panel.history) == 12  # one live point per epoch: the held-out check, then all labels
    _widget, curves = panel._plots
    xs = curves["train_loss"].getData()[0]
    assert len(xs) == 13 and np.isnan(xs[6])  # two runs of 6 epochs, the line broken between them
    from s2ide.ui.insight.axes import WholeNumberAxis

    bottom = curves["train_loss"].getViewBox().parentItem().getAxis("bottom")
    assert isinstance(bottom, WholeNumberAxis)  # epochs are labeled 1, 2, ... never 0.2, 0.4
    assert "v1:" in panel.status.text()
    assert ctx.store.predictions.count("v1") == 310
    jobs.runner.shutdown()
    ctx.close_project()


def test_cancel_from_the_panel_is_quick_and_keeps_nothing(qtbot, trained) -> None:  # noqa: F811
    ctx, jobs, panel = _panel(qtbot, trained, epochs=300)
    with qtbot.waitSignal(jobs.epochDone, timeout=30000):
        panel.train_button.click()
    with qtbot.waitSignal(jobs.jobFailed, timeout=1000) as blocker:
        panel.cancel_button.click()
    assert "cancelled" in blocker.args[0]
    qtbot.waitUntil(lambda: not jobs.running, timeout=1000)
    assert [m.version for m in panel.table_model.models] == ["v1"]
    assert ctx.store.models.active().version == "v1"
    jobs.runner.shutdown()
    ctx.close_project()


def test_training_without_labels_says_why_in_the_panel(qtbot, digits) -> None:  # noqa: F811
    from s2ide.core.labeling.tags import set_tag

    for row in digits.store.samples.rows():
        if row["split"] == "train" and row["label_id"] is not None:
            set_tag(digits.store, row["id"], None, "lara")
    ctx, jobs, panel = _panel(qtbot, digits)
    with qtbot.waitSignal(jobs.jobFailed, timeout=30000):
        panel.train_button.click()
    assert "no labeled training samples" in panel.status.text()
    assert panel.table_model.rowCount() == 0 and panel.train_button.isEnabled()
    jobs.runner.shutdown()
    ctx.close_project()


def test_only_engineers_activate_and_choose_the_strategy(qtbot, trained) -> None:  # noqa: F811
    from s2ide.core.engine.ml_settings import load_loop_settings, load_train_config
    from s2ide.core.engine.sampling import STRATEGY_HELP, Strategy, get_strategy
    from s2ide.ml.train import train

    config = load_train_config(trained.store)
    config.activation = "never"
    config.epochs = 2
    train(trained, config)
    ctx, jobs, panel = _panel(qtbot, trained, user="lara")
    # what the project's strategy does, and that a labeler cannot change it
    first, rest = panel.strategy.toolTip().split("\n", 1)
    assert first == "Only engineers change these" and rest.replace("\n", " ") == STRATEGY_HELP[Strategy.MARGIN]
    panel.table.selectRow(0)  # newest first: v2
    assert panel.selected_version() == "v2"
    assert not panel.activate_button.isEnabled() and not panel.strategy.isEnabled()
    ctx.set_user("eng")
    assert panel.activate_button.isEnabled() and panel.strategy.isEnabled()
    assert panel.strategy.toolTip().replace("\n", " ") == STRATEGY_HELP[Strategy.MARGIN]
    assert panel.members.toolTip().startswith("Networks trained from different seeds")
    with qtbot.waitSignal(jobs.jobFinished, timeout=30000):
        panel.activate_button.click()
    qtbot.waitUntil(lambda: not jobs.running)
    assert ctx.store.models.active().version == "v2"
    assert ctx.store.predictions.count("v2") == 310  # it predicted on activation
    panel.strategy.setCurrentIndex(panel.strategy.findData("entropy"))
    assert get_strategy(ctx.store).value == "entropy"
    assert panel.strategy.toolTip().replace("\n", " ") == STRATEGY_HELP[Strategy.ENTROPY]
    # the retrain interval is the queue's batch, so changing it re-ranks Next
    with qtbot.waitSignal(jobs.strategyChanged, timeout=1000):
        panel.retrain_after.setValue(panel.retrain_after.value() + 5)
        panel.retrain_after.editingFinished.emit()
    assert load_loop_settings(ctx.store).retrain_after == panel.retrain_after.value()
    jobs.runner.shutdown()
    ctx.close_project()


def test_auto_retrain_after_n_new_labels(qtbot, trained) -> None:  # noqa: F811
    from s2ide.core.engine.ml_settings import LoopSettings, save_loop_settings
    from s2ide.core.labeling.tags import set_tag

    save_loop_settings(trained.store, LoopSettings(retrain_after=3), "eng")
    ctx, jobs, _ = _panel(qtbot, trained, epochs=2)
    unlabeled = [r["id"] for r in ctx.store.samples.rows() if r["label_id"] is None][:3]
    label = ctx.labels()[0].id
    with qtbot.waitSignal(jobs.trainingStarted, timeout=5000):
        for sid in unlabeled:
            set_tag(ctx.store, sid, label, "eng")
            ctx.notify_annotations(sid)
    qtbot.waitUntil(lambda: not jobs.running, timeout=60000)
    assert ctx.store.models.count() == 2
    jobs.runner.shutdown()
    ctx.close_project()


def test_the_event_loop_never_stalls_over_50_ms_while_training(qtbot, digits) -> None:  # noqa: F811
    """The app's real path (a child process) keeps the GUI thread free: tick every 10 ms, measure gaps."""
    import time

    from PySide6.QtCore import QTimer

    ctx, jobs, panel = _panel(qtbot, digits, in_child=True, epochs=6)
    qtbot.waitUntil(lambda: panel._plots is not None, timeout=20000)  # built at idle, before any click
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000)
        last[0] = now

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    timer.start()
    with qtbot.waitSignal(ctx.modelsChanged, timeout=60000):
        panel.train_button.click()
    qtbot.waitUntil(lambda: not jobs.running, timeout=30000)
    timer.stop()
    assert len(gaps) > 50  # it really ran alongside the training
    assert max(gaps) < 50, f"the GUI stalled {max(gaps):.0f} ms while training"
    jobs.runner.shutdown()
    ctx.close_project()


def test_an_ensemble_set_in_the_panel_trains_and_its_curves_break_between_networks(qtbot, digits) -> None:  # noqa: F811
    import math

    from s2ide.core.engine.ml_settings import load_train_config

    ctx, jobs, panel = _panel(qtbot, digits, epochs=3)
    assert panel.members.text() == "1 (no ensemble)"
    panel.members.setValue(2)
    assert panel.members.text() == "2 averaged"
    panel.members.editingFinished.emit()
    assert load_train_config(ctx.store).members == 2
    jobs.config_override = dataclasses.replace(FAST_CONFIG, epochs=3, members=2, patience=30)
    with qtbot.waitSignal(ctx.modelsChanged, timeout=60000):
        panel.train_button.click()
    qtbot.waitUntil(lambda: not jobs.running, timeout=60000)
    assert [s.member for s in panel.history] == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert ctx.store.models.active().hyperparameters["members"] == 2
    panel._ensure_plots()
    panel._draw()
    xs, _ = panel._plots[1]["train_loss"].getOriginalDataset()
    assert list(xs[:3]) == [1, 2, 3] and math.isnan(xs[3]) and list(xs[4:7]) == [1, 2, 3] and math.isnan(xs[7])
    jobs.runner.shutdown()
    ctx.close_project()


def test_epoch_axes_label_whole_numbers_that_fit() -> None:
    from s2ide.ui.insight.axes import whole_number_ticks

    assert whole_number_ticks(-0.2, 1.2, 83) == (1, [0, 1])  # the empty plot: no 0.2, 0.4, ...
    assert whole_number_ticks(0, 1, 100) == (1, [])  # labels on the very ends would be cut off
    assert whole_number_ticks(0.42, 30.58, 83) == (10, [10, 20])  # 30 epochs in a narrow dock
    assert whole_number_ticks(1, 30, 300) == (5, [5, 10, 15, 20, 25])
    assert whole_number_ticks(0.5, 7.2, 200) == (1, [1, 2, 3, 4, 5, 6])
    assert whole_number_ticks(0, float("inf"), 100) == (1, [])
    for low, high, pixels in ((0, 1000, 400), (3, 4000, 90), (-5, 5, 60)):
        step, values = whole_number_ticks(low, high, pixels)
        assert 1 <= len(values) <= max(2, pixels // 30) and all(v % step == 0 for v in values)
