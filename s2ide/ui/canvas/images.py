"""CanvasImages: keeps the view showing the open sample's image, with viewing adjustments.

Decoding runs in the ImageLoader's workers (preview, then full resolution); a file that
cannot be decoded shows a clear message on the canvas and in the status bar instead.
Brightness, contrast and gamma are applied to the displayed copy only.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot
from PySide6.QtGui import QImage

from s2ide.core.errors import S2Error
from s2ide.ui.canvas.adjust import apply_lut, make_lut
from s2ide.ui.canvas.decode import Decoded
from s2ide.ui.canvas.layers import Layers
from s2ide.ui.canvas.loader import ImageLoader
from s2ide.ui.canvas.view import ImageView
from s2ide.ui.shell.context import AppContext

SYNC_ADJUST_PIXELS = 4_000_000  # above this, the full-size adjusted copy is made in a worker


class _AdjustEmitter(QObject):
    done = Signal(int, object, object)  # ticket, tiles, reduced


class _AdjustJob(QRunnable):
    def __init__(self, ticket: int, decoded: Decoded, lut, emitter: _AdjustEmitter) -> None:
        super().__init__()
        self.ticket, self.decoded, self.lut, self.emitter = ticket, decoded, lut, emitter

    def run(self) -> None:
        tiles = [(rect, apply_lut(image, self.lut)) for rect, image in self.decoded.tiles]
        reduced = [apply_lut(image, self.lut) for image in self.decoded.reduced]
        self.emitter.done.emit(self.ticket, tiles, reduced)


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
        self._adjust_pool = QThreadPool(self)
        self._adjust_pool.setMaxThreadCount(1)
        self._adjust_emitter = _AdjustEmitter()
        self._adjust_emitter.done.connect(self._on_adjusted)
        self._adjust_ticket = 0
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
            path = self.context.project.image_path(sample.path)  # a team project may lack this machine's mount
        except S2Error as exc:
            self._on_failed(sample_id, str(exc))
            return
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
        self._adjust_ticket += 1  # any adjustment still being made is for an older picture
        if decoded is None:
            return
        lut = make_lut(self.layers.brightness, self.layers.contrast, self.layers.gamma)
        pixels = decoded.size.width() * decoded.size.height()
        if lut is None or pixels <= SYNC_ADJUST_PIXELS or not decoded.tiles:
            tiles = [(rect, apply_lut(image, lut)) for rect, image in decoded.tiles]
            reduced = [apply_lut(image, lut) for image in decoded.reduced]
            self.view.show_image(decoded.size, tiles, reduced, keep_view=keep_view)
            return
        # A large image: the adjusted preview at once, the full size from a worker.
        preview = [apply_lut(decoded.preview, lut)] if decoded.preview is not None else []
        self.view.show_image(decoded.size, [], preview or None, keep_view=keep_view)
        self._adjust_pool.start(_AdjustJob(self._adjust_ticket, decoded, lut, self._adjust_emitter))

    @Slot(int, object, object)
    def _on_adjusted(self, ticket: int, tiles: list, reduced: list) -> None:
        if ticket == self._adjust_ticket and self.decoded is not None:
            self.view.show_image(self.decoded.size, tiles, reduced, keep_view=True)

    def _on_adjustments(self) -> None:
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
        self._adjust_pool.clear()
        self._adjust_pool.waitForDone()


def decoded_array(decoded: Decoded | None) -> np.ndarray | None:
    """The full-resolution tiles of a decoded image as one HxWx3 uint8 RGB array (None while only
    the preview is there): the pixels the selection tools work on."""
    if decoded is None or not decoded.tiles:
        return None
    size = decoded.size
    out = np.empty((size.height(), size.width(), 3), np.uint8)
    for rect, image in decoded.tiles:
        if image.format() not in (QImage.Format.Format_RGB32, QImage.Format.Format_ARGB32_Premultiplied):
            image = image.convertToFormat(QImage.Format.Format_RGB32)
        width, height, stride = image.width(), image.height(), image.bytesPerLine()
        raw = np.frombuffer(image.constBits(), np.uint8, count=stride * height).reshape(height, stride)  # type: ignore[call-overload]
        bgra = raw[:, : width * 4].reshape(height, width, 4)
        out[rect.y() : rect.y() + height, rect.x() : rect.x() + width] = bgra[:, :, 2::-1]
    return out
