"""The Guidelines panel beside the canvas: the lead's description and guideline text for a
label, with example images and their captions. It follows the open sample's label; leads and
engineers edit it here (the core refuses labelers).
"""

from __future__ import annotations

import html

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QImageReader, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from s2ide.core.errors import S2Error
from s2ide.core.review.agreement import is_blind
from s2ide.core.review.guidelines import examples, remove_example, set_guideline
from s2ide.core.review.users import Action, can
from s2ide.core.store.records import Label
from s2ide.ui.shell.context import AppContext

THUMB = 96


def example_icon(context: AppContext, sha256: str, path: str) -> QIcon:
    """The cached import thumbnail, else the image read at thumbnail size."""
    assert context.project is not None
    thumb = context.project.thumbnail_path(sha256)
    source = thumb if thumb.is_file() else context.project.image_path(path)
    reader = QImageReader(str(source))
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid():
        size.scale(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio)
        reader.setScaledSize(size)
    image = reader.read()
    return QIcon(QPixmap.fromImage(image)) if not image.isNull() else QIcon()


class GuidelineEditor(QDialog):
    def __init__(self, label: Label, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Guidelines for {label.name}")
        self.description = QPlainTextEdit(label.description)
        self.description.setFixedHeight(60)
        self.guideline = QPlainTextEdit(label.guideline)
        form = QFormLayout(self)
        form.addRow("Description", self.description)
        form.addRow("Guideline", self.guideline)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.resize(460, 340)


class GuidelinesPanel(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.label_combo = QComboBox()
        self.label_combo.currentIndexChanged.connect(self.refresh)
        self.edit_button = QPushButton("Edit…")
        self.edit_button.clicked.connect(self.edit)
        self.remove_button = QPushButton("Remove example")
        self.remove_button.clicked.connect(self.remove_selected)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("background: #fff3cd; color: #664d03; padding: 4px;")
        self.text = QTextBrowser()
        self.text.setMinimumHeight(40)
        self.examples = QListWidget()
        self.examples.setViewMode(QListWidget.ViewMode.IconMode)
        self.examples.setIconSize(QSize(THUMB, THUMB))
        self.examples.setGridSize(QSize(THUMB + 40, THUMB + 56))
        self.examples.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.examples.setWordWrap(True)
        self.examples.setMinimumHeight(40)
        self.examples.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.examples.itemDoubleClicked.connect(lambda item: context.open_sample(item.data(Qt.ItemDataRole.UserRole)))
        top = QHBoxLayout()
        top.addWidget(self.label_combo, 1)
        top.addWidget(self.edit_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(self.text, 2)
        layout.addWidget(QLabel("Examples (double-click to open)"))
        layout.addWidget(self.examples, 3)
        layout.addWidget(self.remove_button)
        context.projectChanged.connect(self.reload_labels)
        context.labelsChanged.connect(self.reload_labels)
        context.userChanged.connect(self.refresh)
        context.sampleChanged.connect(self.follow_sample)
        context.annotationsChanged.connect(self._on_annotations)
        self.reload_labels()

    # -- which label -----------------------------------------------------------------------
    def reload_labels(self) -> None:
        current = self.label_combo.currentData()
        self.label_combo.blockSignals(True)
        self.label_combo.clear()
        if self.context.project is not None:
            for label in self.context.labels():
                self.label_combo.addItem(label.name, label.id)
        index = self.label_combo.findData(current)
        self.label_combo.setCurrentIndex(max(index, 0))
        self.label_combo.blockSignals(False)
        self.refresh()

    def show_label(self, label_id: int) -> None:
        index = self.label_combo.findData(label_id)
        if index >= 0:
            self.label_combo.setCurrentIndex(index)

    def follow_sample(self, sample_id: int) -> None:
        """Show the guideline of the open sample's label, unless it must be labeled blind."""
        if sample_id >= 0 and self.context.project is not None:
            store = self.context.store
            blind = self.context.user is not None and is_blind(store, sample_id, self.context.user.name)
            tag = store.annotations.tag_of(sample_id)
            if tag is not None and tag.label_id is not None and not blind:
                self.show_label(tag.label_id)
            elif tag is None and not blind:  # unlabeled: the model's guess is the label to read up on
                prediction = store.review.escalations.active_prediction(sample_id)
                if prediction is not None and prediction[0] is not None:
                    self.show_label(prediction[0])
        self.refresh()

    def _on_annotations(self, sample_id: int) -> None:
        """Only the open sample matters here (its label, a new example); other changes are skipped."""
        if sample_id == self.context.current_sample_id:
            self.follow_sample(sample_id)

    # -- content ---------------------------------------------------------------------------
    def current_label(self) -> Label | None:
        return self.context.label_by_id(self.label_combo.currentData()) if self.context.project else None

    def refresh(self) -> None:
        label = self.current_label()
        user = self.context.user
        editor = user is not None and can(user.role, Action.EDIT_GUIDELINES)
        self.edit_button.setVisible(editor)
        self.remove_button.setVisible(editor)
        self._update_banner()
        self.examples.clear()
        if label is None:
            self.text.setHtml("<i>No label.</i>")
            return
        fresh = self.context.store.labels.get(label.id)
        description = html.escape(fresh.description) or "<i>No description yet.</i>"
        guideline = html.escape(fresh.guideline).replace("\n", "<br>") or "<i>No guideline yet.</i>"
        self.text.setHtml(
            f"<h3 style='color:{fresh.color}'>{html.escape(fresh.name)}</h3><p>{description}</p><p>{guideline}</p>"
        )
        for example in examples(self.context.store, label.id):
            item = QListWidgetItem(example_icon(self.context, example.sha256, example.path), example.caption or "")
            item.setData(Qt.ItemDataRole.UserRole, example.sample_id)
            item.setData(Qt.ItemDataRole.UserRole + 1, example.id)
            item.setToolTip(f"{example.path}\n{example.caption}\nadded by {example.added_by}")
            self.examples.addItem(item)

    def _update_banner(self) -> None:
        sample_id = self.context.current_sample_id
        user = self.context.user
        blind = (
            self.context.project is not None
            and sample_id is not None
            and user is not None
            and is_blind(self.context.store, sample_id, user.name)
        )
        self.banner.setText(
            "Double-labeling: another labeler labeled this sample. Give your own label without checking theirs."
        )
        self.banner.setVisible(bool(blind))

    # -- editing ---------------------------------------------------------------------------
    def edit(self) -> None:
        label = self.current_label()
        if label is None:
            return
        fresh = self.context.store.labels.get(label.id)
        dialog = GuidelineEditor(fresh, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.save(label.id, dialog.description.toPlainText(), dialog.guideline.toPlainText())

    def save(self, label_id: int, description: str, guideline: str) -> bool:
        try:
            set_guideline(
                self.context.store, label_id, self.context.user_name, description=description, guideline=guideline
            )
        except S2Error as exc:
            self.context.message(str(exc), 8000)
            return False
        self.context.labelsChanged.emit()
        return True

    def remove_selected(self) -> bool:
        item = self.examples.currentItem()
        if item is None:
            return False
        try:
            remove_example(self.context.store, item.data(Qt.ItemDataRole.UserRole + 1), self.context.user_name)
        except S2Error as exc:
            self.context.message(str(exc), 8000)
            return False
        self.refresh()
        return True
