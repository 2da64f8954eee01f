"""Label-error detection on digits with 5 % of the labels flipped at random.

Out-of-sample probabilities come from K-fold cross-validation of (a) a plain numpy softmax
regression on the 8x8 pixels and (b, skipped with --quick) the `ml` trainer's CNN through
`s2ide.ml.crossval` on the demo's 64x64 renders. Each ranking is scored by precision and recall,
of everything flagged and of the top k (k = the number of flipped labels), beside two
references measured in the same run: flagging at random (precision = the noise rate, the floor)
and flagging every sample the model disagrees with, worst loss first (the naive approach).

    $P tests/bench/bench_label_errors.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np

from s2ide.core.engine.label_errors import FilterMethod, find_label_issues, precision_recall_at_k
from s2ide.core.io.demo import DIGIT_NAMES, load_digits, render_digit

NOISE = 0.05
FOLDS = 5


def flip(targets: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    noisy = targets.copy()
    flipped = rng.choice(len(targets), round(NOISE * len(targets)), replace=False)
    noisy[flipped] = (targets[flipped] + rng.integers(1, 10, flipped.size)) % 10
    return noisy, flipped


def softmax_regression(x: np.ndarray, y: np.ndarray, k: int, steps: int = 300, lr: float = 0.5) -> np.ndarray:
    """Weights (d+1, k) by full-batch gradient descent with L2; plain numpy."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros((xb.shape[1], k))
    onehot = np.eye(k)[y]
    for _ in range(steps):
        logits = xb @ w
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        w -= lr * (xb.T @ (p - onehot) / len(x) + 1e-3 * w)
    return w


def predict_proba(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    logits = np.hstack([x, np.ones((len(x), 1))]) @ w
    logits -= logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    return p / p.sum(axis=1, keepdims=True)


def kfold_probs(x: np.ndarray, y: np.ndarray, folds: int, rng: np.random.Generator) -> np.ndarray:
    fold = rng.permutation(len(y)) % folds
    probs = np.zeros((len(y), 10))
    for f in range(folds):
        w = softmax_regression(x[fold != f], y[fold != f], 10)
        probs[fold == f] = predict_proba(w, x[fold == f])
    return probs


def report(name: str, noisy: np.ndarray, probs: np.ndarray, flipped: np.ndarray, seconds: float) -> None:
    k = len(flipped)
    print(f"{name}: out-of-sample probabilities in {seconds:.1f} s, {len(noisy)} labels, {k} flipped")
    for method in FilterMethod:
        issues = find_label_issues(noisy, probs, method)
        p_all, r_all = precision_recall_at_k(issues.indices, flipped)
        p_k, r_k = precision_recall_at_k(issues.indices, flipped, k)
        print(f"  confident learning ({method.value}): {len(issues)} flagged, precision {p_all:.3f} recall {r_all:.3f};"
              f" top-{k}: precision {p_k:.3f} recall {r_k:.3f}")  # fmt: skip
    issues = find_label_issues(noisy, probs)
    p_k, _ = precision_recall_at_k(issues.indices, flipped, k)
    loss = -np.log(np.clip(probs[np.arange(len(noisy)), noisy], 1e-12, 1))
    disagree = np.flatnonzero(probs.argmax(axis=1) != noisy)
    disagree = disagree[np.argsort(-loss[disagree])]
    p_dis, r_dis = precision_recall_at_k(disagree, flipped)
    p_dis_k, r_dis_k = precision_recall_at_k(disagree, flipped, k)
    print(f"  naive disagreement: {len(disagree)} flagged, precision {p_dis:.3f} recall {r_dis:.3f}")
    print(f"                      top-{k}: precision {p_dis_k:.3f} recall {r_dis_k:.3f}")
    print(f"  floor (random flags): precision {NOISE:.3f}; the default is {p_k / NOISE:.1f}x the floor at top-{k}")
    hits = np.isin(issues.indices, flipped)
    right = np.mean(issues.suggested[hits] == TRUE[issues.indices[hits]]) if hits.any() else 0.0
    print(f"  the suggested label is the true one for {right:.1%} of the correctly flagged")


TRUE = np.zeros(0, dtype=np.int64)


def bench_numpy(images: np.ndarray, targets: np.ndarray, noisy: np.ndarray, flipped: np.ndarray) -> None:
    x = images.reshape(len(images), -1).astype(np.float64) / 16.0
    start = time.perf_counter()
    probs = kfold_probs(x, noisy, FOLDS, np.random.default_rng(1))
    report(f"numpy softmax regression, {FOLDS}-fold", noisy, probs, flipped, time.perf_counter() - start)


def bench_cnn(images: np.ndarray, noisy: np.ndarray, flipped: np.ndarray) -> None:
    from s2ide.core.engine.ml_settings import load_train_config
    from s2ide.core.io.formats.base import ImportItem, ImportPlan
    from s2ide.core.io.import_options import ImportOptions
    from s2ide.core.io.importing import run_import
    from s2ide.core.project import Project
    from s2ide.core.tasks import TaskState
    from s2ide.ml.crossval import MAX_EPOCHS, cross_val_probabilities

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        plan = ImportPlan(format="bench", root=root / "images", labels=list(DIGIT_NAMES))
        (root / "images").mkdir()
        for index, pixels in enumerate(images):
            path = root / "images" / f"d{index:04d}.png"
            render_digit(pixels).save(path)
            plan.items.append(ImportItem(source=path, tag=DIGIT_NAMES[int(noisy[index])], split="train"))
        project = Project.create(root / "proj", DIGIT_NAMES)
        run_import(project, plan, ImportOptions(user="bench"), TaskState())
        config = load_train_config(project.store)
        start = time.perf_counter()
        result = cross_val_probabilities(project, TaskState(), folds=4, config=config)
        seconds = time.perf_counter() - start
        # sample ids follow the import order: map back to the digit index
        order = np.argsort(result.sample_ids)
        probs = result.probabilities[order]
        name = f"ml CNN (s2ide.ml.crossval), 4-fold, {min(config.epochs, MAX_EPOCHS)} epochs"
        report(name, noisy, probs, flipped, seconds)
        project.close()


def main() -> None:
    global TRUE
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="numpy model only (seconds)")
    args = parser.parse_args()
    images, targets = load_digits()
    targets = targets.astype(np.int64)
    TRUE = targets
    noisy, flipped = flip(targets, np.random.default_rng(0))
    bench_numpy(images, targets, noisy, flipped)
    if not args.quick:
        bench_cnn(images, noisy, flipped)


if __name__ == "__main__":
    main()
