"""Prefetch: decode the next samples' images and load their annotations before they are asked for.

What comes next is guessed from the gallery's order without asking the next-provider (which
may have side effects): the next few untagged samples after the open one, plus its direct
neighbours. Images go to the ImageLoader's LRU; annotation documents to a small LRU here,
loaded in a worker with its own store connection. A document is dropped when someone else
changes that sample's annotations.

`request(sample_id)` loads one document now, on a thread of its own, for a sample the canvas
opens without a prefetched document whose masks take long to decode (a few 8K layers take
hundreds of milliseconds): the answer comes back as `documentReady` or `documentFailed`.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from s2ide.core.errors import S2Error
from s2ide.core.labeling.document import SampleDocument
from s2ide.core.labeling.tiles import color_tiles, opaque_argb
from s2ide.core.project import Project
from s2ide.core.store import Store
from s2ide.ui.canvas.items.mask import PreparedTiles
from s2ide.ui.canvas.loader import ImageLoader
from s2ide.ui.shell.context import AppContext

AHEAD_UNLABELED = 3
NEIGHBOURS = 1
KEEP_DOCUMENTS = 8
# colored tiles take 4 bytes a painted pixel: cached entries keep theirs within this budget,
# newest first; an older entry keeps its document and recolors its masks when shown
TILE_BUDGET_BYTES = 256 * 2**20


@dataclass
class Loaded:
    """A sample's annotations ready to show: the document and its mask layers' colored tiles
    (label id -> tiles), made off the GUI thread so showing a large mask costs no recoloring."""

    doc: SampleDocument
    tiles: dict[int, PreparedTiles] = field(default_factory=dict)

    def tile_bytes(self) -> int:
        return sum(pixels.nbytes for _argb, tiles in self.tiles.values() for pixels in tiles.values())


def load_for_canvas(store: Store, sample_id: int) -> Loaded:
    """Read and decode a sample's annotations and color its masks' tiles (worker side)."""
    doc = SampleDocument.load(store, sample_id)
    tiles: dict[int, PreparedTiles] = {}
    if doc.masks:
        colors = {label.id: opaque_argb(label.color) for label in store.labels.list()}
        for label_id, layer in doc.masks.items():
            argb = colors.get(label_id)
            if argb is not None:
                tiles[label_id] = (argb, color_tiles(layer.array, argb))
    return Loaded(doc, tiles)


class _DocEmitter(QObject):
    loaded = Signal(int, int, object)  # sample id, generation, Loaded
    answered = Signal(int, int, object)  # sample id, ticket, Loaded or the error's text


class _DocJob(QRunnable):
    def __init__(
        self, project: Project, sample_ids: list[int], generation: int, emitter: _DocEmitter, requested: bool = False
    ) -> None:
        super().__init__()
        self.project = project
        self.sample_ids = sample_ids
        self.generation = generation
        self.emitter = emitter
        self.requested = requested  # asked for by the canvas: errors are answers too

    def run(self) -> None:
        store = self.project.connect()
        try:
            for sample_id in self.sample_ids:
                try:
                    loaded = load_for_canvas(store, sample_id)
                except S2Error as exc:
                    if self.requested:
                        self.emitter.answered.emit(sample_id, self.generation, str(exc))
                    continue  # a prefetch leaves the report to the canvas when the sample opens
                signal = self.emitter.answered if self.requested else self.emitter.loaded
                signal.emit(sample_id, self.generation, loaded)
        finally:
            store.close()


class Prefetcher(QObject):
    documentReady = Signal(int, object)  # sample id, Loaded: the answer to request()
    documentFailed = Signal(int, str)  # sample id, what is wrong with its annotations

    def __init__(self, context: AppContext, loader: ImageLoader, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.loader = loader
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._request_pool = QThreadPool(self)  # its own thread: never queued behind prefetches
        self._request_pool.setMaxThreadCount(1)
        self._emitter = _DocEmitter()
        self._emitter.loaded.connect(self._on_loaded)
        self._emitter.answered.connect(self._on_answered)
        self._ticket = 0
        self._requested: tuple[int, int] | None = None  # sample id, ticket of the open request
        self._docs: OrderedDict[int, Loaded] = OrderedDict()
        self._generation = 0
        self._closed = False
        context.annotationsChanged.connect(self._on_annotations)
        context.projectChanged.connect(self.forget)

    def upcoming(self, sample_id: int) -> list[int]:
        overlays = self.context.store.overlays
        ahead = overlays.ids_after(sample_id, AHEAD_UNLABELED, unlabeled_only=True)
        around = overlays.ids_after(sample_id, NEIGHBOURS) + overlays.ids_before(sample_id, NEIGHBOURS)
        return list(dict.fromkeys(ahead[:1] + around[:1] + ahead[1:] + around[1:]))

    def prefetch_after(self, sample_id: int) -> list[int]:
        """Start decoding and loading what is likely to come after `sample_id`; the ids chosen."""
        project = self.context.project
        if project is None or self._closed:
            return []
        ids = self.upcoming(sample_id)
        paths = self.context.store.overlays.paths(ids)
        try:
            self.loader.prefetch([(i, project.image_path(paths[i])) for i in ids if i in paths])
        except S2Error:  # no media root on this machine: the open sample already says so
            pass
        missing = [i for i in ids if i not in self._docs]
        if missing:
            self._pool.start(_DocJob(project, missing, self._generation, self._emitter))
        return ids

    def request(self, sample_id: int) -> None:
        """Load `sample_id`'s document in a worker now; the answer replaces any earlier request."""
        project = self.context.project
        if project is None or self._closed:
            return
        self._ticket += 1
        self._requested = (sample_id, self._ticket)
        self._request_pool.start(_DocJob(project, [sample_id], self._ticket, self._emitter, requested=True))

    def cancel_request(self) -> None:
        """The canvas no longer waits: a late answer is dropped."""
        self._requested = None

    def take(self, sample_id: int) -> Loaded | None:
        """What was prefetched for `sample_id` (removed: the canvas owns it from now on)."""
        return self._docs.pop(sample_id, None)

    def give_back(self, doc: SampleDocument, tiles: dict[int, PreparedTiles] | None = None) -> None:
        """A document the canvas leaves, with its mask tiles: it is current, keep it for going back."""
        self._remember(doc.sample_id, Loaded(doc, tiles or {}))

    @Slot(int, int, object)
    def _on_loaded(self, sample_id: int, generation: int, loaded: Loaded) -> None:
        if generation == self._generation and sample_id != self.context.current_sample_id:
            self._remember(sample_id, loaded)

    @Slot(int, int, object)
    def _on_answered(self, sample_id: int, ticket: int, result: object) -> None:
        if self._requested != (sample_id, ticket):
            return  # superseded, cancelled, or read before a change to the sample
        self._requested = None
        if isinstance(result, Loaded):
            self.documentReady.emit(sample_id, result)
        else:
            self.documentFailed.emit(sample_id, str(result))

    def _remember(self, sample_id: int, loaded: Loaded) -> None:
        self._docs[sample_id] = loaded
        self._docs.move_to_end(sample_id)
        while len(self._docs) > KEEP_DOCUMENTS:
            self._docs.popitem(last=False)
        used = 0
        for entry in reversed(self._docs.values()):
            size = entry.tile_bytes()
            if used + size > TILE_BUDGET_BYTES:
                entry.tiles = {}
            else:
                used += size

    def _on_annotations(self, sample_id: int) -> None:
        if self._requested is not None and self._requested[0] == sample_id:
            self.request(sample_id)  # the load under way may predate this change: read again
        if sample_id != self.context.current_sample_id:
            self._docs.pop(sample_id, None)
            self._generation += 1  # a document loading now may predate this change

    def forget(self) -> None:
        self._generation += 1
        self._docs.clear()
        self._requested = None

    def shutdown(self) -> None:
        self._closed = True
        self.loader.shutdown()
        self._requested = None
        for pool in (self._pool, self._request_pool):
            pool.clear()
            pool.waitForDone()
