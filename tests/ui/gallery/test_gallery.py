"""The gallery: model rows and filters, delegate painting, lazy thumbnails, 100,000 rows."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor

from s2ide.core.labeling.tags import set_tag
from s2ide.core.store import SampleFilter
from s2ide.ui.gallery.gallery_model import GalleryModel, Role
from s2ide.ui.gallery.gallery_view import UNTAGGED, QtGallery
from tests.store_helpers import add_model, add_prediction, add_synthetic_samples
from tests.ui.conftest import QT_LOG_MARKS

pytestmark = QT_LOG_MARKS


def names(model: GalleryModel) -> list[str]:
    return [model.index(row).data() for row in range(model.rowCount())]


def test_model_rows_and_roles(qtbot, context):
    model = GalleryModel()
    model.load(context.store.samples)
    assert names(model) == ["cat0.png", "cat1.png", "cat2.png", "dog0.jpg", "dog1.jpg"]
    cat = context.store.labels.by_name("cat").id
    index = model.index(0)
    assert index.data(Role.LABEL_ID) == cat
    assert index.data(Role.STATUS) == "labeled"
    assert index.data(Role.SIZE) == (32, 24)
    assert index.data(Role.PRED_LABEL_ID) is None


def test_filters_and_search(qtbot, context):
    gallery = QtGallery(context)
    qtbot.addWidget(gallery)
    store = context.store
    first = store.samples.rows()[0]["id"]
    set_tag(store, first, None, "lara")
    context.samplesChanged.emit()
    assert gallery.model.rowCount() == 5
    gallery.set_label_filter(UNTAGGED)
    assert names(gallery.model) == ["cat0.png"]
    gallery.set_label_filter(store.labels.by_name("dog").id)
    assert names(gallery.model) == ["dog0.jpg", "dog1.jpg"]
    gallery.set_label_filter(None)
    gallery.status_filter.setCurrentIndex(gallery.status_filter.findData("unlabeled"))
    assert names(gallery.model) == ["cat0.png"]
    gallery.status_filter.setCurrentIndex(0)
    gallery.split_filter.setCurrentIndex(gallery.split_filter.findData("train"))
    assert gallery.model.rowCount() == 0
    gallery.split_filter.setCurrentIndex(0)
    gallery.search.setText("dog1")
    qtbot.waitUntil(lambda: gallery.model.rowCount() == 1)
    assert names(gallery.model) == ["dog1.jpg"]
    assert gallery.shown.text() == "1 shown"
    gallery.shutdown()


def test_show_samples_chip(qtbot, context):
    gallery = QtGallery(context)
    qtbot.addWidget(gallery)
    gallery.show()
    ids = context.store.samples.ids()
    context.show_samples(ids[3:], "dogs from the plot")
    assert gallery.model.ids() == ids[3:]
    assert gallery.chip.isVisible() and gallery.chip.text() == "showing: dogs from the plot ✕"
    qtbot.mouseClick(gallery.chip, Qt.MouseButton.LeftButton)
    assert gallery.model.ids() == ids and not gallery.chip.isVisible()
    gallery.shutdown()


def test_a_long_chip_title_is_shortened_and_never_squeezes_the_search_box(qtbot, context):
    from PySide6.QtWidgets import QPushButton

    gallery = QtGallery(context)
    qtbot.addWidget(gallery)
    gallery.resize(268, 600)  # a laptop's gallery, two thumbnails wide
    gallery.show()
    search_width = gallery.search.width()
    title = "v1: spurious three masks (over background) " * 3
    context.show_samples(context.store.samples.ids()[:2], title)
    qtbot.wait(10)
    shown = QPushButton.text(gallery.chip)
    assert "…" in shown and shown.endswith("✕")  # shortened in the middle, the ✕ in sight
    assert gallery.chip.text() == f"showing: {title} ✕" and title in gallery.chip.toolTip()
    assert gallery.search.width() == search_width and gallery.width() == 268
    gallery.shutdown()


def test_annotation_change_refreshes_only_that_row(qtbot, context):
    gallery = QtGallery(context)
    qtbot.addWidget(gallery)
    target = context.store.samples.ids()[2]
    dog = context.store.labels.by_name("dog").id
    set_tag(context.store, target, dog, "lara")
    with qtbot.waitSignal(gallery.model.dataChanged) as blocker:
        context.notify_annotations(target)
    top, bottom = blocker.args[0], blocker.args[1]
    assert top.row() == bottom.row() == 2
    assert gallery.model.index(2).data(Role.LABEL_ID) == dog
    gallery.shutdown()


def test_click_opens_sample_and_open_sample_selects(qtbot, window):
    gallery = window.foundation.gallery
    index = gallery.model.index(3)
    rect = gallery.view.visualRect(index)
    with qtbot.waitSignal(window.context.sampleChanged) as blocker:
        qtbot.mouseClick(gallery.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == [gallery.model.sample_id(3)]
    window.context.open_sample(gallery.model.sample_id(1))
    assert gallery.view.currentIndex().row() == 1


def test_delegate_paints_thumbnail_chip_and_name(qtbot, window):
    gallery = window.foundation.gallery
    view = gallery.view
    qtbot.waitUntil(lambda: len(gallery.loader._cache) == 5, timeout=5000)
    image = view.viewport().grab().toImage()
    rect = view.visualRect(gallery.model.index(3))  # dog0.jpg: color (100, 0, 200)
    center = image.pixelColor(rect.center() + QPoint(0, -10))
    assert abs(center.red() - 100) < 12 and abs(center.blue() - 200) < 12 and center.green() < 20
    dog_color = QColor(window.context.label_by_id(gallery.model.index(3).data(Role.LABEL_ID)).color)
    chip = image.pixelColor(rect.topLeft() + QPoint(8, 8))
    assert abs(chip.red() - dog_color.red()) < 10 and abs(chip.green() - dog_color.green()) < 10


def test_missing_thumbnail_is_rebuilt_off_the_gui_thread(qtbot, context):
    gallery = QtGallery(context)
    qtbot.addWidget(gallery)
    sha256, source, target = gallery.thumbnail_source(0)
    target.unlink()
    assert gallery.loader.pixmap(sha256, source, target) is None
    with qtbot.waitSignal(gallery.loader.ready, timeout=5000):
        pass
    assert target.is_file()
    pixmap = gallery.loader.pixmap(sha256, source, target)
    assert pixmap is not None and pixmap.width() <= 112 and pixmap.height() <= 112
    gallery.shutdown()


def test_suggestion_is_shown(qtbot, context):
    store = context.store
    sample = store.samples.ids()[0]
    dog = store.labels.by_name("dog").id
    add_model(store, "m", "active")
    add_prediction(store, sample, "m", dog, 0.93)
    gallery = QtGallery(context)
    qtbot.addWidget(gallery)
    index = gallery.model.index(0)
    assert index.data(Role.PRED_LABEL_ID) == dog and index.data(Role.PRED_SCORE) == pytest.approx(0.93)
    gallery.show()
    qtbot.waitExposed(gallery)
    gallery.view.viewport().grab()  # paints the "dog? 93%" strip without error
    gallery.shutdown()


def test_hundred_thousand_rows_build_fast(qtbot, project):
    add_synthetic_samples(project.store, 100_000)
    model = GalleryModel()
    started = time.perf_counter()
    model.load(project.store.samples)
    elapsed = time.perf_counter() - started
    assert model.rowCount() == 100_000
    assert elapsed < 3.0, f"model load took {elapsed:.2f} s"
    started = time.perf_counter()
    assert model.row_of(model.sample_id(99_999)) == 99_999
    assert model.next_unlabeled(model.sample_id(99_999)) == model.sample_id(0)
    # File names and hashes are read a page at a time, for the rows asked about only.
    assert model.index(99_999).data() == "0099999.jpg"
    assert model.value(50_000, "sha256") == f"{50_000:064x}"
    assert model.index(300).data(Role.SIZE) == (640, 480)
    assert len(model._pages) == 3
    assert time.perf_counter() - started < 0.5
    narrowed = GalleryModel()
    narrowed.load(project.store.samples, SampleFilter(search="099999"))
    assert narrowed.rowCount() == 1 and Path(narrowed.index(0).data()).name == "0099999.jpg"


def test_thumbnail_is_scaled_to_the_cell_off_the_gui_thread(qtbot, tmp_path):
    from s2ide.ui.gallery.thumbnails import load_thumbnail
    from tests.conftest import write_image

    source = write_image(tmp_path / "wide.png", size=(600, 300), color=(1, 2, 3))
    target = tmp_path / "cache" / "ab" / "wide.jpg"
    image = load_thumbnail(source, target, display_size=100)
    assert target.is_file()  # rebuilt (256 px) on the way
    assert (image.width(), image.height()) == (100, 50)
    assert load_thumbnail(tmp_path / "missing.png", tmp_path / "cache" / "cd" / "x.jpg").isNull()


def test_ctrl_wheel_changes_thumbnail_size(qtbot, window):
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    gallery = window.foundation.gallery
    before = gallery.view.visualRect(gallery.model.index(0)).width()
    viewport = gallery.view.viewport()
    center = QPointF(viewport.rect().center())
    event = QWheelEvent(
        center,
        QPointF(viewport.mapToGlobal(center.toPoint())),
        QPoint(0, 0),
        QPoint(0, 240),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.ControlModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(viewport, event)
    assert gallery.thumbnail_size() == round(112 * 1.15**2)
    qtbot.waitUntil(lambda: gallery.view.visualRect(gallery.model.index(0)).width() > before)
    gallery.set_thumbnail_size(1000)
    assert gallery.thumbnail_size() == 256 and gallery.loader.display_size == 256


def _white_pixels(image, rect) -> int:
    count = 0
    for x in range(rect.left(), rect.right()):
        for y in range(rect.top(), rect.bottom()):
            color = image.pixelColor(x, y)
            count += color.red() > 200 and color.green() > 200 and color.blue() > 200
    return count


def test_thumbnails_of_samples_with_shapes_carry_a_badge_with_the_count(qtbot, window):
    from PySide6.QtCore import QRect

    from s2ide.ui.gallery.gallery_view import PAD

    gallery = window.foundation.gallery
    store = window.context.store
    view = gallery.view
    qtbot.waitUntil(lambda: len(gallery.loader._cache) == 5, timeout=5000)
    first = gallery.model.sample_id(0)
    cell = view.visualRect(gallery.model.index(0))
    thumb = gallery.thumbnail_size()
    corner = QRect(cell.x() + PAD + thumb - 70, cell.y() + PAD + 2, 52, 18)  # left of the status dot
    assert _white_pixels(view.viewport().grab().toImage(), corner) == 0
    with store.transaction():
        for x in (1, 10, 20):
            store.annotations.add(first, "box", None, "lara", geometry={"x": x, "y": 1, "w": 5, "h": 5})
    window.context.notify_annotations(first)
    assert gallery.model.index(0).data(Role.SHAPES) == 3
    assert gallery.model.index(1).data(Role.SHAPES) == 0
    assert _white_pixels(view.viewport().grab().toImage(), corner) > 5  # the box icon and the "3"


def test_history_filters_labeled_by_me_today_and_changed_since_yesterday(qtbot, window):
    from s2ide.ui.gallery.bulk_actions import tag_many

    gallery = window.foundation.gallery
    ctx = window.context
    store = ctx.store
    ids = gallery.model.ids()
    # the import labeled every sample three days ago (as far as the audit log knows)
    store.conn.execute("UPDATE audit SET at = ?", ("2000-01-01T00:00:00.000+00:00",))
    gallery.set_history_filter("mine")
    assert gallery.model.rowCount() == 0  # the import tagged them, not lara
    tag_many(ctx, ids[:2], store.labels.by_name("dog").id)
    assert gallery.model.ids() == ids[:2]
    ctx.set_user("leo")  # someone else: their own history
    assert gallery.model.rowCount() == 0
    ctx.set_user("lara")
    gallery.set_history_filter("today")
    assert gallery.model.ids() == ids[:2]
    with store.transaction():
        store.audit.record("leo", "skip", "sample", ids[4], {"status": "labeled"}, {"status": "skipped"})
    ctx.samplesChanged.emit()
    assert gallery.model.ids() == ids[:2]  # a skip is a change, not labeling
    gallery.set_history_filter("since_yesterday")
    assert gallery.model.ids() == [ids[0], ids[1], ids[4]]
    gallery.set_history_filter("")
    assert gallery.model.ids() == ids
