"""The lead's view of the team today: who is active, labels per hour, open escalations, agreement.

One row per project user, built from the audit (every change has who and when), the escalation
queue and the double-labeling votes; the dashboard recomputes it whenever a change arrives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from s2ide.core.review.agreement import agreement_by_labeler
from s2ide.core.store import Store

ACTIVE_WINDOW = timedelta(minutes=5)


@dataclass
class TeamRow:
    user: str
    role: str
    last_change: str | None  # ISO time of their latest change today
    active_now: bool  # a change within the last five minutes
    changes_today: int
    labels_today: int
    labels_by_hour: dict[int, int] = field(default_factory=dict)  # UTC hour -> tags set
    open_raised: int = 0
    open_assigned: int = 0
    agreement: float | None = None
    kappa: float | None = None

    @property
    def labels_last_hour(self) -> int:
        return self.labels_by_hour.get(datetime.now(UTC).hour, 0)


def team_summary(store: Store, now: datetime | None = None) -> list[TeamRow]:
    """Every project user (and anyone else who changed something today), most active first."""
    now = now or datetime.now(UTC)
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0).isoformat(timespec="milliseconds")
    recent = (now - ACTIVE_WINDOW).isoformat(timespec="milliseconds")
    seen = store.team.last_seen(day_start)
    hours = store.team.tags_by_hour(day_start)
    escalations = store.team.open_escalations()
    agreement = {a.user: a for a in agreement_by_labeler(store)}
    roles = {u.name: u.role for u in store.users.list()}
    rows = []
    for user in sorted(set(roles) | set(seen)):
        last, changes = seen.get(user, (None, 0))
        by_hour = hours.get(user, {})
        raised, assigned = escalations.get(user, (0, 0))
        agreed = agreement.get(user)
        rows.append(
            TeamRow(
                user=user,
                role=roles.get(user, "-"),
                last_change=last,
                active_now=last is not None and last >= recent,
                changes_today=changes,
                labels_today=sum(by_hour.values()),
                labels_by_hour=by_hour,
                open_raised=raised,
                open_assigned=assigned,
                agreement=agreed.rate if agreed else None,
                kappa=agreed.kappa if agreed else None,
            )
        )
    rows.sort(key=lambda r: (not r.active_now, -r.labels_today, r.user))
    return rows
