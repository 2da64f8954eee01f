"""Prefetch: decode the next samples' images and load their annotations before they are asked for.

What comes next is guessed from the gallery's order without asking the next-provider (which
may have side effects): the next few untagged samples after the open one, plus its direct
neighbours. Images go to the ImageLoader's LRU; annotation documents to a small LRU here,
loaded in a worker with its own store connection. A document is dropped when someone else
changes that sample's annotations.
"""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from s2ide.core.document import SampleDocument
from s2ide.core.errors import S2Error
from s2ide.core.project import Project
from s2ide.ui.canvas.loader import ImageLoader
from s2ide.ui.context import AppContext

AHEAD_UNLABELED = 3
NEIGHBOURS = 1
KEEP_DOCUMENTS = 8


class _DocEmitter(QObject):
    loaded = Signal(int, int, object)  # sample id, generation, SampleDocument


class _DocJob(QRunnable):
    def __init__(self, project: Project, sample_ids: list[int], generation: int, emitter: _DocEmitter) -> None:
        super().__init__()
        self.project = project
        self.sample_ids = sample_ids
        self.generation = generation
        self.emitter = emitter

    def run(self) -> None:
        store = self.project.connect()
        try:
            for sample_id in self.sample_ids:
                try:
                    doc = SampleDocument.load(store, sample_id)
                except S2Error:
                    continue  # the canvas reports it when the sample is opened
                self.emitter.loaded.emit(sample_id, self.generation, doc)
        finally:
            store.close()


class Prefetcher(QObject):
    def __init__(self, context: AppContext, loader: ImageLoader, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.loader = loader
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._emitter = _DocEmitter()
        self._emitter.loaded.connect(self._on_loaded)
        self._docs: OrderedDict[int, SampleDocument] = OrderedDict()
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
        self.loader.prefetch([(i, project.image_path(paths[i])) for i in ids if i in paths])
        missing = [i for i in ids if i not in self._docs]
        if missing:
            self._pool.start(_DocJob(project, missing, self._generation, self._emitter))
        return ids

    def take(self, sample_id: int) -> SampleDocument | None:
        """The prefetched document of `sample_id` (removed: the canvas owns it from now on)."""
        return self._docs.pop(sample_id, None)

    def give_back(self, doc: SampleDocument) -> None:
        """A document the canvas leaves: it is current, keep it for going back."""
        self._remember(doc.sample_id, doc)

    @Slot(int, int, object)
    def _on_loaded(self, sample_id: int, generation: int, doc: SampleDocument) -> None:
        if generation == self._generation and sample_id != self.context.current_sample_id:
            self._remember(sample_id, doc)

    def _remember(self, sample_id: int, doc: SampleDocument) -> None:
        self._docs[sample_id] = doc
        self._docs.move_to_end(sample_id)
        while len(self._docs) > KEEP_DOCUMENTS:
            self._docs.popitem(last=False)

    def _on_annotations(self, sample_id: int) -> None:
        if sample_id != self.context.current_sample_id:
            self._docs.pop(sample_id, None)
            self._generation += 1  # a document loading now may predate this change

    def forget(self) -> None:
        self._generation += 1
        self._docs.clear()

    def shutdown(self) -> None:
        self._closed = True
        self.loader.shutdown()
        self._pool.clear()
        self._pool.waitForDone()
