"""AnnotationCanvas: the open sample's annotations on the view, edited through tools.

It owns no annotation data: the SampleDocument (core) holds it and the store saves it. The
canvas mirrors the document into items (one class per kind, ITEM_CLASSES), routes the view's
mouse and key events to the active tool in image coordinates, and commits each finished
gesture through the UndoManager: saved at once, one undo step, `notify_annotations` after.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, QPointF, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene, QMenu

from s2ide.core.errors import S2Error
from s2ide.core.geometry import bounds
from s2ide.core.labeling.document import Change, DocEvent, SampleDocument
from s2ide.core.labeling.history import AddShapes, ChangeShapes, DeleteShapes, Edit, FieldChange, MoveMask, Session
from s2ide.core.labeling.prediction_shapes import PredictedShape, parse
from s2ide.ui.canvas.canvas_menu import build_context_menu
from s2ide.ui.canvas.items import ITEM_CLASSES, KeypointsItem, MaskItem, ShapeItem
from s2ide.ui.canvas.items.mask import PreparedTiles
from s2ide.ui.canvas.items.prediction import prediction_item
from s2ide.ui.canvas.layers import LAYER_OF_KIND, Layer, Layers
from s2ide.ui.canvas.prelabels import Prelabels
from s2ide.ui.canvas.tools.base import Tool, ToolKind
from s2ide.ui.canvas.tools.box import BoxTool
from s2ide.ui.canvas.tools.brush import BrushTool, EraserTool
from s2ide.ui.canvas.tools.classifier import ClassifierTool
from s2ide.ui.canvas.tools.fill import FillTool
from s2ide.ui.canvas.tools.grabcut import GrabCutTool
from s2ide.ui.canvas.tools.keypoints import KeypointsTool
from s2ide.ui.canvas.tools.point import PointTool
from s2ide.ui.canvas.tools.polygon import LineTool, PolygonTool
from s2ide.ui.canvas.tools.quick_select import QuickSelectTool
from s2ide.ui.canvas.tools.sam import SamTool
from s2ide.ui.canvas.tools.scissors import ScissorsTool
from s2ide.ui.canvas.tools.select import SelectTool
from s2ide.ui.canvas.tools.selection import SelectionTool
from s2ide.ui.canvas.tools.wand import WandTool
from s2ide.ui.canvas.undo import UndoManager
from s2ide.ui.canvas.view import ImageView
from s2ide.ui.shell.context import AppContext

TOOL_CLASSES: list[type[Tool]] = [
    SelectTool, BoxTool, PolygonTool, LineTool, PointTool, KeypointsTool, BrushTool, EraserTool, FillTool,
    WandTool, QuickSelectTool, ScissorsTool, GrabCutTool, ClassifierTool, SamTool,
]  # fmt: skip
DEFAULT_BRUSH = 20.0
DEFAULT_TOLERANCE = 32.0


class AnnotationCanvas(QObject):
    toolChanged = Signal(str)
    labelChanged = Signal(object)  # the drawing label id (or None)
    brushSizeChanged = Signal(float)
    selectionChanged = Signal()
    edited = Signal(int)  # sample id, after an edit, undo or redo was saved

    def __init__(self, context: AppContext, view: ImageView, layers: Layers, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.view = view
        self.layers = layers
        self.doc: SampleDocument | None = None
        self.waiting_for: int | None = None  # a sample whose annotations load in a worker
        self.items: dict[int, ShapeItem] = {}
        self.mask_items: dict[int, MaskItem] = {}
        self.prediction_items: list[QGraphicsItem] = []
        self.prelabels = Prelabels(self)
        self.selection: set[int] = set()
        self.clipboard: list[tuple[str, int | None, dict]] = []
        # other features' entries in the right-click menu: hook(menu, image position)
        self.menu_hooks: list[Callable[[QMenu, QPointF], None]] = []
        self.label_id: int | None = None
        self.brush_size = DEFAULT_BRUSH
        self.wand_tolerance = DEFAULT_TOLERANCE  # 0-255, also the fill's edge strength
        self.wand_contiguous = True
        self.wand_on_view = False  # the wand compares colours after the view's brightness/contrast
        # the open image's full-resolution pixels as a numpy array (set by the feature), or None
        self.image_provider: Callable[[], np.ndarray | None] = lambda: None
        self._image_cache: tuple[int | None, np.ndarray] | None = None
        self._session: Session | None = None
        self.undo = UndoManager(self.session, self._after_edit, parent=self)
        self.tools: dict[ToolKind, Tool] = {cls.kind: cls(self) for cls in TOOL_CLASSES}
        self.tool: Tool = self.tools[ToolKind.SELECT]
        view.zoomChanged.connect(self._on_zoom)
        layers.changed.connect(self._apply_layer)
        context.labelsChanged.connect(self._on_labels)
        context.projectChanged.connect(self._on_project)
        context.userChanged.connect(self._forget_session)
        context.predictionsChanged.connect(self._reload_predictions)
        context.annotationsChanged.connect(self._on_annotations_elsewhere)
        self._notifying = False
        self._seen: list[tuple[int, str, int | None, str]] = []
        context.modelsChanged.connect(self._reload_predictions)

    # -- what tools use ----------------------------------------------------------------------
    @property
    def scene(self) -> QGraphicsScene:
        return self.view.scene()

    @property
    def pixel_size(self) -> float:
        return 1.0 / max(self.view.scale_factor, 1e-6)

    @property
    def sample_id(self) -> int | None:
        return self.doc.sample_id if self.doc is not None else None

    def sample_id_or_fail(self) -> int:
        if self.doc is None:
            raise S2Error("no sample is open")
        return self.doc.sample_id

    def session(self) -> Session:
        if self._session is None:
            self._session = Session(self.context.store, self.context.user_name)
        if self.doc is not None:
            self._session.documents = {self.doc.sample_id: self.doc}
        return self._session

    def message(self, text: str, timeout_ms: int = 4000) -> None:
        self.context.message(text, timeout_ms)

    def color_for(self, label_id: int | None) -> QColor:
        label = self.context.label_by_id(label_id)
        return QColor(label.color) if label is not None else QColor("#ffffff")

    def inside(self, pos: QPointF) -> bool:
        return self.doc is not None and 0 <= pos.x() < self.doc.width and 0 <= pos.y() < self.doc.height

    def clamp(self, pos: QPointF) -> QPointF:
        if self.doc is None:
            return pos
        return QPointF(min(max(pos.x(), 0.0), float(self.doc.width)), min(max(pos.y(), 0.0), float(self.doc.height)))

    def can_draw(self, kind: str) -> bool:
        """Whether a new `kind` annotation may be drawn now; says why not in the status bar."""
        if self.doc is None:
            waiting = self.waiting_for is not None
            self.message("Wait: this sample's masks are still loading" if waiting else "Open a sample first")
            return False
        if self.context.user is None:
            self.message("Choose who is labeling first")
            return False
        if self.label_id is None:
            self.message("The project has no labels to draw with")
            return False
        layer = LAYER_OF_KIND[kind]
        if self.layers.get(layer).locked:
            self.message(f"The {layer} layer is locked")
            return False
        if not self.layers.get(layer).visible:
            self.message(f"The {layer} layer is hidden; show it to draw on it")
            return False
        return True

    def item_at(self, pos: QPointF) -> ShapeItem | None:
        """The topmost editable shape under `pos` (selected ones first)."""
        hits = [
            item
            for item in self.items.values()
            if item.isVisible()
            and item.boundingRect().contains(pos)  # cheap first; the outline test builds a path
            and not self.layers.locked_kind(item.kind)
            and not getattr(item, "locked", False)  # locked in the Objects panel
            and item.hit(pos)
        ]
        if not hits:
            return None
        hits.sort(key=lambda item: (item.selected, item.zValue(), item.annotation_id or 0), reverse=True)
        return hits[0]

    def image_array(self) -> np.ndarray | None:
        """The open sample's image as HxWx3 uint8 RGB at full resolution (None until decoded);
        made once per sample for the selection tools."""
        if self.doc is None:
            return None
        cached = self._image_cache
        if cached is not None and cached[0] == self.doc.sample_id:
            return cached[1]
        image = self.image_provider()
        if image is None or image.shape[:2] != (self.doc.height, self.doc.width):
            return None
        self._image_cache = (self.doc.sample_id, image)
        return image

    def shapes_for_outlines(self) -> list[tuple[str, dict]]:
        """(kind, geometry) of the open sample's visible shapes: what bounds a fill."""
        if self.doc is None:
            return []
        return [
            (a.kind, a.geometry)
            for a in self.doc.shapes.values()
            if a.geometry is not None and a.id in self.items and self.items[a.id].isVisible()
        ]

    def shutdown(self) -> None:
        """Cancel the tools' workers and wait for them (the window is closing)."""
        self.tool.cancel()
        for tool in self.tools.values():
            if isinstance(tool, SelectionTool):
                tool.shutdown()

    def commit(self, edit: Edit) -> bool:
        return self.undo.commit(edit)

    def set_brush_size(self, size: float) -> None:
        size = max(1.0, min(1000.0, round(size, 1)))
        if size != self.brush_size:
            self.brush_size = size
            self.brushSizeChanged.emit(size)

    # -- tools and labels ------------------------------------------------------------------
    def set_tool(self, kind: ToolKind | str) -> None:
        tool = self.tools[ToolKind(kind)]
        if tool is self.tool:
            return
        self.tool.deactivate()
        self.tool = tool
        tool.activate()
        self.view.viewport().setCursor(tool.cursor)
        self.message(f"{tool.title}: {tool.tip}", 6000)
        self.toolChanged.emit(str(tool.kind))

    def set_label(self, label_id: int | None, relabel_selection: bool = True) -> None:
        """Choose the drawing label; with shapes selected, relabel them too (one undo step)."""
        if label_id != self.label_id:
            self.label_id = label_id
            self.labelChanged.emit(label_id)
        if relabel_selection and label_id is not None and self.selection:
            self.relabel_selection(label_id)

    def relabel_selection(self, label_id: int) -> None:
        changes = [
            FieldChange(i, {"label_id": self.items[i].label_id}, {"label_id": label_id})
            for i in sorted(self.selection)
            if i in self.items and self.items[i].label_id != label_id
        ]
        if changes and self.doc is not None:
            self.commit(ChangeShapes(self.doc.sample_id, changes, "relabel"))

    def copy_selection(self) -> int:
        """Keep the selected shapes for pasting (on this sample or the next); how many."""
        if self.doc is None or not self.selection:
            return 0
        self.clipboard = [
            (a.kind, a.label_id, a.geometry)
            for a in (self.doc.shapes[i] for i in sorted(self.selection) if i in self.doc.shapes)
            if a.geometry is not None
        ]
        self.message(f"Copied {len(self.clipboard)} shape(s)")
        return len(self.clipboard)

    def paste(self) -> None:
        """Add the copied shapes at the same place, as one step, and select them."""
        if self.doc is None or not self.clipboard:
            return
        shapes = []
        for kind, label_id, geometry in self.clipboard:
            x, y, w, h = bounds(kind, geometry)
            inside = x < self.doc.width and y < self.doc.height and x + w >= 0 and y + h >= 0
            if inside and not self.layers.locked_kind(kind):
                shapes.append((kind, label_id, geometry))
        if not shapes:
            self.message("Nothing to paste here (outside this image, or its layer is locked)")
            return
        edit = AddShapes(self.doc.sample_id, shapes)
        if self.commit(edit):
            self.set_selection({a.id for a in edit.annotations})

    def nudge_selection(self, dx: float, dy: float) -> None:
        changes = [
            FieldChange(i, {"geometry": self.items[i].geometry}, {"geometry": self.items[i].moved(dx, dy)})
            for i in sorted(self.selection)
            if i in self.items and not self.layers.locked_kind(self.items[i].kind)
        ]
        if changes and self.doc is not None:
            self.commit(ChangeShapes(self.doc.sample_id, changes, "nudge"))

    def delete_selection(self) -> None:
        if self.doc is None or not self.selection:
            return
        doomed = [self.doc.shapes[i] for i in sorted(self.selection) if i in self.doc.shapes]
        if doomed and self.commit(DeleteShapes(self.doc.sample_id, doomed)):
            self.set_selection(set())

    def context_menu(self, pos: QPointF) -> QMenu | None:
        """Relabel or delete the shape under `pos`, change a mask's label, and other features' entries."""
        return build_context_menu(self, pos)

    def masks_at(self, pos: QPointF) -> list[int]:
        """Labels whose mask covers the pixel at `pos` (none while the mask layer is locked)."""
        if self.doc is None or self.layers.locked_kind("mask"):
            return []
        x, y = int(pos.x()), int(pos.y())
        if not (0 <= x < self.doc.width and 0 <= y < self.doc.height):
            return []
        return [label_id for label_id, layer in self.doc.masks.items() if layer.array[y, x]]

    def move_mask(self, from_label: int, to_label: int) -> bool:
        """Give every pixel of one label's mask to another label (one save, one undo step)."""
        if self.doc is None:
            return False
        try:
            edit = MoveMask(self.doc, from_label, to_label)
        except S2Error as exc:
            self.message(str(exc))
            return False
        return self.commit(edit)

    def set_selection(self, ids: set[int]) -> None:
        ids = {i for i in ids if i in self.items}
        if ids == self.selection:
            return
        for annotation_id, item in self.items.items():
            item.set_selected(annotation_id in ids)
        self.selection = ids
        self.selectionChanged.emit()

    # -- loading ---------------------------------------------------------------------------
    def load(
        self, sample_id: int | None, doc: SampleDocument | None = None, tiles: dict[int, PreparedTiles] | None = None
    ) -> None:
        """Show the annotations of `sample_id` (a prefetched document if given, else from the
        store); `tiles` are its mask layers' tiles colored ahead, by label id."""
        self._finish_gesture(sample_id)
        self.tool.cancel()
        self._image_cache = None
        self.waiting_for = None
        if self.doc is not None:
            self.doc.unsubscribe(self._on_doc)
        self._clear_items()
        self.doc = None
        if sample_id is None or self.context.project is None:
            self.undo.activate(None)
            return
        if doc is None:
            try:
                doc = SampleDocument.load(self.context.store, sample_id)
            except S2Error as exc:
                self.message(f"Cannot load the annotations of sample {sample_id}: {exc}", 0)
                self.undo.activate(None)
                return
        self.doc = doc
        self._seen = self._signature(sample_id)
        doc.subscribe(self._on_doc)
        for annotation in doc.shapes.values():
            self._add_shape_item(annotation.id)
        for label_id in doc.masks:
            self._mask_item(label_id, (tiles or {}).get(label_id))
        self._reload_predictions()
        self.undo.activate(sample_id)
        if self.label_id is None or self.context.label_by_id(self.label_id) is None:
            labels = self.context.labels()
            self.set_label(labels[0].id if labels else None, relabel_selection=False)

    def _finish_gesture(self, next_sample: int | None) -> None:
        """Leaving a sample never drops a shape in progress silently: a polygon or line with
        enough points is saved (one Ctrl+Z away), a shorter one is named in the status bar."""
        tool, doc = self.tool, self.doc
        if isinstance(tool, KeypointsTool) and doc is not None and doc.sample_id != next_sample and tool.busy:
            tool.finish()
            self.message(f"Saved the keypoints in progress on sample {doc.sample_id} (Ctrl+Z undoes it)", 0)
            return
        if doc is None or doc.sample_id == next_sample or not tool.busy or not isinstance(tool, PolygonTool):
            return
        points = tool._dedupe(tool.points)
        if len(points) >= tool.min_points:
            tool.finish()
            self.message(f"Saved the {tool.shape_kind} in progress on sample {doc.sample_id} (Ctrl+Z undoes it)", 0)
        else:
            self.message(
                f"Dropped an unfinished {tool.shape_kind} of {len(points)} point(s) on sample {doc.sample_id}", 0
            )

    def reload_items(self) -> None:
        """Redraw every shape from the document (after a failed save put nothing in the store)."""
        if self.doc is not None:
            for annotation_id in list(self.items):
                self._remove_item(annotation_id)
            for annotation_id in self.doc.shapes:
                self._add_shape_item(annotation_id)

    def _clear_items(self) -> None:
        for annotation_id in list(self.items):
            self._remove_item(annotation_id)
        for item in self.mask_items.values():
            self.scene.removeItem(item)
        self.mask_items.clear()
        for pitem in self.prediction_items:
            self.scene.removeItem(pitem)
        self.prediction_items.clear()
        if self.selection:
            self.selection = set()
            self.selectionChanged.emit()

    def _add_shape_item(self, annotation_id: int) -> None:
        assert self.doc is not None
        annotation = self.doc.shapes[annotation_id]
        cls = ITEM_CLASSES.get(annotation.kind)
        if cls is None or annotation.geometry is None:
            return
        item = cls(
            annotation.id, annotation.geometry, self.color_for(annotation.label_id), label_id=annotation.label_id
        )
        if isinstance(item, KeypointsItem) and annotation.label_id is not None:
            skeleton = self.context.store.skeletons.get(annotation.label_id)
            if skeleton is not None:
                item.set_skeleton(skeleton.names, skeleton.edges)
        item.set_pixel_size(self.pixel_size)
        item.setToolTip(f"{self._label_name(annotation.label_id)} ({annotation.kind}, {annotation.author})")
        self._style(item, LAYER_OF_KIND[annotation.kind])
        self.scene.addItem(item)
        self.items[annotation_id] = item

    def _remove_item(self, annotation_id: int) -> None:
        item = self.items.pop(annotation_id, None)
        if item is not None:
            self.scene.removeItem(item)

    def wait_for(self, sample_id: int) -> None:
        """Show nothing while `sample_id`'s annotations load in a worker; drawing waits for them
        (a stroke on a mask that has not arrived would be lost when it does)."""
        self.load(None)
        self.waiting_for = sample_id
        self.message(f"Loading the masks of sample {sample_id}…", 0)

    def mask_tiles(self) -> dict[int, PreparedTiles]:
        """The open sample's colored mask tiles by label id, to show it again without recoloring."""
        return {label_id: item.prepared() for label_id, item in self.mask_items.items()}

    def _mask_item(self, label_id: int, prepared: PreparedTiles | None = None) -> MaskItem:
        item = self.mask_items.get(label_id)
        if item is None:
            assert self.doc is not None
            item = MaskItem(label_id, self.doc.mask(label_id).array, self.color_for(label_id), prepared=prepared)
            item.setZValue(-50)
            self._style(item, Layer.MASK)
            self.scene.addItem(item)
            self.mask_items[label_id] = item
        return item

    def _style(self, item: QGraphicsItem, layer: Layer) -> None:
        props = self.layers.get(layer)
        item.setVisible(props.visible)
        item.setOpacity(props.opacity)

    def _on_doc(self, event: DocEvent) -> None:
        if event.change == Change.MASK_CHANGED:
            assert event.label_id is not None
            self._mask_item(event.label_id).refresh(event.box)
            return
        assert self.doc is not None
        for annotation_id in event.ids:
            if event.change == Change.SHAPES_REMOVED:
                self._remove_item(annotation_id)
            elif event.change == Change.SHAPES_ADDED:
                self._remove_item(annotation_id)
                self._add_shape_item(annotation_id)
            else:
                item = self.items.get(annotation_id)
                annotation = self.doc.shapes[annotation_id]
                if item is not None and annotation.geometry is not None:
                    item.set_geometry(annotation.geometry)
                    item.set_color(self.color_for(annotation.label_id))
                    item.label_id = annotation.label_id
                    item.setToolTip(f"{self._label_name(annotation.label_id)} ({annotation.kind}, {annotation.author})")
        if event.change == Change.SHAPES_REMOVED and self.selection & set(event.ids):
            self.set_selection(self.selection - set(event.ids))

    def _after_edit(self, edit: Edit, error: str | None) -> None:
        if error is not None:
            self.message(f"Could not save {edit.text}: {error}", 0)
            self.reload_items()
            return
        self.edited.emit(edit.sample_id)
        if self.doc is not None and edit.sample_id == self.doc.sample_id:
            self._seen = self._signature(edit.sample_id)
            self.prelabels.refresh()
        self._notifying = True
        try:
            self.context.notify_annotations(edit.sample_id)
        finally:
            self._notifying = False

    def _on_annotations_elsewhere(self, sample_id: int) -> None:
        """Someone else (an accepted pre-label, an import) changed the open sample: show the store.

        Tagging the image also lands here; a cheap signature of the rows tells whether anything
        the canvas draws changed, so a tag does not reload (and re-decode) the masks."""
        if self._notifying or self.doc is None or sample_id != self.doc.sample_id or self.tool.busy:
            return
        if self._signature(sample_id) == self._seen:
            return
        try:
            fresh = SampleDocument.load(self.context.store, sample_id)
        except S2Error:
            return
        self.load(sample_id, fresh)

    def _signature(self, sample_id: int) -> list[tuple[int, str, int | None, str]]:
        rows = self.context.store.annotations.for_sample(sample_id)
        return sorted((a.id, a.kind, a.label_id, a.updated_at) for a in rows if a.kind != "tag")

    # -- predictions -----------------------------------------------------------------------
    def _reload_predictions(self) -> None:
        for old in self.prediction_items:
            self.scene.removeItem(old)
        self.prediction_items.clear()
        self.prelabels.reset()
        if self.doc is None or self.context.project is None:
            return
        doc = self.doc
        shapes: list[PredictedShape] = []
        for label_id, score, text in self.context.store.overlays.active_prediction_geometry(doc.sample_id):
            shapes.extend(parse(text, label_id, score, doc.width, doc.height))
        for shape in shapes:
            item = prediction_item(shape, self.color_for(shape.label_id), self.pixel_size, self._label_name)
            if item is None:
                continue
            self.prelabels.add(shape, item)
            self._style(item, Layer.PREDICTIONS)
            self.scene.addItem(item)
            self.prediction_items.append(item)
        self.prelabels.refresh()

    def _label_name(self, label_id: int | None) -> str:
        label = self.context.label_by_id(label_id)
        return label.name if label else "?"

    # -- reacting --------------------------------------------------------------------------
    def _on_zoom(self, scale: float) -> None:
        pixel = 1.0 / max(scale, 1e-6)
        for item in [*self.items.values(), *self.prediction_items]:
            if isinstance(item, ShapeItem):
                item.set_pixel_size(pixel)

    def _apply_layer(self, name: str) -> None:
        layer = Layer(name)
        if layer == Layer.IMAGE:
            self._style(self.view.image_item, layer)
            return
        if layer == Layer.PREDICTIONS:
            targets: list[QGraphicsItem] = list(self.prediction_items)
        elif layer == Layer.MASK:
            targets = list(self.mask_items.values())
        else:
            targets = [item for item in self.items.values() if LAYER_OF_KIND[item.kind] == layer]
        for item in targets:
            self._style(item, layer)
        if self.layers.get(layer).locked or not self.layers.get(layer).visible:
            self.set_selection({i for i in self.selection if LAYER_OF_KIND[self.items[i].kind] != layer})

    def _on_labels(self) -> None:
        if self.doc is not None:
            for annotation_id, item in self.items.items():
                item.set_color(self.color_for(self.doc.shapes[annotation_id].label_id))
            for label_id, mask_item in self.mask_items.items():
                mask_item.set_color(self.color_for(label_id))
        if self.context.label_by_id(self.label_id) is None:
            labels = self.context.labels() if self.context.project else []
            self.set_label(labels[0].id if labels else None, relabel_selection=False)
        else:
            self.labelChanged.emit(self.label_id)

    def _on_project(self) -> None:
        self.load(None)
        self.undo.clear()
        self._session = None
        self.label_id = None
        self.labelChanged.emit(None)

    def _forget_session(self) -> None:
        self._session = None
