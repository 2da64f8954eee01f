"""What to label next: random, least-confidence, margin, entropy, disagreement, diversity,
localisation (detect and segment projects).

The scoring functions are plain numpy on probability matrices (tested on hand-made numbers);
`build_queue` applies the project's strategy to the active model's stored predictions. The
queue holds unlabeled samples outside the test split that nobody escalated or skipped;
`disagreement` instead ranks labeled samples whose label the model contradicts (a review
queue), highest loss first.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

import numpy as np

from s2ide.core.engine.ml_settings import LoopSettings, load_loop_settings
from s2ide.core.engine.priority import pending
from s2ide.core.errors import InvalidInputError
from s2ide.core.labeling.done import is_shape_task, project_task
from s2ide.core.review.users import Action, require
from s2ide.core.store import Store
from s2ide.core.store.models import ModelVersion
from s2ide.core.store.predictions import PredictionArrays

STRATEGY_KEY = "strategy"
_EPS = 1e-12


class Strategy(StrEnum):
    RANDOM = "random"
    LEAST_CONFIDENCE = "least-confidence"
    MARGIN = "margin"
    ENTROPY = "entropy"
    DISAGREEMENT = "disagreement"
    DIVERSITY = "diversity"
    LOCALISATION = "localisation"

    @classmethod
    def parse(cls, value: str) -> Strategy:
        try:
            return cls(value)
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise InvalidInputError(f"unknown strategy {value!r} (use one of {names})") from None


DEFAULT_STRATEGY = Strategy.MARGIN
# A model trained on fewer labels than this per class is young: its doubt is mostly noise, and
# a label on a cluster's most typical sample (nearest its centre) speaks for the whole cluster,
# where the cluster's most uncertain sample is often an odd one out (typical-first, as in
# TypiClust, Hacohen et al. 2022: on digits it cut margin's labels to 95 % from 54.2 to 49.5
# over 20 seeds). A mature model's doubt is real, and typical samples are ones it already gets
# right (at 300 labels the demo's typical picks had a median confidence of 0.94, its most
# uncertain ones 0.75), so from then on each cluster's most uncertain sample goes first.
YOUNG_MODEL_LABELS_PER_CLASS = 10
_SPREAD = (
    "; the labels until the next retrain are spread over clusters of look-alike samples"
    f" (while the model has fewer than {YOUNG_MODEL_LABELS_PER_CLASS} labels per class,"
    " each cluster's most typical sample first)"
)
STRATEGY_HELP = {
    Strategy.RANDOM: "Unlabeled samples in a fixed shuffled order",
    Strategy.LEAST_CONFIDENCE: "Lowest top probability first" + _SPREAD,
    Strategy.MARGIN: "Smallest gap between the two likeliest labels first" + _SPREAD,
    Strategy.ENTROPY: "Probability spread over the most labels first" + _SPREAD,
    Strategy.DISAGREEMENT: "Labeled samples the model contradicts, highest loss first (a review queue)",
    Strategy.DIVERSITY: "Samples far from each other and from the labeled ones, among the most uncertain",
    Strategy.LOCALISATION: "Detect/segment: images whose boxes or regions move most when the model sees them"
    " flipped (zoomed out where the project trains without flips) first" + _SPREAD,
}
_LOCALISATION_TASKS = "the localisation queue is for detect and segment projects (boxes and regions)"
SPREAD_POOL_FACTOR = 10  # a batch is spread over clusters of its 10x most uncertain samples
MAX_SPREAD_CLUSTERS = 200  # ~90 ms of k-means when Next first ranks; longer intervals share clusters


# -- uncertainty of probability rows -----------------------------------------------------------
def least_confidence(probs: np.ndarray) -> np.ndarray:
    """1 - the top probability: high means unsure."""
    probs = np.asarray(probs, dtype=np.float64)
    return 1.0 - probs.max(axis=1)


def margin(probs: np.ndarray) -> np.ndarray:
    """Top probability minus the runner-up: LOW means unsure (two classes nearly tied)."""
    probs = np.asarray(probs, dtype=np.float64)
    if probs.shape[1] < 2:
        return np.ones(len(probs))
    top2 = np.partition(probs, -2, axis=1)[:, -2:]
    return top2[:, 1] - top2[:, 0]


def entropy(probs: np.ndarray) -> np.ndarray:
    """Shannon entropy in nats: high means the mass is spread over many classes."""
    probs = np.clip(np.asarray(probs, dtype=np.float64), _EPS, 1.0)
    return -(probs * np.log(probs)).sum(axis=1)


def cross_entropy(probs: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """-log p(target) per row; NaN where target < 0 (no label)."""
    probs = np.asarray(probs, dtype=np.float64)
    targets = np.asarray(targets, dtype=np.int64)
    out = np.full(len(probs), np.nan)
    has = targets >= 0
    out[has] = -np.log(np.clip(probs[has, targets[has]], _EPS, 1.0))
    return out


def uncertainty_order(strategy: Strategy, probs: np.ndarray) -> np.ndarray:
    """Row indices, most uncertain first (ties keep the original order)."""
    if strategy is Strategy.LEAST_CONFIDENCE:
        key = -least_confidence(probs)
    elif strategy in (Strategy.MARGIN, Strategy.DIVERSITY):
        key = margin(probs)
    elif strategy is Strategy.ENTROPY:
        key = -entropy(probs)
    else:
        raise InvalidInputError(f"{strategy.value} is not an uncertainty strategy")
    return np.argsort(key, kind="stable")


def k_center_greedy(points: np.ndarray, k: int, centers: np.ndarray | None = None) -> np.ndarray:
    """Pick k rows of `points`, each the one farthest from everything picked so far (and from
    `centers`, e.g. what is labeled already). Without centers the first pick is row 0, so callers
    pass points sorted by priority (most uncertain first)."""
    points = np.asarray(points, dtype=np.float64)
    n = len(points)
    k = min(k, n)
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    if centers is not None and len(centers):
        centers = np.asarray(centers, dtype=np.float64)
        # squared distances in chunks, to stay small with many labeled centers
        nearest = np.full(n, np.inf)
        for start in range(0, len(centers), 1024):
            block = centers[start : start + 1024]
            d = (points**2).sum(1)[:, None] - 2 * points @ block.T + (block**2).sum(1)[None, :]
            nearest = np.minimum(nearest, d.min(axis=1))
        first = int(np.argmax(nearest))
    else:
        nearest = np.full(n, np.inf)
        first = 0
    chosen = [first]
    nearest = np.minimum(nearest, ((points - points[first]) ** 2).sum(axis=1))
    while len(chosen) < k:
        nearest[chosen] = -1.0
        pick = int(np.argmax(nearest))
        chosen.append(pick)
        nearest = np.minimum(nearest, ((points - points[pick]) ** 2).sum(axis=1))
    return np.array(chosen, dtype=np.int64)


def k_means(points: np.ndarray, k: int, seed: int = 0, iterations: int = 25) -> np.ndarray:
    """Cluster index of each row (k-means++ start, then Lloyd steps); deterministic for a seed."""
    points = np.asarray(points, dtype=np.float64)
    n = len(points)
    k = min(k, n)
    if k <= 0:
        return np.zeros(n, dtype=np.int64)
    rng = np.random.default_rng(seed)
    centers = [points[rng.integers(n)]]
    nearest = ((points - centers[0]) ** 2).sum(axis=1)
    for _ in range(1, k):
        total = nearest.sum()
        pick = rng.choice(n, p=nearest / total) if total > 0 else rng.integers(n)
        centers.append(points[pick])
        nearest = np.minimum(nearest, ((points - points[pick]) ** 2).sum(axis=1))
    center = np.array(centers)
    assignment = np.full(n, -1, dtype=np.int64)
    for _ in range(iterations):
        distance = (points**2).sum(1)[:, None] - 2 * points @ center.T + (center**2).sum(1)[None, :]
        updated = distance.argmin(axis=1)
        if np.array_equal(updated, assignment):
            break
        assignment = updated
        for j in range(k):
            members = assignment == j
            if members.any():  # an emptied cluster keeps its center
                center[j] = points[members].mean(axis=0)
    return assignment


def batch_spread_order(
    order: np.ndarray,
    embeddings: np.ndarray,
    batch: int,
    pool_factor: int = SPREAD_POOL_FACTOR,
    seed: int = 0,
    typical_first: bool = False,
) -> np.ndarray:
    """`order` (most uncertain first) with each batch spread over kinds of sample.

    Top-k uncertainty picks near-copies: a weak early model is unsure about one confusable
    group, and twenty of its members teach what one or two would. So the batch*pool_factor
    most uncertain rows are clustered on their embeddings into `batch` groups (cluster-margin,
    Citovsky et al. 2021), and the queue takes one row of each group, then a second of each,
    ... (groups in the order of their most uncertain row), then the rest in `order`. Within a
    group the most uncertain row goes first or, with `typical_first`, the one nearest the
    group's centre (see `YOUNG_MODEL_LABELS_PER_CLASS`).
    """
    order = np.asarray(order, dtype=np.int64)
    pool = order[: max(batch * pool_factor, batch)]
    if batch <= 1 or len(pool) <= 1:
        return order
    points = np.asarray(embeddings, dtype=np.float64)[pool]
    points = points / (np.linalg.norm(points, axis=1, keepdims=True) + _EPS)  # direction, not scale
    groups: dict[int, list[int]] = {}
    for position, cluster in enumerate(k_means(points, batch, seed).tolist()):
        groups.setdefault(cluster, []).append(position)  # dicts keep insertion order: groups by their first row
    queues = [_typical_first(points, group) if typical_first else group for group in groups.values()]
    spread: list[int] = []
    depth = 0
    while len(spread) < len(pool):
        spread += [int(pool[group[depth]]) for group in queues if depth < len(group)]
        depth += 1
    return np.concatenate([np.array(spread, dtype=np.int64), order[len(pool) :]])


def _typical_first(points: np.ndarray, members: list[int]) -> list[int]:
    """A group's rows, nearest its centre first (ties, to 1e-9, keep their uncertainty rank)."""
    distance = np.round(((points[members] - points[members].mean(axis=0)) ** 2).sum(axis=1), 9)
    return [members[i] for i in np.argsort(distance, kind="stable")]


