"""The priority slice: samples a lead or engineer sends to the front of everyone's Next.

The move after "find more like this": the look-alikes of a failure case get labeled first,
before the strategy's own choice. The slice keeps the order it was given; a sample leaves it
once it is labeled (or escalated, skipped), which `pending()` prunes as it reads.
"""

from __future__ import annotations

from collections.abc import Sequence

from s2ide.core.errors import InvalidInputError
from s2ide.core.review.users import Action, require
from s2ide.core.store import Store


def prioritize(store: Store, sample_ids: Sequence[int], user: str, note: str = "") -> list[int]:
    """Append samples to the priority slice; returns those added (already present ones stay where they are)."""
    require(store, user, Action.SET_PRIORITY)
    ids = [int(i) for i in sample_ids]
    if not ids:
        raise InvalidInputError("no samples to prioritize")
    for sample_id in ids:
        store.samples.get(sample_id)  # a clear error for an unknown id
    with store.transaction():
        added = store.priority.add(ids, user, note)
        if added:
            store.audit.record(user, "prioritize", "priority", None, None, {"sample_ids": added, "note": note})
    return added


def pending(store: Store) -> list[tuple[int, str]]:
    """(id, path) of the slice's samples still to label, in order; labeled ones leave the slice."""
    done = store.priority.done()
    if done:
        with store.transaction():
            store.priority.remove(done)
    return store.priority.pending()


def clear_priority(store: Store, user: str, sample_ids: Sequence[int] | None = None) -> int:
    """Take samples (all when None) out of the slice."""
    require(store, user, Action.SET_PRIORITY)
    ids = store.priority.ids() if sample_ids is None else [int(i) for i in sample_ids]
    with store.transaction():
        removed = store.priority.remove(ids)
        if removed:
            store.audit.record(user, "unprioritize", "priority", None, {"sample_ids": ids}, None)
    return removed
