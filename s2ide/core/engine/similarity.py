"""Find more like this: nearest samples by embedding, from one sample or several.

The vectors are the active model's embeddings (stored with its predictions, so a new version
brings new ones) or, before any model has them, the fixed cheap embedding
(`cheap_embedding.py`). Distances are cosine distances (1 - cosine similarity, 0 = same
direction, 2 = opposite). Several examples search by their mean direction (`Mode.MEAN`: what
they share) or by the nearest of them (`Mode.ANY`: close to any one of them).

Brute force is a float16 matrix times one vector, in chunks converted to float32 (numpy has
no fast float16 product): 100,000 x 128 answers in a few milliseconds, see
tests/bench/bench_similar.py. Past `ann_index.INDEX_THRESHOLD` vectors an approximate index
(usearch HNSW, built in the background, kept in the project's per-machine cache) answers instead
when it is up to date with the vectors.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import numpy as np

from s2ide.core.engine import cheap_embedding
from s2ide.core.errors import InvalidInputError, S2Error
from s2ide.core.store import Store

CHUNK = 65_536  # rows converted to float32 at a time (~32 MB at 128 dims)
# Brute force keeps float32 rows up to this many (100 MB at 128 dims): numpy has no fast float16
# product and converting costs 3-4x the product itself. Past it the approximate index answers, and
# the float16 matrix (half the memory) is only the fallback while the index is being built.
FLOAT32_LIMIT = 200_000


class Mode(StrEnum):
    MEAN = "mean"
    ANY = "any"


@dataclass(frozen=True)
class VectorSet:
    """Unit-length embeddings of one source, rows sorted by sample id."""

    source: str  # "model <version>" or "cheap-v1"
    stamp: str  # changes whenever the stored vectors change
    sample_ids: np.ndarray  # int64 (n,), ascending
    vectors: np.ndarray  # (n, d) rows of unit length: float32 up to FLOAT32_LIMIT rows, float16 past it

    def __len__(self) -> int:
        return len(self.sample_ids)

    def mask_of(self, sample_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Boolean mask of the rows of these samples (ids without a vector are ignored)."""
        ids = np.asarray(sample_ids, dtype=np.int64)
        mask = np.zeros(len(self), dtype=bool)
        if len(ids) and len(self):
            rows = np.minimum(np.searchsorted(self.sample_ids, ids), len(self) - 1)
            mask[rows[self.sample_ids[rows] == ids]] = True
        return mask

    def rows_of(self, sample_ids: Sequence[int]) -> np.ndarray:
        """Row indices of these samples; an error naming those without a vector."""
        ids = np.asarray([int(i) for i in sample_ids], dtype=np.int64)
        rows = np.searchsorted(self.sample_ids, ids)
        found = (rows < len(self.sample_ids)) & (self.sample_ids[np.minimum(rows, len(self) - 1)] == ids)
        if len(self) == 0 or not found.all():
            missing = ", ".join(str(i) for i in ids[~found][:10]) if len(self) else ", ".join(map(str, ids[:10]))
            raise InvalidInputError(
                f"no embedding for sample(s) {missing} in {self.source}"
                " (predict with the active model, or let the cheap embeddings finish)"
            )
        return rows


@dataclass(frozen=True)
class Match:
    sample_id: int
    distance: float  # cosine distance, 0 = same direction


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as float32."""
    data = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(data, axis=1, keepdims=True)
    return data / np.where(norms > 0, norms, 1.0)


def similarities(vectors: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """vectors (n, d; float16 or float32) times queries (d, q) -> float32 (n, q), in chunks."""
    queries = np.asarray(queries, dtype=np.float32)
    if vectors.dtype == np.float32:
        return vectors @ queries
    out = np.empty((len(vectors), queries.shape[1]), dtype=np.float32)
    for start in range(0, len(vectors), CHUNK):
        out[start : start + CHUNK] = vectors[start : start + CHUNK].astype(np.float32) @ queries
    return out


def query_vector(vectors: np.ndarray, mode: Mode) -> np.ndarray:
    """The (d, q) query of some example rows: their mean direction (one column) or each of them."""
    rows = unit_rows(vectors)
    if mode is Mode.MEAN:
        mean = rows.mean(axis=0)
        norm = float(np.linalg.norm(mean))
        if norm == 0:
            raise InvalidInputError("the examples' mean has no direction (they cancel out): search by any instead")
        return (mean / norm)[:, None]
    return rows.T


def nearest(
    vectors: np.ndarray,
    queries: np.ndarray,
    k: int,
    allowed: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Row indices of the k nearest rows (highest cosine to any query column) and their distances.

    `allowed` is a boolean mask of the rows that may be returned. Ties keep the lower row first.
    """
    queries = np.asarray(queries, dtype=np.float32)
    if queries.shape[1] == 1 and vectors.dtype == np.float32:
        best = vectors @ queries[:, 0]  # one matrix-vector product, the common case
    else:
        scores = similarities(vectors, queries)
        best = scores.max(axis=1) if scores.shape[1] > 1 else scores[:, 0]
    if allowed is not None:
        best[~allowed] = -np.inf
    k = min(k, int(np.isfinite(best).sum()))
    if k <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    top = np.argpartition(best, len(best) - k)[len(best) - k :] if k < len(best) else np.arange(len(best))
    top = top[np.lexsort((top, -best[top]))]
    return top.astype(np.int64), np.clip(1.0 - best[top], 0.0, 2.0).astype(np.float32)


# -- the project's vectors ---------------------------------------------------------------------
_CACHE: dict[tuple[str, str], VectorSet] = {}
_CACHE_LOCK = threading.Lock()


