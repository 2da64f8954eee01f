"""The app records how long each sample was open and what was done, and shows seconds per label."""

from __future__ import annotations

from PySide6.QtCore import Qt

from s2ide.core.labeling.tags import set_tag
from s2ide.core.store.sessions_time import intervals
from tests.ui.conftest import QT_LOG_MARKS

pytestmark = QT_LOG_MARKS


def test_a_tag_is_timed_and_shown_in_the_view(qtbot, window):
    ctx = window.context
    store = ctx.store
    ids = store.samples.ids()
    for sample_id in ids[:2]:
        set_tag(store, sample_id, None, "lara")
    ctx.samplesChanged.emit()
    ctx.open_sample(ids[0])
    qtbot.wait(600)
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_2)  # tags and opens the next sample: the interval closes
    rows = intervals(store)
    assert rows and rows[-1].sample_id == ids[0] and rows[-1].tags == 1 and rows[-1].user == "lara"
    assert rows[-1].seconds >= 0.5
    view = window.labeling_time_view
    view.refresh()
    assert view.table.rowCount() == 1 and view.table.item(0, 0).text() == "lara"
    assert view.table.item(0, 3).text() != "–"  # seconds per label
