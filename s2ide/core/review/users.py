"""Roles and what each may do. Enforced here, in the core, not only by hiding buttons."""

from __future__ import annotations

from enum import StrEnum

from s2ide.core.errors import InvalidInputError, PermissionDenied
from s2ide.core.store import Store
from s2ide.core.store.records import AuditEntry, User


class Role(StrEnum):
    LABELER = "labeler"
    LEAD = "lead"
    ENGINEER = "engineer"


class Action(StrEnum):
    LABEL = "label"
    ESCALATE = "escalate"
    RESOLVE_ESCALATION = "resolve an escalation"
    RETURN_ESCALATION = "return an escalation"
    REASSIGN_ESCALATION = "reassign an escalation"
    EDIT_GUIDELINES = "edit guidelines"
    EDIT_LABELS = "edit labels"
    MANAGE_USERS = "manage users"
    MANAGE_MODELS = "manage models"
    VIEW_AUDIT = "view the audit log"
    SET_STRATEGY = "set the labeling strategy"
    EDIT_REVIEW_SETTINGS = "change the escalation reasons or the double-labeling share"
    REVIEW_ESCALATION = "take an escalation into review"
    EDIT_MODEL_TESTS = "pin model tests and define slices"
    SET_PRIORITY = "put samples first in everyone's queue"


_ALLOWED: dict[Role, frozenset[Action]] = {
    Role.LABELER: frozenset({Action.LABEL, Action.ESCALATE}),
    Role.LEAD: frozenset(
        {
            Action.LABEL,
            Action.ESCALATE,
            Action.RESOLVE_ESCALATION,
            Action.RETURN_ESCALATION,
            Action.REASSIGN_ESCALATION,
            Action.EDIT_GUIDELINES,
            Action.EDIT_LABELS,
            Action.MANAGE_USERS,
            Action.VIEW_AUDIT,
            Action.EDIT_REVIEW_SETTINGS,
            Action.REVIEW_ESCALATION,
            Action.EDIT_MODEL_TESTS,
            Action.SET_PRIORITY,
        }
    ),
}
_ALLOWED[Role.ENGINEER] = _ALLOWED[Role.LEAD] | {Action.MANAGE_MODELS, Action.SET_STRATEGY}


def can(role: Role | str, action: Action) -> bool:
    return action in _ALLOWED[Role(role)]


def require_user(store: Store, name: str) -> User:
    """The named user of this project; unknown names are refused with the known ones listed."""
    if not name or not name.strip():
        raise InvalidInputError("say who is working (--user NAME)")
    user = store.users.get(name.strip())
    if user is None:
        known = ", ".join(u.name for u in store.users.list()) or "none yet"
        raise InvalidInputError(
            f"unknown user {name!r} (known: {known}); add one with `s2ide users PROJECT add NAME --role ROLE`"
        )
    return user


def require(store: Store, name: str, action: Action) -> User:
    user = require_user(store, name)
    if not can(user.role, action):
        raise PermissionDenied(f"{user.name} is a {user.role} and may not {action.value}")
    return user


def add_user(store: Store, name: str, role: str, by: str | None = None, password: str | None = None) -> User:
    """Add or change a user. The first user may be added by anyone; later ones need MANAGE_USERS
    when `by` names an existing user, and changing someone's role needs an engineer.

    On a team project the user is a database login role (created, or granted when it exists;
    `password` sets its password) and the server itself checks who asks.
    """
    if role not in {r.value for r in Role}:
        raise InvalidInputError(f"unknown role {role!r} (use one of labeler, lead, engineer)")
    existing = store.users.get(name.strip())
    if by is not None and store.users.list():
        acting = require(store, by, Action.MANAGE_USERS)
        if existing is not None and existing.role != role and acting.role != Role.ENGINEER:
            raise PermissionDenied(f"{acting.name} is a {acting.role}; changing a role needs an engineer")
    with store.transaction():
        if store.dialect == "postgresql":
            from s2ide.core.store.pg_schema import ensure_login

            ensure_login(store.conn, name.strip(), password)
        before = store.users.get(name.strip())
        user = store.users.upsert(name, role)
        store.audit.record(
            by or user.name,
            "user",
            "user",
            user.name,
            None if before is None else {"role": before.role},
            {"role": user.role},
        )
    return user


def read_audit(
    store: Store, viewer: str, *, user: str | None = None, sample_id: int | None = None, limit: int = 1000
) -> list[AuditEntry]:
    """The audit log, newest first, for leads and engineers (who changed what, before and after)."""
    require(store, viewer, Action.VIEW_AUDIT)
    return store.audit.list(user=user or None, sample_id=sample_id, limit=limit)
