"""Model ▸ Models…: the ONNX models the user brought (SAM-family pairs for click-to-segment,
Ultralytics YOLO detectors/segmenters for pre-labels): add from a file or a URL with its
sha256, remove, choose the SAM model the canvas uses, pre-label the open image with a YOLO one.
Adding and downloading run in a worker; the files are checked by signature and checksum."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from s2ide.core.errors import S2Error
from s2ide.ui.shell.context import AppContext
from s2ide.ui.shell.workers import TaskRunner

if TYPE_CHECKING:
    from s2ide.core.store.external_models import ExternalModel

SAM_SETTING = "sam_model"
HELP = (
    "ONNX files only (nothing in them runs as code). SAM family: an encoder and a decoder as "
    "samexporter writes them (SAM, MobileSAM, EfficientSAM). YOLO: an Ultralytics export "
    "(yolo export format=onnx) of a detector or segmenter; its class names are matched to the "
    "project's labels."
)


class QtExternalModelsDialog(QDialog):
    def __init__(self, context: AppContext, window: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Models")
        self.context = context
        self.window_ = window
        self.runner = TaskRunner(self)
        self.runner.finished.connect(self._added)
        self.runner.failed.connect(self._failed)
        self.runner.progress.connect(self._progress)
        layout = QVBoxLayout(self)
        intro = QLabel(HELP)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["Name", "Kind", "On this machine", "Source", "Added by"])
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table)
        buttons = QHBoxLayout()
        for text, slot in (
            ("Add SAM pair…", self.add_sam),
            ("Add YOLO file…", self.add_yolo),
            ("Add from URL…", self.add_url),
            ("Remove", self.remove),
            ("Use for Segment anything", self.use_for_sam),
            ("Pre-label this image", self.prelabel),
        ):
            button = QPushButton(text)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self.resize(820, 360)
        self.refresh()

    def done(self, result: int) -> None:
        self.runner.shutdown()
        super().done(result)

    def _progress(self, progress: Any) -> None:
        self.status.setText(f"{progress.message} {progress.done:,} of {progress.total:,} bytes")

    # -- the list ------------------------------------------------------------------------------
    def models(self) -> list[ExternalModel]:
        return self.context.store.external_models.list() if self.context.project else []

    def refresh(self) -> None:
        from s2ide.ml.external.registry import available

        chosen = self.context.settings.get(SAM_SETTING)
        models = self.models()
        self.table.setRowCount(len(models))
        for row, model in enumerate(models):
            kind = model.kind + (" (used by Segment anything)" if model.kind == "sam" and model.name == chosen else "")
            cells = [model.name, kind, "yes" if available(model) else "no: add it again", model.source, model.added_by]
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()

    def selected(self) -> ExternalModel | None:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        models = self.models()
        return models[min(rows)] if rows and min(rows) < len(models) else None

    # -- adding --------------------------------------------------------------------------------
    def _name(self, suggestion: str) -> str | None:
        name, ok = QInputDialog.getText(self, "Model name", "Name:", text=suggestion)
        return name.strip() if ok and name.strip() else None

    def _start(self, fn: Any, title: str) -> None:
        if self.runner.running:
            self.status.setText("Wait: a model is being added")
            return
        self.status.setText(f"{title}…")
        self.runner.start(fn, title)

    def add_sam(self) -> None:
        encoder, _ = QFileDialog.getOpenFileName(self, "SAM encoder (ONNX)", "", "ONNX models (*.onnx)")
        if not encoder:
            return
        decoder, _ = QFileDialog.getOpenFileName(self, "SAM decoder (ONNX)", str(Path(encoder).parent), "ONNX (*.onnx)")
        if not decoder:
            return
        name = self._name(Path(encoder).name.split(".")[0])
        if name:
            self.add_sam_files(name, Path(encoder), Path(decoder))

    def add_sam_files(self, name: str, encoder: Path, decoder: Path) -> None:
        from s2ide.ml.external.registry import add_sam

        path = self.context.project.path if self.context.project else None
        user = self.context.user_name

        def job(_state: Any) -> str:
            return self._with_store(path, lambda store: add_sam(store, name, encoder, decoder, user).name)

        self._start(job, f"Adding {name}")

    def add_yolo(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "YOLO model (ONNX)", "", "ONNX models (*.onnx)")
        if path:
            name = self._name(Path(path).stem)
            if name:
                self.add_yolo_file(name, Path(path))

    def add_yolo_file(self, name: str, file: Path) -> None:
        from s2ide.ml.external.registry import add_yolo

        path = self.context.project.path if self.context.project else None
        user = self.context.user_name

        def job(_state: Any) -> str:
            return self._with_store(path, lambda store: add_yolo(store, name, file, user).name)

        self._start(job, f"Adding {name}")

    def add_url(self) -> None:
        url, ok = QInputDialog.getText(self, "Add from URL", "URL of a YOLO ONNX file (for SAM, the encoder's):")
        if not ok or not url.strip():
            return
        sha, ok = QInputDialog.getText(self, "Add from URL", "Its sha256 (64 hex digits):")
        if not ok:
            return
        urls = {"model": (url.strip(), sha.strip())}
        kind = "yolo"
        decoder_url, ok = QInputDialog.getText(
            self, "Add from URL", "For a SAM pair, the decoder's URL (else leave empty):"
        )
        if ok and decoder_url.strip():
            decoder_sha, ok = QInputDialog.getText(self, "Add from URL", "The decoder's sha256:")
            if not ok:
                return
            urls = {"encoder": urls["model"], "decoder": (decoder_url.strip(), decoder_sha.strip())}
            kind = "sam"
        name = self._name(Path(url.strip()).name.split(".")[0])
        if name:
            self.add_urls(name, kind, urls)

    def add_urls(self, name: str, kind: str, urls: dict[str, tuple[str, str]]) -> None:
        from s2ide.ml.external.registry import add_from_urls

        path = self.context.project.path if self.context.project else None
        user = self.context.user_name

        def job(state: Any) -> str:
            return self._with_store(path, lambda store: add_from_urls(store, name, kind, urls, user, state).name)

        self._start(job, f"Downloading {name}")

    @staticmethod
    def _with_store(path: Path | None, fn: Any) -> Any:
        """Run `fn(store)` on the worker's own connection (a connection belongs to one thread)."""
        from s2ide.core.project import Project

        if path is None:
            raise S2Error("open a project first")
        project = Project.open(path)
        try:
            return fn(project.store)
        finally:
            project.close()

    def _added(self, name: str) -> None:
        self.status.setText(f"Added {name}")
        self.refresh()

    def _failed(self, text: str) -> None:
        self.status.setText(f"Not added: {text}")

    # -- using -------------------------------------------------------------------------------------
    def remove(self) -> None:
        model = self.selected()
        if model is not None:
            self.context.store.external_models.delete(model.id)
            self.status.setText(f"Removed {model.name} (its file stays in the models folder)")
            self.refresh()

    def use_for_sam(self) -> None:
        model = self.selected()
        if model is None or model.kind != "sam":
            self.status.setText("Choose a SAM model in the list first")
            return
        self.context.settings.set(SAM_SETTING, model.name)
        self.refresh()

    def prelabel(self) -> None:
        model = self.selected()
        if model is None or model.kind == "sam":
            self.status.setText("Choose a YOLO model in the list first")
            return
        feature = getattr(self.window_, "canvas_feature", None)
        if feature is None:
            return
        self.status.setText(feature.prelabel_with(model))
