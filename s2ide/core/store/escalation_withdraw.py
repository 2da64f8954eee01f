"""Taking back an escalation just raised (its undo): the row goes, the sample gets its status back.

Only an escalation nobody has acted on may be withdrawn: still open, no comments beyond none.
Runs inside the caller's transaction. Portable SQL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from s2ide.core.errors import InvalidInputError

if TYPE_CHECKING:
    from s2ide.core.store import Store


def withdraw(store: Store, escalation_id: int, status: str) -> None:
    row = store.conn.execute("SELECT state, sample_id FROM escalations WHERE id = ?", (escalation_id,)).fetchone()
    if row is None:
        raise InvalidInputError(f"escalation #{escalation_id} is gone")
    if row[0] != "open":
        raise InvalidInputError(f"escalation #{escalation_id} is {row[0]} already: a lead acted on it")
    store.conn.execute("DELETE FROM escalations WHERE id = ?", (escalation_id,))
    store.samples.set_status(int(row[1]), status)
