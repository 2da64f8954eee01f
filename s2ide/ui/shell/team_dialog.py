"""File ▸ Open team project… and File ▸ Team settings…: sign in to a project on a PostgreSQL server.

The dialog remembers host, port, database and user (never the password in s2ide's settings); the
password lives in this process's environment only (PGPASSWORD, which libpq reads), so the model
jobs' child processes can sign in too. Where the system has a keyring, the person may ask to keep
the password there (ui/shell/passwords.py); it is never written to s2ide's files or a log.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QWidget,
)

from s2ide.core.errors import S2Error
from s2ide.ui.shell.passwords import forget_password, keyring_available, store_password, stored_password

if TYPE_CHECKING:
    from s2ide.ui.shell.context import AppContext

SETTINGS_KEY = "team_connection"


def team_url(host: str, port: int, database: str, user: str) -> str:
    """postgresql://USER@HOST:PORT/DB (no password: libpq takes it from PGPASSWORD or ~/.pgpass)."""
    who = f"{quote(user, safe='')}@" if user else ""
    return f"postgresql://{who}{host}:{port}/{quote(database, safe='')}"


class QtOpenTeamDialog(QDialog):
    """Host, port, database, user and a password asked each time."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open team project")
        self.context = context
        remembered: dict[str, Any] = context.settings.get(SETTINGS_KEY) or {}
        self.host = QLineEdit(str(remembered.get("host", "localhost")))
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(int(remembered.get("port", 5432)))
        self.database = QLineEdit(str(remembered.get("database", "")))
        self.user = QLineEdit(str(remembered.get("user", os.environ.get("PGUSER", ""))))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("asked each time unless kept in the system keyring (or use ~/.pgpass)")
        self.remember = QCheckBox("Keep the password in the system keyring")
        if keyring_available():
            self.remember.setChecked(bool(remembered.get("keyring")))
        else:
            self.remember.setEnabled(False)
            self.remember.setToolTip("This machine has no system keyring (Secret Service, Keychain, ...)")
        form = QFormLayout(self)
        form.addRow("Host", self.host)
        form.addRow("Port", self.port)
        form.addRow("Database", self.database)
        form.addRow("User", self.user)
        form.addRow("Password", self.password)
        form.addRow("", self.remember)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.url: str | None = None

    def accept(self) -> None:
        if not self.host.text().strip() or not self.database.text().strip():
            QMessageBox.warning(self, "Open team project", "Say which host and database to open.")
            return
        url = team_url(
            self.host.text().strip(), self.port.value(), self.database.text().strip(), self.user.text().strip()
        )
        user = self.user.text().strip()
        password = self.password.text() or (stored_password(url, user) if self.remember.isChecked() else None)
        if password:
            os.environ["PGPASSWORD"] = password  # this process and its children only
        try:
            self.context.open_project(url)
        except S2Error as exc:
            if not self.password.text() and password:  # the kept password no longer works: forget it
                forget_password(url, user)
            QMessageBox.critical(self, "Open team project", str(exc))
            return
        if self.remember.isChecked() and self.password.text():
            if not store_password(url, user, self.password.text()):
                self.context.message("The system keyring refused the password; it will be asked next time.")
        elif not self.remember.isChecked():
            forget_password(url, user)
        self.context.settings.set(
            SETTINGS_KEY,
            {
                "host": self.host.text().strip(),
                "port": self.port.value(),
                "database": self.database.text().strip(),
                "user": self.user.text().strip(),
                "keyring": self.remember.isChecked(),
            },
        )
        self.context.settings.save()
        self.url = url
        super().accept()


class QtTeamSettingsDialog(QDialog):
    """This machine's media root for the open team project (S2IDE_MEDIA_ROOT overrides it)."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Team settings")
        self.context = context
        project = context.project
        self.key = f"media_root:{project.location}" if project is not None else ""
        self.root = QLineEdit(str(context.settings.get(self.key) or ""))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.root)
        row.addWidget(browse)
        form = QFormLayout(self)
        form.addRow(QLabel("Where this machine sees the team's shared image folder:"))
        form.addRow("Media root", row)
        if os.environ.get("S2IDE_MEDIA_ROOT"):
            form.addRow(QLabel(f"S2IDE_MEDIA_ROOT={os.environ['S2IDE_MEDIA_ROOT']} overrides this setting."))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Media root", self.root.text())
        if folder:
            self.root.setText(folder)

    def accept(self) -> None:
        root = Path(self.root.text().strip())
        if not root.is_dir():
            QMessageBox.warning(self, "Team settings", f"{root} is not a folder on this machine.")
            return
        self.context.settings.set(self.key, str(root))
        self.context.settings.save()
        super().accept()


def attach(window: Any) -> None:
    """File ▸ Open team project… and File ▸ Team settings…"""
    context = window.context

    def open_team() -> None:
        QtOpenTeamDialog(context, window).exec()

    def settings() -> None:
        project = context.project
        if project is None or not project.is_team:
            context.message("Team settings are for a team project: open one first.")
            return
        QtTeamSettingsDialog(context, window).exec()

    menu = window.menu("&File")
    actions = menu.actions()
    # beside Open project… / Open recent, so Import, Export and Quit keep their places
    anchor = next((actions[i + 1] for i, a in enumerate(actions[:-1]) if a.text() == "Open &recent"), None)
    for title, slot in (("Open &team project…", open_team), ("Team se&ttings…", settings)):
        action = QAction(title, menu)
        action.triggered.connect(slot)
        if anchor is not None:
            menu.insertAction(anchor, action)
        else:
            menu.addAction(action)
