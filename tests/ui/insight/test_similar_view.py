"""Find similar in the app: the Similar dock, ranked gallery, the priority slice in Next, bulk actions."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDockWidget

from s2ide.core.io.formats import read_plan
from s2ide.core.io.import_options import ImportOptions
from s2ide.core.io.importing import run_import
from s2ide.core.labeling.tags import set_tag
from s2ide.core.tasks import TaskState
from tests.conftest import write_image
from tests.ui.conftest import QT_LOG_MARKS, open_window

pytestmark = QT_LOG_MARKS


@pytest.fixture
def pool_project(project, tmp_path: Path):
    """12 unlabeled images in two colour families (reds, blues) beside the labeled cats and dogs."""
    folder = tmp_path / "pool"
    for i in range(6):
        write_image(folder / f"red{i}.png", color=(200 + 5 * i, 20, 20))
        write_image(folder / f"blue{i}.png", color=(20, 20, 200 + 5 * i))
    run_import(project, read_plan(folder, "folder"), ImportOptions(), TaskState())
    return project


@pytest.fixture
def lead_window(qtbot, pool_project):
    yield from open_window(qtbot, pool_project, user="leo")


def _id(store, name: str) -> int:
    return next(r["id"] for r in store.samples.rows() if r["path"].endswith(name))


def test_find_similar_ranks_sends_to_queue_and_next_serves_it(qtbot, lead_window) -> None:
    window = lead_window
    context = window.context
    store = context.store
    feature = window.similar
    view = feature.view
    red0 = _id(store, "red0.png")
    context.open_sample(red0)
    with qtbot.waitSignal(view.searched, timeout=20000):
        feature.action.trigger()  # Ctrl+Shift+F on the open sample
    dock = window.findChild(QDockWidget, "dock_similar")
    assert dock is not None and dock.isVisible()
    assert view.rows and red0 not in [r.sample_id for r in view.rows]
    assert all(r.path.rsplit("/", 1)[-1].startswith("red") for r in view.rows[:5])  # the other reds first
    distances = [r.distance for r in view.rows]
    assert distances == sorted(distances)
    gallery = window.foundation.gallery
    assert gallery.model.ids() == [r.sample_id for r in view.rows]  # the gallery shows them, same order
    assert "like sample" in gallery.chip.text()

    # the count control and unlabeled only
    view.count.setValue(3)
    with qtbot.waitSignal(view.searched, timeout=20000):
        view.count.editingFinished.emit()
    assert len(view.rows) == 3
    with qtbot.waitSignal(view.searched, timeout=20000):
        view.unlabeled.setChecked(True)
    assert all(r.status == "unlabeled" for r in view.rows)

    # send the results to the front of everyone's Next; labeling one moves Next to the following
    chosen = [r.sample_id for r in view.rows[:2]]
    assert view.send_to_queue(view.rows[:2]) == 2
    context.open_sample(_id(store, "blue3.png"))
    assert context.next_sample() == chosen[0]
    set_tag(store, chosen[0], store.labels.by_name("cat").id, "leo")  # type: ignore[union-attr]
    assert context.next_sample() == chosen[1]
    set_tag(store, chosen[1], store.labels.by_name("cat").id, "leo")  # type: ignore[union-attr]
    assert store.priority.ids() == [] or context.next_sample() not in chosen


def test_exclude_tag_and_escalate_in_bulk(qtbot, lead_window) -> None:
    context = lead_window.context
    store = context.store
    view = lead_window.similar.view
    blue0 = _id(store, "blue0.png")
    with qtbot.waitSignal(view.searched, timeout=20000):
        context.find_similar([blue0])
    first = view.rows[0].sample_id
    assert view.exclude(view.rows[:1]) == 1 and first not in [r.sample_id for r in view.rows]
    with qtbot.waitSignal(view.searched, timeout=20000):
        view.run()
    assert first not in [r.sample_id for r in view.rows]  # stays out of the next search
    dog = store.labels.by_name("dog")
    assert dog is not None
    assert view.tag_rows(dog.id, view.rows[:2]) == 2
    assert [r.label_id for r in view.rows[:2]] == [dog.id, dog.id]
    assert view.escalate_rows("ambiguous class", view.rows[2:4]) == 2
    assert {r.status for r in view.rows[2:4]} == {"escalated"}


def test_several_examples_search_by_mean_or_any(qtbot, lead_window) -> None:
    context = lead_window.context
    store = context.store
    view = lead_window.similar.view
    examples = [_id(store, "red1.png"), _id(store, "blue1.png")]
    with qtbot.waitSignal(view.searched, timeout=20000):
        context.find_similar(examples, "any")
    assert view.mode.currentData() == "any"
    top = [r.path.rsplit("/", 1)[-1][:3] for r in view.rows[:4]]
    assert "red" in top and "blu" in top  # close to any: both families come up
    assert not set(examples) & {r.sample_id for r in view.rows}


def test_results_become_a_named_slice_for_the_model_tests(qtbot, lead_window) -> None:
    context = lead_window.context
    store = context.store
    view = lead_window.similar.view
    with qtbot.waitSignal(view.searched, timeout=20000):
        context.find_similar([_id(store, "red0.png")])
    assert view.slice_button.isVisibleTo(view) and view.slice_button.isEnabled()
    chosen = view.rows[:3]
    assert view.save_slice("reds", chosen)
    (saved,) = [s for s in store.slices.list() if s.name == "reds"]
    assert sorted(saved.definition["sample_ids"]) == sorted(r.sample_id for r in chosen)


def test_gallery_thumbnails_show_the_distance_nearest_first(qtbot, lead_window) -> None:
    context = lead_window.context
    store = context.store
    view = lead_window.similar.view
    gallery = lead_window.foundation.gallery
    with qtbot.waitSignal(view.searched, timeout=20000):
        context.find_similar([_id(store, "red2.png")])
    model, delegate = gallery.model, gallery.delegate
    shown = [delegate.distance_text(model.index(row)) for row in range(model.rowCount())]
    assert shown == [f"d {r.distance:.3f}" for r in view.rows]  # every thumbnail, in the table's order
    values = [float(text.split()[1]) for text in shown if text]
    assert values == sorted(values) and len(values) == len(view.rows)  # nearest first
    gallery.view.grab()  # the band with the distance paints (Qt warnings fail the test)
    gallery.clear_shown()
    assert delegate.distance_text(model.index(0)) is None  # all samples again: no distances
