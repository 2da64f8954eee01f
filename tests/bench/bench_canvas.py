"""Canvas benchmarks: each figure beside the raw limit measured in the same run, and their ratio.

    python tests/bench/bench_canvas.py [--quick]

- open a 7680x4320 JPEG: time to first view (preview painted) and to full resolution,
  against Pillow's decode and Qt's QImageReader decode of the same file;
- pan frame time at 1x and 0.25x zoom, against Qt rendering a plain pixmap of the same area;
- brush stroke latency on a 3840x2160 mask (mouse move event to repainted pixels),
  against the same plain-pixmap frame;
- next sample (1080p, prefetched): open_sample to image and annotations painted, against
  Pillow's decode of one of those files;
- resident memory with the 8K image and two painted masks open, against the decoded bytes.
- reopening that 8K sample with nothing prefetched: how long the GUI thread is blocked, and
  when the masks are on the canvas, against decoding the two masks.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np
from PIL import Image


def photo(width: int, height: int, seed: int) -> Image.Image:
    """A photo-like image (smooth gradients, edges, noise) so JPEG sizes are realistic."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, (height // 64 + 1, width // 64 + 1, 3), dtype=np.uint8)
    image = Image.fromarray(small).resize((width, height), Image.Resampling.BICUBIC)
    noise = rng.integers(-6, 6, (height, width, 3), dtype=np.int16)
    return Image.fromarray(np.clip(np.asarray(image, dtype=np.int16) + noise, 0, 255).astype(np.uint8))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def row(what: str, figure: float, limit_name: str, limit: float) -> None:
    ratio = figure / limit if limit else float("nan")
    print(f"{what:<44} {ms(figure)}   limit ({limit_name}) {ms(limit)}   ratio {ratio:5.2f}")


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    repeats = 2 if args.quick else 4
    frames = 30 if args.quick else 120
    workdir = Path(tempfile.mkdtemp(prefix="bench-canvas-"))
    os.environ["S2IDE_CONFIG_DIR"] = str(workdir / "config")

    images = workdir / "images"
    images.mkdir()
    big = images / "eight_k.jpg"
    photo(7680, 4320, 1).save(big, quality=90)
    four_k = images / "four_k.jpg"
    photo(3840, 2160, 2).save(four_k, quality=90)
    hd = []
    for index in range(8):
        path = images / f"hd{index}.jpg"
        photo(1920, 1080, 10 + index).save(path, quality=90)
        hd.append(path)

    from s2ide.core.io.formats import read_plan
    from s2ide.core.io.import_options import ImportOptions
    from s2ide.core.io.importing import run_import
    from s2ide.core.project import Project
    from s2ide.core.review.users import add_user
    from s2ide.core.tasks import TaskState

    project = Project.create(workdir / "proj", ["car", "road"], task="segment")
    add_user(project.store, "bench", "labeler")
    run_import(project, read_plan(images, "folder"), ImportOptions(), TaskState())
    ids = {Path(s["path"]).name: s["id"] for s in project.store.samples.rows()}
    project.close()

    from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
    from PySide6.QtGui import QImageReader, QMouseEvent, QPainter, QPixmap
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    from s2ide.ui.shell.context import AppContext
    from s2ide.ui.shell.main_window import MainWindow

    context = AppContext()
    window = MainWindow(context)
    window.resize(1600, 1000)
    window.show()
    context.open_project(workdir / "proj")
    context.set_user("bench")
    view = window.view
    feature = window.canvas_feature  # type: ignore[attr-defined]
    app.processEvents()

    def wait(condition, timeout: float = 30.0) -> None:
        end = time.perf_counter() + timeout
        while not condition():
            app.processEvents()
            if time.perf_counter() > end:
                raise TimeoutError("benchmark step timed out")
            time.sleep(0.0005)

    def paint() -> None:
        view.viewport().repaint()

    print(f"s2ide canvas benchmark ({'quick' if args.quick else 'full'}), viewport {view.viewport().size().toTuple()}")

    # -- open an 8K JPEG ------------------------------------------------------------------
    pillow_8k = []
    for _ in range(repeats):
        start = time.perf_counter()
        with Image.open(big) as opened:
            opened.load()
        pillow_8k.append(time.perf_counter() - start)
    qt_8k, qt_preview = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        QImageReader(str(big)).read()
        qt_8k.append(time.perf_counter() - start)
        start = time.perf_counter()
        reader = QImageReader(str(big))
        reader.setScaledSize(reader.size() / 4)
        reader.read()
        qt_preview.append(time.perf_counter() - start)
    first, full = [], []
    for _ in range(repeats):
        feature.images.loader.forget()
        context.open_sample(ids["hd0.jpg"])
        wait(lambda: view.image_item.full_resolution)
        feature.images.loader.forget()
        start = time.perf_counter()
        context.open_sample(ids["eight_k.jpg"])
        wait(lambda: view.has_image())
        paint()
        first.append(time.perf_counter() - start)
        wait(lambda: view.image_item.full_resolution)
        paint()
        full.append(time.perf_counter() - start)
    row(
        "8K open: first view (preview painted)",
        statistics.median(first),
        "Qt 1/4 decode",
        statistics.median(qt_preview),
    )
    row("8K open: full resolution painted", statistics.median(full), "Pillow decode", statistics.median(pillow_8k))
    row("8K open: full resolution painted", statistics.median(full), "Qt decode", statistics.median(qt_8k))

    # -- pan frames -----------------------------------------------------------------------
    pixmap = QPixmap.fromImage(view.image_item.tiles()[0][1])
    target = QPixmap(view.viewport().size())

    def plain_frame(scale: float, offset: float) -> float:
        start = time.perf_counter()
        painter = QPainter(target)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, scale < 1)
        source = QRectF(offset, offset, target.width() / scale, target.height() / scale)
        painter.drawPixmap(QRectF(target.rect()), pixmap, source)
        painter.end()
        return time.perf_counter() - start

    for scale in (1.0, 0.25):
        view.set_scale(scale)
        view.center_on(QPointF(3840, 2160))
        paint()
        times = []
        for index in range(frames):
            start = time.perf_counter()
            view.pan_by(7 if index % 40 < 20 else -7, 3 if index % 40 < 20 else -3)
            paint()
            times.append(time.perf_counter() - start)
        plain = [plain_frame(scale, 100 + i) for i in range(frames)]
        row(
            f"pan frame at {scale:g}x (8K, median)",
            statistics.median(times),
            "Qt plain pixmap",
            statistics.median(plain),
        )
        row(
            f"pan frame at {scale:g}x (8K, 95th pct)",
            sorted(times)[int(0.95 * len(times))],
            "Qt plain pixmap",
            statistics.median(plain),
        )

    view.fit()
    paint()
    zoom_times = []
    center = QPointF(view.viewport().width() / 2, view.viewport().height() / 2)
    for index in range(frames):
        factor = 1.08 if (index // 25) % 2 == 0 else 1 / 1.08
        start = time.perf_counter()
        view.zoom_at(factor, center)
        paint()
        zoom_times.append(time.perf_counter() - start)
    full_frame = [plain_frame(0.5, 100 + i) for i in range(frames)]
    row(
        "zoom frame, fit..7x (8K, median)",
        statistics.median(zoom_times),
        "Qt plain pixmap 0.5x",
        statistics.median(full_frame),
    )
    row(
        "zoom frame, fit..7x (8K, 95th pct)",
        sorted(zoom_times)[int(0.95 * len(zoom_times))],
        "Qt plain pixmap 0.5x",
        statistics.median(full_frame),
    )

    # -- brush on a 4K mask ---------------------------------------------------------------
    context.open_sample(ids["four_k.jpg"])
    wait(lambda: view.image_item.full_resolution and view.image_item.size.width() == 3840)
    view.set_scale(0.5)
    view.center_on(QPointF(1920, 1080))
    paint()
    canvas = feature.canvas
    canvas.set_tool("brush")
    canvas.set_brush_size(40)
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton

    def send(kind: QEvent.Type, x: float, y: float, button, buttons) -> None:
        pos = view.viewportTransform().map(QPointF(x, y))
        event = QMouseEvent(
            kind, pos, view.viewport().mapToGlobal(pos), button, buttons, Qt.KeyboardModifier.NoModifier
        )
        QApplication.sendEvent(view.viewport(), event)

    send(QEvent.Type.MouseButtonPress, 1000, 1000, left, left)
    stroke = []
    for index in range(frames):
        x, y = 1000 + index * 9, 1000 + 300 * np.sin(index / 10)
        start = time.perf_counter()
        send(QEvent.Type.MouseMove, x, y, none, left)
        paint()
        stroke.append(time.perf_counter() - start)
    start = time.perf_counter()
    send(QEvent.Type.MouseButtonRelease, x, y, left, none)
    save = time.perf_counter() - start
    view.set_scale(0.5)
    plain = [plain_frame(0.5, 100 + i) for i in range(frames)]
    row(
        "brush move to pixels on 4K mask (median)",
        statistics.median(stroke),
        "Qt plain pixmap",
        statistics.median(plain),
    )
    row(
        "brush move to pixels on 4K mask (95th pct)",
        sorted(stroke)[int(0.95 * len(stroke))],
        "Qt plain pixmap",
        statistics.median(plain),
    )
    row("brush stroke release: saved (4K PNG, commit)", save, "Qt plain pixmap", statistics.median(plain))

    # -- next sample with prefetch --------------------------------------------------------
    pillow_hd = []
    for path in hd[:repeats]:
        start = time.perf_counter()
        with Image.open(path) as opened:
            opened.load()
        pillow_hd.append(time.perf_counter() - start)
    hd_ids = [ids[p.name] for p in hd]
    context.set_next_provider(
        lambda ctx, current: hd_ids[hd_ids.index(current) + 1] if current in hd_ids[:-1] else None
    )
    context.open_sample(hd_ids[0])
    wait(lambda: view.image_item.full_resolution)
    nexts = []
    for index in range(1, len(hd_ids)):
        wait(
            lambda index=index: (
                feature.images.loader.cached(hd_ids[index]) is not None and hd_ids[index] in feature.prefetcher._docs
            )
        )
        start = time.perf_counter()
        context.next_sample()
        wait(lambda: view.image_item.full_resolution and canvas.sample_id == context.current_sample_id)
        paint()
        nexts.append(time.perf_counter() - start)
    row(
        "next sample 1080p, prefetched (median)",
        statistics.median(nexts),
        "Pillow 1080p decode",
        statistics.median(pillow_hd),
    )
    row("next sample 1080p, prefetched (max)", max(nexts), "Pillow 1080p decode", statistics.median(pillow_hd))

    # -- memory ---------------------------------------------------------------------------
    pixmap = target = QPixmap()  # the benchmark's own copies are not the app's
    context.open_sample(ids["eight_k.jpg"])
    wait(lambda: view.image_item.full_resolution and view.image_item.size.width() == 7680)
    view.fit()
    for label in context.labels()[:2]:
        canvas.set_label(label.id)
        send(QEvent.Type.MouseButtonPress, 500, 500, left, left)
        for index in range(40):
            send(QEvent.Type.MouseMove, 500 + index * 150, 500 + index * 80, none, left)
        send(QEvent.Type.MouseButtonRelease, 6500, 3700, left, none)
    paint()
    decoded_mb = 7680 * 4320 * 4 / 2**20
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{'memory, 8K + 2 masks open (resident)':<44} {rss_mb():8.0f} MB   peak {peak_mb:.0f} MB"
        f"   limit (decoded 8K RGB32) {decoded_mb:.0f} MB   cache holds {len(feature.images.loader._cache)} images"
    )

    # -- reopen the 8K sample with its masks, nothing prefetched -----------------------------
    from s2ide.core.labeling.document import SampleDocument

    eight_k = ids["eight_k.jpg"]
    decodes = []
    for _ in range(repeats):
        start = time.perf_counter()
        SampleDocument.load(context.store, eight_k)
        decodes.append(time.perf_counter() - start)
    blocked, ready = [], []
    for _ in range(repeats):
        context.open_sample(ids["four_k.jpg"])
        wait(lambda: canvas.sample_id == ids["four_k.jpg"])
        feature.prefetcher.forget()
        start = time.perf_counter()
        context.open_sample(eight_k)
        blocked.append(time.perf_counter() - start)
        wait(lambda: canvas.sample_id == eight_k)
        ready.append(time.perf_counter() - start)
    limit = statistics.median(decodes)
    row("reopen 8K + 2 masks, GUI thread blocked", statistics.median(blocked), "decoding its 2 masks", limit)
    row("reopen 8K + 2 masks, masks on the canvas", statistics.median(ready), "decoding its 2 masks", limit)
    window.close()
    app.processEvents()


if __name__ == "__main__":
    main()
