"""Skipping a sample the labeler cannot label (an image that will not decode, say)."""

from __future__ import annotations

from s2ide.core.review.users import Action, require
from s2ide.core.store import Store


def skip_sample(store: Store, sample_id: int, user: str, reason: str = "") -> str:
    """Mark the sample 'skipped' in one commit with an audit row; its previous status."""
    require(store, user, Action.LABEL)
    with store.transaction():
        sample = store.samples.get(sample_id)
        store.samples.set_status(sample_id, "skipped")
        store.audit.record(
            user,
            "skip",
            "sample",
            sample_id,
            {"status": sample.status},
            {"status": "skipped", "reason": reason, "sample_id": sample_id},
        )
    return sample.status
