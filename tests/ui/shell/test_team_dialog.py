"""File > Open team project…: sign in, the database user is the user, the password is never kept."""

from __future__ import annotations

import json
import os
from typing import ClassVar

import pytest

from tests.ui.conftest import QT_LOG_MARKS

pytestmark = QT_LOG_MARKS


def test_open_team_project_dialog(qtbot, team_project, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    from s2ide.core.settings import config_dir
    from s2ide.ui.shell.context import AppContext
    from s2ide.ui.shell.team_dialog import QtOpenTeamDialog, QtTeamSettingsDialog

    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.delenv("S2IDE_MEDIA_ROOT", raising=False)
    host_port, database = team_project.display.split("@", 1)[1].split("/", 1)
    host, port = host_port.split(":")
    ctx = AppContext()
    dialog = QtOpenTeamDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.host.setText(host)
    dialog.port.setValue(int(port))
    dialog.database.setText(database)
    dialog.user.setText("leo")
    dialog.password.setText("wrong")
    monkeypatch.setattr("s2ide.ui.shell.team_dialog.QMessageBox.critical", lambda *a: shown.append(a[2]))
    shown: list[str] = []
    dialog.accept()
    assert ctx.project is None and len(shown) == 1 and "password authentication failed" in shown[0]
    dialog.password.setText("leo-pw")
    dialog.accept()
    assert ctx.project is not None and ctx.project.is_team
    assert ctx.user is not None and (ctx.user.name, ctx.user.role) == ("leo", "lead")
    saved = (config_dir() / "settings.json").read_text()
    assert "leo-pw" not in saved and json.loads(saved)["team_connection"]["user"] == "leo"

    settings = QtTeamSettingsDialog(ctx)
    qtbot.addWidget(settings)
    settings.root.setText(str(tmp_path))
    settings.accept()
    assert ctx.project.media_root() == tmp_path
    ctx.close_project()
    os.environ.pop("PGPASSWORD", None)


def test_the_password_may_be_kept_in_the_system_keyring(qtbot, team_project, monkeypatch, tmp_path) -> None:
    """Where a keyring exists the person may keep the password there: next time the dialog signs
    in without asking; s2ide's own settings never hold it; a password that stopped working is forgotten."""
    import keyring
    from keyring.backend import KeyringBackend

    from s2ide.core.settings import config_dir
    from s2ide.ui.shell.context import AppContext
    from s2ide.ui.shell.team_dialog import QtOpenTeamDialog

    class MemoryKeyring(KeyringBackend):
        priority = 1  # type: ignore[assignment]
        kept: ClassVar[dict[tuple[str, str], str]] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.kept.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.kept[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.kept.pop((service, username), None)

    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    monkeypatch.delenv("PGPASSWORD", raising=False)
    host_port, database = team_project.display.split("@", 1)[1].split("/", 1)
    host, port = host_port.split(":")
    try:
        ctx = AppContext()

        def dialog(password: str) -> QtOpenTeamDialog:
            made = QtOpenTeamDialog(ctx)
            qtbot.addWidget(made)
            made.host.setText(host)
            made.port.setValue(int(port))
            made.database.setText(database)
            made.user.setText("leo")
            made.password.setText(password)
            return made

        first = dialog("leo-pw")
        assert first.remember.isEnabled()
        first.remember.setChecked(True)
        first.accept()
        assert ctx.project is not None and list(MemoryKeyring.kept.values()) == ["leo-pw"]
        assert "leo-pw" not in (config_dir() / "settings.json").read_text()
        ctx.close_project()
        os.environ.pop("PGPASSWORD", None)
        second = dialog("")  # not asked again: the keyring has it
        assert second.remember.isChecked()
        second.accept()
        assert ctx.project is not None and ctx.user is not None and ctx.user.name == "leo"
        ctx.close_project()
        os.environ.pop("PGPASSWORD", None)
        MemoryKeyring.kept[next(iter(MemoryKeyring.kept))] = "changed-since"
        monkeypatch.setattr("s2ide.ui.shell.team_dialog.QMessageBox.critical", lambda *a: None)
        dialog("").accept()
        assert ctx.project is None and MemoryKeyring.kept == {}  # a stale password is forgotten
    finally:
        keyring.set_keyring(previous)
        os.environ.pop("PGPASSWORD", None)
