"""A class tag as an undoable edit, so a slipped number key is one Ctrl+Z away.

`SetTag` remembers the sample's tag (label, source) and status before it was set; `revert`
writes them back through the same `set_tag` path (one transaction, one audit row), so an undo
is saved and audited like the tag itself. A tag, an accepted suggestion (source
model-accepted) and a cleared tag are all this one edit.
"""

from __future__ import annotations

from s2ide.core.labeling.history import Edit, Session
from s2ide.core.labeling.tags import set_tag


class SetTag(Edit):
    """Tag a sample with `label_id` (None clears it); revert restores the earlier tag and status."""

    def __init__(self, sample_id: int, label_id: int | None, *, source: str = "human", label_name: str = "") -> None:
        super().__init__(sample_id)
        self.label_id = label_id
        self.source = source
        self._before: tuple[int | None, str, str] | None = None  # label, source, status
        verb = "accept" if source == "model-accepted" else "tag"
        self.text = f"clear the tag of sample {sample_id}" if label_id is None else f"{verb} {label_name or label_id!r}"

    def apply(self, session: Session) -> None:
        session.authorize()
        store = session.store
        if self._before is None:
            tag = store.annotations.tag_of(self.sample_id)
            status = store.samples.get(self.sample_id).status
            self._before = (tag.label_id if tag else None, tag.source if tag else "human", status)
        set_tag(store, self.sample_id, self.label_id, session.user, source=self.source)

    def revert(self, session: Session) -> None:
        session.authorize()
        assert self._before is not None, "revert before apply"
        label_id, source, status = self._before
        set_tag(session.store, self.sample_id, label_id, session.user, source=source, status=status)
