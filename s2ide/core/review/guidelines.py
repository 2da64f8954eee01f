"""Labeling guidelines: each label's description and guideline text, plus example images with
captions. Leads and engineers edit them; everyone reads them beside the canvas.
"""

from __future__ import annotations

from s2ide.core.errors import InvalidInputError
from s2ide.core.review.users import Action, require
from s2ide.core.store import Store
from s2ide.core.store.escalations import GuidelineExample
from s2ide.core.store.records import Label


def set_guideline(
    store: Store,
    label_id: int,
    user: str,
    *,
    description: str | None = None,
    guideline: str | None = None,
) -> Label:
    """Change a label's description and/or guideline text (None leaves a field as it is)."""
    require(store, user, Action.EDIT_GUIDELINES)
    fields: dict[str, str] = {}
    if description is not None:
        fields["description"] = description.strip()
    if guideline is not None:
        fields["guideline"] = guideline.strip()
    with store.transaction():
        before = store.labels.get(label_id)
        after = store.labels.update(label_id, **fields)
        store.audit.record(
            user,
            "guideline",
            "label",
            label_id,
            {"description": before.description, "guideline": before.guideline},
            {"description": after.description, "guideline": after.guideline},
        )
    return after


def add_example(store: Store, label_id: int, sample_id: int, caption: str, user: str) -> GuidelineExample:
    """Show this sample to labelers as an example of the label; a repeat updates nothing and says so."""
    require(store, user, Action.EDIT_GUIDELINES)
    label = store.labels.get(label_id)
    store.samples.get(sample_id)
    repo = store.review.guidelines
    with store.transaction():
        if repo.find_example(label_id, sample_id) is not None:
            raise InvalidInputError(f"sample {sample_id} is already a guideline example of {label.name!r}")
        example_id = repo.add_example(label_id, sample_id, (caption or "").strip(), user)
        store.audit.record(
            user,
            "guideline example",
            "label",
            label_id,
            None,
            {"example_id": example_id, "sample_id": sample_id, "caption": caption},
        )
    example = repo.get_example(example_id)
    assert example is not None
    return example


def remove_example(store: Store, example_id: int, user: str) -> None:
    require(store, user, Action.EDIT_GUIDELINES)
    repo = store.review.guidelines
    with store.transaction():
        example = repo.get_example(example_id)
        if example is None:
            raise InvalidInputError(f"no guideline example #{example_id}")
        repo.remove_example(example_id)
        store.audit.record(
            user,
            "remove guideline example",
            "label",
            example.label_id,
            {"example_id": example_id, "sample_id": example.sample_id, "caption": example.caption},
            None,
        )


def examples(store: Store, label_id: int | None = None) -> list[GuidelineExample]:
    return store.review.guidelines.examples(label_id)
