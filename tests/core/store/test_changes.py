"""The change feed: one connection sees what another commits, from the audit table."""

from __future__ import annotations

import time

from s2ide.core.labeling.tags import set_tag
from s2ide.core.project import Project
from s2ide.core.store.changes import ChangeFeed


def test_a_commit_on_another_connection_reaches_the_feed_with_who_and_which_sample(filled_project) -> None:
    mine = filled_project.store
    feed = ChangeFeed(mine)
    assert feed.poll() is None  # nothing committed by anyone yet
    sample_id = mine.samples.ids()[0]
    set_tag(mine, sample_id, None, "lara")  # my own commit does not move data_version
    assert feed.poll() is None
    other = Project.open(filled_project.path)
    try:
        started = time.perf_counter()
        dog = other.store.labels.by_name("dog")
        set_tag(other.store, sample_id, dog.id, "leo")
        events = feed.poll()
        latency = time.perf_counter() - started
    finally:
        other.close()
    assert events is not None and latency < 1.0
    # my own earlier row and the other connection's row, oldest first
    assert [(e.user, e.action, e.entity, e.sample_id) for e in events][-1] == ("leo", "tag", "sample", sample_id)
    line = events[-1].as_json()
    assert list(line)[:5] == ["at", "user", "action", "entity", "entity_id"] and line["entity_id"] == str(sample_id)
    assert feed.poll() is None  # read once


def test_events_name_the_sample_of_shape_and_escalation_changes(filled_project) -> None:
    from s2ide.core.review.escalations import escalate

    feed = ChangeFeed(filled_project.store)
    sample_id = filled_project.store.samples.ids()[1]
    other = Project.open(filled_project.path)
    try:
        escalate(other.store, sample_id, "ambiguous class", "lara", note="ears?")
    finally:
        other.close()
    events = feed.poll()
    assert events and events[-1].entity == "escalation" and events[-1].sample_id == sample_id


def test_a_commit_without_an_audit_row_still_counts_as_a_change(filled_project) -> None:
    feed = ChangeFeed(filled_project.store)
    other = Project.open(filled_project.path)
    try:
        with other.store.transaction():
            other.store.meta.set("unaudited", "1")
    finally:
        other.close()
    assert feed.poll() == []  # something changed; no audited event to show


def test_the_feed_and_leases_work_on_a_team_project(team_project, team_url) -> None:
    from s2ide.core.engine.work_queue import hold, holders

    store = team_project.store
    with store.transaction():
        first = store.samples.add("a.png", "sha-a", 4, 4)
        store.samples.add("b.png", "sha-b", 4, 4)
    feed = ChangeFeed(store)
    other = Project.open(team_url)
    try:
        set_tag(other.store, first, other.store.labels.by_name("cat").id, other.signed_in_user)
        deadline = time.monotonic() + 1.0  # the NOTIFY arrives a moment after the commit returns
        while (events := feed.poll()) is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert events and events[-1].action == "tag" and events[-1].sample_id == first
        second = other.store.samples.ids()[1]
        assert hold(other.store, second, other.signed_in_user)
    finally:
        other.close()
    assert [(s, h) for s, h, _t, _e in holders(store)] == [(second, team_project.signed_in_user)]


def test_on_postgresql_a_notify_wakes_the_feed_without_polling(team_project, team_url) -> None:
    """The audit trigger's NOTIFY makes the feed's socket readable the moment another connection
    commits, so an event loop sleeps until a change instead of polling."""
    import select

    store = team_project.store
    with store.transaction():
        first = store.samples.add("a.png", "sha-a", 4, 4)
    feed = ChangeFeed(store)
    fd = feed.fileno()
    assert fd is not None
    assert select.select([fd], [], [], 0.05)[0] == [] and feed.poll() is None  # quiet until someone commits
    other = Project.open(team_url)
    try:
        started = time.perf_counter()
        set_tag(other.store, first, other.store.labels.by_name("dog").id, other.signed_in_user)
        readable = select.select([fd], [], [], 1.0)[0]
        latency = time.perf_counter() - started
    finally:
        other.close()
    assert readable == [fd] and latency < 1.0
    events = feed.poll()
    assert events and events[-1].action == "tag" and events[-1].sample_id == first
    assert feed.poll() is None
    feed.close()
    assert feed.fileno() is None