def diversity_order(
    probs: np.ndarray, embeddings: np.ndarray, k: int, labeled: np.ndarray | None = None, pool_factor: int = 5
) -> np.ndarray:
    """k diverse picks among the pool_factor*k most uncertain rows (by margin), then the rest by margin."""
    by_margin = uncertainty_order(Strategy.MARGIN, probs)
    pool = by_margin[: max(k * pool_factor, k)]
    picks = pool[k_center_greedy(embeddings[pool], k, labeled)]
    taken = set(picks.tolist())
    rest = [i for i in by_margin if i not in taken]
    return np.concatenate([picks, np.array(rest, dtype=np.int64)]).astype(np.int64)


# -- the project's strategy ------------------------------------------------------------------
def get_strategy(store: Store) -> Strategy:
    raw = store.meta.get(STRATEGY_KEY)
    if raw is None:
        return DEFAULT_STRATEGY
    try:
        return Strategy(raw)
    except ValueError:
        return DEFAULT_STRATEGY


def set_strategy(store: Store, strategy: Strategy | str, user: str) -> Strategy:
    """Engineers choose how the labelers' Next picks samples."""
    require(store, user, Action.SET_STRATEGY)
    chosen = Strategy.parse(strategy) if isinstance(strategy, str) else strategy
    if chosen is Strategy.LOCALISATION and not is_shape_task(project_task(store)):
        raise InvalidInputError(_LOCALISATION_TASKS)
    with store.transaction():
        before = store.meta.get(STRATEGY_KEY)
        store.meta.set(STRATEGY_KEY, chosen.value)
        store.audit.record(user, "strategy", "meta", STRATEGY_KEY, before, chosen.value)
    return chosen


