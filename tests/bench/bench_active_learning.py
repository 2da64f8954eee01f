"""Does the loop work? A simulated labeler on scikit-learn's digits, through s2ide's own code path.

For each strategy and seed: a copy of the demo project with every train label removed; 20
random train samples labeled with the truth; then repeatedly retrain (train + predict, as the
app does), read the test accuracy, take the queue's next 20 (core.sampling.build_queue with
the strategy) and label them with the truth (core.labeling.set_tag). Prints test accuracy
against the number of labels, and the labels each strategy needs to reach 90 % and 95 %
(linearly interpolated between rounds), with margin's ratio to random (target <= 0.6).

    $P tests/bench/bench_active_learning.py [--quick] [--seeds N] [--max-labels N] [--workers N] [--batch N]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np

STEP = 20


def _truth(project) -> dict[int, int]:  # type: ignore[no-untyped-def]
    """sample id -> label id of the true digit (the demo names files digit_<index>.png)."""
    from s2ide.core.io.demo import DIGIT_NAMES, load_digits

    _, targets = load_digits()
    by_name = {label.name: label.id for label in project.store.labels.list()}
    out = {}
    for row in project.store.samples.rows():
        index = int(re.search(r"digit_(\d+)", row["path"]).group(1))  # type: ignore[union-attr]
        out[row["id"]] = by_name[DIGIT_NAMES[int(targets[index])]]
    return out


def run_one(
    args: tuple[str, int, str, int, int, dict[str, str], int],
) -> tuple[str, int, list[tuple[int, float]], float]:
    strategy_name, seed, base, max_labels, epochs, overrides, batch = args
    import torch

    from s2ide.core.engine.ml_settings import LoopSettings, TrainConfig, save_loop_settings
    from s2ide.core.engine.sampling import Strategy, build_queue
    from s2ide.core.labeling.tags import set_tag
    from s2ide.core.project import Project
    from s2ide.core.tasks import TaskState
    from s2ide.ml.loop import retrain

    torch.set_num_threads(1)
    folder = Path(tempfile.mkdtemp(prefix=f"s2ide-al-{strategy_name}-{seed}-"))
    shutil.copytree(base, folder / "p")
    project = Project.open(folder / "p")
    store = project.store
    truth = _truth(project)
    save_loop_settings(store, LoopSettings(retrain_after=batch), "sim")  # labels per model: the queue's batch
    train_ids = [r["id"] for r in store.samples.rows() if r["split"] == "train"]
    with store.transaction():
        for sid in train_ids:
            set_tag(store, sid, None, "sim")
    rng = np.random.default_rng(seed)
    for sid in rng.choice(train_ids, STEP, replace=False):
        set_tag(store, int(sid), truth[int(sid)], "sim")
    config = TrainConfig.from_dict({**overrides, "activation": "always", "seed": seed, "epochs": epochs})
    strategy = Strategy(strategy_name)
    curve: list[tuple[int, float]] = []
    labels = STEP
    started = time.perf_counter()
    above = 0
    while True:
        result = retrain(project, config, TaskState(), user="sim")
        accuracy = float(result.training.model.metrics["test"]["accuracy"])
        curve.append((labels, accuracy))
        above = above + 1 if accuracy >= 0.95 else 0
        if labels >= max_labels or above >= 3:
            break
        for entry in build_queue(store, strategy, STEP, seed=seed * 1000 + labels):
            set_tag(store, entry.sample_id, truth[entry.sample_id], "sim")
        labels += STEP
    project.close()
    shutil.rmtree(folder, ignore_errors=True)
    return strategy_name, seed, curve, time.perf_counter() - started


def labels_to_reach(curve: list[tuple[int, float]], target: float) -> float | None:
    """First crossing of `target`, interpolated linearly between the two rounds around it."""
    previous = None
    for labels, accuracy in curve:
        if accuracy >= target:
            if previous is None:
                return float(labels)
            p_labels, p_acc = previous
            return p_labels + (labels - p_labels) * (target - p_acc) / max(accuracy - p_acc, 1e-9)
        previous = (labels, accuracy)
    return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="one seed, random vs margin, up to 60 labels")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--max-labels", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--strategies", default="random,margin,entropy")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument(
        "--batch", type=int, default=STEP, help="the project's retrain interval (1: plain top-k uncertainty ranking)"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a training setting to change from the default (repeatable)",
    )
    parser.add_argument("--json", type=Path, help="also write every seed's curve to this file")
    args = parser.parse_args()
    if args.quick:
        args.seeds, args.max_labels, args.strategies, args.epochs = 1, 60, "random,margin", 10

    from s2ide.core.io.demo import build_demo

    base = Path(tempfile.mkdtemp(prefix="s2ide-al-base-")) / "demo"
    build_demo(base).close()
    strategies = args.strategies.split(",")
    overrides = dict(item.split("=", 1) for item in args.set)
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    jobs = [
        (s, seed, str(base), args.max_labels, args.epochs, overrides, args.batch) for seed in seeds for s in strategies
    ]
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        results = list(pool.map(run_one, jobs))
    wall = time.perf_counter() - started

    curves: dict[str, list[list[tuple[int, float]]]] = {s: [] for s in strategies}
    for name, seed, curve, seconds in results:
        curves[name].append(curve)
        print(f"{name:>8} seed {seed}: {len(curve)} rounds in {seconds:.0f} s", file=sys.stderr)
    if args.json:
        record = {
            "settings": overrides,
            "batch": args.batch,
            "seeds": list(seeds),
            "curves": [[n, s, c] for n, s, c, _ in results],
        }
        args.json.write_text(json.dumps(record))
    print(f"test accuracy (mean over {args.seeds} seeds; a run stops after 3 rounds at >= 95 %, "
          "later rounds carry its last value)")  # fmt: skip
    longest = max(len(c) for runs in curves.values() for c in runs)
    print("labels  " + "  ".join(f"{s:>8}" for s in strategies))
    for round_index in range(longest):
        labels = STEP * (round_index + 1)
        cells = []
        for s in strategies:
            values = [c[min(round_index, len(c) - 1)][1] for c in curves[s]]
            cells.append(f"{np.mean(values):8.3f}")
        print(f"{labels:6d}  " + "  ".join(cells))
    need: dict[tuple[str, float], float | None] = {}
    for target in (0.90, 0.95):
        for s in strategies:
            reached = [labels_to_reach(c, target) for c in curves[s]]
            ok = [r for r in reached if r is not None]
            need[(s, target)] = float(np.mean(ok)) if len(ok) == len(reached) else None
            shown = "not reached" if need[(s, target)] is None else f"{need[(s, target)]:.0f}"
            print(f"labels to reach {target:.0%} with {s:>8}: {shown}  (per seed: {reached})")
    for s in strategies:
        if s != "random" and need.get((s, 0.95)) and need.get(("random", 0.95)):
            ratio = need[(s, 0.95)] / need[("random", 0.95)]  # type: ignore[operator]
            print(f"{s} needs {ratio:.2f}x the labels random needs for 95 % (target <= 0.60)")
    print(f"wall time {wall:.0f} s with {args.workers} worker processes", file=sys.stderr)


if __name__ == "__main__":
    main()
