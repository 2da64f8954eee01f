"""Layouts per project and role, View ▸ Reset layout, a window that fits the screen, docks that
narrow, and big views that open as tabs beside the canvas instead of squeezing it."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDockWidget

from s2ide.ui.shell import layouts
from tests.ui.conftest import QT_LOG_MARKS

pytestmark = QT_LOG_MARKS


def _action(window, menu: str, text: str):
    return next(a for a in window.menu(menu).actions() if a.text().replace("&", "") == text)


def test_layout_is_kept_per_project_and_role(qtbot, window):
    ctx = window.context
    labels = window.foundation.labels_dock
    assert labels.isVisible()
    labels.hide()  # lara, a labeler, hides the labels
    ctx.set_user("leo")  # a lead on the same project starts from the default, not from lara's
    assert labels.isVisible()
    ctx.set_user("lara")
    assert not labels.isVisible()
    saved = ctx.settings.get(layouts.LAYOUTS_KEY)
    assert {key.split("|")[-1] for key in saved} == {"labeler", "lead"}


@pytest.mark.qt_log_ignore("raise", "propagateSizeHints")
def test_reset_layout_restores_the_default_and_forgets_the_saved_one(qtbot, window):
    ctx = window.context
    window.foundation.labels_dock.hide()
    window.foundation.gallery_dock.setFloating(True)
    window.save_layout()
    _action(window, "&View", "Reset layout").trigger()
    assert window.foundation.labels_dock.isVisible()
    assert not window.foundation.gallery_dock.isFloating()
    assert window._current_layout_key() not in ctx.settings.get(layouts.LAYOUTS_KEY, {})
    available = window.screen().availableGeometry()
    assert window.width() <= available.width() and window.height() <= available.height()


def test_window_never_grows_past_the_screen(qtbot, window):
    available = window.screen().availableGeometry()
    for dock in window.findChildren(QDockWidget):
        dock.show()
    window.resize(available.width() + 600, available.height() + 400)
    qtbot.wait(10)
    assert window.width() <= available.width() and window.height() <= available.height()
    assert window.maximumWidth() <= available.width()


def test_docks_can_be_narrowed_below_their_content(qtbot, window):
    for dock in window.findChildren(QDockWidget):
        assert dock.minimumSizeHint().width() <= layouts.DOCK_MIN_WIDTH + 40, dock.windowTitle()
        assert dock.widget() is not None and not isinstance(dock.widget(), layouts.DockScroll)


def test_big_views_open_as_tabs_beside_the_canvas_and_close_with_their_tab(qtbot, window):
    from s2ide.ui.shell.central_tabs import TabDock

    docks = {d.windowTitle(): d for d in window.findChildren(QDockWidget)}
    dataset = docks["Dataset"]
    assert isinstance(dataset, TabDock) and not isinstance(docks["Labels"], TabDock)
    tabs = window.tabs
    assert tabs.count() == 1 and tabs.currentWidget() is window.view
    _action(window, "&Model", "Dataset view").trigger()
    assert tabs.count() == 2 and tabs.currentWidget() is dataset.page and dataset.isVisible()
    assert tabs.tabText(1) == "Dataset" and dataset.toggleViewAction().isChecked()
    qtbot.waitUntil(lambda: dataset.widget().view is not None)  # the lazy view was built on showing
    docks["Audit"].show()
    assert tabs.count() == 3 and tabs.currentWidget() is docks["Audit"].page
    docks["Audit"].setWindowTitle("Audit (2)")
    assert tabs.tabText(2) == "Audit (2)"
    dataset.raise_()
    assert tabs.currentWidget() is dataset.page
    with qtbot.waitSignal(dataset.visibilityChanged) as closed:
        tabs.tabCloseRequested.emit(1)  # the tab's ✕
    assert closed.args == [False] and not dataset.isVisible() and tabs.count() == 2
    assert not dataset.toggleViewAction().isChecked()
    docks["Audit"].toggleViewAction().trigger()  # View ▸ Audit unchecked: its tab closes
    assert tabs.count() == 1 and not docks["Audit"].isVisible()
    docks["Audit"].toggleViewAction().trigger()
    assert tabs.count() == 2
    window.context.open_sample(window.context.store.samples.ids()[0])  # opening a sample shows it
    assert tabs.currentWidget() is window.view


def test_opening_every_big_view_leaves_the_canvas_as_it_was_and_gives_each_most_of_the_window(qtbot, window):
    """Before: each view docked on the right took its minimum from the canvas (230 px left).
    Now each opens as a tab; while one is in front the docks step aside, and the Image tab
    brings them back with the canvas as wide as before (or wider), never squeezed."""
    window.context.set_user("leo")  # a lead: the queue opens too
    qtbot.wait(10)
    window.tabs.show_canvas()
    canvas_before = window.view.width()

    def side_docks():
        return sorted(
            d.windowTitle()
            for d in window.findChildren(QDockWidget)
            if d.isVisible() and d.isVisibleTo(window) and d.windowTitle().split(" (")[0] not in layouts.BIG_VIEWS
        )

    docks_before = side_docks()
    for dock in window.findChildren(QDockWidget):
        if dock.windowTitle().split(" (")[0] in layouts.BIG_VIEWS:
            dock.show()
    assert window.tabs.count() == 1 + len(layouts.BIG_VIEWS)
    assert window.tabs.docks_aside and not window.foundation.gallery_dock.isVisible()
    for page in window.tabs.pages()[1:]:  # each big view in turn
        window.tabs.setCurrentWidget(page)
        qtbot.wait(5)
        title = window.tabs.tabText(window.tabs.currentIndex())
        assert page.width() >= 0.6 * window.width(), (title, page.width(), window.width())
    window.tabs.setCurrentWidget(window.view)
    qtbot.wait(10)
    assert not window.tabs.docks_aside
    assert side_docks() == docks_before and "Gallery" in docks_before
    assert window.view.width() >= canvas_before - 2  # never squeezed


def test_the_layout_saved_beside_a_big_view_keeps_the_docks(qtbot, window):
    next(d for d in window.findChildren(QDockWidget) if d.windowTitle() == "Dataset").show()
    assert not window.foundation.gallery_dock.isVisible()
    window.save_layout()  # e.g. on closing the window with the Dataset tab in front
    assert window.foundation.gallery_dock.isVisible() and window.tabs.currentWidget() is window.view


def test_a_laptop_screen_gives_the_gallery_two_thumbnails_a_row_and_the_canvas_the_rest(qtbot, window):
    from s2ide.ui.shell.layouts import NARROW_GALLERY, WIDE_SCREEN

    available = window.screen().availableGeometry()
    assert available.width() < WIDE_SCREEN  # the offscreen screen is a narrow one
    window.fit_to_screen()
    qtbot.wait(10)
    gallery = window.foundation.gallery_dock
    assert abs(gallery.width() - NARROW_GALLERY) <= 12
    assert window.frameGeometry().width() >= available.width() - 16  # a new window fills the work area
    thumbs = gallery.widget().view  # two thumbnail cells fit side by side
    assert thumbs.viewport().width() >= 2 * window.foundation.gallery.delegate.thumb


def test_a_big_view_moves_to_a_window_of_its_own_beside_the_canvas_and_closes_with_it(qtbot, window):
    """A lead keeps the escalation queue in its own window (a second screen) while the canvas
    stays in the main window; closing that window closes the view, and it reopens as a tab."""
    docks = {d.windowTitle().split(" (")[0]: d for d in window.findChildren(QDockWidget)}
    queue = docks["Escalations"]
    tabs = window.tabs
    queue.show()
    assert tabs.currentWidget() is queue.page
    queue.setFloating(True)
    floating = queue.page.window()
    assert queue.isFloating() and queue.isVisible() and floating is not window and floating.isVisible()
    assert tabs.indexOf(queue.page) < 0 and tabs.currentWidget() is window.view  # the canvas is back in front
    assert floating.windowTitle() == queue.windowTitle()
    window.context.open_sample(window.context.store.samples.ids()[0])
    assert floating.isVisible()  # opening a sample leaves the queue's window alone
    queue.setWindowTitle("Escalations (3)")
    assert floating.windowTitle() == "Escalations (3)"
    with qtbot.waitSignal(queue.visibilityChanged) as closed:
        floating.close()
    assert closed.args == [False] and not queue.isVisible() and not queue.isFloating()
    assert not queue.toggleViewAction().isChecked()
    queue.show()
    assert tabs.indexOf(queue.page) > 0 and not queue.isFloating()
    queue.setFloating(True)
    queue.setFloating(False)  # and back to a tab
    assert tabs.indexOf(queue.page) > 0 and tabs.currentWidget() is queue.page


def test_closing_the_main_window_closes_a_view_in_its_own_window(qtbot, window):
    queue = next(d for d in window.findChildren(QDockWidget) if d.windowTitle().startswith("Escalations"))
    queue.setFloating(True)
    floating = queue.page.window()
    assert floating.isVisible()
    window.close()
    assert not floating.isVisible() and not queue.isVisible()  # nothing keeps the app running
