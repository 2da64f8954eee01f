"""Bulk annotation inserts on a team project (PostgreSQL): `annotations.add_many` (INSERT ...
RETURNING id per row, correct beside concurrent writers) beside, in the same run, a raw psycopg
executemany of the same rows without ids and the old way (executemany, then SELECT the ids past
the previous maximum, which assumed consecutive ids).

    python tests/bench/bench_pg_add_many.py [--rows N]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from s2ide.core.clock import now_iso  # noqa: E402
from s2ide.core.project import Project  # noqa: E402
from tests.pg_cluster import ADMIN, ADMIN_PASSWORD, Cluster, find_bin  # noqa: E402

SQL = (
    "INSERT INTO annotations (sample_id, kind, label_id, geometry, data, author, source, created_at, updated_at, "
    "attributes) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    bin_dir = find_bin()
    if bin_dir is None:
        sys.exit("no PostgreSQL binaries")
    cluster = Cluster(bin_dir)
    cluster.start(durable=True)
    try:
        url = cluster.url(cluster.new_database(), ADMIN)
        os.environ["PGPASSWORD"] = ADMIN_PASSWORD
        project = Project.create(url, ["cat"])
        store = project.store
        with store.transaction():
            sample = store.samples.add("a.png", "sha-a", 640, 480, "train")
        label = store.labels.resolve("cat").id
        rows = [(sample, "box", label, {"x": float(i % 600), "y": 1.0, "w": 5.0, "h": 5.0}, None, None)
                for i in range(args.rows)]  # fmt: skip
        raw = [
            (s, k, lb, json.dumps(g), None, "eng", "import", now_iso(), now_iso(), None) for s, k, lb, g, _d, _a in rows
        ]
        conn = store.conn.raw
        figures = {}
        for name in ("raw executemany (no ids)", "old: executemany + SELECT ids", "add_many (RETURNING id)"):
            start = time.perf_counter()
            with store.transaction():
                if name.startswith("raw"):
                    conn.cursor().executemany(SQL, raw)
                elif name.startswith("old"):
                    before = conn.execute("SELECT COALESCE(MAX(id), 0) FROM annotations").fetchone()[0]
                    conn.cursor().executemany(SQL, raw)
                    ids = conn.execute("SELECT id FROM annotations WHERE id > %s ORDER BY id", (before,)).fetchall()
                    assert len(ids) == len(rows)
                else:
                    assert len(store.annotations.add_many(rows, "eng")) == len(rows)
            figures[name] = time.perf_counter() - start
        base = figures["raw executemany (no ids)"]
        for name, seconds in figures.items():
            print(f"{name:34s} {seconds:7.3f} s  {len(rows) / seconds:9.0f} rows/s  {seconds / base:5.2f}x raw")
        project.close()
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
