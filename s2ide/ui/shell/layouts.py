"""Window layouts kept per project and role, a reset to the default, and fitting the screen.

A lead's queue-heavy layout must not follow a labeler onto another project: layouts are saved
under "<project>|<role>" in the personal settings (the old single `window_layout` is read only
when nothing more specific exists). Big views (plots, tables, the queue) open as tabs beside the
canvas (central_tabs.py) instead of squeezing it, and every dock's content sits in a scroll area
so a dock can always be narrowed.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QScrollArea, QWidget

LEGACY_KEY = "window_layout"
LAYOUTS_KEY = "window_layouts"
# Views that need room: they open as tabs beside the canvas (ui/shell/central_tabs.py), never
# squeezing it.
BIG_VIEWS = frozenset(
    {
        "Dataset",
        "Evaluation",
        "Mispredictions",
        "Label errors",
        "Embeddings",
        "Model tests",
        "Checks",
        "Audit",
        "Escalations",
        "Labeling time",
        "Team",
    }
)
DOCK_MIN_WIDTH = 80
WIDE_SCREEN = 1600  # narrower screens (1366, 1440, 1536) get the narrow side panels
NARROW_GALLERY, WIDE_GALLERY = 268, 392  # two or three thumbnails a row
RIGHT_COLUMN = 300  # room for the right-hand tab stack's titles (Layers, Objects, Training, Guidelines)


def layout_key(project: str | None, role: str | None) -> str | None:
    return None if project is None else f"{project}|{role or 'nobody'}"


def saved_layout(settings: Any, key: str | None) -> dict | None:
    layouts = settings.get(LAYOUTS_KEY, {})
    found = layouts.get(key) if isinstance(layouts, dict) and key is not None else None
    if isinstance(found, dict):
        return found
    legacy = settings.get(LEGACY_KEY)
    return legacy if key is None and isinstance(legacy, dict) else None


def store_layout(settings: Any, key: str | None, value: dict | None) -> None:
    if key is None:
        if value is not None:
            settings.set(LEGACY_KEY, value)
        return
    layouts = dict(settings.get(LAYOUTS_KEY, {}) or {})
    if value is None:
        layouts.pop(key, None)
    else:
        layouts[key] = value
    settings.set(LAYOUTS_KEY, layouts)


def encode(data: QByteArray) -> str:
    return bytes(data.toBase64().data()).decode("ascii")


def decode(text: object) -> QByteArray:
    return QByteArray.fromBase64(str(text).encode("ascii"))


class DockScroll(QScrollArea):
    """A dock's content in a frameless scroll area: the dock narrows below the content's minimum."""

    def __init__(self, content: QWidget) -> None:
        super().__init__()
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(True)
        self.setWidget(content)
        self.setMinimumWidth(DOCK_MIN_WIDTH)


class Dock(QDockWidget):
    """A dock whose `widget()` is the content itself, though a DockScroll holds it."""

    def set_content(self, content: QWidget) -> None:
        self._content = content
        self.setWidget(DockScroll(content))

    def widget(self) -> QWidget:  # type: ignore[override]
        return getattr(self, "_content", None) or super().widget()


def wrap_toolbars_to_fit(window: QMainWindow, width: int) -> None:
    """On a narrow screen the top tool bars (each with its own minimum) would add up past the
    screen: start a new row before one of them, then the next, until the window fits."""
    from PySide6.QtWidgets import QToolBar

    top = [
        bar
        for bar in window.findChildren(QToolBar)
        if bar.isVisible() and window.toolBarArea(bar) == Qt.ToolBarArea.TopToolBarArea
    ]
    top.sort(key=lambda bar: (bar.y(), bar.x()))
    for bar in top[1:]:
        if window.minimumSizeHint().width() <= width:
            return
        if not window.toolBarBreak(bar):
            window.insertToolBarBreak(bar)
            layout = window.layout()
            if layout is not None:
                layout.activate()


def size_side_docks(window: QMainWindow, screen_width: int) -> None:
    """On a laptop screen the side panels take their narrow widths (two thumbnails a row in
    the gallery), so the canvas keeps over half the window; wider screens get three a row."""
    docks = {d.objectName(): d for d in window.findChildren(QDockWidget)}
    narrow = screen_width < WIDE_SCREEN
    pairs = [
        (docks.get("dock_gallery"), NARROW_GALLERY if narrow else WIDE_GALLERY),
        (docks.get("dock_labels"), RIGHT_COLUMN),
    ]
    kept = [(dock, width) for dock, width in pairs if dock is not None and not dock.isFloating()]
    if kept:
        window.resizeDocks([d for d, _w in kept], [w for _d, w in kept], Qt.Orientation.Horizontal)


def clamp_to_screen(window: QMainWindow) -> None:
    """The window never grows past the screen's available geometry (nor hangs off it)."""
    available = window.screen().availableGeometry()
    wrap_toolbars_to_fit(window, available.width())
    window.setMaximumSize(available.size())
    frame = window.frameGeometry()
    extra_w = max(0, frame.width() - window.width())
    extra_h = max(0, frame.height() - window.height())
    width = min(window.width(), available.width() - extra_w)
    height = min(window.height(), available.height() - extra_h)
    if (width, height) != (window.width(), window.height()):
        window.resize(width, height)
    geometry = window.frameGeometry()
    x = min(max(geometry.x(), available.x()), available.right() - geometry.width() + 1)
    y = min(max(geometry.y(), available.y()), available.bottom() - geometry.height() + 1)
    if (x, y) != (geometry.x(), geometry.y()):
        window.move(x, y)
