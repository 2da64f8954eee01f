"""View ▸ Theme: dark and light palettes for the window, the canvas backdrop and plots; remembered."""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import QT_LOG_MARKS

pytestmark = QT_LOG_MARKS


def test_dark_theme_applies_everywhere_and_is_remembered(qtbot, window):
    theme = window.theme
    try:
        theme.actions["dark"].trigger()
        palette = QApplication.instance().palette()
        assert palette.color(QPalette.ColorRole.Window).lightness() < 80
        assert window.view.backgroundBrush().color().lightness() < 50
        assert window.context.settings.get("theme") == "dark"
        docks = {d.windowTitle(): d for d in window.findChildren(type(window.foundation.gallery_dock))}
        docks["Dataset"].show()
        docks["Dataset"].raise_()
        import pyqtgraph as pg

        qtbot.waitUntil(lambda: bool(window.findChildren(pg.GraphicsView)))
        theme._style_plots("dark")
        plot = window.findChildren(pg.GraphicsView)[0]
        assert plot.backgroundBrush().color().lightness() < 60
        theme.actions["light"].trigger()
        assert QApplication.instance().palette().color(QPalette.ColorRole.Window).lightness() > 180
    finally:
        theme.apply("system")
    assert window.context.settings.get("theme") == "system"
