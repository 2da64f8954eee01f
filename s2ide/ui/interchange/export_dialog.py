"""File ▸ Export…: choose a format, a destination folder and options; the export runs as a task.

The dialog only gathers an `ExportRequest`; the interchange feature runs `core.io.exporting.run_export`
off the GUI thread, so a large export never freezes the window and can be cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from s2ide.core.io.export_job import ExportOptions, ImagesMode
from s2ide.core.io.formats import EXPORTERS
from s2ide.core.store import SampleFilter
from s2ide.core.store.schema import SPLITS
from s2ide.ui.shell.context import AppContext

FORMAT_TITLES = {
    "coco": "COCO JSON (boxes, polygons, RLE masks)",
    "yolo": "YOLO (Ultralytics: detect, OBB, segment)",
    "labelme": "labelme / X-AnyLabeling JSON",
    "voc": "Pascal VOC XML (boxes)",
    "imagefolder": "ImageFolder (class per folder)",
    "csv": "CSV of path,label,split",
    "masks": "Segmentation masks (PNG label maps)",
}
IMAGE_TITLES = {
    ImagesMode.COPY: "Copy images",
    ImagesMode.LINK: "Hard-link images (no extra space)",
    ImagesMode.NONE: "Leave images where they are",
}


@dataclass(frozen=True)
class ExportRequest:
    dest: Path
    format: str
    options: ExportOptions


class ExportDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Export")
        self.format_box = QComboBox()
        for name in EXPORTERS:
            self.format_box.addItem(FORMAT_TITLES.get(name, name), name)
        self.dest_edit = QLineEdit()
        self.dest_edit.setPlaceholderText("a new or empty folder")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        dest_row = QHBoxLayout()
        dest_row.addWidget(self.dest_edit, 1)
        dest_row.addWidget(browse)
        self.split_box = QComboBox()
        self.split_box.addItem("All samples", None)
        for split in SPLITS:
            self.split_box.addItem(f"Only {split}" if split != "none" else "Only samples with no split", split)
        self.images_box = QComboBox()
        self.task_box = QComboBox()
        for task, title in (
            ("auto", "Automatic (from the shapes)"),
            ("detect", "Detect: upright boxes"),
            ("obb", "OBB: oriented boxes"),
            ("segment", "Segment: polygons"),
            ("pose", "Pose: boxes with keypoints"),
        ):
            self.task_box.addItem(title, task)
        self.overwrite = QCheckBox("Replace the folder if it is not empty")
        self.summary = QLabel()
        self.summary.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Format", self.format_box)
        form.addRow("Destination", dest_row)
        form.addRow("Samples", self.split_box)
        form.addRow("Images", self.images_box)
        form.addRow("YOLO task", self.task_box)
        form.addRow("", self.overwrite)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        # No minimum-size constraint on the window: it needs no platform size hints (offscreen
        # and some window managers warn about them); the dialog still opens at its size hint.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.buttons)

        self.format_box.currentIndexChanged.connect(self._format_changed)
        self.split_box.currentIndexChanged.connect(self._update_summary)
        self.dest_edit.textChanged.connect(self._update_buttons)
        self._format_changed()
        self._update_buttons()
        hint = self.sizeHint()
        self.resize(max(600, hint.width()), hint.height())

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export into folder", self.dest_edit.text() or str(Path.home()))
        if folder:
            self.dest_edit.setText(folder)

    def _format_changed(self) -> None:
        fmt = self.format_box.currentData()
        modes = EXPORTERS[fmt].IMAGE_MODES
        self.images_box.clear()
        for mode in modes:
            self.images_box.addItem(IMAGE_TITLES[mode], mode)
        self.task_box.setEnabled(fmt == "yolo")
        self._update_summary()

    def _update_buttons(self) -> None:
        self.export_button.setEnabled(bool(self.dest_edit.text().strip()))

    def _update_summary(self) -> None:
        if self.context.project is None:
            self.summary.setText("No project is open.")
            return
        store = self.context.store
        split = self.split_box.currentData()
        samples = len(store.samples.ids(SampleFilter(split=split))) if split else store.samples.count()
        kinds = store.stats.summary()["kinds"]
        shapes = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())) or "no annotations"
        fmt = self.format_box.currentData()
        self.summary.setText(
            f"{samples} samples will be exported as {FORMAT_TITLES.get(fmt, fmt)}. "
            f"The project holds {shapes}; shapes a format cannot hold are listed when it is done. "
            "The export is written to a temporary folder and moved into place."
        )

    def request(self) -> ExportRequest:
        return ExportRequest(
            dest=Path(self.dest_edit.text().strip()).expanduser(),
            format=self.format_box.currentData(),
            options=ExportOptions(
                split=self.split_box.currentData(),
                images=self.images_box.currentData(),
                yolo_task=self.task_box.currentData(),
                overwrite=self.overwrite.isChecked(),
                user=self.context.user_name,
            ),
        )
