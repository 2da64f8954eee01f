"""ImageLoader: decodes images off the GUI thread and keeps a small LRU of decoded ones.

`request(sample_id, path)` answers from the cache at once when it can (the next sample in
under 50 ms), else decodes in a worker: `previewReady` first for large images, then
`imageReady`. `prefetch(items)` decodes the next few samples ahead at low priority. Results
for samples no longer wanted are cached but not shown. Only QImage crosses threads (QPixmap
may not); the view paints QImages directly.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from s2ide.ui.canvas.decode import Decoded, DecodeError, decode, with_half_level

CACHE_BYTES = 400 * 1024 * 1024  # the open 8K image and the next one, or dozens of 1080p


class _Emitter(QObject):
    preview = Signal(int, int, object)  # sample id, ticket, Decoded
    done = Signal(int, int, object)
    failed = Signal(int, int, str)
    finished = Signal(int)  # ticket: the job is over (its last result, if any, came before)


class _DecodeJob(QRunnable):
    def __init__(self, sample_id: int, ticket: int, path: Path, want_preview: bool, emitter: _Emitter) -> None:
        super().__init__()
        self.sample_id = sample_id
        self.ticket = ticket
        self.path = path
        self.want_preview = want_preview
        self.emitter = emitter

    def run(self) -> None:
        try:
            self._run()
        finally:
            self.emitter.finished.emit(self.ticket)

    def _run(self) -> None:
        emitter = self.emitter
        try:
            on_preview = (
                (lambda decoded: emitter.preview.emit(self.sample_id, self.ticket, decoded))
                if self.want_preview
                else None
            )
            decoded = decode(self.path, on_preview)
        except DecodeError as exc:
            emitter.failed.emit(self.sample_id, self.ticket, str(exc))
        except MemoryError:
            emitter.failed.emit(self.sample_id, self.ticket, f"{self.path.name}: out of memory decoding it")
        except Exception as exc:  # a broken file must never take the app down
            emitter.failed.emit(self.sample_id, self.ticket, f"{self.path.name}: {type(exc).__name__}: {exc}")
        else:
            emitter.done.emit(self.sample_id, self.ticket, decoded)
            with_half = with_half_level(decoded)  # after the full image is on screen
            if with_half is not None:
                emitter.done.emit(self.sample_id, self.ticket, with_half)


class ImageLoader(QObject):
    previewReady = Signal(int, object)  # sample id, Decoded (preview only)
    imageReady = Signal(int, object)  # sample id, Decoded (full resolution)
    failed = Signal(int, str)  # sample id, a message naming the file and the problem

    def __init__(self, parent: QObject | None = None, cache_bytes: int = CACHE_BYTES) -> None:
        super().__init__(parent)
        # Requests and prefetches have a thread each, so a prefetch never delays what is asked for.
        # (A preview decoded beside its full decode, not before it, was tried: on two busy cores
        # the first view came later by half, for little gain in full resolution.)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._prefetch_pool = QThreadPool(self)
        self._prefetch_pool.setMaxThreadCount(1)
        self._emitter = _Emitter()
        self._emitter.preview.connect(self._on_preview)
        self._emitter.done.connect(self._on_done)
        self._emitter.failed.connect(self._on_failed)
        self._emitter.finished.connect(self._on_finished)
        self._cache: OrderedDict[int, Decoded] = OrderedDict()
        self._errors: dict[int, str] = {}
        self._cache_bytes = cache_bytes
        self._pending: dict[int, int] = {}  # sample id -> ticket of its job in flight
        self._prefetch_jobs: dict[int, _DecodeJob] = {}  # ticket -> job, alive until it reports
        self._deferred: list[tuple[int, Path]] = []
        self._requests: dict[int, int] = {}  # ticket of a requested decode -> its jobs still running
        self._closed = False
        self._tickets = 0
        self.wanted: int | None = None

    # -- asking ----------------------------------------------------------------------------
    def request(self, sample_id: int, path: Path) -> Decoded | None:
        """The decoded image now if cached (also emitted as imageReady), else None and decode it."""
        self.wanted = sample_id
        cached = self.cached(sample_id)
        if cached is not None:
            self.imageReady.emit(sample_id, cached)
            return cached
        if sample_id in self._errors:
            self.failed.emit(sample_id, self._errors[sample_id])
            return None
        ticket = self._pending.get(sample_id)
        job = self._prefetch_jobs.get(ticket) if ticket is not None else None
        if job is not None and self._prefetch_pool.tryTake(job):
            del self._prefetch_jobs[job.ticket]  # not started yet: decode it now, preview first
            del self._pending[sample_id]
        if sample_id not in self._pending and not self._closed:
            self._start(sample_id, path, want_preview=True, priority=10)
        return None

    def prefetch(self, items: list[tuple[int, Path]]) -> None:
        """Decode these ahead (in order) unless cached or on their way already; while an image
        that was asked for is still decoding, wait for it (both would share the same cores)."""
        if self._closed:
            return
        if self._requests:
            self._deferred = list(items)
            return
        self._deferred = []
        for rank, (sample_id, path) in enumerate(items):
            if sample_id in self._cache or sample_id in self._pending or sample_id in self._errors:
                continue
            self._start(sample_id, path, want_preview=False, priority=-rank)

    def cached(self, sample_id: int) -> Decoded | None:
        decoded = self._cache.get(sample_id)
        if decoded is not None:
            self._cache.move_to_end(sample_id)
        return decoded

    def forget(self, sample_id: int | None = None) -> None:
        """Drop cached images (all with None), e.g. when a project closes."""
        if sample_id is None:
            self._cache.clear()
            self._errors.clear()
        else:
            self._cache.pop(sample_id, None)
            self._errors.pop(sample_id, None)

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def wait(self, msecs: int = -1) -> bool:
        return bool(self._pool.waitForDone(msecs)) and bool(self._prefetch_pool.waitForDone(msecs))

    def shutdown(self) -> None:
        """Drop queued jobs and wait for running ones: no thread outlives the window."""
        self._closed = True
        for pool in (self._pool, self._prefetch_pool):
            pool.clear()
        for pool in (self._pool, self._prefetch_pool):
            pool.waitForDone()
        self._pending.clear()
        self._prefetch_jobs.clear()
        self._deferred = []
        self._requests.clear()

    # -- results (GUI thread) ----------------------------------------------------------------
    def _start(self, sample_id: int, path: Path, want_preview: bool, priority: int) -> None:
        self._tickets += 1
        self._pending[sample_id] = self._tickets
        job = _DecodeJob(sample_id, self._tickets, path, want_preview, self._emitter)
        if want_preview:
            self._requests[job.ticket] = 1
            self._pool.start(job, priority)
        else:
            job.setAutoDelete(False)  # kept so a request can take it back before it starts
            self._prefetch_jobs[job.ticket] = job
            self._prefetch_pool.start(job, priority)

    @Slot(int, int, object)
    def _on_preview(self, sample_id: int, ticket: int, decoded: Decoded) -> None:
        if sample_id == self.wanted and self._pending.get(sample_id) == ticket and sample_id not in self._cache:
            self.previewReady.emit(sample_id, decoded)

    @Slot(int, int, object)
    def _on_done(self, sample_id: int, ticket: int, decoded: Decoded) -> None:
        if self._pending.get(sample_id) == ticket:
            del self._pending[sample_id]
        self._store(sample_id, decoded)
        if sample_id == self.wanted:
            self.imageReady.emit(sample_id, decoded)

    @Slot(int, int, str)
    def _on_failed(self, sample_id: int, ticket: int, message: str) -> None:
        if self._pending.get(sample_id) == ticket:
            del self._pending[sample_id]
        self._errors[sample_id] = message
        if sample_id == self.wanted:
            self.failed.emit(sample_id, message)

    @Slot(int)
    def _on_finished(self, ticket: int) -> None:
        self._prefetch_jobs.pop(ticket, None)  # now the job may go
        if ticket in self._requests:
            self._requests[ticket] -= 1
            if self._requests[ticket] <= 0:
                del self._requests[ticket]
        if self._deferred and not self._requests:
            self.prefetch(self._deferred)

    def _store(self, sample_id: int, decoded: Decoded) -> None:
        self._cache[sample_id] = decoded
        self._cache.move_to_end(sample_id)
        total = sum(item.nbytes for item in self._cache.values())
        while total > self._cache_bytes and len(self._cache) > 1:
            _, dropped = self._cache.popitem(last=False)
            total -= dropped.nbytes
