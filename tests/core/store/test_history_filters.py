"""The gallery's history filters read the audit log: samples labeled by someone, labeled since a
time, changed since a time (skips and deleted shapes count as changes); and each row's shape count.
Each test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from s2ide.core.clock import local_day_start_iso, now_iso
from s2ide.core.store import SampleFilter
from s2ide.core.store.tag_writes import write_tag


def _samples(store, n: int = 5) -> list[int]:
    with store.transaction():
        return [store.samples.add(f"img/{i}.png", f"sha{i}", 32, 24, "none") for i in range(n)]


def _add_box(store, sample_id: int, user: str) -> int:
    with store.transaction():
        new_id = store.annotations.add(sample_id, "box", None, user, geometry={"x": 1, "y": 1, "w": 4, "h": 4})
        added = store.annotations.get(new_id)
        store.audit.record(user, "add", "annotation", new_id, None, added.summary())
    return new_id


def test_labeled_by_me_today_and_changed_since(any_project):
    store = any_project.store
    me = any_project.signed_in_user or "lara"
    ids = _samples(store)
    cat = store.labels.by_name("cat").id
    write_tag(store, ids[0], cat, me)
    box = _add_box(store, ids[1], me)
    with store.transaction():  # a deleted shape still names its sample in the audit row
        gone = store.annotations.get(box)
        store.annotations.delete(box)
        store.audit.record(me, "delete", "annotation", box, gone.summary(), None)
    with store.transaction():  # a skip is a change, not labeling
        store.samples.set_status(ids[2], "skipped")
        store.audit.record(me, "skip", "sample", ids[2], {"status": "unlabeled"}, {"status": "skipped"})
    if any_project.signed_in_user is None:  # a local project: anyone may be named
        write_tag(store, ids[3], cat, "leo")
    assert store.samples.ids(SampleFilter(changed_by=me, labeling_only=True)) == ids[:2]
    assert store.samples.ids(SampleFilter(changed_by=me)) == ids[:3]
    today = local_day_start_iso(0)
    labeled_today = store.samples.ids(SampleFilter(changed_since=today, labeling_only=True))
    assert labeled_today == (ids[:2] if any_project.signed_in_user else [ids[0], ids[1], ids[3]])
    assert store.samples.ids(SampleFilter(changed_since="9999-01-01T00:00:00.000+00:00")) == []
    since_yesterday = store.samples.ids(SampleFilter(changed_since=local_day_start_iso(1)))
    assert ids[2] in since_yesterday and ids[4] not in since_yesterday
    assert local_day_start_iso(1) < local_day_start_iso(0) <= now_iso()
    # combined with the other filters
    assert store.samples.ids(SampleFilter(changed_by=me, status="skipped")) == [ids[2]]


def test_slim_rows_count_shapes_not_tags(any_project):
    store = any_project.store
    me = any_project.signed_in_user or "lara"
    ids = _samples(store, 3)
    write_tag(store, ids[0], store.labels.by_name("cat").id, me)
    _add_box(store, ids[1], me)
    _add_box(store, ids[1], me)
    shapes = {row[0]: row[3] for row in store.samples.slim_rows()}
    assert shapes == {ids[0]: 0, ids[1]: 2, ids[2]: 0}
