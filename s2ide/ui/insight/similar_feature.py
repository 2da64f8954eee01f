"""Find similar in the app: the Similar dock, its key and right-click entries, the priority slice
in Next, and the background work that keeps search ready (cheap embeddings after an import,
the approximate index on large projects).

Any view asks through `AppContext.find_similar(ids, mode)`; this feature answers in its dock.
In detect and segment projects the canvas also searches by a region: the selected shape's box
(right-click it) or a box dragged after "Find similar to a region" (Ctrl+Shift+R).
Next serves the priority slice (samples a lead sent to the front from the results) before
whatever the providers under it would choose.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPoint, QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMenu

from s2ide.core.engine import ann_index, cheap_embedding
from s2ide.core.engine.priority import pending
from s2ide.core.engine.similarity import current_source
from s2ide.core.labeling.done import is_shape_task
from s2ide.core.project import Project
from s2ide.core.tasks import TaskState
from s2ide.ui.insight.region_picker import RegionPicker
from s2ide.ui.insight.similar_view import SimilarView
from s2ide.ui.shell.context import AppContext, NextProvider
from s2ide.ui.shell.workers import TaskRunner

if TYPE_CHECKING:
    from s2ide.ui.shell.main_window import MainWindow

FIND_SIMILAR_KEY = "Ctrl+Shift+F"
FIND_REGION_KEY = "Ctrl+Shift+R"
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
        self.region_action = QAction("Find similar to a &region…", window)
        self.region_action.setShortcut(QKeySequence(FIND_REGION_KEY))
        self.region_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.region_action.setToolTip(f"Drag a box on the canvas: samples holding what it holds ({FIND_REGION_KEY})")
        self.region_action.triggered.connect(self.pick_region)
        window.addAction(self.region_action)
        menu = window.menu("&Model")
        menu.addSeparator()
        menu.addAction(self.action)
        menu.addAction(self.region_action)
        show = QAction("Similar view", window)
        show.triggered.connect(self.raise_dock)
        menu.addAction(show)
        # right-click on the canvas
        window.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        window.view.customContextMenuRequested.connect(self._canvas_menu)
        canvas_feature = getattr(window, "canvas_feature", None)
        self.canvas = None if canvas_feature is None else canvas_feature.canvas
        self.picker: RegionPicker | None = None
        if self.canvas is not None:
            self.canvas.menu_hooks.append(self._canvas_entries)
            self.picker = RegionPicker(self.canvas, self)
            self.picker.picked.connect(self.search_region)

        context.findSimilarRequested.connect(self.search)
        context.set_next_provider(PriorityFirst(context.next_provider))
        for signal in (context.projectChanged, context.samplesChanged, context.predictionsChanged):
            signal.connect(self.schedule)
        context.projectChanged.connect(self._on_project)
        window.closing.connect(self.timer.stop)
        self._on_project()
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
        if self._regions_apply():
            menu.addAction(self.region_action)
        menu.popup(self.window.view.viewport().mapToGlobal(pos))

    def _on_project(self) -> None:
        """Regions are searched in detect and segment projects; a new project disarms the drag."""
        self.region_action.setEnabled(self._regions_apply())
        if self.picker is not None:
            self.picker.cancel()

    def _regions_apply(self) -> bool:
        project = self.context.project
        return project is not None and is_shape_task(project.task)

    def _canvas_entries(self, menu: QMenu, _pos: QPointF) -> None:
        """The canvas's right-click menu: Find similar, and in detect/segment projects by region."""
        if self.context.project is None or self.context.current_sample_id is None:
            return
        menu.addSeparator()
        menu.addAction(self.action)
        if not self._regions_apply():
            return
        box = self.selection_box()
        if box is not None:
            menu.addAction("Find similar to this shape's region", lambda: self.search_region(-1, box))
        menu.addAction(self.region_action)

    def selection_box(self) -> tuple[float, float, float, float] | None:
        """(x, y, w, h) around the canvas's selected shapes, None when nothing is selected."""
        canvas = self.canvas
        if canvas is None or not canvas.selection:
            return None
        rect = QRectF()
        for annotation_id in canvas.selection:
            item = canvas.items.get(annotation_id)
            if item is not None:
                rect = rect.united(item.sceneBoundingRect())
        if rect.isEmpty():
            return None
        return (rect.x(), rect.y(), rect.width(), rect.height())

    def pick_region(self) -> None:
        """Arm the canvas for one dragged box (detect and segment projects)."""
        if not self._regions_apply():
            self.context.message("Find similar to a region works in detect and segment projects")
            return
        if self.picker is not None:
            self.picker.start()

    def search_region(self, sample_id: int, box: object) -> None:
        """Search by a box of a sample (-1: the open one)."""
        if sample_id < 0:
            sample_id = self.context.current_sample_id if self.context.current_sample_id is not None else -1
        if sample_id < 0 or not isinstance(box, tuple):
            return
        self.raise_dock()
        self.view.search_region(sample_id, box)

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
