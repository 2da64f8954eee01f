"""Time telemetry: open intervals recorded per sample and user, summarised as seconds per label
and per shape per labeler and day; old projects gain the table by migration."""

from __future__ import annotations

import sqlite3

from s2ide.core.labeling.time_telemetry import IDLE_CAP_S, SampleClock, time_stats
from s2ide.core.project import Project
from s2ide.core.store import migrations
from s2ide.core.store.sessions_time import intervals


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_intervals_and_seconds_per_label_and_shape(filled_project):
    store = filled_project.store
    ids = store.samples.ids()
    fake = FakeClock()
    clock = SampleClock(fake)
    for sample_id, seconds, tags, accepted, shapes in (
        (ids[0], 4.0, 1, 0, 0),
        (ids[1], 6.0, 1, 0, 0),
        (ids[2], 1.0, 1, 1, 0),
        (ids[3], 12.0, 0, 0, 3),
    ):
        clock.open(sample_id, "lara")
        fake.now += seconds
        clock.note(tags=tags, accepted=accepted, shapes=shapes)
        clock.close_into(store)
    rows = intervals(store)
    first = rows[0]
    assert (first.sample_id, first.seconds, first.tags, first.shapes) == (ids[0], 4.0, 1, 0)
    (stat,) = time_stats(store)
    assert stat.user == "lara" and stat.samples == 4
    assert stat.label_median == 5.0 and stat.label_p90 is not None and 5.0 < stat.label_p90 <= 6.0
    assert stat.accepted_median == 1.0  # the pre-label gain: 1 s against 5 s
    assert stat.shape_median == 4.0


def test_idle_time_is_capped_and_no_user_records_nothing(filled_project):
    store = filled_project.store
    fake = FakeClock()
    clock = SampleClock(fake)
    clock.open(store.samples.ids()[0], "lara")
    fake.now += 4 * 3600
    assert clock.close_into(store).seconds == IDLE_CAP_S
    clock.open(store.samples.ids()[0], "")
    assert clock.close_into(store) is None
    assert len(intervals(store)) == 1


def test_an_old_project_gains_the_table(tmp_path):
    made = Project.create(tmp_path / "old", ["a"])
    made.close()
    step = next(v for v, f in migrations.MIGRATIONS.items() if f.__name__ == "add_sessions_time")
    conn = sqlite3.connect(tmp_path / "old" / "project.db")
    conn.execute("DROP TABLE sessions_time")
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(step - 1),))
    conn.commit()
    conn.close()
    opened = Project.open(tmp_path / "old")
    assert intervals(opened.store) == []
    opened.close()


def test_time_saved_by_prelabels_per_labeler_and_version(filled_project):
    from s2ide.core.labeling.done import mark_done
    from s2ide.core.labeling.tags import set_tag
    from s2ide.core.labeling.time_telemetry import prelabel_time, prelabel_time_line
    from s2ide.core.store.sessions_time import OpenInterval, record

    store = filled_project.store
    ids = store.samples.ids()
    for sid in ids:
        set_tag(store, sid, None, "lara")
    car = store.labels.list()[0].id
    with store.transaction():
        store.meta.set("task", "detect")
        for sid, count in ((ids[0], 5), (ids[1], 5), (ids[2], 2), (ids[3], 4)):
            for n in range(count):
                store.annotations.add(sid, "box", car, "lara", geometry={"x": n, "y": 0, "w": 5, "h": 5, "angle": 0})

    def outcome(kind):
        return {"model_version": "v2", "labeler": "lara", "kind": "box", "label_id": car, "score": 0.9, "outcome": kind}

    # image 0: two v2 pre-labels taken (one edited) in 6 + 4 s; image 1 drawn by hand in 30 s;
    # image 2: every suggestion rejected, so it counts as drawn by hand (10 s); image 3 not done
    for sid in ids[:3]:
        mark_done(store, sid, "lara")  # (no active model here: the outcomes are written below)
    with store.transaction():
        store.prelabel_outcomes.replace_for_sample(ids[0], [outcome("accepted"), outcome("edited")])
        store.prelabel_outcomes.replace_for_sample(ids[2], [outcome("rejected")])
    for sid, seconds in ((ids[0], 6.0), (ids[0], 4.0), (ids[1], 30.0), (ids[2], 10.0), (ids[3], 50.0)):
        record(store, OpenInterval(sid, "lara", "2026-12-04T10:00:00", "2026-12-04T10:01:00", seconds))
    (row,) = prelabel_time(store)
    assert row["labeler"] == "lara" and row["model_version"] == "v2"
    assert (row["images"], row["shapes"], row["seconds_per_image"], row["seconds_per_shape"]) == (1, 5, 10.0, 2.0)
    assert (row["baseline_images"], row["baseline_shapes"]) == (2, 7)
    assert row["baseline_seconds_per_image"] == 20.0 and row["baseline_seconds_per_shape"] == round(40 / 7, 2)
    assert row["seconds_saved_per_shape"] == round(round(40 / 7, 2) - 2.0, 2)
    assert row["seconds_saved_per_image"] == 10.0
    assert prelabel_time_line(row) == (
        "lara with v2 pre-labels: 2.0 s/shape on 1 images, 5.7 s/shape on 2 without "
        "(3.7 s/shape saved and 10.0 s/image saved)"
    )
