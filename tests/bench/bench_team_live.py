"""Team mode part 2 figures (issue 17), each beside a baseline measured in the same run.

    python tests/bench/bench_team_live.py [--quick] [--labelers N] [--seconds S] [--skip-training]

Starts a throwaway PostgreSQL cluster (tests/pg_cluster.py, durable settings), then measures:
1. change-to-screen latency: another process labels a sample; the open app (the real MainWindow,
   product defaults: LISTEN/NOTIFY + QSocketNotifier) has its gallery row showing the new label.
   p50 and p95 (target p95 < 1 s), beside the raw NOTIFY round trip between two psycopg connections;
2. N simulated labelers (default 20) on one project calling Next (lease) and labeling for S seconds
   (default 120): samples handed to two holders at once (target 0), Next p95 (< 50 ms), save p95;
3. a worker (`s2ide worker --once`, its defaults: every core) training the demo-sized digits project
   against the app's local child-process path (the project's default settings): images/s of each
   (target: the same within 10 %). This part runs on a local project; the worker code is the same.
--quick: 30 changes, 20 labelers for 30 s.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import select
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
from s2ide.core.review.users import add_user  # noqa: E402
from tests.bench.bench_team_store import pct  # noqa: E402
from tests.pg_cluster import Cluster, bench_cluster  # noqa: E402
from tests.store_helpers import add_synthetic_samples  # noqa: E402

SCREEN_SCRIPT = r"""
import json, sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from s2ide.ui.shell.context import AppContext
from s2ide.ui.shell.main_window import MainWindow
ctx = AppContext()
win = MainWindow(ctx)
win.resize(1366, 768)
win.show()
ctx.open_project(sys.argv[1])
gallery = win.foundation.gallery
shown = {}
def on_change(sample_id):
    # connected after the gallery's own slot (refresh_sample), so the row shows the label when this runs
    shown.setdefault(sample_id, time.time())
ctx.annotationsChanged.connect(on_change)
print("ready", flush=True)
deadline = time.time() + float(sys.argv[2])
def check():
    if time.time() > deadline:
        print(json.dumps(shown), flush=True)
        app.quit()
