"""Next for a team: each labeler is handed a sample nobody else holds right now.

The order is the project's queue (its strategy over the active model's predictions); the first
sample in it that no one else holds is leased to the caller for `ttl_s` seconds (renewed while the
sample stays open, released when it is left or labeled). An expired lease is handed out again, so
a labeler who walked away blocks nothing for long.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from s2ide.core.engine.sampling import build_queue
from s2ide.core.review.users import Action, require
from s2ide.core.store import Store

DEFAULT_TTL_S = 600.0  # ten minutes


@dataclass(frozen=True)
class Lease:
    sample_id: int
    path: str
    holder: str
    expires_at: str

    def as_json(self) -> dict[str, object]:
        return {"id": self.sample_id, "path": self.path, "lease_expires_at": self.expires_at, "holder": self.holder}


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def take_next(store: Store, user: str, ttl_s: float = DEFAULT_TTL_S, *, skip: int | None = None) -> Lease | None:
    """Lease the first sample of the queue that nobody else holds (None when none is left).

    `skip` is a sample the caller does not want again (the one just left). A sample the caller
    already holds comes first, so asking twice never strands a lease.
    """
    require(store, user, Action.LABEL)
    now = datetime.now(UTC)
    held = store.leases.held_by_others(user, _stamp(now))
    for entry in build_queue(store):
        if entry.sample_id in held or entry.sample_id == skip:
            continue
        expires = _stamp(now + timedelta(seconds=ttl_s))
        with store.transaction():
            taken = store.leases.take(entry.sample_id, user, _stamp(now), expires)
        if taken:
            return Lease(entry.sample_id, entry.path, user, expires)
        held.add(entry.sample_id)  # someone took it between the read and the write
    return None


def hold(store: Store, sample_id: int, user: str, ttl_s: float = DEFAULT_TTL_S) -> bool:
    """Lease one chosen sample (the app's Next picked it); False when someone else holds it.
    Samples that are not unlabeled (a second label owed, a review) need no lease: True."""
    now = datetime.now(UTC)
    with store.transaction():
        if store.samples.get(sample_id).status != "unlabeled":
            return True
        return store.leases.take(sample_id, user, _stamp(now), _stamp(now + timedelta(seconds=ttl_s)))


def renew(store: Store, sample_id: int, user: str, ttl_s: float = DEFAULT_TTL_S) -> bool:
    """Extend the caller's lease while the sample stays open; False when it was lost (expired and taken)."""
    expires = _stamp(datetime.now(UTC) + timedelta(seconds=ttl_s))
    with store.transaction():
        return store.leases.renew(sample_id, user, expires)


def release(store: Store, sample_id: int, user: str) -> None:
    with store.transaction():
        store.leases.release(sample_id, user)


def holders(store: Store) -> list[tuple[int, str, str, str]]:
    """Who holds what now: (sample_id, holder, taken_at, expires_at), for leads."""
    return store.leases.active(_stamp(datetime.now(UTC)))
