"""Repositories for the review loop: escalations, their comments, guideline examples and the
independent labels (votes) of double-labeled samples. Only SQL here; rules live in
`s2ide.core.review.escalations`, `s2ide.core.review.guidelines` and `s2ide.core.review.agreement`.
"""

from __future__ import annotations

import builtins
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from s2ide.core.clock import now_iso
from s2ide.core.errors import InvalidInputError, S2Error
from s2ide.core.store.schema import ESCALATION_STATES


class UnknownEscalationError(S2Error):
    """An escalation id the project does not have."""


@dataclass(frozen=True)
class Escalation:
    id: int
    sample_id: int
    raised_by: str
    reason: str
    note: str
    proposed_label_id: int | None
    region: dict[str, Any] | None
    state: str
    assignee: str | None
    resolved_by: str | None
    resolution_label_id: int | None
    resolution_note: str | None
    created_at: str
    updated_at: str
    resolved_at: str | None

    @property
    def is_active(self) -> bool:
        """Not yet resolved: the sample is out of the labeling queue."""
        return self.state != "resolved"

    def summary(self) -> dict[str, Any]:
        """What the audit log keeps before and after a transition."""
        return {
            "sample_id": self.sample_id,
            "state": self.state,
            "assignee": self.assignee,
            "proposed_label_id": self.proposed_label_id,
            "resolution_label_id": self.resolution_label_id,
            "resolved_by": self.resolved_by,
        }


@dataclass(frozen=True)
class Comment:
    id: int
    escalation_id: int
    author: str
    text: str
    at: str


@dataclass(frozen=True)
class GuidelineExample:
    id: int
    label_id: int
    sample_id: int
    caption: str
    added_by: str
    at: str
    sha256: str
    path: str


@dataclass(frozen=True)
class Vote:
    sample_id: int
    user: str
    label_id: int
    at: str


@dataclass(frozen=True)
class EscalationFilter:
    """What the lead's table narrows the queue by. `states` None means every state."""

    states: Sequence[str] | None = None
    reason: str | None = None
    label_id: int | None = None
    raised_by: str | None = None
    assignee: str | None = None
    created_before: str | None = None  # ISO time: only escalations at least this old
    sample_id: int | None = None

    def validate(self) -> None:
        for state in self.states or ():
            if state not in ESCALATION_STATES:
                raise InvalidInputError(
                    f"unknown escalation state {state!r} (use one of {', '.join(ESCALATION_STATES)})"
                )


_ESC_COLUMNS = (
    "e.id, e.sample_id, e.raised_by, e.reason, e.note, e.proposed_label_id, e.region, e.state, e.assignee, "
    "e.resolved_by, e.resolution_label_id, e.resolution_note, e.created_at, e.updated_at, e.resolved_at"
)


def _escalation(row: Sequence[Any]) -> Escalation:
    values = list(row)
    values[6] = json.loads(values[6]) if values[6] else None
    return Escalation(*values)


class EscalationRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def get(self, escalation_id: int) -> Escalation:
        row = self._conn.execute(
            f"SELECT {_ESC_COLUMNS} FROM escalations e WHERE e.id = ?", (escalation_id,)
        ).fetchone()
        if row is None:
            raise UnknownEscalationError(f"no escalation #{escalation_id} in this project")
        return _escalation(row)

    def active_for_sample(self, sample_id: int) -> Escalation | None:
        row = self._conn.execute(
            f"SELECT {_ESC_COLUMNS} FROM escalations e WHERE e.sample_id = ? AND e.state != 'resolved' "
            "ORDER BY e.id DESC LIMIT 1",
            (sample_id,),
        ).fetchone()
        return _escalation(row) if row else None

    def add(
        self,
        sample_id: int,
        raised_by: str,
        reason: str,
        note: str = "",
        proposed_label_id: int | None = None,
        region: dict[str, Any] | None = None,
    ) -> int:
        now = now_iso()
        cur = self._conn.execute(
            "INSERT INTO escalations (sample_id, raised_by, reason, note, proposed_label_id, region, state, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?)",
            (sample_id, raised_by, reason, note, proposed_label_id, json.dumps(region) if region else None, now, now),
        )
        return int(cur.lastrowid or 0)

    def update(self, escalation_id: int, **fields: Any) -> Escalation:
        allowed = {
            "state",
            "assignee",
            "resolved_by",
            "resolution_label_id",
            "resolution_note",
            "resolved_at",
            "proposed_label_id",
            "note",
        }
        unknown = set(fields) - allowed
        if unknown:
            raise InvalidInputError(f"escalations have no field(s) {sorted(unknown)}")
        if "state" in fields and fields["state"] not in ESCALATION_STATES:
            raise InvalidInputError(f"unknown escalation state {fields['state']!r}")
        fields["updated_at"] = now_iso()
        if fields.get("state") == "resolved" and getattr(self._conn, "dialect", "sqlite") == "postgresql":
            # On a team project only a lead's SECURITY DEFINER call may resolve (the server checks the role
            # and records the signed-in user as resolver); the rest of the fields follow as a plain update.
            self._conn.execute(
                "SELECT s2ide_resolve_escalation(?, ?, ?, ?)",
                (
                    escalation_id,
                    fields.pop("resolution_label_id", None),
                    fields.pop("resolution_note", None),
                    fields.pop("resolved_at", None) or fields["updated_at"],
                ),
            )
            for key in ("state", "resolved_by", "assignee"):
                fields.pop(key, None)
        sets = ", ".join(f"{key} = ?" for key in fields)
        self._conn.execute(f"UPDATE escalations SET {sets} WHERE id = ?", (*fields.values(), escalation_id))
        return self.get(escalation_id)

    def _where(self, flt: EscalationFilter) -> tuple[str, list[Any]]:
        flt.validate()
        clauses: list[str] = []
        params: list[Any] = []
        if flt.states is not None:
            clauses.append(f"e.state IN ({','.join('?' * len(flt.states))})")
            params.extend(flt.states)
        if flt.reason:
            clauses.append("e.reason = ?")
            params.append(flt.reason)
        if flt.label_id is not None:
            clauses.append("(e.proposed_label_id = ? OR e.resolution_label_id = ? OR t.label_id = ?)")
            params += [flt.label_id] * 3
        if flt.raised_by:
            clauses.append("e.raised_by = ?")
            params.append(flt.raised_by)
        if flt.assignee:
            clauses.append("e.assignee = ?")
            params.append(flt.assignee)
        if flt.created_before:
            clauses.append("e.created_at <= ?")
            params.append(flt.created_before)
        if flt.sample_id is not None:
            clauses.append("e.sample_id = ?")
            params.append(flt.sample_id)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def list(self, flt: EscalationFilter | None = None, limit: int | None = None, offset: int = 0) -> list[Escalation]:
        """Oldest first: the one waiting longest is the one to answer next. Pages with limit/offset."""
        where, params = self._where(flt or EscalationFilter())
        sql = (
            f"SELECT {_ESC_COLUMNS} FROM escalations e "
            "LEFT JOIN annotations t ON t.sample_id = e.sample_id AND t.kind = 'tag'"
            f"{where} ORDER BY e.created_at, e.id"
        )
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return [_escalation(row) for row in self._conn.execute(sql, params)]

    def count_matching(self, flt: EscalationFilter | None = None) -> int:
        where, params = self._where(flt or EscalationFilter())
        sql = (
            "SELECT COUNT(*) FROM escalations e "
            f"LEFT JOIN annotations t ON t.sample_id = e.sample_id AND t.kind = 'tag'{where}"
        )
        return int(self._conn.execute(sql, params).fetchone()[0])

    def count(self, states: Sequence[str]) -> int:
        sql = f"SELECT COUNT(*) FROM escalations WHERE state IN ({','.join('?' * len(states))})"
        return int(self._conn.execute(sql, list(states)).fetchone()[0])

    def counts(self) -> dict[str, int]:
        return {
            state: int(n) for state, n in self._conn.execute("SELECT state, COUNT(*) FROM escalations GROUP BY state")
        }

    def reasons_in_use(self) -> builtins.list[str]:
        return [row[0] for row in self._conn.execute("SELECT DISTINCT reason FROM escalations ORDER BY reason")]

    def raisers(self) -> builtins.list[str]:
        return [row[0] for row in self._conn.execute("SELECT DISTINCT raised_by FROM escalations ORDER BY raised_by")]

    def latest_resolutions_of_voted(self) -> dict[int, int]:
        """sample id -> the resolution label of its latest resolved escalation, for the samples
        that have double-labeling votes (a subquery, so any number of samples fits)."""
        sql = (
            "SELECT sample_id, resolution_label_id FROM escalations WHERE state = 'resolved' "
            "AND resolution_label_id IS NOT NULL AND sample_id IN (SELECT sample_id FROM label_votes) "
            "ORDER BY resolved_at, id"
        )
        return {int(sid): int(label) for sid, label in self._conn.execute(sql)}

    def active_prediction(self, sample_id: int) -> tuple[int | None, float | None] | None:
        """(label id, score) the active model predicts for the sample, None without one."""
        row = self._conn.execute(
            "SELECT p.label_id, p.score FROM predictions p JOIN models m ON m.version = p.model_version "
            "WHERE p.sample_id = ? AND m.state = 'active' ORDER BY p.id DESC LIMIT 1",
            (sample_id,),
        ).fetchone()
        return (row[0], row[1]) if row else None


class CommentRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def add(self, escalation_id: int, author: str, text: str) -> int:
        cur = self._conn.execute(
            "INSERT INTO comments (escalation_id, author, text, at) VALUES (?, ?, ?, ?)",
            (escalation_id, author, text, now_iso()),
        )
        return int(cur.lastrowid or 0)

    def for_escalation(self, escalation_id: int) -> list[Comment]:
        rows = self._conn.execute(
            "SELECT id, escalation_id, author, text, at FROM comments WHERE escalation_id = ? ORDER BY id",
            (escalation_id,),
        )
        return [Comment(*row) for row in rows]


class GuidelineRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    _COLUMNS = "g.id, g.label_id, g.sample_id, g.caption, g.added_by, g.at, s.sha256, s.path"

    def add_example(self, label_id: int, sample_id: int, caption: str, added_by: str) -> int:
        if getattr(self._conn, "dialect", "sqlite") == "postgresql":  # a lead's; the server names who added it
            row = self._conn.execute(
                "SELECT s2ide_add_guideline_example(?, ?, ?, ?)", (label_id, sample_id, caption, now_iso())
            ).fetchone()
            return int(row[0])
        cur = self._conn.execute(
            "INSERT INTO guideline_examples (label_id, sample_id, caption, added_by, at) VALUES (?, ?, ?, ?, ?)",
            (label_id, sample_id, caption, added_by, now_iso()),
        )
        return int(cur.lastrowid or 0)

    def get_example(self, example_id: int) -> GuidelineExample | None:
        row = self._conn.execute(
            f"SELECT {self._COLUMNS} FROM guideline_examples g JOIN samples s ON s.id = g.sample_id WHERE g.id = ?",
            (example_id,),
        ).fetchone()
        return GuidelineExample(*row) if row else None

    def examples(self, label_id: int | None = None) -> list[GuidelineExample]:
        sql = f"SELECT {self._COLUMNS} FROM guideline_examples g JOIN samples s ON s.id = g.sample_id"
        params: list[Any] = []
        if label_id is not None:
            sql += " WHERE g.label_id = ?"
            params.append(label_id)
        sql += " ORDER BY g.label_id, g.id"
        return [GuidelineExample(*row) for row in self._conn.execute(sql, params)]

    def find_example(self, label_id: int, sample_id: int) -> GuidelineExample | None:
        row = self._conn.execute(
            f"SELECT {self._COLUMNS} FROM guideline_examples g JOIN samples s ON s.id = g.sample_id "
            "WHERE g.label_id = ? AND g.sample_id = ?",
            (label_id, sample_id),
        ).fetchone()
        return GuidelineExample(*row) if row else None

    def remove_example(self, example_id: int) -> None:
        if getattr(self._conn, "dialect", "sqlite") == "postgresql":
            self._conn.execute("SELECT s2ide_remove_guideline_example(?)", (example_id,))
            return
        self._conn.execute("DELETE FROM guideline_examples WHERE id = ?", (example_id,))


class VoteRepository:
    """Independent labels on double-labeled samples: one per (sample, labeler)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def set(self, sample_id: int, user: str, label_id: int) -> Vote | None:
        """Store (or replace) the user's vote; returns the previous one."""
        before = self.get(sample_id, user)
        self._conn.execute(
            "INSERT INTO label_votes (sample_id, user, label_id, at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (sample_id, user) DO UPDATE SET label_id = excluded.label_id, at = excluded.at",
            (sample_id, user, label_id, now_iso()),
        )
        return before

    def get(self, sample_id: int, user: str) -> Vote | None:
        row = self._conn.execute(
            "SELECT sample_id, user, label_id, at FROM label_votes WHERE sample_id = ? AND user = ?",
            (sample_id, user),
        ).fetchone()
        return Vote(*row) if row else None

    def delete(self, sample_id: int, user: str) -> None:
        self._conn.execute("DELETE FROM label_votes WHERE sample_id = ? AND user = ?", (sample_id, user))

    def for_sample(self, sample_id: int) -> list[Vote]:
        rows = self._conn.execute(
            "SELECT sample_id, user, label_id, at FROM label_votes WHERE sample_id = ? ORDER BY at, id", (sample_id,)
        )
        return [Vote(*row) for row in rows]

    def all(self) -> list[Vote]:
        rows = self._conn.execute("SELECT sample_id, user, label_id, at FROM label_votes ORDER BY sample_id, at, id")
        return [Vote(*row) for row in rows]

    def single_vote_samples(self, excluding_user: str) -> list[int]:
        """Samples one other person has voted on and this user has not: waiting for a second label."""
        rows = self._conn.execute(
            "SELECT v.sample_id FROM label_votes v JOIN samples s ON s.id = v.sample_id "
            "WHERE s.status != 'escalated' GROUP BY v.sample_id "
            "HAVING COUNT(*) = 1 AND SUM(CASE WHEN v.user = ? THEN 1 ELSE 0 END) = 0 ORDER BY v.sample_id",
            (excluding_user,),
        )
        return [int(row[0]) for row in rows]


class ReviewRepositories:
    """The review loop's repositories under one `Store` attribute (`store.review`)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.escalations = EscalationRepository(conn)
        self.comments = CommentRepository(conn)
        self.guidelines = GuidelineRepository(conn)
        self.votes = VoteRepository(conn)
