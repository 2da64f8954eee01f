"""The approximate nearest-neighbour index for projects past brute force (usearch HNSW).

Built in the background from the current vectors (`build_index`, a long job with progress and
cancel) and kept in the project's per-machine cache folder (`cache/similarity/`), with a small
JSON file naming the source and stamp it was built from: an index for an older model version,
or for fewer vectors than are stored now, is not used (search falls back to brute force until
the next build). Below `INDEX_THRESHOLD` vectors brute force is fast enough and exact, so no
index is built. usearch is imported only here and only when an index is built or opened.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from s2ide.core.engine.similarity import VectorSet, load_vectors, unit_rows
from s2ide.core.errors import S2Error
from s2ide.core.project import Project
from s2ide.core.tasks import TaskState

INDEX_THRESHOLD = 200_000  # vectors: brute force answers in ~30 ms below this (bench_similar.py)
# Measured on 1M clustered vectors (tests/bench/bench_similar.py, 200 queries, recall@20 against
# brute force): M=16, ef_add=64 left some queries stranded in the wrong cluster (mean 0.953, worst
# 0.00 at ef=128; worst 0.85 even at ef=512); M=32, ef_add=128 reaches every query's neighbours
# (ef=256: mean 0.999, worst 0.95; with the exact re-rank of RERANK x k candidates 1.000 / 1.00)
# at ~0.6 ms a query, for about three times the build time.
CONNECTIVITY = 32  # HNSW "M"
EXPANSION_ADD = 128  # "efConstruction": build time against graph quality
EXPANSION_SEARCH = 256  # "ef": raised to the number of candidates when more are asked for
BUILD_BATCH = 20_000
OVERSAMPLE = 4  # with a filter (unlabeled only), ask for this many times more and keep the allowed
RERANK = 4  # candidates per wanted result, ranked by the exact product (AnnIndex with vectors)


def index_dir(project: Project) -> Path:
    return project.cache_dir / "similarity"


def _slug(source: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in source)


def index_files(project: Project, source: str) -> tuple[Path, Path]:
    base = index_dir(project) / _slug(source)
    return base.with_suffix(".usearch"), base.with_suffix(".json")


class AnnIndex:
    """An opened usearch index over one VectorSet (keys are sample ids).

    With the VectorSet at hand, the graph only proposes candidates (`RERANK` times as many as
    asked) and they are ranked by the exact float32 product, so the distances shown are the
    ones brute force would show."""

    def __init__(self, index: object, source: str, stamp: str, vectors: VectorSet | None = None) -> None:
        self.index = index
        self.source = source
        self.stamp = stamp
        self.vectors = vectors

    def search(self, query: np.ndarray, k: int, allowed: set[int] | None = None) -> list[tuple[int, float]]:
        """(sample id, cosine distance) nearest first; `query` is (d, q) as `similarity.query_vector` gives."""
        query = np.asarray(query, dtype=np.float32)
        columns = np.ascontiguousarray(query.T)
        want = k * (OVERSAMPLE if allowed is not None else 1) * (RERANK if self.vectors is not None else 1)
        best: dict[int, float] = {}
        for column in columns:
            matches = self.index.search(column, want)  # type: ignore[attr-defined]
            for key, distance in zip(matches.keys.tolist(), matches.distances.tolist()):
                key = int(key)
                if allowed is not None and key not in allowed:
                    continue
                if key not in best or distance < best[key]:
                    best[key] = float(distance)
        if self.vectors is not None and best:
            best = self._exact(np.fromiter(best, dtype=np.int64, count=len(best)), query)
        ranked = sorted(best.items(), key=lambda pair: (pair[1], pair[0]))
        return [(key, max(0.0, distance)) for key, distance in ranked[:k]]

    def _exact(self, keys: np.ndarray, query: np.ndarray) -> dict[int, float]:
        """Exact cosine distances of these candidates (rows of the VectorSet) to the query."""
        assert self.vectors is not None
        vset = self.vectors
        rows = np.minimum(np.searchsorted(vset.sample_ids, keys), len(vset) - 1)
        known = vset.sample_ids[rows] == keys
        keys, rows = keys[known], rows[known]
        scores = vset.vectors[rows].astype(np.float32) @ query
        distances = 1.0 - scores.max(axis=1)
        return dict(zip(keys.tolist(), distances.tolist()))


def build_from(vectors: VectorSet, state: TaskState | None = None) -> object:
    """A usearch index of these vectors (in memory), added in batches with progress and cancel."""
    from usearch.index import Index

    state = state or TaskState()
    dims = vectors.vectors.shape[1]
    index = Index(
        ndim=dims,
        metric="cos",
        dtype="f16",
        connectivity=CONNECTIVITY,
        expansion_add=EXPANSION_ADD,
        expansion_search=EXPANSION_SEARCH,
    )
    n = len(vectors)
    threads = max(1, (os.cpu_count() or 1))
    for start in range(0, n, BUILD_BATCH):
        state.check()
        stop = min(start + BUILD_BATCH, n)
        index.add(vectors.sample_ids[start:stop], unit_rows(vectors.vectors[start:stop]), threads=threads)
        state.report(stop, n, f"building the similarity index ({vectors.source})")
    return index


def build_index(project: Project, state: TaskState | None = None, *, force: bool = False) -> Path | None:
    """Build and save the index of the current vectors; None when there are too few to need one."""
    store = project.connect()
    try:
        vectors = load_vectors(store)
    finally:
        store.close()
    if len(vectors) < INDEX_THRESHOLD and not force:
        return None
    if len(vectors) == 0:
        raise S2Error("no embeddings to index yet")
    index = build_from(vectors, state)
    path, meta = index_files(project, vectors.source)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    index.save(str(tmp))  # type: ignore[attr-defined]
    os.replace(tmp, path)
    meta.write_text(json.dumps({"source": vectors.source, "stamp": vectors.stamp, "count": len(vectors)}))
    for old in index_dir(project).glob("*.usearch"):  # indexes of older sources are dead weight
        if old != path:
            old.unlink(missing_ok=True)
            old.with_suffix(".json").unlink(missing_ok=True)
    return path


def open_index(project: Project, vectors: VectorSet) -> AnnIndex | None:
    """The saved index when it was built from exactly these vectors, else None (use brute force)."""
    path, meta = index_files(project, vectors.source)
    if not path.is_file() or not meta.is_file():
        return None
    try:
        info = json.loads(meta.read_text())
    except (OSError, ValueError):
        return None
    if info.get("source") != vectors.source or info.get("stamp") != vectors.stamp:
        return None
    from usearch.index import Index

    try:
        index = Index.restore(str(path), view=True)
    except (OSError, RuntimeError, ValueError):
        return None
    if index is None:
        return None
    index.expansion_search = EXPANSION_SEARCH  # type: ignore[misc]  # (a setter usearch declares oddly)
    return AnnIndex(index, vectors.source, vectors.stamp, vectors)


def needs_index(vectors: VectorSet) -> bool:
    return len(vectors) >= INDEX_THRESHOLD


def recall_at(exact: Iterable[int], approximate: Iterable[int]) -> float:
    """Share of the exact answer the approximate one found (recall@k for equal k)."""
    truth = set(exact)
    return 1.0 if not truth else len(truth & set(approximate)) / len(truth)
