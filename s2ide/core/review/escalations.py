"""The escalation loop: a labeler escalates a confusing sample, a lead resolves it (or returns it
with a question), and a resolved escalation can become a guideline example that teaches everyone.

States: open -> in_review -> resolved, or (open | in_review) -> returned -> open again. Every
transition is one commit with one audit row (entity 'escalation'); roles are checked here, so
the command line and the app refuse the same things.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from s2ide.core import geometry
from s2ide.core.clock import now_iso
from s2ide.core.errors import InvalidInputError, PermissionDenied
from s2ide.core.review.guidelines import add_example
from s2ide.core.review.users import Action, Role, can, require, require_user
from s2ide.core.store import Store
from s2ide.core.store.escalations import Comment, Escalation, EscalationFilter, GuidelineExample
from s2ide.core.store.tag_writes import write_tag

DEFAULT_REASONS = ("ambiguous class", "not in the label set", "poor image quality", "guideline unclear", "other")
DISAGREEMENT_REASON = "labelers disagree"
REGION_KINDS = ("box", "point")
ACTIVE_STATES = ("open", "in_review", "returned")


class EscalationState(StrEnum):
    OPEN = "open"
    IN_REVIEW = "in_review"
    RESOLVED = "resolved"
    RETURNED = "returned"


# action -> the states it may start from
_FROM: dict[str, tuple[EscalationState, ...]] = {
    "review": (EscalationState.OPEN,),
    "resolve": (EscalationState.OPEN, EscalationState.IN_REVIEW, EscalationState.RETURNED),
    "return": (EscalationState.OPEN, EscalationState.IN_REVIEW),
    "reopen": (EscalationState.RETURNED,),
    "reassign": (EscalationState.OPEN, EscalationState.IN_REVIEW, EscalationState.RETURNED),
}
_PAST = {
    "review": "taken into review",
    "resolve": "resolved",
    "return": "returned",
    "reopen": "re-opened",
    "reassign": "reassigned",
}


# -- reasons ---------------------------------------------------------------------------------
def reasons(store: Store) -> list[str]:
    """The project's escalation reasons (meta `escalation_reasons`), defaults when unset."""
    value = store.meta.get_json("escalation_reasons")
    if not isinstance(value, list) or not value:
        return list(DEFAULT_REASONS)
    return [str(v) for v in value]


def set_reasons(store: Store, new: Sequence[str], user: str) -> list[str]:
    require(store, user, Action.EDIT_REVIEW_SETTINGS)
    cleaned: list[str] = []
    for reason in new:
        reason = reason.strip()
        if reason and reason.lower() not in {r.lower() for r in cleaned}:
            cleaned.append(reason)
    if not cleaned:
        raise InvalidInputError("the escalation reasons cannot be empty: keep at least one")
    with store.transaction():
        before = reasons(store)
        store.meta.set_json("escalation_reasons", cleaned)
        store.audit.record(user, "escalation reasons", "meta", "escalation_reasons", before, cleaned)
    return cleaned


