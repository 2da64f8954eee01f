"""Re-make resources/docs/screenshots/main_window.png: the demo project, a thumbnail clicked, a number key pressed.

    export S2IDE_CONFIG_DIR=$(mktemp -d)
    python -m s2ide demo /tmp/s2ide-demo
    PYTHONPATH=. xvfb-run -a -s "-screen 0 1600x1000x24" python packaging/screenshots/make_main_window.py \
        /tmp/s2ide-demo resources/docs/screenshots/main_window.png
"""

import sys

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

app = QApplication([])

from s2ide.ui.shell.context import AppContext  # noqa: E402
from s2ide.ui.shell.main_window import MainWindow  # noqa: E402

context = AppContext()
window = MainWindow(context)
window.resize(1500, 900)
window.show()
context.open_project(sys.argv[1])
context.set_user("ada")
gallery = window.foundation.gallery


def click() -> None:
    window.activateWindow()
    model = gallery.model
    row = next(r for r in range(model.rowCount()) if model.value(r, "path").endswith("digit_0003.png"))
    index = model.index(row)
    gallery.view.scrollTo(index)
    QTest.mouseClick(gallery.view.viewport(), Qt.MouseButton.LeftButton, pos=gallery.view.visualRect(index).center())
    QTimer.singleShot(800, press)


def press() -> None:
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_3)  # tags it "three", opens the next unlabeled sample
    QTimer.singleShot(1500, shoot)


def shoot() -> None:
    window.grab().save(sys.argv[2])
    window.close()
    app.quit()


QTimer.singleShot(1500, click)
app.exec()