# -- the queue -------------------------------------------------------------------------------
@dataclass(frozen=True)
class QueueEntry:
    sample_id: int
    path: str
    label_id: int | None  # the model's predicted label (None without a prediction)
    score: float | None  # the model's confidence in that label
    priority: float | None  # the strategy's key (margin, entropy, loss, ...), for display
    pinned: bool = False  # in the priority slice: served before the strategy's choice


def _entry(row: dict, arrays: PredictionArrays | None, index: int | None, priority: float | None) -> QueueEntry:
    if arrays is None or index is None:
        return QueueEntry(row["id"], row["path"], None, None, priority)
    label = int(arrays.label_ids[index])
    return QueueEntry(row["id"], row["path"], None if label < 0 else label, float(arrays.scores[index]), priority)


def build_queue(
    store: Store, strategy: Strategy | None = None, limit: int | None = None, seed: int = 0
) -> list[QueueEntry]:
    """The samples to label next, in order, by `strategy` (default: the project's)."""
    strategy = strategy or get_strategy(store)
    model = store.models.active()
    if strategy is Strategy.LOCALISATION and not is_shape_task(project_task(store)):
        raise InvalidInputError(_LOCALISATION_TASKS)
    rows = store.samples.rows()
    if strategy is Strategy.DISAGREEMENT:
        return _disagreement(store, rows, model.version if model else None, limit)
    candidates = [r for r in rows if r["status"] == "unlabeled" and r["label_id"] is None and r["split"] != "test"]
    arrays = store.predictions.arrays(model.version, with_embeddings=strategy is Strategy.DIVERSITY) if model else None
    position = {int(s): i for i, s in enumerate(arrays.sample_ids)} if arrays is not None else {}

    if strategy is Strategy.RANDOM:
        order = np.random.default_rng(seed).permutation(len(candidates))
        chosen = [_entry(candidates[i], arrays, position.get(candidates[i]["id"]), None) for i in order]
        chosen = _pinned_first(store, chosen, rows, arrays, position)
        return chosen[:limit] if limit is not None else chosen

    predicted = [r for r in candidates if r["id"] in position]
    missing = [r for r in candidates if r["id"] not in position]
    entries: list[QueueEntry] = []
    if strategy is Strategy.LOCALISATION and model is not None and arrays is not None and predicted:
        unstable = store.predictions.localisation_of(model.version)
        measured = [r for r in predicted if r["id"] in unstable]
        missing = [r for r in predicted if r["id"] not in unstable] + missing  # predicted before it was measured
        keys = np.array([unstable[r["id"]] for r in measured], dtype=np.float64)
        order = _spread_batches(store, model, np.argsort(-keys, kind="stable"), [r["id"] for r in measured], seed)
        entries = [_entry(measured[i], arrays, position[measured[i]["id"]], float(keys[i])) for i in order]
    elif model is not None and arrays is not None and predicted:
        index = np.array([position[r["id"]] for r in predicted], dtype=np.int64)
        probs = arrays.probabilities[index]
        if model.task in ("detect", "segment"):
            # a detector's or segmenter's doubt about the image as a whole (its least confident
            # box, or pixel entropy over the predicted foreground) as a two-way probability row,
            # so every uncertainty strategy ranks by it
            doubt = np.nan_to_num(arrays.least_confidence[index].astype(np.float64))
            probs = np.stack([1.0 - doubt, doubt], axis=1)
        if strategy is Strategy.DIVERSITY and arrays.embeddings is not None:
            want = min(limit or 20, len(predicted))
            labeled_ids = {r["id"] for r in rows if r["label_id"] is not None}
            labeled_rows = [i for i, s in enumerate(arrays.sample_ids.tolist()) if s in labeled_ids]
            labeled_emb = arrays.embeddings[labeled_rows] if labeled_rows else None
            order = diversity_order(probs, arrays.embeddings[index], want, labeled_emb)
            keys = margin(probs)
        else:
            order = uncertainty_order(Strategy.MARGIN if strategy is Strategy.DIVERSITY else strategy, probs)
            order = _spread_batches(store, model, order, [r["id"] for r in predicted], seed)
            keys = {
                Strategy.LEAST_CONFIDENCE: least_confidence,
                Strategy.ENTROPY: entropy,
            }.get(strategy, margin)(probs)
        entries = [_entry(predicted[i], arrays, int(index[i]), float(keys[i])) for i in order]
    entries += [_entry(r, None, None, None) for r in missing]
    entries = _pinned_first(store, entries, rows, arrays, position)
    return entries[:limit] if limit is not None else entries