def _check_reason(store: Store, reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInputError("an escalation needs a reason (one of: " + ", ".join(reasons(store)) + ")")
    for known in reasons(store):
        if known.lower() == reason.lower():
            return known
    raise InvalidInputError(f"unknown escalation reason {reason!r} (use one of: {', '.join(reasons(store))})")


def check_region(region: dict[str, Any] | None, width: int | None = None, height: int | None = None) -> dict | None:
    """A region is {"kind": "box"|"point", "geometry": {...}} in image pixels (core/geometry.py)."""
    if region is None:
        return None
    if not isinstance(region, dict) or region.get("kind") not in REGION_KINDS:
        raise InvalidInputError('an escalation region must be {"kind": "box" or "point", "geometry": {...}}')
    kind = str(region["kind"])
    return {"kind": kind, "geometry": geometry.validate(kind, region.get("geometry"), width, height)}


# -- raising ---------------------------------------------------------------------------------
def escalate(
    store: Store,
    sample_id: int,
    reason: str,
    user: str,
    *,
    note: str = "",
    proposed_label_id: int | None = None,
    region: dict[str, Any] | None = None,
    automatic: bool = False,
) -> Escalation:
    """Put a sample in the lead's queue; it leaves every labeling queue (status 'escalated')."""
    require(store, user, Action.ESCALATE)
    reason = reason.strip() if automatic else _check_reason(store, reason)
    sample = store.samples.get(sample_id)
    if proposed_label_id is not None:
        store.labels.get(proposed_label_id)
    region = check_region(region, sample.width, sample.height)
    with store.transaction():
        existing = store.review.escalations.active_for_sample(sample_id)
        if existing is not None:
            raise InvalidInputError(
                f"sample {sample_id} is already escalated (escalation #{existing.id}, {existing.state})"
            )
        escalation_id = store.review.escalations.add(
            sample_id, user, reason, (note or "").strip(), proposed_label_id, region
        )
        store.samples.set_status(sample_id, "escalated")
        escalation = store.review.escalations.get(escalation_id)
        store.audit.record(
            user,
            "escalate",
            "escalation",
            escalation_id,
            {"sample_id": sample_id, "status": sample.status},
            {**escalation.summary(), "reason": reason, "note": escalation.note, "status": "escalated"},
        )
    return escalation


# -- lead actions ----------------------------------------------------------------------------
def _transition(
    store: Store,
    escalation_id: int,
    user: str,
    action: str,
    comment: str | None = None,
    **fields: Any,
) -> Escalation:
    """Check the state, apply `fields`, add the comment and the audit row, in one commit."""
    with store.transaction():
        before = store.review.escalations.get(escalation_id)
        if before.state not in _FROM[action]:
            names = [s.value.replace("_", " ") for s in _FROM[action]]
            allowed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
            raise InvalidInputError(
                f"escalation #{escalation_id} is {before.state.replace('_', ' ')}; "
                f"only one that is {allowed} can be {_PAST[action]}"
            )
        after = store.review.escalations.update(escalation_id, **fields)
        if comment:
            store.review.comments.add(escalation_id, user, comment)
        record_after = after.summary()
        if comment:
            record_after["comment"] = comment
        store.audit.record(user, action, "escalation", escalation_id, before.summary(), record_after)
    return after


def start_review(store: Store, escalation_id: int, user: str) -> Escalation:
    """A lead takes an open escalation: in_review, assigned to them."""
    require(store, user, Action.REVIEW_ESCALATION)
    return _transition(store, escalation_id, user, "review", state="in_review", assignee=user)


def resolve(
    store: Store,
    escalation_id: int,
    label_id: int,
    user: str,
    note: str = "",
    *,
    promote: bool = False,
) -> Escalation:
    """Settle the sample: its tag becomes the final label (status 'reviewed'); the answer is kept.

    With `promote` the sample also becomes a guideline example of that label, captioned with the
    answer, so the next labeler sees how the lead decided.
    """
    require(store, user, Action.RESOLVE_ESCALATION)
    label = store.labels.get(label_id)
    note = (note or "").strip()
    with store.transaction():
        escalation = _transition(
            store,
            escalation_id,
            user,
            "resolve",
            comment=note or None,
            state="resolved",
            resolved_by=user,
            resolution_label_id=label.id,
            resolution_note=note,
            resolved_at=now_iso(),
            assignee=user,
        )
        # a lead's final label is a correction, never a double-labeling vote, so no agreement step
        write_tag(store, escalation.sample_id, label.id, user, status="reviewed")
        if promote:
            promote_to_guideline(store, escalation_id, user)
    return store.review.escalations.get(escalation_id)


def return_to_labeler(store: Store, escalation_id: int, user: str, question: str) -> Escalation:
    """Send it back to whoever raised it, with a question they must answer."""
    require(store, user, Action.RETURN_ESCALATION)
    question = (question or "").strip()
    if not question:
        raise InvalidInputError("returning an escalation needs a question for the labeler")
    raiser = store.review.escalations.get(escalation_id).raised_by
    return _transition(store, escalation_id, user, "return", comment=question, state="returned", assignee=raiser)


def reopen(
    store: Store,
    escalation_id: int,
    user: str,
    answer: str = "",
    *,
    proposed_label_id: int | None = None,
) -> Escalation:
    """The labeler answers a returned escalation (and may propose a new label): open again."""
    acting = require_user(store, user)
    escalation = store.review.escalations.get(escalation_id)
    if acting.name != escalation.raised_by and not can(acting.role, Action.RETURN_ESCALATION):
        raise PermissionDenied(f"{acting.name} did not raise escalation #{escalation_id} and may not re-open it")
    answer = (answer or "").strip()
    if not answer and proposed_label_id is None:
        raise InvalidInputError("re-opening an escalation needs an answer or a new proposed label")
    fields: dict[str, Any] = {"state": "open", "assignee": None}
    if proposed_label_id is not None:
        fields["proposed_label_id"] = store.labels.get(proposed_label_id).id
        label_note = f"(proposes {store.labels.get(proposed_label_id).name})"
        answer = f"{answer} {label_note}".strip()
    return _transition(store, escalation_id, user, "reopen", comment=answer, **fields)


def reassign(store: Store, escalation_id: int, user: str, assignee: str) -> Escalation:
    """Hand an escalation to another lead or engineer (or back to a labeler)."""
    require(store, user, Action.REASSIGN_ESCALATION)
    target = require_user(store, assignee)
    return _transition(
        store, escalation_id, user, "reassign", comment=f"reassigned to {target.name}", assignee=target.name
    )


def add_comment(store: Store, escalation_id: int, user: str, text: str) -> Comment:
    """Anyone on the project may add to the thread; it does not change the state."""
    require_user(store, user)
    text = (text or "").strip()
    if not text:
        raise InvalidInputError("a comment needs some text")
    with store.transaction():
        escalation = store.review.escalations.get(escalation_id)
        comment_id = store.review.comments.add(escalation_id, user, text)
        store.audit.record(
            user, "comment", "escalation", escalation_id, None, {"sample_id": escalation.sample_id, "text": text}
        )
    return next(c for c in store.review.comments.for_escalation(escalation_id) if c.id == comment_id)


def promote_to_guideline(store: Store, escalation_id: int, user: str) -> GuidelineExample:
    """A resolved escalation becomes a guideline example of its final label, captioned with the answer."""
    escalation = store.review.escalations.get(escalation_id)
    if escalation.state != EscalationState.RESOLVED or escalation.resolution_label_id is None:
        raise InvalidInputError(f"escalation #{escalation_id} is {escalation.state}; resolve it before promoting it")
    caption = escalation.resolution_note or f"resolved from: {escalation.reason}"
    return add_example(store, escalation.resolution_label_id, escalation.sample_id, caption, user)


# -- queries ---------------------------------------------------------------------------------
def age_cutoff(min_age: timedelta | None) -> str | None:
    """The ISO time an escalation must be created before to be at least `min_age` old."""
    if min_age is None:
        return None
    return (datetime.now(UTC) - min_age).isoformat(timespec="milliseconds")


# state filter name -> the states it lists ('open' is the CLI's: open or in review, a lead's work)
STATE_FILTERS: dict[str, tuple[str, ...] | None] = {
    "open": ("open", "in_review"),
    "open_only": ("open",),
    "in_review": ("in_review",),
    "returned": ("returned",),
    "resolved": ("resolved",),
    "active": ACTIVE_STATES,
    "all": None,
}


def escalation_filter(
    state: str = "open",
    *,
    reason: str | None = None,
    label_id: int | None = None,
    raised_by: str | None = None,
    min_age: timedelta | None = None,
) -> EscalationFilter:
    """`state` names one of STATE_FILTERS."""
    if state not in STATE_FILTERS:
        raise InvalidInputError(
            f"unknown escalation state {state!r} (use open, in_review, returned, resolved, active or all)"
        )
    return EscalationFilter(
        states=STATE_FILTERS[state],
        reason=reason,
        label_id=label_id,
        raised_by=raised_by,
        created_before=age_cutoff(min_age),
    )


def list_escalations(
    store: Store,
    state: str = "open",
    *,
    reason: str | None = None,
    label_id: int | None = None,
    raised_by: str | None = None,
    min_age: timedelta | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Escalation]:
    """Oldest first, filtered (see `escalation_filter`); `limit`/`offset` page through long queues."""
    flt = escalation_filter(state, reason=reason, label_id=label_id, raised_by=raised_by, min_age=min_age)
    return store.review.escalations.list(flt, limit=limit, offset=offset)


def waiting_count(store: Store) -> int:
    """Escalations a lead has to act on (open or in review): the badge in the Review menu."""
    return store.review.escalations.count(("open", "in_review"))


def returned_to(store: Store, user: str) -> list[Escalation]:
    """Escalations returned to this labeler, waiting for their answer."""
    return store.review.escalations.list(EscalationFilter(states=("returned",), assignee=user))


def thread(store: Store, escalation_id: int) -> list[Comment]:
    return store.review.comments.for_escalation(escalation_id)


def as_json(store: Store, escalation: Escalation) -> dict[str, Any]:
    """The DESIGN.md §4 `escalations --json` shape (plus a few extra keys)."""
    names = {label.id: label.name for label in store.labels.list()}
    return {
        "id": escalation.id,
        "sample_id": escalation.sample_id,
        "state": escalation.state,
        "reason": escalation.reason,
        "note": escalation.note,
        "raised_by": escalation.raised_by,
        "proposed_label": names.get(escalation.proposed_label_id) if escalation.proposed_label_id else None,
        "resolution_label": names.get(escalation.resolution_label_id) if escalation.resolution_label_id else None,
        "resolved_by": escalation.resolved_by,
        "resolution_note": escalation.resolution_note,
        "assignee": escalation.assignee,
        "region": escalation.region,
        "created_at": escalation.created_at,
        "resolved_at": escalation.resolved_at,
    }


def is_lead(role: str | Role) -> bool:
    return can(role, Action.RESOLVE_ESCALATION)
