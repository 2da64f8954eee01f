"""CanvasImages: keeps the view showing the open sample's image, with viewing adjustments.

Decoding runs in the ImageLoader's workers (preview, then full resolution); a file that
cannot be decoded shows a clear message on the canvas and in the status bar instead.
Brightness, contrast and gamma are applied to the displayed copy only.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from s2ide.core.errors import S2Error
from s2ide.ui.canvas.adjust import apply_lut, make_lut
from s2ide.ui.canvas.decode import Decoded
from s2ide.ui.canvas.layers import Layers
from s2ide.ui.canvas.loader import ImageLoader
from s2ide.ui.canvas.view import ImageView
from s2ide.ui.context import AppContext


class CanvasImages(QObject):
    shown = Signal(int, bool)  # sample id, full resolution
    failedToShow = Signal(int, str)

    def __init__(self, context: AppContext, view: ImageView, layers: Layers, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.view = view
        self.layers = layers
        self.loader = ImageLoader(self)
        self.sample_id: int | None = None
        self.error: str | None = None
        self.decoded: Decoded | None = None
        self.loader.previewReady.connect(self._on_preview)
        self.loader.imageReady.connect(self._on_image)
        self.loader.failed.connect(self._on_failed)
        self._adjust_timer = QTimer(self)
        self._adjust_timer.setSingleShot(True)
        self._adjust_timer.setInterval(120)
        self._adjust_timer.timeout.connect(lambda: self._display(keep_view=True))
        layers.adjustmentsChanged.connect(self._on_adjustments)
        context.projectChanged.connect(self.loader.forget)

    def show_sample(self, sample_id: int | None) -> None:
        self.error = None
        self.decoded = None
        if sample_id is None or self.context.project is None:
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
            self.decoded = decoded
            self._display(keep_view=False)
            self.shown.emit(sample_id, False)

    def _on_image(self, sample_id: int, decoded: Decoded) -> None:
        if sample_id == self.sample_id:
            keep = self.decoded is not None and self.decoded.size == decoded.size
            self.decoded = decoded
            self._display(keep_view=keep)
            self.shown.emit(sample_id, True)

    def _display(self, keep_view: bool) -> None:
        decoded = self.decoded
        if decoded is None:
            return
        lut = make_lut(self.layers.brightness, self.layers.contrast, self.layers.gamma)
        tiles = [(rect, apply_lut(image, lut)) for rect, image in decoded.tiles]
        preview = apply_lut(decoded.preview, lut) if decoded.preview is not None else None
        self.view.show_image(decoded.size, tiles, preview, keep_view=keep_view)

    def _on_adjustments(self) -> None:
        decoded = self.decoded
        if decoded is not None and decoded.preview is not None and decoded.tiles:
            lut = make_lut(self.layers.brightness, self.layers.contrast, self.layers.gamma)
            self.view.show_image(decoded.size, [], apply_lut(decoded.preview, lut), keep_view=True)
        self._adjust_timer.start()

    def _on_failed(self, sample_id: int, message: str) -> None:
        if sample_id != self.sample_id:
            return
        self.error = message
        self.decoded = None
        self.view.set_image(None)
        self.view.show_message(f"Cannot show this image\n\n{message}\n\nSkip it with Ctrl+K.")
        self.context.message(f"Cannot show sample {sample_id}: {message}", 0)
        self.failedToShow.emit(sample_id, message)

    def shutdown(self) -> None:
        self.loader.shutdown()
