"""Class tags on samples: one committed transaction and one audit row per change."""

from __future__ import annotations

from pathlib import Path

from s2ide.core.errors import UnknownSampleError
from s2ide.core.project import Project
from s2ide.core.review.agreement import record_label
from s2ide.core.review.users import Action, require
from s2ide.core.store import Store
from s2ide.core.store.records import Label, Sample
from s2ide.core.store.tag_writes import TagChange, write_tag


def find_sample(project: Project, ref: str | int) -> Sample:
    """A sample by id, stored path, or a file path that resolves to one."""
    store = project.store
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        return store.samples.get(int(ref))
    found = store.samples.by_path(ref)
    if found is None:
        found = store.samples.by_path(project.stored_path(Path(ref)))
    if found is None:
        raise UnknownSampleError(f"no sample {ref!r} in {project.path}")
    return found


def set_tag(
    store: Store,
    sample_id: int,
    label_id: int | None,
    user: str,
    *,
    source: str = "human",
    agreed_with_prediction: bool | None = None,
    status: str | None = None,
) -> TagChange:
    """Set (or clear, with None) the class tag of a sample and its status in one commit
    (`store.tag_writes.write_tag`), then count a labeler's vote on a double-labeled sample, which
    may escalate a disagreement (core/review/agreement.py). Imports cast no votes."""
    with store.transaction():
        change = write_tag(
            store,
            sample_id,
            label_id,
            user,
            source=source,
            agreed_with_prediction=agreed_with_prediction,
            status=status,
        )
        if source != "import":
            record_label(store, sample_id, label_id, user)
    return change


def label_sample(project: Project, sample_ref: str | int, label_ref: str | int, user: str) -> tuple[Sample, Label]:
    """`s2ide label`: check the user may label, resolve both names, set the tag."""
    store = project.store
    require(store, user, Action.LABEL)
    sample = find_sample(project, sample_ref)
    label = store.labels.resolve(label_ref)
    set_tag(store, sample.id, label.id, user)
    return store.samples.get(sample.id), label
