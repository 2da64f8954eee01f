"""The label panel (color, name, hotkey, count) and the number-key shortcuts that tag.

Tagging is one call: `tag_current` saves the open sample's tag as a `SetTag` edit through the
context's undo history (one transaction, one audit row, one Ctrl+Z), and moves on to the next sample, so a
labeler can work with one hand on the number row while the canvas keeps focus.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QIcon, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from s2ide.core.errors import S2Error
from s2ide.core.labeling.done import is_shape_task
from s2ide.core.labeling.tag_edit import SetTag
from s2ide.core.review.agreement import is_blind
from s2ide.core.review.users import Action, can, require
from s2ide.ui.shell.context import AppContext


def tag_current(context: AppContext, label_id: int | None, advance: bool = True) -> bool:
    """Tag the open sample with a label (None clears its tag), then open the next one unless
    `advance` is False; False (with a message) if not possible. In a detect or segment project
    a label key never tags the image: it chooses the class to draw with (and relabels the
    selected shapes) through `drawLabelRequested`."""
    if context.project is not None and is_shape_task(context.project.task):
        if label_id is not None:
            context.drawLabelRequested.emit(label_id)
        return False
    sample_id = context.current_sample_id
    if context.project is None or sample_id is None:
        context.message("Open a sample first, then press its label's key.")
        return False
    if context.user is None:
        context.message("Say who is working first (File ▸ Switch user…).")
        return False
    store = context.store
    label = context.label_by_id(label_id)
    try:
        require(store, context.user.name, Action.LABEL)
        if not context.commit_edit(SetTag(sample_id, label_id, label_name=label.name if label else "")):
            return False  # the history said why
    except S2Error as exc:
        context.message(str(exc), 0)
        return False
    if advance:
        context.next_sample()
    return True


def color_icon(color: str, size: int = 14) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(color))
    return QIcon(pixmap)


class LabelHotkeys:
    """One window shortcut per label hotkey, rebuilt when the labels change."""

    def __init__(self, context: AppContext, window: QWidget) -> None:
        self.context = context
        self.window = window
        self.shortcuts: list[QShortcut] = []
        context.labelsChanged.connect(self.rebuild)
        context.projectChanged.connect(self.rebuild)
        self.rebuild()

    def rebuild(self) -> None:
        for shortcut in self.shortcuts:
            shortcut.setEnabled(False)
            shortcut.deleteLater()
        self.shortcuts = []
        if self.context.project is None:
            return
        for label in self.context.labels():
            if not label.hotkey:
                continue
            shortcut = QShortcut(QKeySequence(label.hotkey), self.window)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.setWhatsThis(f"Tag the open sample '{label.name}' and go to the next")  # the shortcut sheet
            shortcut.activated.connect(self._tagger(label.id))
            self.shortcuts.append(shortcut)

    def _tagger(self, label_id: int) -> Callable[[], None]:
        def tag() -> None:
            tag_current(self.context, label_id)

        return tag


VISIBLE_ROWS = 12


class QtLabelPanel(QWidget):
    """Labels with their color, hotkey and number of tagged samples; a click tags the open sample."""

    def __init__(self, context: AppContext, on_edit: Callable[[], None] | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.tree = QTreeWidget()
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["label", "key", "count"])
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.tree.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.tree.itemClicked.connect(self._on_clicked)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.edit_button = QPushButton("Edit labels…")
        self._can_edit = on_edit is not None
        if on_edit is not None:
            self.edit_button.clicked.connect(on_edit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.tree, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.edit_button)
        layout.addLayout(buttons)
        self._count_timer = QTimer(self)
        self._count_timer.setSingleShot(True)
        self._count_timer.setInterval(150)
        self._count_timer.timeout.connect(self.refresh_counts)
        context.labelsChanged.connect(self.rebuild)
        context.projectChanged.connect(self.rebuild)
        context.samplesChanged.connect(self._count_timer.start)
        context.annotationsChanged.connect(self._on_annotations_changed)
        context.sampleChanged.connect(lambda _id: self.mark_current())
        context.userChanged.connect(self._update_edit_button)
        context.userChanged.connect(self.mark_current)
        context.projectChanged.connect(self._update_edit_button)
        self.rebuild()
        self._update_edit_button()

    def _update_edit_button(self) -> None:
        """Only leads and engineers edit labels (the core refuses others anyway); say so on the button."""
        user = self.context.user
        allowed = self._can_edit and user is not None and can(user.role, Action.EDIT_LABELS)
        self.edit_button.setEnabled(allowed)
        self.edit_button.setToolTip("" if allowed else "Leads and engineers edit labels")

    def rebuild(self) -> None:
        self.tree.clear()
        if self.context.project is None:
            return
        for label in self.context.labels():
            item = QTreeWidgetItem([label.name, label.hotkey or "", "0"])
            item.setIcon(0, color_icon(label.color))
            item.setData(0, Qt.ItemDataRole.UserRole, label.id)
            item.setToolTip(0, label.description or label.name)
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight)
            self.tree.addTopLevelItem(item)
        self._fit_rows()
        self.refresh_counts()
        self.mark_current()

    def _fit_rows(self) -> None:
        """Ask for room to show every label (up to VISIBLE_ROWS) without scrolling: the labeler
        reads the hotkeys off this list all day."""
        rows = min(self.tree.topLevelItemCount(), VISIBLE_ROWS)
        row_height = self.tree.sizeHintForRow(0) if rows else 0
        frame = 2 * self.tree.frameWidth() + self.tree.header().sizeHint().height()
        self.tree.setMinimumHeight(frame + rows * max(row_height, 1) + 2)

    def _on_annotations_changed(self, sample_id: int) -> None:
        self._count_timer.start()
        if sample_id == self.context.current_sample_id:
            self.mark_current()

    def mark_current(self) -> None:
        """Bold the label the open sample is tagged with, so the labeler sees the current answer."""
        sample_id = self.context.current_sample_id
        tag = None
        context = self.context
        if context.project is not None and sample_id is not None:
            blind = context.user is not None and is_blind(context.store, sample_id, context.user.name)
            tag = None if blind else context.store.annotations.tag_of(sample_id)
        current = tag.label_id if tag is not None else None
        for item in self._items():
            font = item.font(0)
            font.setBold(item.data(0, Qt.ItemDataRole.UserRole) == current)
            item.setFont(0, font)

    def current_label(self) -> int | None:
        """The label shown as the open sample's (bold), for tests and accessibility."""
        for item in self._items():
            if item.font(0).bold():
                return int(item.data(0, Qt.ItemDataRole.UserRole))
        return None

    def refresh_counts(self) -> None:
        if self.context.project is None:
            return
        counts = self.context.store.labels.tag_counts()
        for item in self._items():
            label_id = item.data(0, Qt.ItemDataRole.UserRole)
            item.setText(2, str(counts.get(label_id, 0)))

    def count_of(self, label_id: int) -> int:
        for item in self._items():
            if item.data(0, Qt.ItemDataRole.UserRole) == label_id:
                return int(item.text(2))
        raise KeyError(label_id)

    def _items(self) -> list[QTreeWidgetItem]:
        items = (self.tree.topLevelItem(row) for row in range(self.tree.topLevelItemCount()))
        return [item for item in items if item is not None]

    def _on_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        tag_current(self.context, int(item.data(0, Qt.ItemDataRole.UserRole)))