def current_source(store: Store) -> tuple[str, str]:
    """("model <version>", stamp) when the active model stored embeddings, else the cheap kind's."""
    model = store.models.active()
    if model is not None:
        stamp = store.vectors.model_stamp(model.version)
        if stamp:
            return f"model {model.version}", stamp
    return cheap_embedding.KIND, store.vectors.stamp(cheap_embedding.KIND)


def load_vectors(store: Store) -> VectorSet:
    """The vectors search uses now, read once per change (cached by database and stamp)."""
    source, stamp = current_source(store)
    key = (str(store.path), source)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
    if cached is not None and cached.stamp == stamp:
        return cached
    if source.startswith("model "):
        ids, matrix = store.vectors.model_matrix(source.removeprefix("model "))
    else:
        ids, matrix = store.vectors.matrix(source)
    vectors = np.empty_like(matrix, dtype=np.float32 if len(ids) <= FLOAT32_LIMIT else np.float16)
    for start in range(0, len(ids), CHUNK):  # a chunk at a time: 1M x 128 float16 stays at 256 MB
        vectors[start : start + CHUNK] = unit_rows(matrix[start : start + CHUNK])
    loaded = VectorSet(source, stamp, ids, vectors)
    with _CACHE_LOCK:
        for old in [k for k in _CACHE if k[0] == key[0]]:
            del _CACHE[old]  # one source per project in memory
        _CACHE[key] = loaded
    return loaded


@dataclass(frozen=True)
class SearchResult:
    source: str
    searched: int  # vectors searched (samples without one are not found)
    total: int  # samples in the project
    matches: list[Match]
    approximate: bool = False  # answered by the approximate index


class NeighbourIndex(Protocol):
    """An approximate index over the same vectors (core/engine/ann_index.py builds one)."""

    def search(self, query: np.ndarray, k: int, allowed: set[int] | None = None) -> list[tuple[int, float]]: ...


def find_similar(
    store: Store,
    sample_ids: Sequence[int],
    limit: int = 20,
    *,
    mode: Mode | str = Mode.MEAN,
    unlabeled_only: bool = False,
    exclude: Sequence[int] = (),
    vectors: VectorSet | None = None,
    index: NeighbourIndex | None = None,
) -> SearchResult:
    """The `limit` samples nearest to the examples, nearest first; the examples themselves and
    `exclude` are left out. `index` is an `ann_index.AnnIndex` over the same vectors, if one is fresh."""
    if not sample_ids:
        raise InvalidInputError("find similar needs at least one sample")
    if limit < 1:
        raise InvalidInputError("the number of results must be at least 1")
    mode = Mode(mode)
    vset = vectors if vectors is not None else load_vectors(store)
    total = store.samples.count()
    if len(vset) == 0:
        raise S2Error(
            "no embeddings yet: train a model, or compute the cheap embeddings (`s2ide similar` does it on demand)"
        )
    rows = vset.rows_of(sample_ids)
    query = query_vector(vset.vectors[rows], mode)
    skip = {int(i) for i in sample_ids} | {int(i) for i in exclude}
    return _search(store, vset, query, limit, skip, unlabeled_only, index, total)


def find_nearest_to(
    store: Store,
    vector: Sequence[float] | np.ndarray,
    limit: int = 20,
    *,
    unlabeled_only: bool = False,
    exclude: Sequence[int] = (),
    vectors: VectorSet | None = None,
    index: NeighbourIndex | None = None,
) -> SearchResult:
    """The `limit` samples nearest to one query vector (a region's embedding) in the same space
    as the searched vectors, nearest first; `exclude` is left out."""
    if limit < 1:
        raise InvalidInputError("the number of results must be at least 1")
    vset = vectors if vectors is not None else load_vectors(store)
    total = store.samples.count()
    if len(vset) == 0:
        raise S2Error("no embeddings yet: train a model, or compute the cheap embeddings")
    query = np.asarray(vector, dtype=np.float32).reshape(1, -1)
    if query.shape[1] != vset.vectors.shape[1]:
        raise InvalidInputError(
            f"the query has {query.shape[1]} numbers but {vset.source}'s embeddings have {vset.vectors.shape[1]}"
        )
    if not np.isfinite(query).all() or not np.linalg.norm(query):
        raise InvalidInputError("the region's embedding has no direction (an empty or blank region?)")
    return _search(
        store, vset, query_vector(query, Mode.MEAN), limit, {int(i) for i in exclude}, unlabeled_only, index, total
    )


def _search(
    store: Store,
    vset: VectorSet,
    query: np.ndarray,
    limit: int,
    skip: set[int],
    unlabeled_only: bool,
    index: NeighbourIndex | None,
    total: int,
) -> SearchResult:
    keep: np.ndarray | None = None
    if unlabeled_only:
        keep = vset.mask_of(store.vectors.unlabeled_ids())
    if index is not None:
        allowed_ids = None if keep is None else set(vset.sample_ids[keep].tolist())
        found = index.search(query, limit + len(skip), allowed_ids)
        matches = [Match(s, d) for s, d in found if s not in skip][:limit]
        return SearchResult(vset.source, len(vset), total, matches, approximate=True)
    allowed = np.ones(len(vset), dtype=bool) if keep is None else keep
    allowed &= ~vset.mask_of(np.fromiter(skip, dtype=np.int64, count=len(skip)))
    top, distances = nearest(vset.vectors, query, limit, allowed)
    matches = [Match(int(vset.sample_ids[r]), float(d)) for r, d in zip(top, distances)]
    return SearchResult(vset.source, len(vset), total, matches)
