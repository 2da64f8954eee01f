"""Model menu dialogs for tests and releases: pin the open sample as a model test, save the
gallery's samples as a named slice with a minimum, export a version (ONNX/TorchScript).

The dialogs only collect input; core.engine.model_tests writes (with role checks and audit),
and the export runs as a model job in the child process (ModelJobs.export_model).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QWidget,
)

from s2ide.core.engine.model_tests import pin_sample, save_filter_slice, save_slice
from s2ide.core.errors import S2Error
from s2ide.ui.shell.context import AppContext
from s2ide.ui.training.model_jobs import ModelJobs


class PinDialog(QDialog):
    """ "This sample must (not) be predicted as X", with a note."""

    def __init__(self, context: AppContext, sample_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Pin as a model test")
        store = context.store
        sample = store.samples.get(sample_id)
        tag = store.annotations.tag_of(sample_id)
        self.kind = QComboBox()
        for text, kind in (("must be", "must_be"), ("must not be", "must_not_be"), ("must find", "must_find")):
            self.kind.addItem(text, kind)
        self.label = QComboBox()
        for label in context.labels():
            self.label.addItem(label.name, label.id)
        if tag is not None and tag.label_id is not None:
            self.label.setCurrentIndex(max(0, self.label.findData(tag.label_id)))
        self.note = QLineEdit()
        self.note.setPlaceholderText("why this case matters (e.g. the tunnel entrance with wipers on)")
        form = QFormLayout(self)
        form.addRow(QLabel(sample.path))
        form.addRow("Predicted label", self.kind)
        form.addRow("Label", self.label)
        form.addRow("Note", self.note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> dict[str, Any]:
        return {"kind": self.kind.currentData(), "label": int(self.label.currentData()), "note": self.note.text()}


class SliceDialog(QDialog):
    def __init__(self, described: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Save as a slice")
        self.name = QLineEdit()
        self.name.setPlaceholderText("night, blurry, rare class, ...")
        self.metric_box = QComboBox()
        self.metric_box.addItems(["accuracy", "macro_f1"])
        self.minimum = QDoubleSpinBox()
        self.minimum.setRange(0.0, 1.0)
        self.minimum.setSingleStep(0.05)
        self.minimum.setDecimals(3)
        self.minimum.setSpecialValueText("no minimum")
        form = QFormLayout(self)
        form.addRow(QLabel(described))
        form.addRow("Name", self.name)
        form.addRow("Metric", self.metric_box)
        form.addRow("Minimum", self.minimum)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> dict[str, Any]:
        minimum = self.minimum.value()
        return {"name": self.name.text().strip(), "metric": self.metric_box.currentText(), "minimum": minimum or None}


def pin_open_sample(window: QMainWindow, context: AppContext) -> bool:
    if context.project is None or context.current_sample_id is None:
        context.message("Open a sample first, then pin it as a model test.")
        return False
    dialog = PinDialog(context, context.current_sample_id, window)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    values = dialog.values()
    try:
        test = pin_sample(context.store, context.current_sample_id, values["label"], context.user_name,
                          kind=values["kind"], note=values["note"])  # fmt: skip
    except S2Error as exc:
        context.message(str(exc), 0)
        return False
    context.message(f"Model test #{test.id} pinned: every new version must pass it")
    context.modelsChanged.emit()
    return True


def gallery_filter(window: QMainWindow) -> Any:
    """The gallery's current SampleFilter (its shown list, or its filters), found by duck typing
    so the training feature does not import the gallery's widgets."""
    for widget in window.findChildren(QWidget):
        current = getattr(widget, "current_filter", None)
        if callable(current):
            return current()
    return None


def save_gallery_slice(window: QMainWindow, context: AppContext) -> bool:
    if context.project is None:
        return False
    flt = gallery_filter(window)
    if flt is None:
        context.message("No gallery to take the samples from.")
        return False
    if flt.ids is not None:
        described = f"The {len(flt.ids)} samples the gallery shows now"
    else:
        parts = [f"{k}={getattr(flt, k)}" for k in ("split", "status", "label_id", "search") if getattr(flt, k)]
        described = "The gallery's filter: " + (", ".join(parts) or "every sample") + " (follows the data)"
    dialog = SliceDialog(described, window)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    values = dialog.values()
    try:
        if flt.ids is not None:
            save_slice(context.store, values["name"], flt.ids, context.user_name,
                       metric=values["metric"], minimum=values["minimum"])  # fmt: skip
        else:
            definition = {k: getattr(flt, k) for k in ("split", "status", "label_id", "search", "unlabeled_only")}
            save_filter_slice(context.store, values["name"], definition, context.user_name,
                              metric=values["metric"], minimum=values["minimum"])  # fmt: skip
    except S2Error as exc:
        context.message(str(exc), 0)
        return False
    context.message(f"Slice {values['name']!r} saved: every new version is measured on it")
    context.modelsChanged.emit()
    return True


class ExportDialog(QDialog):
    def __init__(self, versions: list[str], active: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export model")
        self.version = QComboBox()
        self.version.addItems(versions)
        if active:
            self.version.setCurrentText(active)
        self.format = QComboBox()
        self.format.addItems(["onnx", "torchscript"])
        self.folder = QLineEdit(str(Path.home() / "s2ide-export"))
        browse = QDialogButtonBox()
        choose = browse.addButton("Choose folder…", QDialogButtonBox.ButtonRole.ActionRole)
        choose.clicked.connect(self._choose)
        form = QFormLayout(self)
        form.addRow("Version", self.version)
        form.addRow("Format", self.format)
        form.addRow("Folder", self.folder)
        form.addRow(browse)
        form.addRow(QLabel("Writes the model file, its label map and preprocessing, and a model card."))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _choose(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Export into", self.folder.text())
        if chosen:
            self.folder.setText(chosen)


def export_model(window: QMainWindow, context: AppContext, jobs: ModelJobs) -> bool:
    if context.project is None:
        return False
    models = [m for m in context.store.models.list() if m.state in ("ready", "active")]
    if not models:
        context.message("No trained model to export yet.")
        return False
    active = next((m.version for m in models if m.active), None)
    dialog = ExportDialog([m.version for m in models], active, window)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    return jobs.export_model(Path(dialog.folder.text()), dialog.format.currentText(), dialog.version.currentText())
