"""Store and start-up figures, each beside the raw limit measured in the same run.

    python tests/bench/bench_store.py [--quick]

1. open a project of 100,000 samples until the gallery is usable (< 1.5 s, < 1 GiB peak RSS),
   in a fresh process; limit: the raw SELECT of the same rows on the same file;
2. a label saved, call to commit (< 5 ms); limit: a raw single-row WAL INSERT + COMMIT;
3. `stats` over 1,000,000 annotations (< 150 ms); limit: a raw SELECT label_id, COUNT(*) GROUP BY;
4. cold start to the main window shown with the demo project open (< 0.7 s); limit: a process
   that only imports PySide6 and shows an empty QMainWindow.
--quick uses 20,000 samples and 200,000 annotations.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from s2ide.core.labeling.tags import set_tag  # noqa: E402
from s2ide.core.project import Project  # noqa: E402
from s2ide.core.store.database import open_database  # noqa: E402
from tests.store_helpers import add_synthetic_samples  # noqa: E402

ENV = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"), PYTHONPATH=str(ROOT))

OPEN_SCRIPT = r"""
import resource, sys, time
t0 = time.perf_counter()
from PySide6.QtWidgets import QApplication
app = QApplication([])
from s2ide.ui.shell.context import AppContext
from s2ide.ui.shell.main_window import MainWindow
ctx = AppContext()
win = MainWindow(ctx)
win.show()
ctx.open_project(sys.argv[1])
gallery = win.foundation.gallery
app.processEvents()
assert gallery.model.rowCount() == int(sys.argv[2])
assert gallery.view.visualRect(gallery.model.index(0)).isValid()
elapsed = time.perf_counter() - t0
rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{elapsed:.4f} {rss_mb:.1f}")
win.close()
"""

COLD_SCRIPT = r"""
import sys, time
from PySide6.QtCore import QTimer
if sys.argv[1] == "plain":
    from PySide6.QtWidgets import QApplication, QMainWindow
    app = QApplication([])
    win = QMainWindow(); win.resize(1400, 900); win.show()
else:  # the path of `s2ide gui PROJECT`: the CLI's imports, then the app
    import s2ide.cli
    from s2ide.ui.shell.app import start
    app, win = start([sys.argv[2]])
    assert win.context.user is not None and win.foundation.gallery.model.rowCount() > 0
def done():
    print(f"{time.time():.6f}")
    app.quit()
QTimer.singleShot(0, done)
app.exec()
"""


def timed(fn, repeat: int) -> float:
    """Median seconds of `repeat` calls."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def ratio_line(name: str, measured: float, limit: float, target: str, unit: str = "ms") -> None:
    scale = 1000 if unit == "ms" else 1
    print(
        f"{name}: {measured * scale:8.2f} {unit}  limit {limit * scale:8.2f} {unit}  "
        f"ratio {measured / limit:6.1f}x  target {target}"
    )


def bench_open(work: Path, count: int) -> None:
    project = Project.create(work / "open", ["a", "b", "c"])
    add_synthetic_samples(project.store, count)
    project.close()
    conn = sqlite3.connect(work / "open" / "project.db")
    raw_sql = "SELECT id, path, sha256, width, height, split, status FROM samples"
    raw = timed(lambda: conn.execute(raw_sql).fetchall(), 3)
    conn.close()
    runs = []
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", OPEN_SCRIPT, str(work / "open"), str(count)],
            env=ENV,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        runs.append((float(out[0]), float(out[1])))
    elapsed = statistics.median(r[0] for r in runs)
    rss = max(r[1] for r in runs)
    ratio_line(f"open {count:,} samples, gallery usable (fresh process)", elapsed, raw, "< 1500 ms")
    print(f"   peak RSS {rss:.0f} MiB (target < 1024 MiB)")


def bench_label(work: Path) -> None:
    project = Project.create(work / "label", ["a", "b"])
    store = project.store
    add_synthetic_samples(store, 2000)
    ids = store.samples.ids()
    labels = [label.id for label in store.labels.list()]
    counter = iter(range(10**6))

    def save() -> None:
        i = next(counter)
        set_tag(store, ids[i % len(ids)], labels[i % 2], "bench")

    measured = timed(save, 300)
    raw_db = open_database(work / "raw.db").conn
    raw_db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, sample_id INTEGER, label_id INTEGER)")

    def raw() -> None:
        raw_db.execute("BEGIN IMMEDIATE")
        raw_db.execute("INSERT INTO t (sample_id, label_id) VALUES (1, 2)")
        raw_db.execute("COMMIT")

    limit = timed(raw, 300)
    ratio_line("a label saved, call to commit", measured, limit, "< 5 ms")
    project.close()


def bench_stats(work: Path, samples: int, annotations: int) -> None:
    project = Project.create(work / "stats", [f"class{i}" for i in range(10)])
    store = project.store
    add_synthetic_samples(store, samples)
    ids = store.samples.ids()
    labels = [label.id for label in store.labels.list()]
    now = "2026-01-01T00:00:00.000+00:00"
    with store.transaction():
        store.conn.executemany(
            "INSERT INTO annotations (sample_id, kind, label_id, geometry, author, source, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, 'bench', ?, ?, ?)",
            (
                (
                    ids[i % len(ids)],
                    "tag" if i < len(ids) else "box",
                    labels[i % len(labels)],
                    None if i < len(ids) else '{"x":1,"y":2,"w":3,"h":4,"angle":0}',
                    "human" if i % 3 else "import",
                    now,
                    now,
                )
                for i in range(annotations)
            ),
        )
    store.conn.execute("ANALYZE")
    measured = timed(store.stats.summary, 5)
    limit = timed(
        lambda: store.conn.execute("SELECT label_id, COUNT(*) FROM annotations GROUP BY label_id").fetchall(), 5
    )
    ratio_line(f"stats over {annotations:,} annotations", measured, limit, "< 150 ms")
    project.close()


def bench_cold_start(work: Path) -> None:
    from s2ide.core.io.demo import build_demo
    from s2ide.core.settings import Settings

    demo = build_demo(work / "demo")
    demo.close()
    config = work / "config"
    Settings(config / "settings.json").remember_user(demo.path, "ada")  # no "who are you?" dialog

    def start(*args: str) -> float:
        env = dict(ENV, S2IDE_CONFIG_DIR=str(config))
        started = time.time()
        out = subprocess.run(
            [sys.executable, "-c", COLD_SCRIPT, *args], env=env, capture_output=True, text=True, check=True
        ).stdout
        return float(out.split()[-1]) - started

    start("plain")  # warm the OS file cache for both
    measured = statistics.median(start("app", str(work / "demo")) for _ in range(3))
    limit = statistics.median(start("plain") for _ in range(3))
    ratio_line("cold start to the window shown, demo project open", measured, limit, "< 700 ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    samples, annotations = (20_000, 200_000) if args.quick else (100_000, 1_000_000)
    work = Path(tempfile.mkdtemp(prefix="s2ide-bench-store-"))
    try:
        print(json.dumps({"samples": samples, "annotations": annotations, "cpus": os.cpu_count()}))
        bench_open(work, samples)
        bench_label(work)
        bench_stats(work, samples, annotations)
        bench_cold_start(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
