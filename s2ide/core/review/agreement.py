"""Double-labeling: a stable share of samples is labeled by two labelers independently; when
they disagree the sample is escalated with both labels, and each labeler's agreement with the
settled label (rate and Cohen's kappa) tells the lead whom to coach.

Which samples are double-labeled depends only on the sample id (a hash), so the choice is the
same on every machine and never changes when samples are added. Only labelers' labels count as
votes: a lead's or engineer's label is a correction, not an independent judgement.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from s2ide.core.errors import InvalidInputError
from s2ide.core.review.escalations import DISAGREEMENT_REASON, escalate
from s2ide.core.review.users import Action, Role, require
from s2ide.core.store import Store
from s2ide.core.store.escalations import Escalation

SHARE_KEY = "double_label_share"
DEFAULT_SHARE = 0.05


def share(store: Store) -> float:
    """The project's double-labeling share in [0, 1] (meta `double_label_share`)."""
    value = store.meta.get_json(SHARE_KEY, DEFAULT_SHARE)
    try:
        return min(1.0, max(0.0, float(value)))
    except (TypeError, ValueError):
        return DEFAULT_SHARE


def set_share(store: Store, value: float, user: str) -> float:
    require(store, user, Action.EDIT_REVIEW_SETTINGS)
    if not 0.0 <= value <= 1.0:
        raise InvalidInputError(f"the double-labeling share must lie between 0 and 1 (0 % and 100 %), got {value}")
    with store.transaction():
        before = share(store)
        store.meta.set_json(SHARE_KEY, value)
        store.audit.record(user, "double-labeling share", "meta", SHARE_KEY, before, value)
    return value


def sample_fraction(sample_id: int) -> float:
    """A uniform number in [0, 1) fixed by the sample id."""
    digest = hashlib.sha256(f"s2ide-double-label:{sample_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def is_double_labeled(sample_id: int, fraction: float) -> bool:
    return sample_fraction(sample_id) < fraction


def record_label(store: Store, sample_id: int, label_id: int | None, user: str) -> Escalation | None:
    """Called by `labeling.set_tag` for every human label. Keeps a labeler's vote on a
    double-labeled sample; when two labelers disagree, escalates it with both labels and
    returns that escalation."""
    person = store.users.get(user)
    if person is None or person.role != Role.LABELER:
        return None
    if not is_double_labeled(sample_id, share(store)):
        return None
    votes = store.review.votes
    with store.transaction():
        if label_id is None:
            votes.delete(sample_id, user)
            return None
        before = votes.set(sample_id, user, label_id)
        store.audit.record(
            user,
            "double-label vote",
            "sample",
            sample_id,
            None if before is None else {"label_id": before.label_id},
            {"label_id": label_id, "sample_id": sample_id},
        )
        cast = votes.for_sample(sample_id)
        if len({v.label_id for v in cast}) < 2:
            return None
        names = {label.id: label.name for label in store.labels.list()}
        both = "; ".join(f"{v.user}: {names.get(v.label_id, v.label_id)}" for v in cast)
        note = f"double-labeling disagreement, {both}"
        active = store.review.escalations.active_for_sample(sample_id)
        if active is not None:
            store.review.comments.add(active.id, user, note)
            return None
        return escalate(store, sample_id, DISAGREEMENT_REASON, user, note=note, automatic=True)


def is_blind(store: Store, sample_id: int, user: str) -> bool:
    """True when this labeler must label the sample without seeing the other labeler's label:
    it is double-labeled, someone else voted and this user has not. The label panel hides the
    current tag for them."""
    person = store.users.get(user)
    if person is None or person.role != Role.LABELER or not is_double_labeled(sample_id, share(store)):
        return False
    cast = store.review.votes.for_sample(sample_id)
    return bool(cast) and all(v.user != user for v in cast)


def hidden_tags(store: Store, user: str) -> set[int]:
    """Samples whose tag this labeler must not see yet: they owe an independent second label.

    The gallery and the label panel hide these tags, so the second label is not anchored on
    the first (is_blind for every sample at once, in one query)."""
    person = store.users.get(user)
    if person is None or person.role != Role.LABELER or share(store) <= 0:
        return set()
    return set(waiting_for_second_label(store, user))


def waiting_for_second_label(store: Store, user: str) -> list[int]:
    """Double-labeled samples another labeler has labeled and this one has not (their own queue)."""
    return store.review.votes.single_vote_samples(user)


# -- agreement figures -----------------------------------------------------------------------
def cohen_kappa(first: Sequence[int], second: Sequence[int]) -> float | None:
    """Cohen's kappa of two raters over the same items: (po - pe) / (1 - pe).

    None when it is undefined (no items, or both raters used one and the same class only).
    """
    if len(first) != len(second):
        raise ValueError("both raters must rate the same items")
    n = len(first)
    if n == 0:
        return None
    observed = sum(a == b for a, b in zip(first, second)) / n
    count_a, count_b = Counter(first), Counter(second)
    expected = sum(count_a[k] * count_b[k] for k in count_a) / (n * n)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1.0 - expected)


@dataclass(frozen=True)
class LabelerAgreement:
    user: str
    samples: int  # double-labeled samples with a settled label that this labeler voted on
    agreed: int
    kappa: float | None

    @property
    def rate(self) -> float | None:
        return None if self.samples == 0 else self.agreed / self.samples


def settled_labels(store: Store) -> dict[int, int]:
    """sample id -> the label a double-labeled sample settled on: the lead's resolution when an
    escalation was resolved, else the label both labelers agreed on. Open disagreements are absent."""
    by_sample: dict[int, list[int]] = {}
    for vote in store.review.votes.all():
        by_sample.setdefault(vote.sample_id, []).append(vote.label_id)
    resolved = store.review.escalations.latest_resolutions_of_voted()
    settled: dict[int, int] = {}
    for sample_id, labels in by_sample.items():
        if sample_id in resolved:
            settled[sample_id] = resolved[sample_id]
        elif len(labels) >= 2 and len(set(labels)) == 1:
            settled[sample_id] = labels[0]
    return settled


def agreement_by_labeler(store: Store) -> list[LabelerAgreement]:
    """Each labeler's votes against the settled labels: agreement rate and Cohen's kappa."""
    settled = settled_labels(store)
    pairs: dict[str, tuple[list[int], list[int]]] = {}
    for vote in store.review.votes.all():
        reference = settled.get(vote.sample_id)
        if reference is None:
            continue
        mine, truth = pairs.setdefault(vote.user, ([], []))
        mine.append(vote.label_id)
        truth.append(reference)
    out = []
    for user in sorted(pairs):
        mine, truth = pairs[user]
        agreed = sum(a == b for a, b in zip(mine, truth))
        out.append(LabelerAgreement(user, len(mine), agreed, cohen_kappa(mine, truth)))
    return out
