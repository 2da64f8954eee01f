"""Who is working: pick an existing user of the project or add one (name + role).

The choice is remembered per project in the personal settings (`context.set_user`), so the
dialog shows only the first time a person opens a project, or on File ▸ Switch user….
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from s2ide.core.errors import S2Error
from s2ide.core.review.users import add_user
from s2ide.core.store.schema import ROLES
from s2ide.ui.shell.context import AppContext

NEW_USER = ""


class QtUserDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        project = context.project
        self.setWindowTitle(f"Who is working on {project.name if project else 'this project'}?")
        self.users = QComboBox()
        for user in context.store.users.list():
            self.users.addItem(f"{user.name} ({user.role})", user.name)
        self.users.addItem("Add a new user…", NEW_USER)
        self.name = QLineEdit()
        self.name.setPlaceholderText("your name")
        self.role = QComboBox()
        for role in ROLES:
            self.role.addItem(role, role)
        if not context.store.users.list():  # the first user is the creator: the owner, with every action
            self.role.setCurrentIndex(self.role.findData("engineer"))
        self.error = QLabel()
        self.error.setStyleSheet("color: #c62828")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("User", self.users)
        form.addRow("New name", self.name)
        form.addRow("Role", self.role)
        intro = QLabel("Every label and decision is recorded under this name; the role decides what you may do.")
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.users.currentIndexChanged.connect(lambda _i: self._sync())
        current = context.user.name if context.user else None
        if current is not None:
            self.users.setCurrentIndex(max(0, self.users.findData(current)))
        self._sync()
        self.setMinimumWidth(380)

    def _sync(self) -> None:
        new = self.users.currentData() == NEW_USER
        self.name.setEnabled(new)
        self.role.setEnabled(new)

    def choose_existing(self, name: str) -> None:
        self.users.setCurrentIndex(self.users.findData(name))

    def choose_new(self, name: str, role: str) -> None:
        self.users.setCurrentIndex(self.users.findData(NEW_USER))
        self.name.setText(name)
        self.role.setCurrentIndex(self.role.findData(role))

    def apply(self) -> bool:
        """Add the user if new and make them the current one; False with the reason shown."""
        name = self.users.currentData()
        try:
            if name == NEW_USER:
                name = self.name.text().strip()
                if not name:
                    raise S2Error("type a name for the new user")
                if self.context.store.users.get(name) is not None:
                    raise S2Error(f"{name!r} exists already; pick them from the list")
                add_user(self.context.store, name, self.role.currentData())
            self.context.set_user(name)
        except (S2Error, ValueError) as exc:
            self.error.setText(str(exc))
            return False
        return True

    def accept(self) -> None:
        if self.apply():
            super().accept()
