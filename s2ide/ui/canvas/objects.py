"""Class captions on shapes and the Objects panel: every shape of the open sample, listed.

Captions are small child items of each shape (class name on a chip of the label's color), drawn
at screen size whatever the zoom, toggled with Shift+C (View ▸ Class captions). The Objects
panel lists the shapes with class, kind, source and author; selecting rows selects the shapes
on the canvas and back (the echo blocked), a double-click zooms to the shape, and the row's
check boxes hide or lock a shape for this session (a locked shape cannot be picked or moved).
Both follow the canvas: after a sample is loaded, after every edit, undo or redo.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGraphicsItem,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyleOptionGraphicsItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from s2ide.ui.canvas.items import ShapeItem
from s2ide.ui.canvas.layers import LAYER_OF_KIND

if TYPE_CHECKING:
    from s2ide.ui.canvas.canvas import AnnotationCanvas
    from s2ide.ui.canvas.feature import CanvasFeature
    from s2ide.ui.shell.main_window import MainWindow

CAPTIONS_KEY = "canvas_captions"  # personal setting: captions shown (default) or not
ZOOM_MARGIN = 0.15


class CaptionItem(QGraphicsItem):
    """The class name on a chip at the shape's top-left corner, the same size at every zoom."""

    def __init__(self, text: str, color: QColor, parent: QGraphicsItem) -> None:
        super().__init__(parent)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.text = text
        self.color = QColor(color)
        self.font = QFont()
        self.font.setPointSizeF(8.5)
        metrics = QFontMetricsF(self.font)
        self._rect = QRectF(0, -metrics.height() - 2, metrics.horizontalAdvance(text) + 8, metrics.height() + 2)

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        chip = QColor(self.color)
        chip.setAlpha(210)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(chip)
        painter.drawRoundedRect(self._rect, 3, 3)
        light = chip.lightnessF() > 0.6
        painter.setPen(QColor("black") if light else QColor("white"))
        painter.setFont(self.font)
        painter.drawText(self._rect, Qt.AlignmentFlag.AlignCenter, self.text)


class Objects(QObject):
    """Keeps captions and the panel in step with the canvas; holds the session's hide/lock marks."""

    def __init__(self, feature: CanvasFeature) -> None:
        super().__init__(feature)
        self.feature = feature
        self.canvas: AnnotationCanvas = feature.canvas
        self.context = feature.context
        self.shown = bool(self.context.settings.get(CAPTIONS_KEY, True))
        self.hidden: set[int] = set()
        self.locked: set[int] = set()
        self.panel = QtObjectsPanel(self)
        self._timer = QTimer(self)  # coalesce bursts (an undo of many shapes) into one refresh
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.sync)
        self.canvas.edited.connect(lambda _id: self._timer.start())
        self.canvas.selectionChanged.connect(self.panel.show_selection)
        self.context.sampleChanged.connect(self._on_sample)
        self.context.labelsChanged.connect(self._timer.start)
        self.context.annotationsChanged.connect(lambda _id: self._timer.start())
        self.canvas.layers.changed.connect(lambda _name: self._timer.start())

    def _on_sample(self, _sample_id: int) -> None:
        self.hidden.clear()
        self.locked.clear()
        self._timer.start()

    # -- captions --------------------------------------------------------------------------
    def set_captions(self, shown: bool) -> None:
        self.shown = shown
        self.context.settings.set(CAPTIONS_KEY, shown)
        self.sync()

    def toggle_captions(self) -> None:
        """The View ▸ Class captions action (Shift+C): its check state says what to show."""
        action = getattr(self, "captions_action", None)
        self.set_captions(action.isChecked() if action is not None else not self.shown)
        self.context.message("Class captions " + ("shown" if self.shown else "hidden"), 2000)

    def caption_of(self, item: ShapeItem) -> CaptionItem | None:
        for child in item.childItems():
            if isinstance(child, CaptionItem):
                return child
        return None

    def _label_name(self, label_id: int | None) -> str:
        label = self.context.label_by_id(label_id)
        return label.name if label is not None else "no label"

    def sync(self) -> None:
        """Captions, hide and lock marks on the items of the open sample, and the panel's rows."""
        for annotation_id, item in self.canvas.items.items():
            caption = self.caption_of(item)
            text = self._label_name(item.label_id)
            if caption is not None and (not self.shown or caption.text != text or caption.color != item.color):
                scene = caption.scene()
                if scene is not None:
                    scene.removeItem(caption)  # detaches it from the shape too
                caption = None
            if self.shown and caption is None:
                caption = CaptionItem(text, item.color, item)
            if caption is not None:
                rect = item.build_path().boundingRect()
                caption.setPos(rect.topLeft())
            if annotation_id in self.hidden:
                item.setVisible(False)
            item.locked = annotation_id in self.locked  # type: ignore[attr-defined]
        self.panel.rebuild()

    # -- actions the panel uses ------------------------------------------------------------
    def set_hidden(self, annotation_id: int, hidden: bool) -> None:
        item = self.canvas.items.get(annotation_id)
        if hidden:
            self.hidden.add(annotation_id)
            self.canvas.set_selection(self.canvas.selection - {annotation_id})
        else:
            self.hidden.discard(annotation_id)
        if item is not None:
            layer = self.canvas.layers.get(LAYER_OF_KIND[item.kind])
            item.setVisible(not hidden and layer.visible)

    def set_locked(self, annotation_id: int, locked: bool) -> None:
        (self.locked.add if locked else self.locked.discard)(annotation_id)
        item = self.canvas.items.get(annotation_id)
        if item is not None:
            item.locked = locked  # type: ignore[attr-defined]
        if locked:
            self.canvas.set_selection(self.canvas.selection - {annotation_id})

    def zoom_to(self, ids: set[int]) -> bool:
        """Zoom the view to these shapes (with a margin); False when none is on the canvas."""
        rect = QRectF()
        for annotation_id in ids:
            item = self.canvas.items.get(annotation_id)
            if item is not None:
                rect = rect.united(item.build_path().boundingRect())
        if rect.isNull():
            return False
        margin = max(rect.width(), rect.height(), 8.0) * ZOOM_MARGIN
        view = self.canvas.view
        view._fit_on_resize = False
        view.fitInView(rect.adjusted(-margin, -margin, margin, margin), Qt.AspectRatioMode.KeepAspectRatio)
        view.zoomChanged.emit(view.scale_factor)
        view.viewportMoved.emit()
        return True

    def zoom_to_selection(self) -> None:
        if not self.zoom_to(set(self.canvas.selection)):
            self.context.message("Select a shape first (click it, or pick it in the Objects panel)")


