"""Re-make resources/docs/screenshots/training.png: train on the demo from the Training dock, then accept
a pre-label with Enter and look at the next suggestion.

    export S2IDE_CONFIG_DIR=$(mktemp -d)
    python -m s2ide demo /tmp/s2ide-demo
    PYTHONPATH=. xvfb-run -a -s "-screen 0 1600x1000x24" python packaging/screenshots/make_training.py \
        /tmp/s2ide-demo resources/docs/screenshots/training.png
"""

import sys
import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

app = QApplication([])

from s2ide.ui.shell.context import AppContext  # noqa: E402
from s2ide.ui.shell.main_window import MainWindow  # noqa: E402

context = AppContext()
window = MainWindow(context)
window.resize(1560, 960)
window.show()
context.open_project(sys.argv[1])
context.set_user("eve")  # the demo's engineer
ml = window.ml  # type: ignore[attr-defined]
stalls: list[float] = []
last = [time.perf_counter()]
t0 = last[0]


def tick() -> None:
    now = time.perf_counter()
    stalls.append((now - last[0]) * 1000 - 20)
    if stalls[-1] > 50:
        print(f"stall {stalls[-1]:.0f} ms at {now - t0:.1f} s: {ml.panel.progress.format()}")
    last[0] = now


def train() -> None:
    window.activateWindow()
    ml.dock.raise_()
    last[0] = time.perf_counter()
    ticker.start()
    QTest.mouseClick(ml.panel.train_button, Qt.MouseButton.LeftButton)
    ml.jobs.jobFinished.connect(lambda _text: QTimer.singleShot(500, open_first))
    ml.jobs.jobFailed.connect(lambda text: (print("failed:", text), app.quit()))


def open_first() -> None:
    ticker.stop()
    print(f"longest GUI stall while training: {max(stalls):.0f} ms over {len(stalls)} ticks")
    ml.banner.slider.setValue(30)  # show suggestions from 30 % up: Next picks the unsure ones
    context.next_sample()  # Next follows the strategy (margin): the most uncertain sample
    QTimer.singleShot(800, accept)


def accept() -> None:
    window.activateWindow()
    window.view.setFocus()
    print("suggestion before Enter:", ml.banner.text.text())
    sample = context.current_sample_id
    QTest.keyClick(window.view, Qt.Key.Key_Return)
    tag = context.store.annotations.tag_of(sample)
    print("accepted:", sample, tag.source if tag else None, tag.agreed_with_prediction if tag else None)
    QTimer.singleShot(1200, shoot)


def shoot() -> None:
    print("suggestion shown now:", ml.banner.text.text())
    window.grab().save(sys.argv[2])
    window.close()
    app.quit()


ticker = QTimer()
ticker.setInterval(20)
ticker.timeout.connect(tick)
QTimer.singleShot(4000, train)  # a person takes a moment; pyqtgraph preloads meanwhile
app.exec()
