"""Writing a sample's class tag with its status and audit row: the one primitive every tagging path shares.

It sits in the store, below labeling and review, so that resolving an escalation (review) and
tagging a sample (labeling, which also records double-labeling votes) write a tag the same way
without the two domains importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from s2ide.core.store import Store


@dataclass(frozen=True)
class TagChange:
    sample_id: int
    before: int | None
    after: int | None


def write_tag(
    store: Store,
    sample_id: int,
    label_id: int | None,
    user: str,
    *,
    source: str = "human",
    agreed_with_prediction: bool | None = None,
    status: str | None = None,
) -> TagChange:
    """Set (or clear, with None) the class tag of a sample, and its status, in one commit.

    Callers that already hold a transaction (an import) nest into it. When the caller does not
    say whether the label agreed with the model, it is filled in from the active model's
    prediction for the sample (if there is one), so agreement is tracked for every label.
    """
    with store.transaction():
        store.samples.lock(sample_id)
        if agreed_with_prediction is None and label_id is not None:
            predicted = store.predictions.active_label(sample_id)
            if predicted is not None:
                agreed_with_prediction = predicted == label_id
        current = store.annotations.tag_of(sample_id)
        sample = store.samples.get(sample_id)
        before_label = current.label_id if current else None
        if label_id is None:
            if current is not None:
                store.annotations.delete(current.id)
            new_status = status or ("unlabeled" if sample.status == "labeled" else sample.status)
        else:
            if current is None:
                store.annotations.add(
                    sample_id, "tag", label_id, user, source=source, agreed_with_prediction=agreed_with_prediction
                )
            else:
                store.annotations.update(
                    current.id,
                    label_id=label_id,
                    author=user,
                    source=source,
                    agreed_with_prediction=agreed_with_prediction,
                )
            new_status = status or ("labeled" if sample.status in ("unlabeled", "skipped") else sample.status)
        if new_status != sample.status:
            store.samples.set_status(sample_id, new_status)
        store.audit.record(
            user,
            "tag",
            "sample",
            sample_id,
            {"label_id": before_label, "status": sample.status},
            {"label_id": label_id, "status": new_status, "source": source, "sample_id": sample_id},
        )
    return TagChange(sample_id, before_label, label_id)
