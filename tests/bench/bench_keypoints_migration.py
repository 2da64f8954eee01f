"""The keypoints schema step on a big local project: SQLite cannot widen a CHECK, so the step
rebuilds `annotations` (rows copied out and back, indexes and triggers made again). Printed beside
a plain copy of the same table measured in the same run (CREATE TABLE ... AS SELECT), the least
a rebuild can cost.

    python tests/bench/bench_keypoints_migration.py [--annotations N]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from s2ide.core.project import Project  # noqa: E402
from s2ide.core.store import migrations  # noqa: E402
from s2ide.core.store.skeletons import allow_keypoints  # noqa: E402
from tests.store_helpers import add_synthetic_samples  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--annotations", type=int, default=500_000)
    args = parser.parse_args()
    step = next(v for v, f in migrations.MIGRATIONS.items() if f is allow_keypoints)
    later = {v: f for v, f in migrations.MIGRATIONS.items() if v >= step}
    for version in later:
        del migrations.MIGRATIONS[version]
    with tempfile.TemporaryDirectory() as tmp:
        project = Project.create(Path(tmp) / "p", ["a", "b"])
        store = project.store
        samples = max(1, args.annotations // 10)
        add_synthetic_samples(store, samples)
        ids = store.samples.ids()
        label = store.labels.resolve("a").id
        geom = json.dumps({"x": 1.0, "y": 2.0, "w": 3.0, "h": 4.0, "angle": 0.0})
        with store.transaction():
            store.conn.executemany(
                "INSERT INTO annotations (sample_id, kind, label_id, geometry, author, source, created_at, updated_at)"
                " VALUES (?, 'box', ?, ?, 'eng', 'import', '2026-01-01', '2026-01-01')",
                ((ids[i % len(ids)], label, geom) for i in range(args.annotations)),
            )
        project.close()
        db = Path(tmp) / "p" / "project.db"
        conn = sqlite3.connect(db, isolation_level=None)
        start = time.perf_counter()
        conn.execute("BEGIN")
        conn.execute("CREATE TABLE plain_copy AS SELECT * FROM annotations")
        conn.execute("ROLLBACK")
        baseline = time.perf_counter() - start
        conn.close()
        conn = sqlite3.connect(db, isolation_level=None)
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        allow_keypoints(conn)  # the step alone, rolled back
        step_only = time.perf_counter() - start
        conn.execute("ROLLBACK")
        conn.close()
        migrations.MIGRATIONS.update(later)
        start = time.perf_counter()
        Project.open(Path(tmp) / "p").close()  # backs the file up, then runs the step
        migrate = time.perf_counter() - start
    print(f"annotations: {args.annotations}")
    print(f"plain copy of the table   {baseline:7.3f} s")
    print(f"the step alone            {step_only:7.3f} s  {step_only / baseline:5.1f}x the plain copy")
    print(f"open + backup + step      {migrate:7.3f} s  {migrate / baseline:5.1f}x the plain copy")


if __name__ == "__main__":
    main()
