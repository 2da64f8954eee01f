"""The engineer feature: hidden docks that build their views (and import pyqtgraph) on first show."""

from __future__ import annotations

import subprocess
import sys

from PySide6.QtWidgets import QDockWidget

from s2ide.ui.insight.feature import VIEWS, LazyView
from s2ide.ui.shell.context import AppContext
from s2ide.ui.shell.main_window import MainWindow


def test_docks_build_their_views_lazily(qtbot, filled_project) -> None:
    context = AppContext()
    window = MainWindow(context)
    qtbot.addWidget(window)
    context.project = filled_project
    docks = {dock.windowTitle(): dock for dock in window.findChildren(QDockWidget)}
    titles = [title for title, *_ in VIEWS]
    assert set(titles) <= set(docks)
    lazies = {title: docks[title].widget() for title in titles}
    assert all(isinstance(lazy, LazyView) and lazy.view is None for lazy in lazies.values())
    window.show()
    actions = {a.text(): a for a in window.menu("&Model").actions()}
    actions["Dataset view"].trigger()
    qtbot.waitUntil(lambda: lazies["Dataset"].view is not None, timeout=3000)
    view = lazies["Dataset"].view
    qtbot.waitUntil(lambda: view.distribution is not None and not view.refresher.busy, timeout=10000)
    assert view.distribution.status["labeled"] == 5
    assert lazies["Embeddings"].view is None
    window.close()  # stops every view's worker


def test_app_start_does_not_import_pyqtgraph(tmp_path) -> None:
    code = (
        "import sys, os; os.environ['QT_QPA_PLATFORM']='offscreen';"
        "from PySide6.QtWidgets import QApplication; app = QApplication([]);"
        "from s2ide.ui.shell.context import AppContext; from s2ide.ui.shell.main_window import MainWindow;"
        "w = MainWindow(AppContext()); w.show(); app.processEvents();"
        "print('pyqtgraph' in sys.modules, 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.split() == ["False", "False"]
