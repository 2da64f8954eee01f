"""Review-loop costs: a label saved with the double-labeling hook, an escalation raised, and the
lead's queue query, each against SQLite's own single-row WAL commit measured in the same run.

    python tests/bench/bench_review.py [--quick]
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from s2ide.core.labeling.tags import set_tag
from s2ide.core.project import Project
from s2ide.core.review import escalations as esc
from s2ide.core.review.agreement import agreement_by_labeler, set_share
from s2ide.core.review.users import add_user


def raw_commit_ms(folder: Path, n: int) -> float:
    conn = sqlite3.connect(str(folder / "raw.db"), isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    start = time.perf_counter()
    for i in range(n):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (v) VALUES (?)", (str(i),))
        conn.execute("COMMIT")
    conn.close()
    return (time.perf_counter() - start) * 1000 / n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    samples = 2000 if args.quick else 20000
    folder = Path(tempfile.mkdtemp(prefix="s2ide-bench-review-"))
    project = Project.create(folder / "p", ["a", "b", "c"])
    store = project.store
    for name, role in (("ann", "labeler"), ("bob", "labeler"), ("lee", "lead")):
        add_user(store, name, role)
    with store.transaction():
        for i in range(samples):
            store.samples.add(f"img{i}.png", f"{i:064x}", 64, 64)
    set_share(store, 0.05, "lee")
    labels = [label.id for label in store.labels.list()]
    n = min(samples // 4, 2000)

    raw = raw_commit_ms(folder, n)
    start = time.perf_counter()
    for i in range(1, n + 1):
        set_tag(store, i, labels[i % 3], "ann")
    label_ms = (time.perf_counter() - start) * 1000 / n
    start = time.perf_counter()
    for i in range(1, n + 1):
        set_tag(store, i, labels[(i + i % 2) % 3], "bob")  # disagrees on the odd ones
    second_ms = (time.perf_counter() - start) * 1000 / n
    auto = len(esc.list_escalations(store, "all"))

    start = time.perf_counter()
    raised = 0
    for i in range(n + 1, min(samples, 2 * n) + 1):
        esc.escalate(store, i, "other", "ann", note="bench")
        raised += 1
    escalate_ms = (time.perf_counter() - start) * 1000 / max(raised, 1)
    with store.transaction():  # a big queue for the lead's query
        for i in range(2 * n + 1, samples + 1):
            store.review.escalations.add(i, "ann", "other", "bulk")
    total = len(esc.list_escalations(store, "all"))
    start = time.perf_counter()
    rows = esc.list_escalations(store, "open", reason="other", raised_by="ann")
    list_ms = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    flt = esc.escalation_filter("open", reason="other", raised_by="ann")
    matching = store.review.escalations.count_matching(flt)
    page = store.review.escalations.list(flt, limit=200)
    page_ms = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    esc.waiting_count(store)
    count_ms = (time.perf_counter() - start) * 1000

    start = time.perf_counter()
    figures = agreement_by_labeler(store)
    agreement_ms = (time.perf_counter() - start) * 1000
    votes = len(store.review.votes.all())

    print(f"raw SQLite single-row WAL commit: {raw:.3f} ms (the limit)")
    print(f"label saved (set_tag + double-labeling hook), 1st labeler: {label_ms:.3f} ms  ratio {label_ms / raw:.1f}x")
    print(f"label saved, 2nd labeler ({auto} automatic escalations): {second_ms:.3f} ms  ratio {second_ms / raw:.1f}x")
    print(f"escalate (checks, status, audit, one commit): {escalate_ms:.3f} ms  ratio {escalate_ms / raw:.1f}x")
    print(f"lead's filtered queue over {total} escalations -> {len(rows)} rows: {list_ms:.1f} ms")
    print(f"the table's first page ({len(page)} of {matching}, count + page): {page_ms:.1f} ms")
    print(f"open-count badge over {total} escalations: {count_ms:.2f} ms")
    print(f"agreement figures ({len(figures)} labelers, {votes} votes): {agreement_ms:.1f} ms")
    project.close()


if __name__ == "__main__":
    main()
