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
