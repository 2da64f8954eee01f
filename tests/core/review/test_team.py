"""The team summary: activity, labels per hour today, open escalations and agreement per person."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from s2ide.core.labeling.tags import set_tag
from s2ide.core.review.escalations import escalate
from s2ide.core.review.team import team_summary


def test_labels_escalations_and_activity_are_counted_per_person(filled_project) -> None:
    store = filled_project.store
    ids = store.samples.ids()
    cat = store.labels.by_name("cat").id
    for sample_id in ids[:3]:
        set_tag(store, sample_id, cat, "lara")
    set_tag(store, ids[3], cat, "leo")
    escalate(store, ids[4], "ambiguous class", "lara")
    rows = {r.user: r for r in team_summary(store)}
    assert rows["lara"].labels_today == 3 and rows["lara"].active_now
    assert rows["lara"].labels_by_hour == {datetime.now(UTC).hour: 3} and rows["lara"].labels_last_hour == 3
    assert rows["lara"].open_raised == 1 and rows["lara"].role == "labeler"
    assert rows["leo"].labels_today == 1
    assert rows["eng"].labels_today == 0 and rows["eng"].open_raised == 0  # added the users, labeled nothing
    order = [r.user for r in team_summary(store)]
    assert order.index("lara") < order.index("leo")  # more labels today first


def test_yesterday_does_not_count_today(filled_project) -> None:
    store = filled_project.store
    set_tag(store, store.samples.ids()[0], store.labels.by_name("dog").id, "lara")
    tomorrow = datetime.now(UTC).replace(hour=1, minute=0) + timedelta(days=1)
    rows = {r.user: r for r in team_summary(store, now=tomorrow)}
    assert rows["lara"].labels_today == 0 and not rows["lara"].active_now
