"""Double-labeling in the window: the second labeler is served the owed sample and cannot see the first label."""

from __future__ import annotations

import pytest

from s2ide.core.labeling.tags import set_tag
from s2ide.core.review.agreement import set_share
from s2ide.core.review.users import add_user
from s2ide.ui.shell.context import AppContext
from s2ide.ui.shell.main_window import MainWindow


@pytest.fixture
def window(qtbot, filled_project):
    store = filled_project.store
    add_user(store, "lina", "labeler")
    set_share(store, 1.0, "leo")  # every sample is double-labeled, so the outcome is certain
    context = AppContext()
    win = MainWindow(context)
    qtbot.addWidget(win)
    context.open_project(filled_project.path)
    yield win
    win.close()
    context.close_project()


def test_second_labeler_is_blind_to_the_first_label_and_gets_it_next(window) -> None:
    context = window.context
    gallery = window.foundation.gallery
    panel = window.foundation.labels
    store = context.store
    first = store.samples.ids()[0]
    cat = store.labels.by_name("cat").id

    context.set_user("lara")
    set_tag(store, first, cat, "lara")  # the first, independent label (a vote)
    context.notify_annotations(first)
    context.open_sample(first)
    row = gallery.model.row_of(first)
    assert gallery.model.value(row, "label_id") == cat  # lara sees her own label
    assert panel.current_label() == cat

    context.set_user("lina")
    assert gallery.model.value(row, "label_id") is None  # lina labels without seeing it
    assert panel.current_label() is None
    context.open_sample(store.samples.ids()[-1])
    assert context.next_sample() == first  # her owed second label comes first

    set_tag(store, first, cat, "lina")  # she agrees: nothing is owed any more, the tag shows
    context.notify_annotations(first)
    assert gallery.model.value(row, "label_id") == cat
    assert context.next_sample() != first
