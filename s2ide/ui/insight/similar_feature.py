"""Find similar in the app: the Similar dock, its key and right-click entries, the priority slice
in Next, and the background work that keeps search ready (cheap embeddings after an import,
the approximate index on large projects).

Any view asks through `AppContext.find_similar(ids, mode)`; this feature answers in its dock.
Next serves the priority slice (samples a lead sent to the front from the results) before
whatever the providers under it would choose.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPoint, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMenu

from s2ide.core.engine import ann_index, cheap_embedding
from s2ide.core.engine.priority import pending
from s2ide.core.engine.similarity import current_source
from s2ide.core.project import Project
from s2ide.core.tasks import TaskState
from s2ide.ui.insight.similar_view import SimilarView
from s2ide.ui.shell.context import AppContext, NextProvider
from s2ide.ui.shell.workers import TaskRunner

if TYPE_CHECKING:
    from s2ide.ui.shell.main_window import MainWindow

FIND_SIMILAR_KEY = "Ctrl+Shift+F"
BACKGROUND_DELAY_MS = 1500  # after an import settles, before the embeddings start


class PriorityFirst:
    """Next: the priority slice's samples still to label, in order, then the wrapped provider."""

    def __init__(self, fallback: NextProvider | None) -> None:
        self.fallback = fallback

    def __call__(self, context: AppContext, current: int | None) -> int | None:
        if context.project is not None:
            for sample_id, _path in pending(context.store):
                if sample_id != current:
                    return sample_id
        return None if self.fallback is None else self.fallback(context, current)


def _background_job(project: Project) -> object:
    def job(state: TaskState) -> str:
        store = project.connect()
        try:
            source, _stamp = current_source(store)
            need_cheap = source == cheap_embedding.KIND and store.vectors.count(source) < store.samples.count()
            large = store.samples.count() >= ann_index.INDEX_THRESHOLD
        finally:
            store.close()
        done = []
        if need_cheap:
            result = cheap_embedding.compute_missing(project, state)
            done.append(f"embedded {result.computed} images for Find similar")
            if result.skipped:
                done.append(f"{len(result.skipped)} unreadable")
        if large:
            store = project.connect()
            try:
                from s2ide.core.engine.similarity import load_vectors

                vectors = load_vectors(store)
            finally:
                store.close()
            if ann_index.needs_index(vectors) and ann_index.open_index(project, vectors) is None:
                ann_index.build_index(project, state)
                done.append("similarity index built")
        return "; ".join(done)

    return job


class SimilarFeature(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.context = context = window.context
        self.view = SimilarView(context)
        right = Qt.DockWidgetArea.RightDockWidgetArea
        neighbour = window.findChild(QDockWidget, "dock_embeddings")
        self.dock = window.add_dock(self.view, "Similar", right, tabify_with=neighbour, visible=False)
        window.runners.append(self.view.runner)
        self.background = window.add_task(TaskRunner(window))
        self.background.finished.connect(self._done)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(BACKGROUND_DELAY_MS)
        self.timer.timeout.connect(self.prepare)

        self.action = QAction("Find &similar", window)
        self.action.setShortcut(QKeySequence(FIND_SIMILAR_KEY))
        self.action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.action.setToolTip(f"Samples that look like the open one ({FIND_SIMILAR_KEY})")
        self.action.triggered.connect(self.find_current)
        window.addAction(self.action)
        menu = window.menu("&Model")
        menu.addSeparator()
        menu.addAction(self.action)
        show = QAction("Similar view", window)
        show.triggered.connect(self.raise_dock)
        menu.addAction(show)
        # right-click on the canvas
        window.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        window.view.customContextMenuRequested.connect(self._canvas_menu)

        context.findSimilarRequested.connect(self.search)
        context.set_next_provider(PriorityFirst(context.next_provider))
        for signal in (context.projectChanged, context.samplesChanged, context.predictionsChanged):
            signal.connect(self.schedule)
        window.closing.connect(self.timer.stop)
        self.schedule()

    def _done(self, text: object) -> None:
        if text:
            self.context.message(str(text))

    def raise_dock(self) -> None:
        self.dock.show()
        self.dock.raise_()

    def search(self, ids: list[int], mode: str) -> None:
        self.raise_dock()
        self.view.search(ids, mode)

    def find_current(self) -> None:
        sample_id = self.context.current_sample_id
        if self.context.project is None or sample_id is None:
            self.context.message("Open a sample first, then Find similar.")
            return
        self.context.find_similar([sample_id])

    def _canvas_menu(self, pos: QPoint) -> None:
        if self.context.project is None or self.context.current_sample_id is None:
            return
        menu = QMenu(self.window)
        menu.addAction(self.action)
        menu.popup(self.window.view.viewport().mapToGlobal(pos))

    # -- background ------------------------------------------------------------------------
    def schedule(self) -> None:
        if self.context.project is not None:
            self.timer.start()

    def prepare(self) -> None:
        """Embed new images (no model yet) and build the index of a large project, off the GUI thread."""
        project = self.context.project
        if project is None or self.background.running:
            return
        self.background.start(_background_job(project), "preparing Find similar")  # type: ignore[arg-type]


def attach(window: MainWindow) -> None:
    window.similar = SimilarFeature(window)  # type: ignore[attr-defined]
