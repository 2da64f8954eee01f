"""Marking a detect or segment sample done: its labeler says every object is drawn.

In a classification project a tag is the label, so tagging sets the status. A box or a mask
says nothing about whether the image is finished, so detect and segment projects wait for the
labeler: Enter (or Done) marks the open sample done, N marks it done with no objects. Done is
the `labeled` status, so progress, the gallery's status filter, Next and the dataset views
count done samples with no change of their own; the audit row says `done` and whether the
sample was marked empty.
"""

from __future__ import annotations

from s2ide.core.errors import InvalidInputError
from s2ide.core.labeling.prelabel_outcomes import decide_outcomes
from s2ide.core.review.users import Action, require
from s2ide.core.store import Store

SHAPE_TASKS = ("detect", "segment")
SHAPE_KINDS = ("box", "polygon", "mask", "point", "line", "keypoints")
DONE_STATUS = "labeled"


def is_shape_task(task: str | None) -> bool:
    """True for projects whose labels are shapes (detect, segment), not image tags."""
    return (task or "classify") in SHAPE_TASKS


def project_task(store: Store) -> str:
    return store.meta.get("task") or "classify"


def shape_count(store: Store, sample_id: int) -> int:
    return sum(store.annotations.count_for_sample(sample_id, kind) for kind in SHAPE_KINDS)


def mark_done(store: Store, sample_id: int, user: str, *, empty: bool = False, threshold: float = 0.5) -> str:
    """Mark the sample done (or done with no objects) in one commit with an audit row; returns
    its previous status. `empty` on a sample that has shapes is refused (they would contradict it).
    The fate of each pre-label shown (score >= `threshold`, the project's pre-label threshold) is
    recorded in the same commit (core/labeling/prelabel_outcomes.py)."""
    require(store, user, Action.LABEL)
    task = project_task(store)
    if not is_shape_task(task):
        raise InvalidInputError(
            f"this is a {task} project: a sample is labeled by its tag (`s2ide label`), not marked done"
        )
    with store.transaction():
        sample = store.samples.get(sample_id)
        shapes = shape_count(store, sample_id)
        if empty and shapes:
            raise InvalidInputError(
                f"sample {sample_id} has {shapes} shape(s): delete them to mark it 'no objects', or mark it done"
            )
        if sample.status == "escalated":
            raise InvalidInputError(f"sample {sample_id} is escalated: its escalation decides it")
        if sample.status != "reviewed":
            store.samples.set_status(sample_id, DONE_STATUS)
        outcomes = decide_outcomes(store, sample_id, threshold)
        store.prelabel_outcomes.replace_for_sample(sample_id, [dict(row, labeler=user) for row in outcomes])
        store.audit.record(
            user,
            "done",
            "sample",
            sample_id,
            {"status": sample.status},
            {"status": DONE_STATUS, "empty": empty, "shapes": shapes, "sample_id": sample_id},
        )
    return sample.status


def reopen(store: Store, sample_id: int, user: str) -> None:
    """Undo of done: the sample goes back to unlabeled (only from labeled)."""
    require(store, user, Action.LABEL)
    with store.transaction():
        sample = store.samples.get(sample_id)
        if sample.status == DONE_STATUS:
            store.samples.set_status(sample_id, "unlabeled")
            store.audit.record(user, "reopen", "sample", sample_id, {"status": sample.status}, {"status": "unlabeled"})
