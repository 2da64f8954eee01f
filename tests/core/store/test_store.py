"""The store's connection settings and transaction semantics."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from s2ide.core.errors import InvalidInputError
from s2ide.core.store.database import BUSY_TIMEOUT_MS
from tests.store_helpers import add_model, add_prediction


def test_connection_pragmas(project):
    conn = project.store.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == BUSY_TIMEOUT_MS


def test_foreign_keys_are_enforced(project):
    store = project.store
    with pytest.raises(sqlite3.IntegrityError):
        with store.transaction():
            store.annotations.add(999, "tag", None, "lara")


def test_transaction_rolls_back_on_error(project):
    store = project.store
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.samples.add("a.png", "a" * 64, 1, 1)
            raise RuntimeError("boom")
    assert store.samples.count() == 0
    assert not store.transaction.active


def test_nested_savepoint_rolls_back_only_inner(project):
    store = project.store
    with store.transaction():
        store.samples.add("a.png", "a" * 64, 1, 1)
        with pytest.raises(InvalidInputError):
            with store.transaction():
                store.samples.add("b.png", "b" * 64, 1, 1)
                raise InvalidInputError("inner fails")
        store.samples.add("c.png", "c" * 64, 1, 1)
    assert [r["path"] for r in store.samples.rows()] == ["a.png", "c.png"]


def test_commit_is_visible_to_another_connection(project):
    other = project.connect()
    try:
        with project.store.transaction():
            project.store.samples.add("a.png", "a" * 64, 1, 1)
        assert other.samples.count() == 1
    finally:
        other.close()


def test_second_writer_waits_on_busy_timeout(project):
    """BEGIN IMMEDIATE in a second connection queues behind the first writer instead of failing."""
    other = project.connect()
    done = threading.Event()

    def write() -> None:
        with other.transaction():
            other.samples.add("b.png", "b" * 64, 1, 1)
        done.set()

    try:
        with project.store.transaction():
            project.store.samples.add("a.png", "a" * 64, 1, 1)
            worker = threading.Thread(target=write)
            worker.start()
            assert not done.wait(0.2)
        worker.join(5)
        assert done.is_set()
        assert project.store.samples.count() == 2
    finally:
        other.close()


def test_rows_carry_the_active_models_suggestion(filled_project):
    store = filled_project.store
    ids = store.samples.ids()
    cat = store.labels.by_name("cat").id
    dog = store.labels.by_name("dog").id
    add_model(store, "v1", "ready")
    add_model(store, "v2", "active")
    add_prediction(store, ids[0], "v1", cat, 0.5)
    add_prediction(store, ids[0], "v2", dog, 0.93)
    rows = {r["id"]: r for r in store.samples.rows()}
    assert rows[ids[0]]["pred_label_id"] == dog
    assert rows[ids[0]]["pred_score"] == pytest.approx(0.93)
    assert rows[ids[1]]["pred_label_id"] is None and rows[ids[1]]["pred_score"] is None
    assert len(rows) == len(ids)


def test_add_many_and_progress_counts(project):
    store = project.store
    with store.transaction():
        added = store.samples.add_many((f"s{i}.png", f"{i:064x}", 8, 8, "train") for i in range(50))
    assert added == 50
    assert store.samples.progress_counts() == (0, 50)


def test_filter_by_many_ids(project):
    from s2ide.core.store import SampleFilter
    from tests.store_helpers import add_synthetic_samples

    add_synthetic_samples(project.store, 40_000)
    wanted = project.store.samples.ids()[:35_000]
    assert project.store.samples.ids(SampleFilter(ids=wanted)) == wanted
    assert project.store.samples.rows(SampleFilter(ids=[]), limit=5) == []