timer = QTimer(); timer.timeout.connect(check); timer.start(100)
app.exec()
"""


def line(name: str, measured: float, baseline: float, target: str) -> None:
    print(f"{name}: {measured * 1000:8.2f} ms  baseline {baseline * 1000:8.2f} ms  "
          f"ratio {measured / baseline:6.1f}x  {target}")  # fmt: skip


def new_project(cluster: Cluster, labels: list[str], samples: int) -> str:
    database = cluster.new_database()
    url = cluster.url(database)
    project = Project.create(url, labels)
    add_synthetic_samples(project.store, samples)
    project.close()
    return url


def raw_notify_round_trips(url: str, count: int) -> list[float]:
    import psycopg

    listener = psycopg.connect(url, autocommit=True)
    listener.execute("LISTEN bench_channel")
    sender = psycopg.connect(url, autocommit=True)
    out = []
    for _ in range(count):
        started = time.perf_counter()
        sender.execute("NOTIFY bench_channel, 'x'")
        select.select([listener.pgconn.socket], [], [], 5.0)
        listener.pgconn.consume_input()
        while listener.pgconn.notifies() is not None:
            pass
        out.append(time.perf_counter() - started)
    listener.close()
    sender.close()
    return out


def bench_screen(cluster: Cluster, changes: int) -> None:
    url = new_project(cluster, ["a", "b"], 500)
    media = tempfile.mkdtemp(prefix="s2ide-bench-media-")  # synthetic rows: no files; the mount exists
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT), "S2IDE_MEDIA_ROOT": media}
    app = subprocess.Popen(
        [sys.executable, "-c", SCREEN_SCRIPT, url, str(changes * 0.4 + 15)],
        env=env, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert app.stdout is not None
    assert app.stdout.readline().strip() == "ready"
    time.sleep(2.0)  # the window settles (thumbnails, first queries)
    other = Project.open(url)  # the colleague's process is this one
    ids = other.store.samples.ids()
    label = other.store.labels.by_name("a").id
    committed: dict[int, float] = {}
    for sample_id in ids[:changes]:
        set_tag(other.store, sample_id, label, other.signed_in_user or "")
        committed[sample_id] = time.time()
        time.sleep(0.4)
    other.close()
    shown = {int(k): v for k, v in json.loads(app.stdout.readline()).items()}
    app.wait(30)
    latencies = [shown[s] - t for s, t in committed.items() if s in shown]
    missing = len(committed) - len(latencies)
    raw = raw_notify_round_trips(url, 200)
    line("change-to-screen p50", statistics.median(latencies), statistics.median(raw), "(raw NOTIFY round trip)")
    line("change-to-screen p95", pct(latencies, 0.95), pct(raw, 0.95), f"target < 1 s; missed {missing}")


def _labeler(url: str, seconds: float, out: mp.Queue) -> None:
    from s2ide.core.engine.work_queue import CachedQueue, take_next

    project = Project.open(url)
    store = project.store
    user = project.signed_in_user or ""
    labels = [label.id for label in store.labels.list()]
    rng = random.Random(user)
    nexts: list[float] = []
    saves: list[float] = []
    handed: list[tuple[int, float, float]] = []  # sample, taken, released (labeled)
    errors: list[str] = []
    queue = CachedQueue()  # a labeler's client keeps the queue's order between Nexts, as the app does
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            started = time.perf_counter()
            lease = take_next(store, user, 600, queue=queue)
            taken = time.perf_counter()
            nexts.append(taken - started)
            if lease is None:
                break
            time.sleep(rng.uniform(0.05, 0.3))  # looking at the image
            before = time.perf_counter()
            set_tag(store, lease.sample_id, rng.choice(labels), user)
            saves.append(time.perf_counter() - before)
            handed.append((lease.sample_id, time.time(), time.time()))
        except Exception as exc:  # counted and named
            errors.append(f"{type(exc).__name__}: {exc}")
    out.put({"user": user, "next": nexts, "save": saves, "handed": handed, "errors": errors})
    project.close()


def bench_labelers(cluster: Cluster, count: int, seconds: float) -> None:
    from tests.pg_cluster import ADMIN_PASSWORD

    url = new_project(cluster, ["a", "b", "c"], 20_000)
    project = Project.open(url)
    names = [f"nx{i:02d}" for i in range(count)]
    for name in names:
        add_user(project.store, name, "labeler", password="bench-pw")
    with project.store.transaction():  # every sample waits to be labeled
        project.store.conn.execute("UPDATE samples SET status = 'unlabeled'")
    project.close()
    os.environ["PGPASSWORD"] = "bench-pw"
    owner = url.split("//", 1)[1].split("@", 1)[0]
    ctx = mp.get_context("fork")
    queue: mp.Queue = ctx.Queue()
    procs = [ctx.Process(target=_labeler, args=(url.replace(f"//{owner}@", f"//{n}@"), seconds, queue)) for n in names]
    started = time.monotonic()
    for proc in procs:
        proc.start()
    results = [queue.get(timeout=seconds + 120) for _ in procs]
    for proc in procs:
        proc.join()
    elapsed = time.monotonic() - started
    os.environ["PGPASSWORD"] = ADMIN_PASSWORD
    holders: dict[int, set[str]] = {}
    for r in results:
        for sample, _taken, _released in r["handed"]:
            holders.setdefault(sample, set()).add(r["user"])
    duplicates = sum(1 for users in holders.values() if len(users) > 1)
    nexts = [v for r in results for v in r["next"]]
    saves = [v for r in results for v in r["save"]]
    errors = [e for r in results for e in r["errors"]]
    labeled = sum(len(r["handed"]) for r in results)
    print(f"{count} labelers, Next + label for {seconds:.0f} s: {labeled} labeled ({labeled / elapsed:.1f}/s), "
          f"duplicate holds {duplicates} (target 0), errors {len(errors)}")  # fmt: skip
    print(f"  Next p50 {statistics.median(nexts) * 1000:.1f} ms  p95 {pct(nexts, 0.95) * 1000:.1f} ms  "
          f"ratio to the 50 ms target {pct(nexts, 0.95) / 0.05:.2f}")  # fmt: skip
    print(f"  save p50 {statistics.median(saves) * 1000:.1f} ms  p95 {pct(saves, 0.95) * 1000:.1f} ms")
    for error in errors[:5]:
        print("   error:", error)


def bench_worker() -> None:
    from s2ide.core.tasks import TaskState
    from s2ide.ml.jobs import retrain_in_child
    from s2ide.ml.remote_jobs import request_training

    folder = Path(tempfile.mkdtemp(prefix="s2ide-bench-worker-"))
    subprocess.run([sys.executable, "-m", "s2ide", "demo", str(folder / "demo")], check=True, capture_output=True)
    project = Project.open(folder / "demo")
    result = retrain_in_child(project.location, None, "eve", TaskState(), lambda _stats: None)
    child = result.training.model
    a = float(child.metrics["images_per_second"])
    for threads in ("0", "1"):  # the worker's default (every core), then the app's default (one thread)
        request_training(project, "eve")
        subprocess.run(
            [sys.executable, "-m", "s2ide", "worker", str(project.path), "--once", "--user", "eve",
             "--threads", threads],
            check=True, capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        job = project.store.jobs.recent()[0]
        b = float(project.store.models.get(job.version or "").metrics["images_per_second"])
        said = f"every core ({os.cpu_count()})" if threads == "0" else "1 (--threads 1, as the app)"
        print(f"training the demo: worker {b:.0f} img/s (threads: {said}), app child process {a:.0f} img/s "
              f"(the project's setting: 1 thread), ratio {b / a:.2f} (target 0.9-1.1)")  # fmt: skip
    project.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--labelers", type=int, default=20)
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--skip-training", action="store_true")
    args = parser.parse_args()
    seconds = args.seconds or (30.0 if args.quick else 120.0)
    cluster = bench_cluster("bench_team_live")
    try:
        print(json.dumps({"cpus": os.cpu_count(), "load": os.getloadavg()[0]}))
        bench_screen(cluster, 30 if args.quick else 100)
        bench_labelers(cluster, args.labelers, seconds)
    finally:
        cluster.stop()
    if not args.skip_training:
        bench_worker()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