def _pinned_first(
    store: Store,
    entries: list[QueueEntry],
    rows: list[dict],
    arrays: PredictionArrays | None,
    position: dict[int, int],
) -> list[QueueEntry]:
    """The priority slice's samples still to label, in its order, then the strategy's choice."""
    pinned = [sample_id for sample_id, _path in pending(store)]
    if not pinned:
        return entries
    by_id = {entry.sample_id: entry for entry in entries}
    row_of = {row["id"]: row for row in rows}
    front = []
    for sample_id in pinned:
        entry = by_id.get(sample_id)
        if entry is None and sample_id in row_of:
            entry = _entry(row_of[sample_id], arrays, position.get(sample_id), None)
        if entry is not None:
            front.append(replace(entry, pinned=True))
    taken = set(pinned)
    return front + [entry for entry in entries if entry.sample_id not in taken]


def queue_batch(store: Store) -> int:
    """Labels taken from one model's ranking before the next model re-ranks: the auto-retrain
    interval, or its default when auto-retrain is off."""
    every = load_loop_settings(store).retrain_after
    return every if every > 0 else LoopSettings().retrain_after


def _spread_batches(
    store: Store, model: ModelVersion, order: np.ndarray, sample_ids: list[int], seed: int
) -> np.ndarray:
    """`batch_spread_order` with the embeddings of the pool it clusters (as ranked; unchanged
    when the model stored no embeddings)."""
    batch = min(queue_batch(store), MAX_SPREAD_CLUSTERS)
    pool = order[: batch * SPREAD_POOL_FACTOR]
    embeddings = store.predictions.embeddings_of(model.version, [sample_ids[i] for i in pool])
    if embeddings is None:
        return order
    young = model.trained_on < YOUNG_MODEL_LABELS_PER_CLASS * max(1, len(model.label_ids))
    spread = batch_spread_order(np.arange(len(pool)), embeddings, batch, SPREAD_POOL_FACTOR, seed, typical_first=young)
    return np.concatenate([pool[spread], order[len(pool) :]])


