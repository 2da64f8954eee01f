"""Big views as tabs of the central area, beside the canvas, instead of docks that squeeze it.

Dataset, Evaluation, Embeddings, the audit log, the escalation queue, ... need the room of the
canvas itself. `CentralTabs` is the main window's central widget: the canvas is its first tab
(never closed); a big view opens as another tab and closes with its tab's ✕. While a big view's
tab is in front, the docks around the canvas (gallery, labels, layers, ...) step aside, so the
view gets the window's width; back on the Image tab they return as they were (the main
window's own saveState/restoreState: sizes, tab stacks, tool bars). Every big view
keeps the QDockWidget face the features already use (`show`, `hide`, `raise_`, `isVisible`,
`setWindowTitle`, `toggleViewAction`, `visibilityChanged`): `TabDock` is a dock that is never
docked itself; showing it opens its tab. Each page sits in a scroll area, so a view's minimum
size never widens the window past the screen. A tab's right-click menu (or `setFloating(True)`)
moves the view into a window of its own, so a lead can keep the escalation queue on a second
screen beside the canvas; closing that window closes the view, the next opening is a tab again.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QPoint, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QTabBar, QTabWidget, QVBoxLayout, QWidget

from s2ide.ui.shell.layouts import Dock, DockScroll

CANVAS_TITLE = "Image"


class CentralTabs(QTabWidget):
    """The canvas and the big views that are open, one tab each."""

    def __init__(self, canvas: QWidget, window: QMainWindow) -> None:
        super().__init__(window)
        self.canvas = canvas
        self.main_window = window
        self._docks_state: QByteArray | None = None  # the docks as they were, while they step aside
        self.setDocumentMode(True)
        self.setTabsClosable(True)
        self.setMovable(True)
        self.addTab(canvas, CANVAS_TITLE)
        bar = self.tabBar()
        for side in (QTabBar.ButtonPosition.LeftSide, QTabBar.ButtonPosition.RightSide):
            bar.setTabButton(0, side, None)  # the canvas stays
        bar.setAutoHide(True)  # the canvas alone: no tab bar taking its height
        bar.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        bar.customContextMenuRequested.connect(self._tab_menu)
        self.tabCloseRequested.connect(self._close_requested)
        self.currentChanged.connect(self._on_current_changed)

    def pages(self) -> list[QWidget]:
        return [page for page in (self.widget(i) for i in range(self.count())) if page is not None]

    def show_canvas(self) -> None:
        """The Image tab in front, and the docks back around it."""
        self.setCurrentWidget(self.canvas)
        self._docks_return()

    @property
    def docks_aside(self) -> bool:
        return self._docks_state is not None

    def _on_current_changed(self, _index: int) -> None:
        if self.currentWidget() is self.canvas:
            self._docks_return()
        else:
            self._docks_step_aside()

    def _docks_step_aside(self) -> None:
        if self._docks_state is not None:
            return
        window = self.main_window
        self._docks_state = window.saveState()
        for dock in window.findChildren(QDockWidget):
            if not isinstance(dock, TabDock) and not dock.isFloating() and dock.toggleViewAction().isChecked():
                dock.hide()

    def _docks_return(self) -> None:
        state, self._docks_state = self._docks_state, None
        if state is not None:
            self.main_window.restoreState(state)

    def owner_of(self, index: int) -> TabDock | None:
        page = self.widget(index)
        return next((owner for owner in self.main_window.findChildren(TabDock) if owner.page is page), None)

    def _close_requested(self, index: int) -> None:
        owner = self.owner_of(index)
        if owner is not None:
            owner.hide()

    def _tab_menu(self, position: QPoint) -> None:
        owner = self.owner_of(self.tabBar().tabAt(position))
        if owner is None:
            return  # the canvas's tab, or no tab
        menu = QMenu(self)
        menu.addAction("Open in its own window", lambda: owner.setFloating(True))
        menu.addAction("Close", owner.hide)
        menu.exec(self.tabBar().mapToGlobal(position))


class ViewWindow(QWidget):
    """A big view in a window of its own (beside the main window, or on a second screen)."""

    closed = Signal()

    def __init__(self, title: str, parent: QWidget) -> None:
        super().__init__(parent, Qt.WindowType.Window)  # a child of the main window: it closes with it
        self.setWindowTitle(title)
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(0, 0, 0, 0)

    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        self.closed.emit()


class TabDock(Dock):
    """A big view that opens as a central tab: the dock API for the features, a tab on screen."""

    def __init__(self, title: str, window: QMainWindow, tabs: CentralTabs) -> None:
        super().__init__(title, window)
        self.tabs = tabs
        self._open = False
        self._page: DockScroll | None = None
        self._window: ViewWindow | None = None  # while the view is in a window of its own
        QDockWidget.setVisible(self, False)  # the dock itself is never shown
        self.windowTitleChanged.connect(self._retitle)
        # Qt's own handler compares with the dock's real (always hidden) state: closing needs this
        self.toggleViewAction().triggered.connect(self.setVisible)

    def set_content(self, content: QWidget) -> None:
        self._content = content
        self._page = DockScroll(content)
        self._page.setMinimumWidth(0)

    @property
    def page(self) -> QWidget | None:
        return self._page

    def setVisible(self, visible: bool) -> None:  # a Qt override: show(), hide() and close() land here
        if self._page is None:
            QDockWidget.setVisible(self, False)
            return
        if visible and not self._open:
            self._open = True
            self.tabs.addTab(self._page, self.windowTitle())
            self.tabs.setCurrentWidget(self._page)
        elif visible:
            self.raise_()
        elif self._open:
            self._open = False
            if self._window is not None:
                self._leave_window()
            else:
                index = self.tabs.indexOf(self._page)
                if index >= 0:
                    self.tabs.removeTab(index)  # the page is kept, hidden, for the next opening
        else:
            return
        self._sync_action()
        self.visibilityChanged.emit(self._open)

    def _sync_action(self) -> None:
        action = self.toggleViewAction()
        action.blockSignals(True)
        action.setChecked(self._open)
        action.blockSignals(False)

    def _leave_window(self) -> None:
        """Take the page back out of its window (hidden, kept for the next opening)."""
        window, self._window = self._window, None
        if window is None or self._page is None:
            return
        window.box.removeWidget(self._page)
        self._page.hide()
        self._page.setParent(self.tabs)
        window.closed.disconnect()
        window.close()
        window.deleteLater()

    def _window_closed(self) -> None:
        if self._window is not None:
            self.hide()  # closing the view's window closes the view

    def isVisible(self) -> bool:
        return self._open

    def isVisibleTo(self, _ancestor: QWidget) -> bool:
        return self._open

    def isHidden(self) -> bool:
        return not self._open

    def raise_(self) -> None:
        if self._window is not None:
            self._window.show()
            self._window.raise_()
            self._window.activateWindow()
        elif self._open and self._page is not None:
            self.tabs.setCurrentWidget(self._page)

    def isFloating(self) -> bool:
        return self._window is not None

    def setFloating(self, floating: bool) -> None:
        """True: the view in a window of its own (opened if it was closed); False: back to a tab.
        A saved layout asking for a floating big view gets its tab."""
        if self._page is None or floating == (self._window is not None):
            return
        if not floating:
            self._leave_window()
            self._open = False
            self.setVisible(True)
            return
        if not self._open:
            self.setVisible(True)
        index = self.tabs.indexOf(self._page)
        size = self.tabs.size()
        if index >= 0:
            self.tabs.removeTab(index)
        window = ViewWindow(self.windowTitle(), self.tabs.main_window)
        window.box.addWidget(self._page)
        self._page.show()
        window.resize(max(640, size.width()), max(480, size.height()))
        window.closed.connect(self._window_closed)
        self._window = window
        window.show()

    def _retitle(self, title: str) -> None:
        if self._window is not None:
            self._window.setWindowTitle(title)
        elif self._open and self._page is not None:
            self.tabs.setTabText(self.tabs.indexOf(self._page), title)


def tab_docks(window: QMainWindow) -> list[TabDock]:
    return window.findChildren(TabDock)


def close_floating_views(window: QMainWindow) -> None:
    """Close the big views that are in windows of their own (with the main window: none may
    outlive it and keep the application running)."""
    for dock in tab_docks(window):
        if dock.isFloating():
            dock.hide()
