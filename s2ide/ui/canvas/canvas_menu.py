"""The canvas's right-click menu: relabel or delete the shape (or selection) under the pointer,
give a mask's pixels to another label, then whatever other features add (`canvas.menu_hooks`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QMenu

if TYPE_CHECKING:
    from s2ide.ui.canvas.canvas import AnnotationCanvas


def build_context_menu(canvas: AnnotationCanvas, pos: QPointF) -> QMenu | None:
    """Relabel or delete the shape under `pos` (or the selection it belongs to), and change
    the label of a mask painted under `pos`."""
    item = canvas.item_at(pos)
    if item is not None and item.annotation_id is not None and item.annotation_id not in canvas.selection:
        canvas.set_selection({item.annotation_id})
    menu = QMenu(canvas.view)
    labels = canvas.context.labels()
    if canvas.selection:
        relabel = menu.addMenu(f"Change label of {len(canvas.selection)} shape(s)")
        for label in labels:
            action = relabel.addAction(label.name)
            action.triggered.connect(lambda _checked=False, label_id=label.id: canvas.relabel_selection(label_id))
        menu.addAction("Delete", canvas.delete_selection)
    names = {label.id: label.name for label in labels}
    for from_label in canvas.masks_at(pos):
        move = menu.addMenu(f"Change label of the {names.get(from_label, from_label)} mask")
        for to_label, name in names.items():
            if to_label != from_label:
                action = move.addAction(name)
                action.triggered.connect(
                    lambda _checked=False, a=from_label, b=to_label: canvas.move_mask(a, b)
                )  # fmt: skip
    for hook in canvas.menu_hooks:
        hook(menu, pos)
    return None if menu.isEmpty() else menu
