"""Guidelines: leads edit a label's text and examples; labelers may read but not edit."""

from __future__ import annotations

import pytest

from s2ide.core.errors import InvalidInputError, PermissionDenied
from s2ide.core.review import guidelines


def test_a_lead_edits_guidelines_and_it_is_audited(filled_project):
    store = filled_project.store
    cat = store.labels.by_name("cat")
    label = guidelines.set_guideline(store, cat.id, "leo", description="a small feline", guideline=" whiskers ")
    assert (label.description, label.guideline) == ("a small feline", "whiskers")
    entry = store.audit.list(entity="label", entity_id=cat.id)[0]
    assert entry.user == "leo" and entry.before == {"description": "", "guideline": ""}
    assert entry.after == {"description": "a small feline", "guideline": "whiskers"}
    sample = store.samples.ids()[0]
    example = guidelines.add_example(store, cat.id, sample, "a clear one", "eng")
    assert [e.id for e in guidelines.examples(store, cat.id)] == [example.id]
    assert example.sha256 == store.samples.get(sample).sha256
    guidelines.remove_example(store, example.id, "leo")
    assert guidelines.examples(store, cat.id) == []
    with pytest.raises(InvalidInputError, match="no guideline example"):
        guidelines.remove_example(store, example.id, "leo")


def test_a_labeler_cannot_edit_guidelines(filled_project):
    store = filled_project.store
    cat = store.labels.by_name("cat")
    sample = store.samples.ids()[0]
    with pytest.raises(PermissionDenied, match="lara is a labeler and may not edit guidelines"):
        guidelines.set_guideline(store, cat.id, "lara", guideline="anything goes")
    with pytest.raises(PermissionDenied):
        guidelines.add_example(store, cat.id, sample, "mine", "lara")
    assert store.labels.get(cat.id).guideline == ""
    assert guidelines.examples(store) == []
