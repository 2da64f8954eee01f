"""Killing the app loses at most the gesture in progress: every finished gesture is committed."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from PIL import Image

from tests.ui.canvas.conftest import add_samples

SCRIPT = textwrap.dedent(
    """
    import os, sys
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from s2ide.ui.shell.context import AppContext
    from s2ide.ui.shell.main_window import MainWindow
    context = AppContext()
    window = MainWindow(context)
    window.show()
    context.open_project(sys.argv[1])
    context.set_user("lara")
    context.open_sample(int(sys.argv[2]))
    view = window.view
    while not view.image_item.full_resolution:
        app.processEvents()
    view.actual_size()
    canvas = window.canvas_feature.canvas
    L, N = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    def send(kind, x, y, button, buttons):
        pos = view.viewportTransform().map(QPointF(x, y))
        glob = view.viewport().mapToGlobal(pos)
        event = QMouseEvent(kind, pos, glob, button, buttons, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(view.viewport(), event)
    canvas.set_tool("box")
    send(QEvent.Type.MouseButtonPress, 10, 10, L, L)
    send(QEvent.Type.MouseMove, 40, 30, N, L)
    send(QEvent.Type.MouseButtonRelease, 40, 30, L, N)
    canvas.set_tool("brush")
    send(QEvent.Type.MouseButtonPress, 60, 50, L, L)
    send(QEvent.Type.MouseMove, 120, 50, N, L)
    os.kill(os.getpid(), 9)  # mid-stroke, as a crash or a power cut would
    """
)


def test_kill_mid_stroke_keeps_the_finished_box_and_drops_only_the_stroke(project, tmp_path: Path):
    path = tmp_path / "shots" / "a.png"
    path.parent.mkdir()
    Image.new("RGB", (200, 100), (9, 90, 9)).save(path)
    (sample_id,) = add_samples(project, [path])
    script = tmp_path / "drive.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    result = subprocess.run(
        [sys.executable, str(script), str(project.path), str(sample_id)], env=env, capture_output=True, timeout=60
    )
    assert result.returncode == -9, result.stderr.decode()[-2000:]
    with project.connect() as store:
        assert sorted(a.kind for a in store.annotations.for_sample(sample_id)) == ["box"]
