"""File ▸ New project… (folder, labels, task) and the folder picker for File ▸ Open project…."""

from __future__ import annotations

import getpass
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from s2ide.core.errors import S2Error
from s2ide.core.project import TASKS, Project
from s2ide.core.review.users import add_user


class QtNewProjectDialog(QDialog):
    """Creates the project folder on OK; `created` holds the new project afterwards."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New project")
        self.created: Project | None = None
        self.owner: str | None = None
        self.folder = QLineEdit()
        self.folder.setPlaceholderText("a new or empty folder")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.labels = QLineEdit()
        self.labels.setPlaceholderText("cat, dog, bird")
        self.task = QComboBox()
        for task in TASKS:
            self.task.addItem(task, task)
        self.error = QLabel()
        self.error.setStyleSheet("color: #c62828")
        self.error.setWordWrap(True)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse)
        form = QFormLayout()
        form.addRow("Folder", folder_row)
        form.addRow("Labels", self.labels)
        form.addRow("Task", self.task)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(480, 0)

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Project folder")
        if chosen:
            self.folder.setText(chosen)

    def fill(self, folder: Path | str, labels: str, task: str = "classify") -> None:
        self.folder.setText(str(folder))
        self.labels.setText(labels)
        self.task.setCurrentIndex(self.task.findData(task))

    def apply(self) -> bool:
        folder = self.folder.text().strip()
        if not folder:
            self.error.setText("choose a folder for the project")
            return False
        names = [name.strip() for name in self.labels.text().split(",") if name.strip()]
        try:
            self.created = Project.create(Path(folder).expanduser(), names, task=self.task.currentData())
        except S2Error as exc:
            self.error.setText(str(exc))
            return False
        # The creator owns the project: every action (engineer), so Edit labels… is never refused.
        self.owner = getpass.getuser() or "owner"
        add_user(self.created.store, self.owner, "engineer")
        self.created.store.meta.set("owner", self.owner)
        self.created.close()  # the context opens it again with its own connection
        return True

    def accept(self) -> None:
        if self.apply():
            super().accept()


def pick_project_folder(parent: QWidget | None) -> Path | None:
    chosen = QFileDialog.getExistingDirectory(parent, "Open project folder")
    return Path(chosen) if chosen else None
