"""Pre-labels: the suggestion shows, Enter accepts it as model-accepted, weak ones hide; Next by strategy."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from tests.ml.conftest import digits, digits_base, trained, trained_base  # noqa: F401 (fixtures)
from tests.ui.conftest import open_window

pytestmark = [pytest.mark.qt_log_level_fail("WARNING"), pytest.mark.qt_log_ignore("propagateSizeHints")]


@pytest.fixture
def window(qtbot, trained):  # noqa: F811
    yield from open_window(qtbot, trained)


def _confident_unlabeled(store):
    model = store.models.active()
    arrays = store.predictions.arrays(model.version, with_embeddings=False)
    unlabeled = {r["id"] for r in store.samples.rows() if r["label_id"] is None}
    order = np.argsort(-arrays.scores)
    return next(int(arrays.sample_ids[i]) for i in order if int(arrays.sample_ids[i]) in unlabeled), arrays


def test_enter_accepts_the_suggestion_as_model_accepted(qtbot, window) -> None:
    ctx = window.context
    banner = window.ml.banner
    sample_id, arrays = _confident_unlabeled(ctx.store)
    predicted = int(arrays.label_ids[list(arrays.sample_ids).index(sample_id)])
    ctx.open_sample(sample_id)
    assert banner.suggestion is not None and banner.suggestion[0] == predicted
    assert ctx.label_by_id(predicted).name in banner.text.text()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_Return)
    tag = ctx.store.annotations.tag_of(sample_id)
    assert tag is not None and tag.label_id == predicted
    assert tag.source == "model-accepted" and tag.agreed_with_prediction is True
    assert ctx.current_sample_id not in (None, sample_id)  # moved on to the next sample


def test_weak_suggestions_are_dimmed_below_the_threshold(qtbot, window) -> None:
    from s2ide.core.engine.ml_settings import load_loop_settings

    ctx = window.context
    banner = window.ml.banner
    sample_id, _ = _confident_unlabeled(ctx.store)
    ctx.open_sample(sample_id)
    assert banner.accept_button.isEnabled()
    banner.slider.setValue(100)
    score = ctx.store.predictions.active_for_sample(sample_id).score
    if score < 1.0:
        assert banner.suggestion is None and "weak" in banner.text.text() and "gray" in banner.text.text()
        assert not banner.accept() and ctx.store.annotations.tag_of(sample_id) is None
    qtbot.waitUntil(lambda: load_loop_settings(ctx.store).confidence_threshold == 1.0, timeout=3000)


def test_next_follows_the_strategy(qtbot, window) -> None:
    from s2ide.core.engine.sampling import Strategy, build_queue, set_strategy

    ctx = window.context
    queue = build_queue(ctx.store, Strategy.MARGIN)
    ctx.open_sample(None)
    assert ctx.next_sample() == queue[0].sample_id
    assert ctx.next_sample() == queue[1].sample_id
    set_strategy(ctx.store, "entropy", "eng")
    window.ml.jobs.strategyChanged.emit()
    current = ctx.current_sample_id
    by_entropy = [e.sample_id for e in build_queue(ctx.store, Strategy.ENTROPY) if e.sample_id != current]
    assert ctx.next_sample() == by_entropy[0]  # Next never returns the sample that is open


def test_next_without_a_model_falls_back(qtbot, digits) -> None:  # noqa: F811
    from s2ide.ui.shell.context import AppContext
    from s2ide.ui.training.feature import StrategyNext

    ctx = AppContext()
    ctx.open_project(digits.path)
    asked = []
    ctx.set_next_provider(StrategyNext(ctx, lambda c, cur: asked.append(cur) or 7))
    assert ctx.next_sample() == 7 and asked == [None]
    ctx.close_project()


def test_default_threshold_is_calibrated_and_the_slider_steps_5_percent(qtbot, window) -> None:
    from PySide6.QtCore import Qt

    from s2ide.core.engine.prelabel_threshold import calibrated_threshold

    ctx = window.context
    banner = window.ml.banner
    expected = calibrated_threshold(ctx.store.models.active().metrics)
    assert expected is not None  # the trained fixture model is right 80 % above some confidence
    assert (banner.threshold, banner.threshold_source) == (expected, "calibrated")
    assert "cal." in banner.threshold_label.text()
    before = banner.slider.value()
    banner.slider.setFocus()
    qtbot.keyClick(banner.slider, Qt.Key.Key_Left)
    assert banner.slider.value() == before - 5 and banner.threshold_source == "manual"
    qtbot.keyClick(banner.slider, Qt.Key.Key_PageUp)
    assert banner.slider.value() == before + 5
