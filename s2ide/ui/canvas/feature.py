"""The canvas feature: the open sample's image and annotations in `window.view`, the drawing
tools, the layers dock, undo/redo, prefetch of the next samples, and Skip for bad images.

It listens to `context.sampleChanged`; the image decodes off the GUI thread (preview, then
full resolution) while the annotations come from a prefetched document, from the store, or,
when the sample's masks are large, from a worker while the canvas waits without blocking.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QColor, QCursor, QIcon, QKeySequence, QPixmap
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLabel, QToolBar

from s2ide.core.engine.prelabel_threshold import effective_threshold
from s2ide.core.errors import S2Error
from s2ide.core.labeling.document import SampleDocument
from s2ide.core.labeling.done import is_shape_task, mark_done
from s2ide.core.labeling.skip import skip_sample
from s2ide.ui.canvas.canvas import AnnotationCanvas
from s2ide.ui.canvas.canvas_input import CanvasInput
from s2ide.ui.canvas.images import CanvasImages, decoded_array
from s2ide.ui.canvas.layers import Layers, LayersPanel
from s2ide.ui.canvas.minimap import Minimap
from s2ide.ui.canvas.prefetch import Loaded, Prefetcher
from s2ide.ui.canvas.settings_dialog import CanvasSettingsDialog
from s2ide.ui.canvas.shortcuts import Shortcuts
from s2ide.ui.canvas.tools.base import ToolKind
from s2ide.ui.canvas.tools.refine import refine_target
from s2ide.ui.shell.context import AppContext

if TYPE_CHECKING:
    from s2ide.ui.shell.main_window import MainWindow

# masks up to this many pixels decode on the GUI thread (about 15 ms); larger ones in a worker
DECODE_IN_WORKER_PIXELS = 4_000_000


def _swatch(color: str) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(QColor(color))
    return QIcon(pixmap)


class CanvasFeature(QObject):
    """Everything the canvas adds to the window, wired together."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.context: AppContext = window.context
        view = window.view
        self.layers = Layers(self)
        self.images = CanvasImages(self.context, view, self.layers, self)
        self.canvas = AnnotationCanvas(self.context, view, self.layers, self)
        self.canvas_input = CanvasInput(self.canvas)  # mouse and keys on the view reach the tools
        self.canvas.image_provider = self._image_pixels
        self.prefetcher = Prefetcher(self.context, self.images.loader, self)
        self.minimap = Minimap(view)
        self.shortcuts = Shortcuts(self.context.settings, self)
        self._prefetch_timer = QTimer(self)
        self._prefetch_timer.setSingleShot(True)
        self._prefetch_timer.setInterval(30)
        self._prefetch_timer.timeout.connect(self._prefetch)
        self.context.sampleChanged.connect(self.show_sample)
        self.prefetcher.documentReady.connect(self._on_document)
        self.prefetcher.documentFailed.connect(self._on_document_failed)
        self.context.labelsChanged.connect(self._fill_labels)
        self.context.projectChanged.connect(self._fill_labels)
        self.context.projectChanged.connect(self._on_task)
        self.context.drawLabelRequested.connect(self._draw_with)
        self._build_actions()
        self.layers_dock = window.add_dock(LayersPanel(self.layers), "Layers", Qt.DockWidgetArea.RightDockWidgetArea)
        self.canvas.toolChanged.connect(self._on_tool)
        self.canvas.labelChanged.connect(self._on_label)
        self.canvas.brushSizeChanged.connect(self._on_brush)

    # -- showing a sample ------------------------------------------------------------------
    def show_sample(self, sample_id: int) -> None:
        wanted = None if sample_id < 0 else sample_id
        if self.canvas.doc is not None and self.canvas.doc.sample_id != wanted:
            self.prefetcher.give_back(self.canvas.doc, self.canvas.mask_tiles())
        loaded = self.prefetcher.take(wanted) if wanted is not None else None
        self.images.show_sample(wanted)
        if wanted is not None and loaded is None and self._slow_to_load(wanted):
            self.canvas.wait_for(wanted)
            self.prefetcher.request(wanted)
        else:
            self.prefetcher.cancel_request()
            if loaded is None:
                self.canvas.load(wanted)
            else:
                self.canvas.load(wanted, loaded.doc, loaded.tiles)
        self.skip_action.setEnabled(wanted is not None)
        self._on_task()
        if wanted is not None:
            self._prefetch_timer.start()

    def _image_pixels(self):
        if self.images.sample_id is None or self.images.sample_id != self.canvas.sample_id:
            return None
        return decoded_array(self.images.decoded)

    def prelabel_with(self, model) -> str:
        """Run an external YOLO model on the open image (in a worker); its boxes or masks show as
        pre-labels in the Segment anything tool: Enter keeps them, Esc drops them."""
        from s2ide.ui.canvas.tools.sam import SamTool

        canvas = self.canvas
        image = canvas.image_array()
        if image is None:
            return "Open an image first (and wait for it to load at full resolution)"
        canvas.set_tool(ToolKind.SAM)
        tool = canvas.tool
        assert isinstance(tool, SamTool)
        labels = {label.name: label.id for label in self.context.labels()}
        as_masks = model.kind == "yolo-segment"
        sample_id = canvas.sample_id

        def job(_state):
            from s2ide.ml.external.registry import load, prelabels

            return prelabels(load(model).predict(image), labels, as_masks)

        def done(result) -> None:
            if canvas.sample_id != sample_id:
                return
            tool.show_prelabels(result.shapes, result.scores)
            skipped = ", ".join(f"{n} × {name}" for name, n in result.unmatched.items())
            note = f"; skipped (no label of that name): {skipped}" if skipped else ""
            canvas.message(
                f"{model.name}: {len(result.shapes)} pre-label(s): Enter keeps them, Esc drops them{note}", 0
            )

        tool.run_job(job, done, f"pre-label with {model.name}")
        return f"Running {model.name} on the open image…"

    def _slow_to_load(self, sample_id: int) -> bool:
        try:
            return SampleDocument.mask_pixels(self.context.store, sample_id) > DECODE_IN_WORKER_PIXELS
        except S2Error:
            return False  # the canvas's own load reports the problem

    def _on_document(self, sample_id: int, loaded: Loaded) -> None:
        if sample_id == self.context.current_sample_id and self.canvas.waiting_for == sample_id:
            self.canvas.load(sample_id, loaded.doc, loaded.tiles)
            self.canvas.message(f"Sample {sample_id}: masks loaded", 2000)

    def _on_document_failed(self, sample_id: int, error: str) -> None:
        if sample_id == self.context.current_sample_id and self.canvas.waiting_for == sample_id:
            self.canvas.waiting_for = None
            self.canvas.message(f"Cannot load the annotations of sample {sample_id}: {error}", 0)

    def _prefetch(self) -> None:
        if self.context.current_sample_id is not None and self.context.project is not None:
            self.prefetcher.prefetch_after(self.context.current_sample_id)

    def skip(self) -> None:
        """Mark the open sample skipped (saved, audited) and move on; the queue never blocks."""
        sample_id = self.context.current_sample_id
        if sample_id is None or self.context.project is None:
            return
        try:
            skip_sample(self.context.store, sample_id, self.context.user_name, reason=self.images.error or "")
        except S2Error as exc:
            self.context.message(f"Cannot skip: {exc}", 0)
            return
        self.context.notify_annotations(sample_id)
        self.context.message(f"Skipped sample {sample_id}")
        if self.context.next_sample() is None:
            self.context.message(f"Skipped sample {sample_id}; nothing comes next")

    def _shape_project(self) -> bool:
        return self.context.project is not None and is_shape_task(self.context.project.task)

    def _on_task(self) -> None:
        """Done, No objects and Accept suggestion (A) exist only in detect/segment projects (Enter
        accepts a tag suggestion in classification projects)."""
        shapes = self._shape_project()
        enabled = shapes and self.context.current_sample_id is not None
        for spec_id, action in (
            ("done", self.done_action),
            ("no_objects", self.no_objects_action),
            ("accept", self.accept_action),
        ):
            action.setVisible(shapes)
            action.setEnabled(enabled)
            # the keys exist only where the action does: Enter accepts a tag suggestion elsewhere
            keys = [QKeySequence(k) for k in self.shortcuts.keys(spec_id) if k] if shapes else []
            if [k.toString() for k in action.shortcuts()] != [k.toString() for k in keys]:
                action.setShortcuts(keys)

    def mark_done(self, empty: bool = False) -> bool:
        """Enter / N: the open sample is done (or has no objects); saved at once, then Next."""
        sample_id = self.context.current_sample_id
        if sample_id is None or not self._shape_project():
            return False
        if self.canvas.tool.busy:  # Enter belongs to the gesture (closing a polygon)
            return False
        try:
            threshold = effective_threshold(self.context.store)[0]  # the one the canvas dims by
            mark_done(self.context.store, sample_id, self.context.user_name, empty=empty, threshold=threshold)
        except S2Error as exc:
            self.context.message(f"Cannot mark sample {sample_id} done: {exc}", 0)
            return False
        self.context.notify_annotations(sample_id)
        what = "no objects" if empty else "done"
        self.context.message(f"Sample {sample_id}: {what}")
        if self.context.next_sample() is None:
            self.context.message(f"Sample {sample_id}: {what}; nothing left to label")
        return True

    def accept_suggestion(self) -> int:
        """A: take the suggestion under the mouse pointer, else every one above the threshold."""
        if self.canvas.tool.busy:
            return 0
        view = self.window.view
        local = view.viewport().mapFromGlobal(QCursor.pos())
        pointer = view.mapToScene(local) if view.viewport().rect().contains(local) else None
        return self.canvas.prelabels.accept_key(pointer)

    def _draw_with(self, label_id: int) -> None:
        """A label key in a detect/segment project: draw with that class, relabel the selection."""
        label = self.context.label_by_id(label_id)
        if label is None:
            return
        relabel = len(self.canvas.selection)
        self.canvas.set_label(label_id)
        note = f"; {relabel} selected shape(s) relabeled" if relabel else ""
        self.context.message(f"Drawing with {label.name}{note}")

    # -- actions and tool bars -------------------------------------------------------------
    def _build_actions(self) -> None:
        window, view, canvas, make = self.window, self.window.view, self.canvas, self.shortcuts.make
        view_actions = [
            make("fit", window, view.fit),
            make("actual", window, view.actual_size),
            make("zoom_in", window, view.zoom_in),
            make("zoom_out", window, view.zoom_out),
        ]
        view_menu = window.menu("&View")
        view_bar = QToolBar("View and drawing", window)
        view_bar.setObjectName("toolbar_view")
        for action in view_actions:
            view_menu.addAction(action)
            view_bar.addAction(action)
        view_menu.addSeparator()

        edit_menu = window.menu("&Edit")
        undo = QAction("Undo", window)  # reaches back to the sample a tag just left (undo_target)
        undo.triggered.connect(lambda _checked=False: self.undo())
        self.undo_action = undo
        canvas.undo.changed.connect(self._update_undo)
        self.context.sampleChanged.connect(lambda _id: self._update_undo())
        self.context.edit_committer = canvas.commit
        self.context.edit_recorder = canvas.undo.push_done
        self._update_undo()
        redo = canvas.undo.group.createRedoAction(window, "Redo")
        self.shortcuts.adopt("undo", undo, window)
        self.shortcuts.adopt("redo", redo, window)
        edit_menu.addAction(undo)
        edit_menu.addAction(redo)
        for spec_id, slot in (
            ("copy", canvas.copy_selection),
            ("paste", canvas.paste),
            ("delete", canvas.delete_selection),
        ):
            action = make(spec_id, view, slot)  # only while the canvas has focus
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            edit_menu.addAction(action)
        hotkeys = QAction("Canvas &hotkeys…", window)
        hotkeys.triggered.connect(self.edit_hotkeys)
        edit_menu.addAction(hotkeys)

        refine_menu = window.menu("&Label").addMenu("Refine")
        self.refine_actions = {}
        for how in ("grow", "shrink", "smooth", "fill_holes", "remove_specks", "simplify"):
            action = make(f"refine.{how}", window, self._refine_slot(how))
            refine_menu.addAction(action)
            self.refine_actions[how] = action

        self.skip_action = make("skip", window, self.skip)
        self.skip_action.setEnabled(False)
        window.menu("&Label").addAction(self.skip_action)
        self.done_action = make("done", window, self.mark_done)
        self.no_objects_action = make("no_objects", window, lambda: self.mark_done(empty=True))
        window.menu("&Label").addAction(self.done_action)
        window.menu("&Label").addAction(make("accept_all", window, self.canvas.prelabels.take_all))
        self.accept_action = make("accept", window, self.accept_suggestion)
        window.menu("&Label").addAction(self.accept_action)
        window.menu("&Label").addAction(self.no_objects_action)
        self._on_task()

        tool_bar = QToolBar("Tools", window)
        tool_bar.setObjectName("toolbar_tools")
        group = QActionGroup(window)
        group.setExclusive(True)
        self.tool_actions: dict[ToolKind, QAction] = {}
        tool_menu = window.menu("&Label").addMenu("Tools")
        for kind in ToolKind:
            action = make(f"tool.{kind}", window, self._tool_slot(kind), checkable=True)
            group.addAction(action)
            tool_bar.addAction(action)
            tool_menu.addAction(action)
            self.tool_actions[kind] = action
        self.tool_actions[ToolKind.SELECT].setChecked(True)
        view_bar.addSeparator()  # the drawing label and brush size sit with the view actions
        view_bar.addWidget(QLabel(" Label "))
        self.label_combo = QComboBox()
        self.label_combo.setMinimumWidth(120)
        self.label_combo.setToolTip("Label for new shapes and masks (Ctrl+1..Ctrl+0); relabels the selection")
        self.label_combo.activated.connect(self._on_combo)
        view_bar.addWidget(self.label_combo)
        view_bar.addWidget(QLabel(" Brush "))
        self.brush_spin = QDoubleSpinBox()
        self.brush_spin.setRange(1, 1000)
        self.brush_spin.setDecimals(0)
        self.brush_spin.setSuffix(" px")
        self.brush_spin.setToolTip("Brush diameter in image pixels ([ and ], or Ctrl+wheel)")
        self.brush_spin.setValue(canvas.brush_size)
        self.brush_spin.valueChanged.connect(canvas.set_brush_size)
        view_bar.addWidget(self.brush_spin)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, view_bar)
        tool_bar.setOrientation(Qt.Orientation.Vertical)
        tool_bar.addSeparator()  # the selection tools' options sit under the tools
        tool_bar.addWidget(QLabel("Tolerance"))
        self.tolerance_spin = QDoubleSpinBox()
        self.tolerance_spin.setRange(0, 255)
        self.tolerance_spin.setDecimals(0)
        self.tolerance_spin.setToolTip(
            "Magic wand: how far a colour may differ from the clicked one (0-255); Fill: how strong an edge stops it"
        )
        self.tolerance_spin.setValue(canvas.wand_tolerance)
        self.tolerance_spin.valueChanged.connect(lambda value: setattr(canvas, "wand_tolerance", float(value)))
        tool_bar.addWidget(self.tolerance_spin)
        self.contiguous_box = QCheckBox("Contiguous")
        self.contiguous_box.setToolTip("Magic wand: only the connected region under the click (off: the whole image)")
        self.contiguous_box.setChecked(canvas.wand_contiguous)
        self.contiguous_box.toggled.connect(lambda on: setattr(canvas, "wand_contiguous", bool(on)))
        tool_bar.addWidget(self.contiguous_box)
        self.on_view_box = QCheckBox("On view")
        self.on_view_box.setToolTip("Magic wand: compare colours as shown (Layers' brightness, contrast, gamma)")
        self.on_view_box.toggled.connect(lambda on: setattr(canvas, "wand_on_view", bool(on)))
        tool_bar.addWidget(self.on_view_box)
        window.addToolBar(Qt.ToolBarArea.LeftToolBarArea, tool_bar)  # tools down the left, as in Photoshop
        for index, digit in enumerate("1234567890"):
            choose = QAction(f"Draw with the label of hotkey {digit}", window)
            choose.setShortcut(QKeySequence(f"Ctrl+{digit}"))
            choose.triggered.connect(lambda _checked=False, index=index: self._choose_label(index))
            window.addAction(choose)

    def undo(self) -> None:
        """Undo the open sample's latest edit; with none left there, go back to the sample edited
        last (a tag opened the next one) and undo that, so a slipped key costs one Ctrl+Z."""
        manager, current = self.canvas.undo, self.context.current_sample_id
        target = manager.undo_target(current)
        if target is None:
            self.context.message("Nothing to undo.")
            return
        if target != current:
            self.context.open_sample(target)
        text = manager.undo_text(target)
        manager.undo(target)
        self.context.message(f"Undone: {text}", 3000)

    def _update_undo(self) -> None:
        text = self.canvas.undo.undo_text(self.context.current_sample_id)
        self.undo_action.setEnabled(bool(text))
        self.undo_action.setText(f"Undo {text}" if text else "Undo")

    def _tool_slot(self, kind: ToolKind) -> Callable[[], None]:
        def choose() -> None:
            self.canvas.set_tool(kind)

        return choose

    def _refine_slot(self, how: str) -> Callable[[], None]:
        def refine() -> None:
            self.canvas.message(refine_target(self.canvas, how), 4000)

        return refine

    def edit_hotkeys(self) -> None:
        CanvasSettingsDialog(self.shortcuts, self.window).exec()

    def _fill_labels(self) -> None:
        combo = self.label_combo
        combo.blockSignals(True)
        combo.clear()
        for label in self.context.labels() if self.context.project else []:
            combo.addItem(_swatch(label.color), label.name, label.id)
        combo.blockSignals(False)
        self._on_label(self.canvas.label_id)

    def _choose_label(self, index: int) -> None:
        """Ctrl+digit draws with the label whose hotkey is that digit, as the digit alone tags with
        it (one scheme); a label without a hotkey is reached by its position."""
        labels = self.context.labels() if self.context.project else []
        digit = "1234567890"[index]
        by_key = next((label for label in labels if label.hotkey == digit), None)
        if by_key is not None:
            self.canvas.set_label(by_key.id)
        elif index < len(labels):
            self.canvas.set_label(labels[index].id)

    def _on_combo(self, index: int) -> None:
        self.canvas.set_label(self.label_combo.itemData(index))

    def _on_label(self, label_id: object) -> None:
        index = self.label_combo.findData(label_id)
        if index >= 0 and index != self.label_combo.currentIndex():
            self.label_combo.blockSignals(True)
            self.label_combo.setCurrentIndex(index)
            self.label_combo.blockSignals(False)

    def _on_tool(self, kind: str) -> None:
        self.tool_actions[ToolKind(kind)].setChecked(True)

    def _on_brush(self, size: float) -> None:
        self.brush_spin.blockSignals(True)
        self.brush_spin.setValue(size)
        self.brush_spin.blockSignals(False)

    def shutdown(self) -> None:
        self._prefetch_timer.stop()
        self.canvas.shutdown()
        self.images.shutdown()
        self.prefetcher.shutdown()


class _ShutdownOnClose(QObject):
    """Ends a gesture and waits for decode workers when the window closes: no thread outlives it."""

    def __init__(self, feature: CanvasFeature, parent: QObject) -> None:
        super().__init__(parent)
        self.feature = feature

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Close:
            self.feature.shutdown()
        return False


def attach(window: MainWindow) -> None:
    feature = CanvasFeature(window)
    window.canvas_feature = feature  # type: ignore[attr-defined]
    window.installEventFilter(_ShutdownOnClose(feature, window))
