"""Bulk inserts return the right ids while another session inserts into the same tables at once
(PostgreSQL hands out ids from one sequence for every session: a batch is not consecutive)."""

from __future__ import annotations

import threading

from s2ide.core.project import Project


def _writer(url: str, who: int, rounds: int, sample_id: int, label_id: int, out: dict, errors: list) -> None:
    project = Project.open(url)
    store = project.store
    try:
        for r in range(rounds):
            rows = [
                (sample_id, "point", label_id, {"x": float(who), "y": float(r * 100 + i)}, None, None) for i in range(7)
            ]
            paths = [(f"w{who}/r{r}/{i}.png", f"sha-{who}-{r}-{i}", 8 + i, 8, "train") for i in range(3)]
            with store.transaction():
                ann_ids = store.annotations.add_many(rows, "eng")
                sample_ids = store.samples.add_many_ids(paths)
            for ann_id, row in zip(ann_ids, rows):
                out[ann_id] = row[3]
            for sid, path in zip(sample_ids, paths):
                out[("s", sid)] = path[0]
    except Exception as exc:
        errors.append(exc)
    finally:
        project.close()


def test_two_writers_get_their_own_ids(team_project, team_url):
    store = team_project.store
    with store.transaction():
        sample_id = store.samples.add("base.png", "sha-base", 8, 8, "train")
    label_id = store.labels.resolve("cat").id
    out: dict = {}
    errors: list = []
    threads = [
        threading.Thread(target=_writer, args=(team_url, who, 25, sample_id, label_id, out, errors)) for who in (1, 2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    annotations = {a.id: a.geometry for a in store.annotations.for_sample(sample_id)}
    expected = {k: v for k, v in out.items() if not isinstance(k, tuple)}
    assert len(expected) == 2 * 25 * 7
    assert annotations == expected  # every id returned names the row its writer inserted
    for key, path in out.items():
        if isinstance(key, tuple):
            assert store.samples.get(key[1]).path == path
