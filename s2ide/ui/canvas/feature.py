"""The canvas feature: shows the open sample in `window.view` and adds the view actions.

It listens to `context.sampleChanged`, decodes the image off the GUI thread (preview, then full
resolution) and shows a clear message on the canvas and in the status bar when a file cannot
be decoded. Fit (F), 1:1 (Ctrl+1 or =), zoom in and out live in the View menu and a tool bar.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QToolBar

from s2ide.core.errors import S2Error
from s2ide.ui.canvas.decode import Decoded
from s2ide.ui.canvas.loader import ImageLoader
from s2ide.ui.canvas.view import ImageView
from s2ide.ui.context import AppContext

if TYPE_CHECKING:
    from s2ide.ui.main_window import MainWindow


class CanvasImages(QObject):
    """Keeps `view` showing the image of the context's open sample."""

    def __init__(self, context: AppContext, view: ImageView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.view = view
        self.loader = ImageLoader(self)
        self.sample_id: int | None = None
        self.error: str | None = None
        self.loader.previewReady.connect(self._on_preview)
        self.loader.imageReady.connect(self._on_image)
        self.loader.failed.connect(self._on_failed)
        context.sampleChanged.connect(self.show_sample)
        context.projectChanged.connect(self._on_project)

    def show_sample(self, sample_id: int) -> None:
        self.error = None
        if sample_id < 0 or self.context.project is None:
            self.sample_id = None
            self.loader.wanted = None
            self.view.set_image(None)
            return
        self.sample_id = sample_id
        try:
            sample = self.context.store.samples.get(sample_id)
        except S2Error as exc:
            self._on_failed(sample_id, str(exc))
            return
        path = self.context.project.image_path(sample.path)
        if self.loader.request(sample_id, path) is None and self.sample_id == sample_id and self.error is None:
            self.view.set_image(None)  # nothing stale stays on screen while the new one decodes

    def _on_preview(self, sample_id: int, decoded: Decoded) -> None:
        if sample_id == self.sample_id:
            self.view.show_image(decoded.size, [], decoded.preview)

    def _on_image(self, sample_id: int, decoded: Decoded) -> None:
        if sample_id == self.sample_id:
            self.view.show_image(decoded.size, decoded.tiles, decoded.preview, keep_view=True)

    def _on_failed(self, sample_id: int, message: str) -> None:
        if sample_id != self.sample_id:
            return
        self.error = message
        self.view.set_image(None)
        self.view.show_message(f"Cannot show this image\n\n{message}")
        self.context.message(f"Cannot show sample {sample_id}: {message}", 0)

    def _on_project(self) -> None:
        self.loader.forget()

    def shutdown(self) -> None:
        self.loader.shutdown()


def _action(window: MainWindow, text: str, shortcuts: list[QKeySequence], slot, tip: str) -> QAction:
    action = QAction(text, window)
    action.setShortcuts(shortcuts)
    action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.setToolTip(f"{tip} ({' or '.join(s.toString() for s in shortcuts)})")
    action.triggered.connect(slot)
    window.addAction(action)
    return action


def add_view_actions(window: MainWindow, view: ImageView) -> QToolBar:
    actions = [
        _action(window, "Fit", [QKeySequence("F")], view.fit, "Fit the image in the window"),
        _action(window, "1:1", [QKeySequence("Ctrl+1"), QKeySequence("=")], view.actual_size, "Actual pixels"),
        _action(window, "Zoom in", [QKeySequence("Ctrl++"), QKeySequence("+")], view.zoom_in, "Zoom in"),
        _action(window, "Zoom out", [QKeySequence("Ctrl+-"), QKeySequence("-")], view.zoom_out, "Zoom out"),
    ]
    menu = window.menu("&View")
    toolbar = QToolBar("View", window)
    toolbar.setObjectName("toolbar_view")
    for action in actions:
        menu.addAction(action)
        toolbar.addAction(action)
    menu.addSeparator()
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
    return toolbar


def attach(window: MainWindow) -> None:
    images = CanvasImages(window.context, window.view, window)
    window.canvas_images = images  # type: ignore[attr-defined]
    add_view_actions(window, window.view)
    window.installEventFilter(_ShutdownOnClose(images, window))


class _ShutdownOnClose(QObject):
    """Waits for decode workers when the window closes, so no thread outlives it."""

    def __init__(self, images: CanvasImages, parent: QObject) -> None:
        super().__init__(parent)
        self.images = images

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Close:
            self.images.shutdown()
        return False
