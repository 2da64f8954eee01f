"""Dataset view: bars reflect the store, a click filters the gallery, refresh is throttled."""

from __future__ import annotations

from PySide6.QtCore import Qt

from s2ide.core.labeling.tags import set_tag
from s2ide.ui.insight.dataset_view import DatasetView
from s2ide.ui.shell.context import AppContext


def click_bar(qtbot, view: DatasetView, bar_plot, key) -> None:
    point = bar_plot.scene_point(key)
    widget_pos = view.graphics.mapFromScene(point)
    qtbot.mouseClick(view.graphics.viewport(), Qt.MouseButton.LeftButton, pos=widget_pos)


def make_view(qtbot, project) -> tuple[AppContext, DatasetView]:
    context = AppContext()
    context.project = project
    view = DatasetView(context)
    qtbot.addWidget(view)
    view.resize(900, 700)
    view.show()
    qtbot.waitUntil(lambda: view.distribution is not None and not view.refresher.busy, timeout=10000)
    return context, view


def test_bars_and_click_through(qtbot, filled_project) -> None:
    store = filled_project.store
    cat = store.labels.list()[0].id
    context, view = make_view(qtbot, filled_project)
    try:
        split = store.samples.get(store.analytics.class_split_ids(cat)[0]).split
        assert ("class", cat, split) in view.classes.bar_keys()
        with qtbot.waitSignal(context.showSamplesRequested, timeout=2000) as blocker:
            click_bar(qtbot, view, view.classes, ("class", cat, split))
        ids, title = blocker.args
        assert sorted(ids) == store.analytics.class_split_ids(cat, split) and len(ids) == 3
        assert title == f"cat · {split}"
        with qtbot.waitSignal(context.showSamplesRequested, timeout=2000) as blocker:
            click_bar(qtbot, view, view.status, ("status", "labeled"))
        assert blocker.args[0] == store.samples.ids()
        assert not view.warning.isVisible()  # 3 cats vs 2 dogs is fine
    finally:
        view.shutdown()


def test_refresh_follows_labels_throttled_and_warns(qtbot, filled_project) -> None:
    store = filled_project.store
    cat, dog = (label.id for label in store.labels.list())
    context, view = make_view(qtbot, filled_project)
    try:
        runs = view.refresher.runs
        dogs = store.analytics.class_split_ids(dog)
        for sample_id in dogs:  # every dog becomes a cat: 5 vs 0
            set_tag(store, sample_id, cat, "lara")
            context.notify_annotations(sample_id)
        qtbot.waitUntil(lambda: view.distribution.class_totals.get(cat) == 5, timeout=10000)
        assert view.refresher.runs - runs == 1  # two changes, one query
        assert view.warning.isVisible() and "dog" in view.warning.text()
        (day,) = view.distribution.per_day["lara"]
        with qtbot.waitSignal(context.showSamplesRequested, timeout=2000) as blocker:
            click_bar(qtbot, view, view.per_day, ("day", "lara", day))
        assert sorted(blocker.args[0]) == sorted(dogs)
        view.hide()  # a hidden view does no work, and catches up when shown again
        runs = view.refresher.runs
        set_tag(store, dogs[0], dog, "lara")
        context.notify_annotations(dogs[0])
        qtbot.wait(400)
        assert view.refresher.runs == runs and view.distribution.class_totals.get(dog) is None
        view.show()
        qtbot.waitUntil(lambda: view.distribution.class_totals.get(dog) == 1, timeout=10000)
    finally:
        view.shutdown()
