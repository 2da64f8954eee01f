"""Class tags on samples: one committed transaction and one audit row per change."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from s2ide.core.agreement import record_label
from s2ide.core.errors import UnknownSampleError
from s2ide.core.project import Project
from s2ide.core.store import Store
from s2ide.core.store.records import Label, Sample
from s2ide.core.users import Action, require


@dataclass(frozen=True)
class TagChange:
    sample_id: int
    before: int | None
    after: int | None


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
    """Set (or clear, with None) the class tag of a sample, and its status, in one commit.

    Callers that already hold a transaction (an import) nest into it. When the caller does not
    say whether the label agreed with the model, it is filled in from the active model's
    prediction for the sample (if there is one), so agreement is tracked for every label.
    """
    with store.transaction():
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
        if source != "import":  # double-labeling votes; may escalate a disagreement (core/agreement.py)
            record_label(store, sample_id, label_id, user)
    return TagChange(sample_id, before_label, label_id)


def label_sample(project: Project, sample_ref: str | int, label_ref: str | int, user: str) -> tuple[Sample, Label]:
    """`s2ide label`: check the user may label, resolve both names, set the tag."""
    store = project.store
    require(store, user, Action.LABEL)
    sample = find_sample(project, sample_ref)
    label = store.labels.resolve(label_ref)
    set_tag(store, sample.id, label.id, user)
    return store.samples.get(sample.id), label
