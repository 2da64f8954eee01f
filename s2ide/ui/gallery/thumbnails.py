"""Lazy thumbnails for the gallery: an LRU of QPixmaps fed by a small background loader.

The delegate asks for a thumbnail only while painting, so only visible items are ever loaded.
Cached JPEGs (written at import) are read off the GUI thread; a missing one is rebuilt from
the image with `core.io.images.write_thumbnail`. Requests are served newest first and old ones
are dropped, so scrolling fast through 100,000 samples never builds a backlog.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage, QPixmap

from s2ide.core.errors import S2Error
from s2ide.core.io.images import write_thumbnail

CACHE_SIZE = 2000  # pixmaps kept in memory, each scaled to the cell: ~60 MB at most
DISPLAY_SIZE = 112  # the longest side a thumbnail is shown at (the delegate's cell)
MAX_PENDING = 256  # requests beyond this (scrolled away) are forgotten, oldest first
WORKERS = 2


class _Signals(QObject):
    loaded = Signal(str, QImage)  # sha256, image (null when it could not be read)


class _Drain(QRunnable):
    """Pops requests until none are left; a few of these run at a time."""

    def __init__(self, loader: ThumbnailLoader) -> None:
        super().__init__()
        self.loader = loader

    def run(self) -> None:
        while True:
            job = self.loader._pop()
            if job is None:
                return
            sha256, source, target = job
            image = load_thumbnail(source, target, self.loader.display_size)
            try:
                self.loader._signals.loaded.emit(sha256, image)
            except RuntimeError:  # the loader went away with its window: nobody to tell
                return


def load_thumbnail(source: Path, target: Path, display_size: int = DISPLAY_SIZE) -> QImage:
    """Read the cached thumbnail (rebuilt first when missing) scaled to the size it is shown at,
    smoothly and off the GUI thread; a null image when impossible."""
    if not target.is_file():
        try:
            write_thumbnail(source, target)
        except (S2Error, OSError):
            return QImage()
    image = QImage(str(target))
    if image.isNull() or max(image.width(), image.height()) <= display_size:
        return image
    return image.scaled(
        display_size,
        display_size,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )


class ThumbnailLoader(QObject):
    """`pixmap(sha256, source, target)` returns a cached pixmap or None and queues the load;
    `ready(sha256)` fires on the GUI thread when it arrives."""

    ready = Signal(str)

    def __init__(
        self, parent: QObject | None = None, cache_size: int = CACHE_SIZE, display_size: int = DISPLAY_SIZE
    ) -> None:
        super().__init__(parent)
        self.display_size = display_size
        self._cache: OrderedDict[str, QPixmap] = OrderedDict()
        self._failed: set[str] = set()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._pending: OrderedDict[str, tuple[Path, Path]] = OrderedDict()
        self._in_flight: set[str] = set()
        self._running = 0
        self._closed = False
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(WORKERS)
        self._pool.setExpiryTimeout(2000)
        self._signals = _Signals(self)
        self._signals.loaded.connect(self._on_loaded)

    def pixmap(self, sha256: str, source: Path, target: Path) -> QPixmap | None:
        found = self._cache.get(sha256)
        if found is not None:
            self._cache.move_to_end(sha256)
            return found
        if sha256 not in self._failed:
            self._request(sha256, source, target)
        return None

    def failed(self, sha256: str) -> bool:
        return sha256 in self._failed

    def _request(self, sha256: str, source: Path, target: Path) -> None:
        with self._lock:
            if self._closed or sha256 in self._in_flight:
                return
            self._pending[sha256] = (source, target)
            self._pending.move_to_end(sha256)
            while len(self._pending) > MAX_PENDING:
                self._pending.popitem(last=False)
            start = self._running < WORKERS
            if start:
                self._running += 1
        if start:
            self._pool.start(_Drain(self))

    def _pop(self) -> tuple[str, Path, Path] | None:
        with self._lock:
            if self._closed or not self._pending:
                self._running -= 1
                return None
            sha256, (source, target) = self._pending.popitem(last=True)
            self._in_flight.add(sha256)
            return sha256, source, target

    def _on_loaded(self, sha256: str, image: QImage) -> None:
        with self._lock:
            self._in_flight.discard(sha256)
        if image.isNull():
            self._failed.add(sha256)
        else:
            self._cache[sha256] = QPixmap.fromImage(image)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        self.ready.emit(sha256)

    def clear(self) -> None:
        """Forget everything (another project was opened)."""
        with self._lock:
            self._pending.clear()
        self._cache.clear()
        self._failed.clear()

    def shutdown(self) -> None:
        """Drop queued work and wait for the loads in progress: no thread outlives the window."""
        with self._lock:
            self._closed = True
            self._pending.clear()
        self._pool.waitForDone()
        self._pool.clear()

    def wait_idle(self, msecs: int = 5000) -> bool:
        """Wait for the queued loads (tests and benchmarks)."""
        return bool(self._pool.waitForDone(msecs))
