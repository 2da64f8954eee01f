"""Benchmarks of the engineers' views.

1. Dataset view refresh over 1,000,000 annotations (target < 150 ms): the distribution queries
   (`store.analytics.distribution()`) and the view's redraw, beside the limit: one raw
   `SELECT label_id, COUNT(*) FROM annotations GROUP BY label_id` on the same file.
2. Scatter of 100,000 points: frame time of the embeddings view's plot, beside Qt rendering a
   plain pixmap of the same size.

    $P tests/bench/bench_views.py [--quick]

The synthetic project is written with executemany (fixture generation only; the app writes
through the repositories one user action at a time).
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np

import s2ide.ui.canvas  # noqa: F401  (applies the canvas branch's PySide6 6.12 refcount pin, once merged)
from s2ide.core.project import Project
from s2ide.core.review.users import add_user

LABELS = [f"class{i}" for i in range(10)]
SPLITS = ("train", "val", "test", "none")
STATUSES = ("unlabeled", "labeled", "escalated", "reviewed", "skipped")
SOURCES = ("human", "model-accepted", "import")
AUTHORS = ("ada", "bob", "cy", "dee", "import")


def median_ms(fn, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def build(path: Path, n_samples: int, n_annotations: int) -> Project:
    project = Project.create(path, LABELS, task="detect")
    add_user(project.store, "eng", "engineer")
    project.close()
    rng = random.Random(0)
    conn = sqlite3.connect(str(path / "project.db"), isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO samples (id, path, sha256, width, height, split, status, added_at) VALUES (?,?,?,?,?,?,?,?)",
        (
            (i, f"img/{i:07d}.jpg", f"{i:064x}", 640, 480, rng.choice(SPLITS), rng.choice(STATUSES), "2026-11-01")
            for i in range(1, n_samples + 1)
        ),
    )

    def rows():
        for i in range(n_annotations):
            day = f"2026-11-{1 + i % 20:02d}T10:00:00.000+00:00"
            geometry = f'{{"x": {rng.random() * 600:.1f}, "y": {rng.random() * 400:.1f}, "w": 40.0, "h": 30.0}}'
            source = SOURCES[i % 3]
            author = "import" if source == "import" else AUTHORS[i % 4]
            yield (1 + i % n_samples, "box", 1 + rng.randrange(10), geometry, author, source, day, day)

    conn.executemany(
        "INSERT INTO annotations (sample_id, kind, label_id, geometry, author, source, created_at, updated_at) "
        "VALUES (?,?,?,?,?,?,?,?)",
        rows(),
    )
    conn.execute(
        "INSERT INTO models (version, created_at, task, architecture, state) "
        "VALUES ('v1', '2026-11-01', 'detect', 'x', 'active')"
    )
    conn.executemany(
        "INSERT INTO predictions (sample_id, model_version, label_id, score, created_at) VALUES (?,?,?,?,?)",
        ((i, "v1", 1 + i % 10, rng.random(), "2026-11-01") for i in range(1, n_samples + 1)),
    )
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()
    return Project.open(path)


def bench_dataset(n_annotations: int) -> None:
    from PySide6.QtWidgets import QApplication

    from s2ide.ui.insight.dataset_view import DatasetView
    from s2ide.ui.shell.context import AppContext

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        project = build(Path(tmp) / "big", n_annotations // 5, n_annotations)
        print(f"built {n_annotations:,} annotations in {time.perf_counter() - start:.1f} s")
        store = project.store
        raw = sqlite3.connect(str(project.db_path))
        raw.execute("PRAGMA synchronous = NORMAL")  # as the store sets it
        raw_ms = median_ms(
            lambda: raw.execute("SELECT label_id, COUNT(*) FROM annotations GROUP BY label_id").fetchall()
        )
        raw_scan_ms = median_ms(
            lambda: raw.execute("SELECT author, COUNT(*) FROM annotations GROUP BY author").fetchall()
        )
        query_ms = median_ms(lambda: DatasetView._query(store))
        parts = {
            "class_by_split": median_ms(store.analytics.class_by_split, 3),
            "status": median_ms(store.analytics.status_counts, 3),
            "sources": median_ms(store.analytics.source_counts, 3),
            "per_day": median_ms(store.analytics.labels_per_day, 3),
            "confidence": median_ms(lambda: store.analytics.confidence_histogram("v1"), 3),
        }
        context = AppContext()
        context.project = project
        view = DatasetView(context)
        view.resize(1200, 800)
        view.show()
        dist = DatasetView._query(store)
        draw_ms = median_ms(lambda: (view.apply(dist), app.processEvents()))
        total = query_ms + draw_ms
        print(
            f"dataset view over {n_annotations:,} annotations: queries {query_ms:.1f} ms + redraw {draw_ms:.1f} ms"
            f" = {total:.1f} ms (target < 150 ms)"
        )
        print("  per query (ms): " + ", ".join(f"{k} {v:.1f}" for k, v in parts.items()))
        print(
            f"  limit: raw GROUP BY label_id {raw_ms:.1f} ms (index), "
            f"raw full-scan GROUP BY author {raw_scan_ms:.1f} ms;"
            f" ratio refresh / raw GROUP BY = {total / raw_ms:.1f}x, / raw scan = {total / raw_scan_ms:.2f}x"
        )
        from s2ide.core.labeling.tags import set_tag

        label_ids = [label.id for label in store.labels.list()]
        counter = iter(range(10**6))

        def save_label() -> None:
            i = next(counter)
            set_tag(store, 1 + i, label_ids[i % len(label_ids)], "eng")

        save_ms = median_ms(save_label, 51)
        raw_insert_ms = median_ms(
            lambda: (
                raw.execute("INSERT INTO meta (key, value) VALUES (?, 'x')", (f"k{next(counter)}",)) and raw.commit()
            ),
            51,
        )
        for (name,) in raw.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            raw.execute(f"DROP TRIGGER {name}")  # the same save without the tally's triggers
        raw.commit()
        bare_ms = median_ms(save_label, 51)
        print(
            f"  a label saved on this file (set_tag, tally triggers included): {save_ms:.2f} ms (target < 5 ms);"
            f" without the triggers {bare_ms:.2f} ms; raw one-row commit {raw_insert_ms:.2f} ms"
        )
        view.shutdown()
        view.close()
        view.deleteLater()
        context.deleteLater()
        app.processEvents()
        raw.close()
        project.close()


def bench_scatter(n_points: int) -> None:
    from PySide6.QtGui import QPainter, QPixmap
    from PySide6.QtWidgets import QApplication

    from s2ide.ui.insight.embeddings_view import ScatterPanel

    app = QApplication.instance() or QApplication([])
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, n_points)
    centers = rng.normal(0, 5, (10, 2))
    xy = (centers[labels] + rng.normal(0, 1, (n_points, 2))).astype(np.float32)
    panel = ScatterPanel()
    panel.resize(1000, 800)
    panel.show()
    app.processEvents()
    start = time.perf_counter()
    colors = [f"#{(37 * i) % 255:02x}{(91 * i) % 255:02x}{(53 * i) % 255:02x}" for i in range(10)]
    panel.set_points(xy, labels, colors)
    app.processEvents()
    load_ms = (time.perf_counter() - start) * 1000
    size = panel.plot_widget.size()
    target = QPixmap(size)

    def frame() -> None:
        panel.plot_widget.viewport().render(target)

    def pan_frame() -> None:
        panel.plot_widget.getViewBox().translateBy(x=0.01)
        panel.plot_widget.viewport().render(target)

    def zoom_frame() -> None:
        panel.plot_widget.getViewBox().scaleBy(s=(1.01, 1.01))
        panel.plot_widget.viewport().render(target)

    frame()
    frame_ms = median_ms(frame, 9)
    pan_ms = median_ms(pan_frame, 9)
    zoom_ms = median_ms(zoom_frame, 9)
    plain = QPixmap(size)
    plain.fill()
    out = QPixmap(size)

    def plain_frame() -> None:
        painter = QPainter(out)
        painter.drawPixmap(0, 0, plain)
        painter.end()

    plain_ms = median_ms(plain_frame, 21)

    import pyqtgraph as pg

    classic = pg.PlotWidget()
    classic.resize(size)
    classic.show()
    for index, color in enumerate(colors):
        mask = labels == index
        classic.addItem(pg.ScatterPlotItem(x=xy[mask, 0], y=xy[mask, 1], size=4, pen=None, brush=color,
                                           pxMode=True, useCache=True))  # fmt: skip
    app.processEvents()
    classic_target = QPixmap(classic.viewport().size())

    def classic_pan() -> None:
        classic.getViewBox().translateBy(x=0.01)
        classic.viewport().render(classic_target)

    classic_pan()
    classic_ms = median_ms(classic_pan, 5)
    classic.close()
    classic.deleteLater()
    print(
        f"scatter of {n_points:,} points ({size.width()}x{size.height()}): load {load_ms:.0f} ms, "
        f"frame {frame_ms:.1f} ms, pan frame {pan_ms:.1f} ms, zoom frame (splats again) {zoom_ms:.1f} ms"
    )
    print(f"  pyqtgraph ScatterPlotItem (one per class, pxMode, useCache), same points: pan frame {classic_ms:.1f} ms")
    print(
        f"  limit: Qt draws a plain {size.width()}x{size.height()} pixmap in {plain_ms:.2f} ms; "
        f"ratio {pan_ms / plain_ms:.0f}x"
    )
    panel.close()
    panel.deleteLater()
    app.processEvents()


APP = None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="200,000 annotations and 100,000 points")
    args = parser.parse_args()
    from PySide6.QtWidgets import QApplication

    global APP
    APP = QApplication.instance() or QApplication([])  # one for the whole run, alive until the interpreter ends
    bench_dataset(200_000 if args.quick else 1_000_000)
    bench_scatter(100_000)
    import gc

    gc.collect()  # tear the Qt objects down before the interpreter does


if __name__ == "__main__":
    main()
