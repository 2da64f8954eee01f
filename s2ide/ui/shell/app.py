"""Start the app: `s2ide gui [PROJECT]` (no PROJECT: the last one, else the demo); PROJECT may
be a folder of images, which opens as a project of its own (`s2ide FOLDER`)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

from s2ide.core.errors import S2Error
from s2ide.core.settings import Settings
from s2ide.ui.gallery.feature import ensure_user
from s2ide.ui.shell.context import AppContext
from s2ide.ui.shell.main_window import MainWindow


def choose_project(argv: Sequence[str], settings: Settings) -> Path:
    if argv:
        return Path(argv[0])
    last = settings.last_project
    if last is not None and (last / "project.db").is_file():
        return last
    from s2ide.core.io.demo import build_demo

    return build_demo().path


def start(argv: Sequence[str] | None = None) -> tuple[QApplication, MainWindow]:
    """Create the app and its window, open the project and ask who works if nobody is remembered."""
    args = list(sys.argv[1:] if argv is None else argv)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("s2ide")
    app.setOrganizationName("s2ide")
    context = AppContext()
    window = MainWindow(context)
    window.restore_layout()
    window.show()
    target = choose_project(args, context.settings)
    from s2ide.core.io.folder_project import has_images

    if has_images(target):  # `s2ide FOLDER`: a folder of images opens as a project at once
        window.folder_opener.open(target)  # type: ignore[attr-defined]
        return app, window
    try:
        context.open_project(target)
    except S2Error as exc:
        QMessageBox.critical(window, "s2ide", str(exc))
    else:
        ensure_user(window)
    return app, window


def main(argv: Sequence[str] | None = None) -> int:
    app, _window = start(argv)
    return int(app.exec())


if __name__ == "__main__":
    raise SystemExit(main())