COLUMNS = ("class", "kind", "source", "author", "hide", "lock")


class QtObjectsPanel(QWidget):
    """The open sample's shapes: class, kind, source, author; hide and lock check boxes."""

    def __init__(self, objects: Objects, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.objects = objects
        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemSelectionChanged.connect(self._on_rows_selected)
        self.tree.itemChanged.connect(self._on_item_changed)
        self.tree.itemDoubleClicked.connect(lambda item, _col: self.objects.zoom_to({self._id(item)}))
        self.count = QLabel()
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Delete the selected shapes (Delete on the canvas)")
        self.delete_button.clicked.connect(lambda: self.objects.canvas.delete_selection())
        self.zoom_button = QPushButton("Zoom to")
        self.zoom_button.setToolTip("Zoom to the selected shapes (Shift+F)")
        self.zoom_button.clicked.connect(self.objects.zoom_to_selection)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.tree, 1)
        row = QHBoxLayout()
        row.addWidget(self.count, 1)
        row.addWidget(self.zoom_button)
        row.addWidget(self.delete_button)
        layout.addLayout(row)
        self._updating = False

    @staticmethod
    def _id(item: QTreeWidgetItem) -> int:
        return int(item.data(0, Qt.ItemDataRole.UserRole))

    def rows(self) -> list[QTreeWidgetItem]:
        items = (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))
        return [item for item in items if item is not None]

    def rebuild(self) -> None:
        canvas, objects = self.objects.canvas, self.objects
        self._updating = True
        try:
            self.tree.clear()
            doc = canvas.doc
            shapes = [] if doc is None else [doc.shapes[i] for i in sorted(canvas.items) if i in doc.shapes]
            for annotation in shapes:
                label = objects.context.label_by_id(annotation.label_id)
                row = QTreeWidgetItem(
                    [label.name if label else "no label", annotation.kind, annotation.source, annotation.author, "", ""]
                )
                row.setData(0, Qt.ItemDataRole.UserRole, annotation.id)
                if label is not None:
                    row.setForeground(0, QColor(label.color))
                row.setFlags(row.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                hidden = Qt.CheckState.Checked if annotation.id in objects.hidden else Qt.CheckState.Unchecked
                locked = Qt.CheckState.Checked if annotation.id in objects.locked else Qt.CheckState.Unchecked
                row.setCheckState(4, hidden)
                row.setCheckState(5, locked)
                self.tree.addTopLevelItem(row)
            self.count.setText(f"{len(shapes)} shape(s)")
        finally:
            self._updating = False
        self.show_selection()

    def show_selection(self) -> None:
        """Select the rows of the canvas's selected shapes (without echoing back)."""
        selected = self.objects.canvas.selection
        self._updating = True
        try:
            for row in self.rows():
                row.setSelected(self._id(row) in selected)
        finally:
            self._updating = False

    def _on_rows_selected(self) -> None:
        if self._updating:
            return
        ids = {self._id(row) for row in self.tree.selectedItems()}
        ids -= self.objects.hidden | self.objects.locked
        self.objects.canvas.set_selection(ids)

    def _on_item_changed(self, row: QTreeWidgetItem, column: int) -> None:
        if self._updating or column not in (4, 5):
            return
        checked = row.checkState(column) == Qt.CheckState.Checked
        if column == 4:
            self.objects.set_hidden(self._id(row), checked)
        else:
            self.objects.set_locked(self._id(row), checked)


def attach(window: MainWindow) -> None:
    feature: CanvasFeature = window.canvas_feature  # type: ignore[attr-defined]
    objects = Objects(feature)
    window.objects = objects  # type: ignore[attr-defined]
    layers_dock = feature.layers_dock
    objects.dock = window.add_dock(  # type: ignore[attr-defined]
        objects.panel, "Objects", Qt.DockWidgetArea.RightDockWidgetArea, tabify_with=layers_dock
    )
    make = feature.shortcuts.make
    captions = make("captions", window, objects.toggle_captions, checkable=True)
    captions.setChecked(objects.shown)
    objects.captions_action = captions  # type: ignore[attr-defined]
    zoom = make("zoom_selection", window, objects.zoom_to_selection)
    view_menu = window.menu("&View")
    view_menu.addAction(captions)
    view_menu.addAction(zoom)
