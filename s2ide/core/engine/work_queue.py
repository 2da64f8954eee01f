"""Next for a team: each labeler is handed a sample nobody else holds right now.

The order is the project's queue (its strategy over the active model's predictions); the first
sample in it that no one else holds is leased to the caller for `ttl_s` seconds (renewed while the
sample stays open, released when it is left or labeled). An expired lease is handed out again, so
a labeler who walked away blocks nothing for long.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from s2ide.core.engine.sampling import QueueEntry, build_queue
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


class CachedQueue:
    """The queue's order kept between Nexts of one long-lived client (building it reads every
    sample and the active model's predictions: seconds on a big project). It is built again when
    the active model changes, when it runs out, or after `max_age_s`; samples found labeled or
    taken meanwhile are remembered and skipped without another round trip."""

    def __init__(self, max_age_s: float = 120.0) -> None:
        self.max_age_s = max_age_s
        self._entries: list[QueueEntry] | None = None
        self._model: str | None = None
        self._built = 0.0
        self.gone: set[int] = set()

    def entries(self, store: Store) -> list[QueueEntry]:
        active = store.models.active()
        model = active.version if active else None
        stale = time.monotonic() - self._built > self.max_age_s
        if self._entries is None or model != self._model or stale:
            self._entries, self._model, self._built = build_queue(store), model, time.monotonic()
            self.gone.clear()
        return self._entries

    def exhausted(self) -> None:
        self._entries = None


def take_next(
    store: Store,
    user: str,
    ttl_s: float = DEFAULT_TTL_S,
    *,
    skip: int | None = None,
    queue: CachedQueue | None = None,
) -> Lease | None:
    """Lease the first sample of the queue that nobody else holds (None when none is left).

    `skip` is a sample the caller does not want again (the one just left). A sample the caller
    already holds comes first, so asking twice never strands a lease. A long-lived client passes
    its `queue` so the order is not rebuilt on every call.
    """
    require(store, user, Action.LABEL)
    for attempt in range(2):
        entries = queue.entries(store) if queue is not None else build_queue(store)
        gone = queue.gone if queue is not None else set()
        now = datetime.now(UTC)
        held = store.leases.held_by_others(user, _stamp(now))
        for entry in entries:
            if entry.sample_id in held or entry.sample_id in gone or entry.sample_id == skip:
                continue
            expires = _stamp(now + timedelta(seconds=ttl_s))
            with store.transaction():
                taken = store.leases.take(entry.sample_id, user, _stamp(now), expires)
            if taken:
                return Lease(entry.sample_id, entry.path, user, expires)
            gone.add(entry.sample_id)  # labeled, or taken by someone, since the queue was read
        if queue is None or attempt:
            return None
        queue.exhausted()  # a cached order ran out: one fresh look before saying nothing is left
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
