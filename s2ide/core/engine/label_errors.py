"""Likely label errors by confident learning (Northcutt, Jiang & Chuang, 2021), in numpy.

Given each sample's given label and *out-of-sample* predicted probabilities (from cross-validation,
so the model never saw the label it is judged against), confident learning:

1. sets a per-class threshold t_j = the mean probability of class j over samples labeled j
   (a class the model is generally unsure of gets a lower bar);
2. counts the confident joint C[i, j]: samples labeled i whose probability of j reaches t_j
   (the largest such j when several do);
3. calibrates C so its rows sum to the label counts, and estimates how many samples of each
   off-diagonal cell are mislabeled;
4. for each (given i, true j) cell prunes that many samples labeled i with the largest margin
   p_j - p_i ("prune by noise rate", cleanlab's default).

Flagged samples are ranked by self-confidence (the probability of their given label), lowest
first, so a lead reviews the most suspicious ones first. cleanlab is not a dependency: it pulls
in far more than these ~100 lines need.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum

import numpy as np

from s2ide.core.clock import now_iso
from s2ide.core.errors import InvalidInputError
from s2ide.core.store import Store


class FilterMethod(StrEnum):
    PRUNE_BY_NOISE_RATE = "prune_by_noise_rate"  # cleanlab's default: fewer false alarms
    CONFIDENT_JOINT = "confident_joint"  # every off-diagonal sample of the confident joint
    LOW_SELF_CONFIDENCE = "low_self_confidence"  # per class, the estimated count of lowest p(label)


@dataclass(frozen=True)
class LabelIssues:
    """Suspects ranked most-likely-wrong first; all arrays are aligned with `indices`."""

    indices: np.ndarray  # positions in the input arrays
    given: np.ndarray  # the given label of each suspect
    suggested: np.ndarray  # the class the model is confident of instead
    self_confidence: np.ndarray  # p(given label): lower is more suspicious
    thresholds: np.ndarray  # per-class thresholds t_j
    confident_joint: np.ndarray  # K x K counts: rows given label, columns confident class

    def __len__(self) -> int:
        return int(self.indices.size)

    @property
    def estimated_noise_rate(self) -> float:
        """Share of the confident joint off its diagonal: the estimated fraction of wrong labels."""
        total = self.confident_joint.sum()
        return 0.0 if total == 0 else float((total - np.trace(self.confident_joint)) / total)


def _validate(labels: np.ndarray, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    labels = np.asarray(labels)
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 2:
        raise InvalidInputError(f"probabilities must be a 2-D array (samples x classes), got shape {probs.shape}")
    if labels.ndim != 1 or labels.shape[0] != probs.shape[0]:
        raise InvalidInputError(f"{labels.shape[0] if labels.ndim else 0} labels for {probs.shape[0]} probability rows")
    if labels.size and not np.issubdtype(labels.dtype, np.integer):
        raise InvalidInputError("labels must be integer class indices")
    n_classes = probs.shape[1]
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise InvalidInputError(f"labels must lie in 0..{n_classes - 1}")
    if not np.all(np.isfinite(probs)) or (probs < 0).any():
        raise InvalidInputError("probabilities must be finite and non-negative")
    sums = probs.sum(axis=1, keepdims=True)
    if (sums <= 0).any():
        raise InvalidInputError("every probability row needs a positive sum")
    return labels.astype(np.int64), probs / sums


def per_class_thresholds(labels: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """t_j = mean p_j over samples labeled j (1.0, never reached, for a class with no samples)."""
    n_classes = probs.shape[1]
    counts = np.bincount(labels, minlength=n_classes).astype(np.float64)
    sums = np.zeros(n_classes)
    np.add.at(sums, labels, probs[np.arange(labels.size), labels])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), 1.0)


def confident_joint(labels: np.ndarray, probs: np.ndarray, thresholds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(K x K counts, the confident class of each sample or -1 where no class reaches its threshold)."""
    n_classes = probs.shape[1]
    above = probs >= thresholds[None, :] - 1e-12
    masked = np.where(above, probs, -1.0)
    confident = np.argmax(masked, axis=1)
    confident[~above.any(axis=1)] = -1
    joint = np.zeros((n_classes, n_classes), dtype=np.int64)
    has = confident >= 0
    np.add.at(joint, (labels[has], confident[has]), 1)
    return joint, confident


def _calibrate(joint: np.ndarray, label_counts: np.ndarray) -> np.ndarray:
    """Scale each row of the confident joint so it sums to that label's count."""
    row_sums = joint.sum(axis=1, keepdims=True).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = np.where(row_sums > 0, joint / np.maximum(row_sums, 1) * label_counts[:, None], 0.0)
    return scaled


