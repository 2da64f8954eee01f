"""Next for a team: leases hand each sample to one labeler at a time, and expired ones go round again."""

from __future__ import annotations

import json
import multiprocessing as mp
import time
from pathlib import Path

import pytest

from s2ide.core.engine.work_queue import holders, release, renew, take_next
from s2ide.core.errors import InvalidInputError
from s2ide.core.project import Project
from s2ide.core.review.users import add_user
from tests.store_helpers import add_synthetic_samples

WORKERS = 8
CALLS = 200


def _labeler_loop(path: str, user: str, calls: int, out: str) -> None:
    """One labeler's process: take the next sample, record it, label it, again."""
    from s2ide.core.labeling.tags import set_tag

    project = Project.open(path)
    store = project.store
    label_id = store.labels.list()[0].id
    taken = []
    for _ in range(calls):
        lease = take_next(store, user)
        if lease is None:
            break
        taken.append([lease.sample_id, time.time()])
        set_tag(store, lease.sample_id, label_id, user)
        release(store, lease.sample_id, user)
    project.close()
    Path(out).write_text(json.dumps(taken))


def test_eight_processes_never_get_the_same_sample(tmp_path) -> None:
    project = Project.create(tmp_path / "team", ["a", "b"])
    users = [f"lab{i}" for i in range(WORKERS)]
    for name in ["boss", *users]:
        add_user(project.store, name, "engineer" if name == "boss" else "labeler", by="boss")
    add_synthetic_samples(project.store, WORKERS * CALLS + 50)
    project.close()
    ctx = mp.get_context("spawn")
    outs = [tmp_path / f"{u}.json" for u in users]
    procs = [
        ctx.Process(target=_labeler_loop, args=(str(tmp_path / "team"), u, CALLS, str(o)))
        for u, o in zip(users, outs, strict=True)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=240)
        assert p.exitcode == 0
    taken = [sample for out in outs for sample, _at in json.loads(out.read_text())]
    assert len(taken) == WORKERS * CALLS
    assert len(set(taken)) == len(taken), "a sample was handed to two labelers"


def test_asking_twice_returns_the_held_sample_and_others_skip_it(project, image_tree) -> None:
    from s2ide.core.io.formats import read_plan
    from s2ide.core.io.import_options import ImportOptions
    from s2ide.core.io.importing import run_import
    from s2ide.core.tasks import TaskState

    run_import(project, read_plan(image_tree, "folder"), ImportOptions(), TaskState())
    add_user(project.store, "lara2", "labeler", by="eng")
    store = project.store
    first = take_next(store, "lara")
    assert first is not None and take_next(store, "lara").sample_id == first.sample_id
    second = take_next(store, "lara2")
    assert second is not None and second.sample_id != first.sample_id
    assert {(s, h) for s, h, _t, _e in holders(store)} == {(first.sample_id, "lara"), (second.sample_id, "lara2")}
    assert renew(store, first.sample_id, "lara") and not renew(store, first.sample_id, "lara2")


def test_an_expired_lease_is_handed_out_again(project, image_tree) -> None:
    from s2ide.core.io.formats import read_plan
    from s2ide.core.io.import_options import ImportOptions
    from s2ide.core.io.importing import run_import
    from s2ide.core.tasks import TaskState

    run_import(project, read_plan(image_tree, "folder"), ImportOptions(), TaskState())
    add_user(project.store, "lara2", "labeler", by="eng")
    gone = take_next(project.store, "lara", ttl_s=0.05)
    time.sleep(0.1)
    again = take_next(project.store, "lara2")
    assert gone is not None and again is not None and again.sample_id == gone.sample_id


def test_only_project_users_who_may_label_take_samples(project) -> None:
    with pytest.raises(InvalidInputError, match="unknown user"):
        take_next(project.store, "nobody")


def test_a_cached_queue_is_built_once_and_skips_what_others_took(project, image_tree, monkeypatch) -> None:
    from s2ide.core.engine import work_queue
    from s2ide.core.engine.work_queue import CachedQueue
    from s2ide.core.io.formats import read_plan
    from s2ide.core.io.import_options import ImportOptions
    from s2ide.core.io.importing import run_import
    from s2ide.core.labeling.tags import set_tag
    from s2ide.core.tasks import TaskState

    run_import(project, read_plan(image_tree, "folder"), ImportOptions(), TaskState())
    add_user(project.store, "lara2", "labeler", by="eng")
    builds: list[int] = []
    real = work_queue.build_queue
    monkeypatch.setattr(work_queue, "build_queue", lambda store: builds.append(1) or real(store))
    store = project.store
    mine, theirs = CachedQueue(), CachedQueue()
    label = store.labels.list()[0].id
    handed: list[int] = []
    for queue, user in [(mine, "lara"), (theirs, "lara2")] * 2:
        lease = take_next(store, user, queue=queue)
        assert lease is not None
        handed.append(lease.sample_id)
        set_tag(store, lease.sample_id, label, user)
    assert len(set(handed)) == 4 and len(builds) == 2  # one build per client, not one per Next
    while (lease := take_next(store, "lara", ttl_s=0.05, queue=mine)) is not None:
        set_tag(store, lease.sample_id, label, "lara")
        last = lease
    assert take_next(store, "lara2", queue=theirs) is None  # exhausted: a fresh look finds nothing either
    set_tag(store, last.sample_id, None, "lara")  # one goes back to unlabeled
    time.sleep(0.1)  # and lara's short lease on it runs out
    assert take_next(store, "lara2", queue=theirs).sample_id == last.sample_id
