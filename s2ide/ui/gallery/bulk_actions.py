"""Several gallery samples at once: Shift/Ctrl-click or a rubber band selects, the context menu
tags, escalates or (detect/segment projects) marks them all done.

Each tag is a `SetTag` edit through the undo history (Ctrl+Z takes them back one sample at a
time, newest first); an escalation or a done mark per sample goes through the core (`escalate`,
`mark_done`, as `s2ide mark-done` does), which checks the role. A sample that cannot be changed
is counted and named, never skipped silently.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QItemSelectionModel, QPoint
from PySide6.QtWidgets import QAbstractItemView, QInputDialog, QMenu

from s2ide.core.engine.prelabel_threshold import effective_threshold
from s2ide.core.errors import S2Error
from s2ide.core.labeling.done import is_shape_task, mark_done
from s2ide.core.labeling.tag_edit import SetTag
from s2ide.core.review import escalations as esc
from s2ide.core.review.users import Action, require
from s2ide.ui.gallery.gallery_view import QtGallery
from s2ide.ui.shell.context import AppContext


def selected_ids(gallery: QtGallery) -> list[int]:
    rows = sorted(index.row() for index in gallery.view.selectionModel().selectedIndexes())
    return [gallery.model.sample_id(row) for row in rows]


def _report(context: AppContext, done: int, verb: str, failed: list[str]) -> str:
    text = f"{verb} {done} sample(s)"
    if failed:
        text += f"; {len(failed)} not: " + "; ".join(failed[:3])
    context.message(text, 0 if failed else 5000)
    return text


def tag_many(context: AppContext, ids: Sequence[int], label_id: int | None) -> str:
    """Tag every sample (one undo step each); a one-line report of what happened."""
    if context.project is None or context.user is None:
        context.message("Open a project and say who is working first.")
        return ""
    label = context.label_by_id(label_id)
    failed: list[str] = []
    done = 0
    try:
        require(context.store, context.user.name, Action.LABEL)
    except S2Error as exc:
        context.message(str(exc), 0)
        return str(exc)
    for sample_id in ids:
        try:
            if context.commit_edit(SetTag(sample_id, label_id, label_name=label.name if label else "")):
                done += 1
            else:
                failed.append(f"sample {sample_id}")
        except S2Error as exc:
            failed.append(f"sample {sample_id}: {exc}")
    context.samplesChanged.emit()
    return _report(context, done, f"Tagged '{label.name if label else 'none'}' on", failed)


def escalate_many(context: AppContext, ids: Sequence[int], reason: str, note: str = "") -> str:
    if context.project is None or context.user is None:
        context.message("Open a project and say who is working first.")
        return ""
    failed: list[str] = []
    done = 0
    for sample_id in ids:
        try:
            esc.escalate(context.store, sample_id, reason, context.user.name, note=note)
            done += 1
        except S2Error as exc:
            failed.append(str(exc))
    context.samplesChanged.emit()
    return _report(context, done, "Escalated", failed)


def mark_done_many(context: AppContext, ids: Sequence[int], empty: bool = False) -> str:
    """Mark every sample done (or done with no objects), one commit each, like Enter on the canvas."""
    if context.project is None or context.user is None:
        context.message("Open a project and say who is working first.")
        return ""
    if not is_shape_task(context.project.task):
        context.message("Only detect and segment samples are marked done; a tag labels a classify sample.", 0)
        return ""
    try:
        require(context.store, context.user.name, Action.LABEL)
    except S2Error as exc:
        context.message(str(exc), 0)
        return str(exc)
    threshold = effective_threshold(context.store)[0]  # pre-label outcomes: as the canvas shows them
    failed: list[str] = []
    done = 0
    for sample_id in ids:
        try:
            mark_done(context.store, sample_id, context.user.name, empty=empty, threshold=threshold)
            done += 1
        except S2Error as exc:
            failed.append(str(exc))
    for sample_id in ids:
        context.notify_annotations(sample_id)
    context.samplesChanged.emit()
    return _report(context, done, "Marked 'no objects' on" if empty else "Marked done", failed)


class BulkActions:
    """The gallery's multi-selection and its context menu."""

    def __init__(self, gallery: QtGallery) -> None:
        self.gallery = gallery
        self.context = gallery.context
        view = gallery.view
        view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        view.setContextMenuPolicy(view.contextMenuPolicy().CustomContextMenu)
        # one context menu: these actions and the gallery's own (Find similar) together
        view.customContextMenuRequested.disconnect(gallery._context_menu)
        view.customContextMenuRequested.connect(self.show_menu)

    def menu(self) -> QMenu | None:
        ids = selected_ids(self.gallery)
        if not ids or self.context.project is None:
            return None
        menu = QMenu(self.gallery)
        tag = menu.addMenu(f"Tag {len(ids)} selected as")
        for label in self.context.labels():
            action = tag.addAction(f"{label.name}  ({label.hotkey})" if label.hotkey else label.name)
            action.triggered.connect(
                lambda _c=False, lid=label.id: tag_many(self.context, selected_ids(self.gallery), lid)
            )
        tag.addSeparator()
        clear = tag.addAction("no tag (clear)")
        clear.triggered.connect(lambda _c=False: self.tag_selected(None))
        escalate = menu.addAction(f"Escalate {len(ids)} selected…")
        escalate.triggered.connect(lambda _c=False: self.escalate_dialog())
        if is_shape_task(self.context.project.task):
            done = menu.addAction(f"Mark {len(ids)} selected done")
            done.triggered.connect(lambda _c=False: mark_done_many(self.context, selected_ids(self.gallery)))
            empty = menu.addAction(f"Mark {len(ids)} selected 'no objects'")
            empty.triggered.connect(
                lambda _c=False: mark_done_many(self.context, selected_ids(self.gallery), empty=True)
            )
        menu.addSeparator()
        similar = "Find similar" if len(ids) == 1 else f"Find similar to these {len(ids)}"
        menu.addAction(similar, lambda: self.context.find_similar(selected_ids(self.gallery)))
        return menu

    def tag_selected(self, label_id: int | None) -> str:
        return tag_many(self.context, selected_ids(self.gallery), label_id)

    def show_menu(self, pos: QPoint) -> None:
        """Right-click: on a sample outside the selection, it alone becomes the selection."""
        index = self.gallery.view.indexAt(pos)
        if not index.isValid():
            return
        if not self.gallery.view.selectionModel().isSelected(index):
            self.gallery.view.selectionModel().select(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        menu = self.menu()
        if menu is not None:
            menu.exec(self.gallery.view.viewport().mapToGlobal(pos))

    def escalate_dialog(self) -> None:
        ids = selected_ids(self.gallery)
        reasons = esc.reasons(self.context.store)
        reason, ok = QInputDialog.getItem(
            self.gallery, "Escalate", f"Why do these {len(ids)} samples need a lead?", reasons, 0, False
        )
        if ok and reason:
            escalate_many(self.context, ids, reason)
