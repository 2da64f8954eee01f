"""An escalation as an undoable edit: a labeler who escalated the wrong sample takes it back
with Ctrl+Z (while no lead has acted on it); redo raises it again."""

from __future__ import annotations

from typing import Any

from s2ide.core.labeling.history import Edit, Session
from s2ide.core.review.escalations import escalate
from s2ide.core.store.escalation_withdraw import withdraw
from s2ide.core.store.escalations import Escalation


class EscalateEdit(Edit):
    def __init__(
        self,
        sample_id: int,
        reason: str,
        *,
        note: str = "",
        proposed_label_id: int | None = None,
        region: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(sample_id)
        self.reason, self.note, self.proposed_label_id, self.region = reason, note, proposed_label_id, region
        self.escalation: Escalation | None = None
        self._status = "unlabeled"
        self.text = f"escalate sample {sample_id}"

    def apply(self, session: Session) -> None:
        store = session.store
        self._status = store.samples.get(self.sample_id).status
        self.escalation = escalate(
            store,
            self.sample_id,
            self.reason,
            session.user,
            note=self.note,
            proposed_label_id=self.proposed_label_id,
            region=self.region,
        )

    def revert(self, session: Session) -> None:
        assert self.escalation is not None, "revert before apply"
        store = session.store
        with store.transaction():
            withdraw(store, self.escalation.id, self._status)
            store.audit.record(
                session.user,
                "withdraw escalation",
                "escalation",
                self.escalation.id,
                self.escalation.summary(),
                {"sample_id": self.sample_id, "status": self._status},
            )
