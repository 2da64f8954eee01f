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
size never widens the window past the screen.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import QDockWidget, QMainWindow, QTabBar, QTabWidget, QWidget

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

    def _close_requested(self, index: int) -> None:
        page = self.widget(index)
        for owner in self.main_window.findChildren(TabDock):
            if owner.page is page:
                owner.hide()


class TabDock(Dock):
    """A big view that opens as a central tab: the dock API for the features, a tab on screen."""

    def __init__(self, title: str, window: QMainWindow, tabs: CentralTabs) -> None:
        super().__init__(title, window)
        self.tabs = tabs
        self._open = False
        self._page: DockScroll | None = None
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
            self.tabs.setCurrentWidget(self._page)
        elif self._open:
            self._open = False
            index = self.tabs.indexOf(self._page)
            if index >= 0:
                self.tabs.removeTab(index)  # the page is kept, hidden, for the next opening
        else:
            return
        action = self.toggleViewAction()
        action.blockSignals(True)
        action.setChecked(self._open)
        action.blockSignals(False)
        self.visibilityChanged.emit(self._open)

    def isVisible(self) -> bool:
        return self._open

    def isVisibleTo(self, _ancestor: QWidget) -> bool:
        return self._open

    def isHidden(self) -> bool:
        return not self._open

    def raise_(self) -> None:
        if self._open and self._page is not None:
            self.tabs.setCurrentWidget(self._page)

    def isFloating(self) -> bool:
        return False

    def setFloating(self, _floating: bool) -> None:
        """A tab does not float; a saved layout or a feature asking for it opens the tab."""

    def _retitle(self, title: str) -> None:
        if self._open and self._page is not None:
            self.tabs.setTabText(self.tabs.indexOf(self._page), title)


def tab_docks(window: QMainWindow) -> list[TabDock]:
    return window.findChildren(TabDock)
