"""Benchmark of Find similar: query time at 100k and 1M vectors, brute force and index, and recall.

Each figure is printed beside the baseline measured in the same run:
1. brute force (`similarity.nearest` over the float16 matrix the product keeps, 128 dims, top 20)
   beside the raw numpy call it is built on: one float32 matrix-vector product plus
   `argpartition` on a float32 copy of the same matrix (the fastest numpy can do, at twice the memory);
2. the product's whole search through a project (`find_similar`: example lookup, masks, the
   vectors already cached) at 100k, beside the same raw numpy call;
3. the approximate index (usearch HNSW, `ann_index`) as the product opens it (candidates re-ranked
   by the exact product), query time (median and p99 over the queries) beside brute force, and its
   recall@20 against brute force: mean, worst and the share of queries under 0.8; build time
   beside the numpy product.

The vectors are clustered (2,000 centres, noise), like embeddings of real images, and unit length.

    $P tests/bench/bench_similar.py [--sizes 100000,1000000] [--no-index-above N] [--queries 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np

from s2ide.core.engine import ann_index, cheap_embedding
from s2ide.core.engine.similarity import (
    FLOAT32_LIMIT,
    Mode,
    VectorSet,
    find_similar,
    load_vectors,
    nearest,
    query_vector,
)
from s2ide.core.project import Project

DIMS = 128
K = 20


def clustered(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(2000, DIMS)).astype(np.float32)
    out = np.empty((n, DIMS), dtype=np.float16)
    for start in range(0, n, 100_000):
        stop = min(n, start + 100_000)
        block = centres[rng.integers(0, 2000, stop - start)] + 0.6 * rng.normal(size=(stop - start, DIMS))
        out[start:stop] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def median_ms(fn, repeat: int = 15) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def raw_numpy(matrix32: np.ndarray, q: np.ndarray) -> np.ndarray:
    scores = matrix32 @ q
    return np.argpartition(-scores, K)[:K]


def bench_size(n: int, build_index: bool, n_queries: int = 200) -> None:
    print(f"\n== {n:,} x {DIMS} vectors ==")
    vectors = clustered(n)
    matrix32 = vectors.astype(np.float32)
    rng = np.random.default_rng(1)
    rows = rng.integers(0, n, n_queries)
    queries = [query_vector(vectors[[r]], Mode.MEAN) for r in rows]
    kept = matrix32 if n <= FLOAT32_LIMIT else vectors  # what load_vectors keeps in memory
    raw = median_ms(lambda: raw_numpy(matrix32, queries[0][:, 0]))
    brute = median_ms(lambda: nearest(kept, queries[0], K))
    print(f"raw numpy (float32 product + argpartition): {raw:8.2f} ms")
    how = "float32 rows" if kept.dtype == np.float32 else "float16 rows, float32 chunks"
    print(f"brute force, product ({how}): {brute:8.2f} ms  = {brute / raw:5.2f}x raw numpy")
    half, full = vectors.nbytes / 2**20, matrix32.nbytes / 2**20
    print(f"memory: float16 matrix {half:.0f} MB (a float32 copy would be {full:.0f} MB)")
    if not build_index:
        print("index: skipped at this size (--no-index-above)")
        return
    vset = VectorSet("bench", "b", np.arange(1, n + 1, dtype=np.int64), vectors)
    start = time.perf_counter()
    index = ann_index.AnnIndex(ann_index.build_from(vset), "bench", vset.stamp, vset)
    build_s = time.perf_counter() - start
    product_s = raw / 1000 * n  # the cost of n raw queries, a yardstick for "build once"
    settings = f"M={ann_index.CONNECTIVITY}, ef_add={ann_index.EXPANSION_ADD}, ef={ann_index.EXPANSION_SEARCH}"
    print(f"index build (usearch HNSW, f16, {settings}): {build_s:8.1f} s", end="")
    print(f"  (= {n:,} raw numpy queries take {product_s:.1f} s)")
    recalls, times = [], []
    for q in queries:
        exact = nearest(kept, q, K)[0] + 1
        start = time.perf_counter()
        found = [key for key, _ in index.search(q, K)]
        times.append((time.perf_counter() - start) * 1000)
        recalls.append(ann_index.recall_at(exact.tolist(), found))
    approx, tail = float(np.median(times)), float(np.percentile(times, 99))
    print(f"index query (median of {len(queries)}):               {approx:8.3f} ms", end="")
    print(f"  = {approx / brute:6.3f}x brute force, {approx / raw:6.3f}x raw numpy")
    print(f"index query (p99):                          {tail:8.3f} ms  = {tail / brute:6.3f}x brute force")
    low = sum(r < 0.8 for r in recalls)
    print(
        f"index recall@{K} vs brute force ({len(queries)} queries): mean {np.mean(recalls):.4f},"
        f" worst {min(recalls):.2f}, {low} under 0.8  (target: mean >= 0.98, worst >= 0.8)"
    )


def bench_store_path(n: int) -> None:
    """The product's whole search through a project of n samples with cheap-kind vectors."""
    print(f"\n== find_similar through a project of {n:,} samples ==")
    vectors = clustered(n, seed=2)
    with tempfile.TemporaryDirectory() as tmp:
        project = Project.create(Path(tmp) / "p", ["a"])
        store = project.store
        with store.transaction():
            store.samples.add_many((f"s/{i:07d}.jpg", f"{i:064x}", 64, 64, "train") for i in range(n))
            store.vectors.put_many(cheap_embedding.KIND, ((i + 1, vectors[i]) for i in range(n)))
        start = time.perf_counter()
        vset = load_vectors(store)
        load_ms = (time.perf_counter() - start) * 1000
        matrix32 = vset.vectors.astype(np.float32)
        q = matrix32[0]
        raw = median_ms(lambda: raw_numpy(matrix32, q))
        full = median_ms(lambda: find_similar(store, [1], K, vectors=vset))
        unl = median_ms(lambda: find_similar(store, [1], K, vectors=vset, unlabeled_only=True))
        print(f"load the vectors from the store (once per change): {load_ms:8.1f} ms")
        print(f"raw numpy:                    {raw:8.2f} ms")
        print(f"find_similar:                 {full:8.2f} ms  = {full / raw:5.2f}x raw numpy  (target < 50 ms)")
        print(f"find_similar --unlabeled:     {unl:8.2f} ms  = {unl / raw:5.2f}x raw numpy")
        project.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--no-index-above", type=int, default=10**9, help="skip building indexes past this size")
    parser.add_argument("--store-size", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200, help="queries for recall and index timing")
    args = parser.parse_args()
    for n in [int(s) for s in args.sizes.split(",")]:
        bench_size(n, n <= args.no_index_above, args.queries)
    bench_store_path(args.store_size)


if __name__ == "__main__":
    main()
