"""View ▸ Theme: system, light or dark, for the whole window: docks, canvas chrome and plots.

Light and dark use Qt's Fusion style with a palette, so every widget follows; the canvas's
backdrop and any pyqtgraph plot (loaded or not yet) are set to match. The choice is a personal
setting (`theme`), applied at start-up.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QActionGroup, QColor, QPalette
from PySide6.QtWidgets import QApplication, QDockWidget, QStyleFactory

if TYPE_CHECKING:
    from s2ide.ui.shell.main_window import MainWindow

THEMES = ("system", "light", "dark")
SETTINGS_KEY = "theme"
CANVAS_BACKDROP = {"system": QColor(Qt.GlobalColor.darkGray), "light": QColor("#9a9a9a"), "dark": QColor("#1e1e1e")}
PLOT_COLORS = {"system": ("w", "#333"), "light": ("w", "#333"), "dark": ("#202124", "#ddd")}


def dark_palette() -> QPalette:
    palette = QPalette()
    roles = QPalette.ColorRole
    base, window, text = QColor("#232323"), QColor("#2d2d2d"), QColor("#e6e6e6")
    for role, color in (
        (roles.Window, window),
        (roles.WindowText, text),
        (roles.Base, base),
        (roles.AlternateBase, QColor("#2a2a2a")),
        (roles.ToolTipBase, QColor("#3a3a3a")),
        (roles.ToolTipText, text),
        (roles.PlaceholderText, QColor("#8a8a8a")),
        (roles.Text, text),
        (roles.Button, QColor("#353535")),
        (roles.ButtonText, text),
        (roles.BrightText, QColor("#ff6b6b")),
        (roles.Link, QColor("#6ab0ff")),
        (roles.Highlight, QColor("#2f6fb3")),
        (roles.HighlightedText, QColor("#ffffff")),
    ):
        palette.setColor(role, color)
    for role in (roles.Text, roles.WindowText, roles.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#777777"))
    return palette


class Theme(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        self.app = app
        self._system_style = app.style().name()
        self._system_palette = QPalette(app.palette())
        menu = window.menu("&View").addMenu("&Theme")
        group = QActionGroup(window)
        group.setExclusive(True)
        self.actions: dict[str, QAction] = {}
        for name in THEMES:
            action = QAction(name.capitalize(), window)
            action.setCheckable(True)
            action.triggered.connect(lambda _checked=False, n=name: self.apply(n))
            group.addAction(action)
            menu.addAction(action)
            self.actions[name] = action
        saved = window.context.settings.get(SETTINGS_KEY, "system")
        self.current = "system"
        self.actions["system"].setChecked(True)
        if saved in THEMES and saved != "system":  # the system look is there already: no restyling
            self.apply(saved, save=False)
        # Plot views load pyqtgraph (and its white default) when first shown: restyle them then.
        for dock in window.findChildren(QDockWidget):
            dock.visibilityChanged.connect(self._on_dock_shown)

    def _on_dock_shown(self, shown: bool) -> None:
        if shown and self.current != "system":
            self._style_plots(self.current)

    def apply(self, name: str, save: bool = True) -> None:
        if name not in THEMES:
            raise ValueError(f"unknown theme {name!r}")
        if name == "system":
            self.app.setStyle(QStyleFactory.create(self._system_style) or self.app.style())
            self.app.setPalette(self._system_palette)
        else:
            self.app.setStyle(QStyleFactory.create("Fusion") or self.app.style())
            self.app.setPalette(dark_palette() if name == "dark" else self.app.style().standardPalette())
        self.window.view.setBackgroundBrush(CANVAS_BACKDROP[name])
        self._style_plots(name)
        self.current = name
        self.actions[name].setChecked(True)
        if save:
            self.window.context.settings.set(SETTINGS_KEY, name)

    def _style_plots(self, name: str) -> None:
        """pyqtgraph, when a view has loaded it: new plots and the ones on screen."""
        pg = sys.modules.get("pyqtgraph")
        if pg is None:
            return
        background, foreground = PLOT_COLORS[name]
        pg.setConfigOptions(background=background, foreground=foreground)
        for view in self.window.findChildren(pg.GraphicsView):  # PlotWidget, GraphicsLayoutWidget
            view.setBackground(background)
            for item in view.scene().items():
                if isinstance(item, pg.AxisItem):
                    item.setPen(foreground)
                    item.setTextPen(foreground)
                elif isinstance(item, pg.LabelItem) and item.text:  # plot titles
                    item.setText(item.text, color=foreground)


def attach(window: MainWindow) -> None:
    window.theme = Theme(window)  # type: ignore[attr-defined]