def _disagreement(store: Store, rows: list[dict], version: str | None, limit: int | None) -> list[QueueEntry]:
    if version is None:
        return []
    return find_mistakes(store, version, limit, rows=[r for r in rows if r["status"] == "labeled"])


def find_mistakes(
    store: Store, version: str, limit: int | None = None, rows: list[dict] | None = None
) -> list[QueueEntry]:
    """Labeled samples whose current label the model contradicts, highest loss first.

    The loss is recomputed from the stored probabilities against the label as it is now, so a
    label corrected after the model predicted is judged by its new value. `priority` is the loss.
    """
    arrays = store.predictions.arrays(version, with_embeddings=False)
    model = store.models.get(version)
    column = {label_id: i for i, label_id in enumerate(model.label_ids)}
    position = {int(s): i for i, s in enumerate(arrays.sample_ids)}
    found: list[tuple[float, QueueEntry]] = []
    for row in store.samples.rows() if rows is None else rows:
        if row["label_id"] is None or row["id"] not in position:
            continue
        index = position[row["id"]]
        if int(arrays.label_ids[index]) == row["label_id"]:
            continue
        target = column.get(row["label_id"], -1)
        loss = float(cross_entropy(arrays.probabilities[index : index + 1], np.array([target]))[0])
        loss = float("inf") if np.isnan(loss) else loss
        found.append((loss, _entry(row, arrays, index, loss)))
    found.sort(key=lambda pair: (-pair[0], pair[1].sample_id))
    entries = [entry for _, entry in found]
    return entries[:limit] if limit is not None else entries
