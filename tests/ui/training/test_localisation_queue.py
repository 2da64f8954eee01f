"""The localisation queue in the app: an engineer chooses it in the Training dock's chooser
and Next opens the image whose boxes move most under a flip first."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.core.engine.test_tta_disagreement import _detect_queue_project
from tests.ui.conftest import QT_LOG_MARKS, open_window

pytestmark = QT_LOG_MARKS


@pytest.fixture
def window(qtbot, filled_project):
    ids = _detect_queue_project(filled_project, [0.05, 2.4, 0.6, 0.0, 0.3])
    for win in open_window(qtbot, filled_project, user="eng"):
        yield win, ids


def test_choosing_localisation_makes_next_follow_the_flip_disagreement(qtbot, window) -> None:
    from s2ide.core.engine.sampling import Strategy, get_strategy

    win, ids = window
    ctx = win.context
    combo = win.ml.panel.strategy
    index = combo.findData("localisation")
    assert index >= 0 and "flipped" in combo.itemData(
        index, Qt.ItemDataRole.ToolTipRole
    )  # the item's tooltip says what it does
    assert combo.model().item(index).isEnabled()
    combo.setCurrentIndex(index)
    assert get_strategy(ctx.store) is Strategy.LOCALISATION
    ctx.open_sample(None)
    assert ctx.next_sample() == ids[1]  # 2.4: the least stable
    assert ctx.next_sample() == ids[2]


def test_classification_projects_offer_no_localisation_queue(qtbot, project) -> None:
    for win in open_window(qtbot, project, user="eng"):
        combo = win.ml.panel.strategy
        assert not combo.model().item(combo.findData("localisation")).isEnabled()
        assert combo.model().item(combo.findData("margin")).isEnabled()
