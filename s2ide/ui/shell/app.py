"""Start the app: `s2ide gui [PROJECT]` (no PROJECT: the last one, else the demo); PROJECT may
be a folder of images, which opens as a project of its own (`s2ide FOLDER`)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from s2ide.core.errors import S2Error
from s2ide.core.resources import resource_path
from s2ide.core.settings import Settings
from s2ide.core.store.postgres import is_url
from s2ide.ui.gallery.feature import ensure_user, start_on_a_sample
from s2ide.ui.shell.context import AppContext
from s2ide.ui.shell.main_window import MainWindow


def choose_project(argv: Sequence[str], settings: Settings) -> Path | str:
    if argv:
        return argv[0] if is_url(argv[0]) else Path(argv[0])  # a postgresql:// URL opens a team project
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
    app.setWindowIcon(QIcon(str(resource_path("icons", "s2ide.png"))))
    context = AppContext()
    window = MainWindow(context)
    window.restore_layout()
    window.show()
    target = choose_project(args, context.settings)
    from s2ide.core.io.folder_project import has_images

    if isinstance(target, Path) and has_images(target):  # `s2ide FOLDER`: a folder of images opens at once
        window.folder_opener.open(target)  # type: ignore[attr-defined]
        return app, window
    try:
        context.open_project(target)
    except S2Error as exc:
        QMessageBox.critical(window, "s2ide", str(exc))
    else:
        ensure_user(window)
        start_on_a_sample(window)
    return app, window


STARTUP_PROBE = "S2IDE_STARTUP_PROBE"


def main(argv: Sequence[str] | None = None) -> int:
    app, _window = start(argv)
    if os.environ.get(STARTUP_PROBE):
        # For start-up benchmarks of installs and bundles: print when the first event-loop turn
        # after the window was shown runs (the window is usable), then quit.
        def report() -> None:
            print(f"s2ide window shown at {time.time():.6f}", flush=True)
            app.quit()

        QTimer.singleShot(0, report)
    return int(app.exec())


if __name__ == "__main__":
    raise SystemExit(main())