def find_label_issues(
    labels: np.ndarray,
    probs: np.ndarray,
    method: FilterMethod = FilterMethod.PRUNE_BY_NOISE_RATE,
    min_per_class: int = 5,
) -> LabelIssues:
    """Rank the samples whose given label is likely wrong (see the module docstring).

    `labels`: N given class indices; `probs`: N x K out-of-sample probabilities (rows are
    renormalised). `min_per_class` keeps at least that many samples of each class unflagged.
    """
    labels, probs = _validate(labels, probs)
    n, n_classes = probs.shape
    thresholds = per_class_thresholds(labels, probs)
    joint, confident = confident_joint(labels, probs, thresholds)
    rows = np.arange(n)
    self_conf = probs[rows, labels] if n else np.zeros(0)
    flagged = np.zeros(n, dtype=bool)
    if method is FilterMethod.CONFIDENT_JOINT:
        flagged = (confident >= 0) & (confident != labels)
    elif method is FilterMethod.LOW_SELF_CONFIDENCE:
        label_counts = np.bincount(labels, minlength=n_classes).astype(np.float64)
        calibrated = _calibrate(joint, label_counts)
        for given in range(n_classes):
            members = np.flatnonzero(labels == given)
            count = int(np.rint(calibrated[given].sum() - calibrated[given, given]))
            count = min(count, max(0, members.size - min_per_class))
            lowest = members[np.argsort(self_conf[members], kind="stable")[:count]]
            flagged[lowest[np.argmax(probs[lowest], axis=1) != given]] = True
    else:
        label_counts = np.bincount(labels, minlength=n_classes).astype(np.float64)
        prune = np.rint(_calibrate(joint, label_counts)).astype(np.int64)
        np.fill_diagonal(prune, 0)
        for given in range(n_classes):
            members = np.flatnonzero(labels == given)
            budget = max(0, members.size - min_per_class)
            if budget == 0 or prune[given].sum() == 0:
                continue
            for true in np.argsort(-prune[given]):
                count = int(min(prune[given, true], budget))
                if count <= 0:
                    break
                candidates = members[~flagged[members]]
                margin = probs[candidates, true] - probs[candidates, given]
                chosen = candidates[np.argsort(-margin, kind="stable")[:count]]
                chosen = chosen[probs[chosen, true] > probs[chosen, given]]  # only where the model prefers `true`
                flagged[chosen] = True
                budget -= chosen.size
    indices = np.flatnonzero(flagged)
    order = np.argsort(self_conf[indices], kind="stable")
    indices = indices[order]
    suggested = np.where(confident[indices] >= 0, confident[indices], np.argmax(probs[indices], axis=1))
    suggested = np.where(suggested == labels[indices], _best_other(probs[indices], labels[indices]), suggested)
    return LabelIssues(
        indices=indices,
        given=labels[indices],
        suggested=suggested.astype(np.int64),
        self_confidence=self_conf[indices],
        thresholds=thresholds,
        confident_joint=joint,
    )


def _best_other(probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The most probable class other than the given one."""
    if probs.size == 0:
        return np.zeros(0, dtype=np.int64)
    masked = probs.copy()
    masked[np.arange(labels.size), labels] = -1.0
    return np.argmax(masked, axis=1)


def precision_recall_at_k(flagged: np.ndarray, truly_wrong: np.ndarray, k: int | None = None) -> tuple[float, float]:
    """Precision and recall of the first k flagged positions against the truly-wrong positions."""
    top = np.asarray(flagged)[: len(flagged) if k is None else k]
    wrong = set(np.asarray(truly_wrong).tolist())
    hits = sum(1 for index in top.tolist() if index in wrong)
    precision = hits / len(top) if len(top) else 0.0
    recall = hits / len(wrong) if wrong else 0.0
    return precision, recall


# -- suspects in a project -----------------------------------------------------------------
SUSPECTS_KEY = "label_error_suspects"


@dataclass(frozen=True)
class Suspect:
    """One sample whose label is likely wrong, with the label the model believes instead."""

    sample_id: int
    given_label_id: int
    suggested_label_id: int
    self_confidence: float  # out-of-sample probability of the given label
    suggested_probability: float


def save_suspects(store: Store, suspects: list[Suspect], method: str) -> None:
    """Keep the last ranking in the project so the list survives a restart (derived data: no audit)."""
    with store.transaction():
        store.meta.set_json(
            SUSPECTS_KEY,
            {"method": method, "at": now_iso(), "suspects": [asdict(suspect) for suspect in suspects]},
        )


def load_suspects(store: Store) -> tuple[list[Suspect], str]:
    """(the last saved ranking, a line saying how and when it was made); empty when never run."""
    saved = store.meta.get_json(SUSPECTS_KEY) or {}
    suspects = [Suspect(**row) for row in saved.get("suspects", [])]
    how = f"{saved['method']}, {saved['at'][:16].replace('T', ' ')} UTC" if saved else ""
    return suspects, how


def suspects_from_predictions(store: Store, version: str) -> list[Suspect]:
    """Quick ranking without training: the model's predictions on labeled samples it did not
    train on (validation and test). Covers only those samples; cross-validation covers all."""
    model = store.models.get(version)
    column = {label_id: i for i, label_id in enumerate(model.label_ids)}
    arrays = store.predictions.arrays(version, with_embeddings=False)
    tags = {row["id"]: row["label_id"] for row in store.predictions.rows(version)}
    rows, given = [], []
    for position, sample_id in enumerate(arrays.sample_ids.tolist()):
        tag = tags.get(sample_id)
        if tag in column and not arrays.in_training[position]:
            rows.append(position)
            given.append(column[tag])
    if not rows or arrays.probabilities.shape[1] != len(column):
        return []
    probs = arrays.probabilities[rows]
    issues = find_label_issues(np.asarray(given, dtype=np.int64), probs)
    ids = arrays.sample_ids[rows]
    return [
        Suspect(
            sample_id=int(ids[i]),
            given_label_id=model.label_ids[int(g)],
            suggested_label_id=model.label_ids[int(s)],
            self_confidence=float(c),
            suggested_probability=float(probs[i, int(s)]),
        )
        for i, g, s, c in zip(issues.indices, issues.given, issues.suggested, issues.self_confidence)
    ]
