"""Training throughput of s2ide's trainer against a plain torch loop, and GUI stalls meanwhile.

Both loops train the same network on the same decoded tensors (the digits demo, 64x64 PNGs
resized to the project's input size), same batch size, optimizer and thread count. The
s2ide figure is the trainer's own images/s over its training steps (augmentation, progress
reports and cancellation checks included; per-epoch validation excluded, as in the plain
loop). Then the trainer runs in a TaskRunner under a Qt event loop while a 5 ms timer
measures the longest gap between ticks (the GUI stall).

    $P tests/bench/bench_training.py [--quick] [--threads N]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np
import torch
import torch.nn.functional as F

from s2ide.core.engine.ml_settings import TrainConfig
from s2ide.core.io.demo import build_demo
from s2ide.core.tasks import TaskState
from s2ide.ml.data import decode_many, take_snapshot
from s2ide.ml.nets import ARCHITECTURE, build
from s2ide.ml.train import train


def plain_loop(x_u8: torch.Tensor, y: torch.Tensor, config: TrainConfig, steps: int, num_classes: int) -> float:
    """The reference: a textbook loop over pre-normalized tensors, nothing else. Returns images/s."""
    torch.manual_seed(0)
    x = x_u8.float() / 255.0
    x = (x - x.mean()) / x.std()
    hyper = {"in_channels": x.shape[1], "num_classes": num_classes, "width": config.width, "blocks": config.blocks}
    net = build(ARCHITECTURE, hyper)
    opt = torch.optim.AdamW(net.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    net.train()
    n = len(x)
    seen = 0
    started = time.perf_counter()
    step = 0
    while step < steps:
        order = torch.randperm(n)
        for i in range(0, n, config.batch_size):
            idx = order[i : i + config.batch_size]
            if len(idx) < 2:
                continue
            loss = F.cross_entropy(net(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            seen += len(idx)
            step += 1
            if step >= steps:
                break
    return seen / (time.perf_counter() - started)


def gui_stall(project_path: Path, config: TrainConfig, in_child: bool) -> tuple[float, float, float]:
    """(max gap ms, p99 gap ms, seconds) of a 5 ms QTimer while training runs in a TaskRunner:
    in a child process as the app does (in_child), or in the runner's thread itself."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from s2ide.core.project import Project
    from s2ide.ui.shell.workers import TaskRunner

    app = QApplication.instance() or QApplication([])
    project = Project.open(project_path)
    runner = TaskRunner()
    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]

    def tick() -> None:
        now = clock.nsecsElapsed()
        gaps.append((now - last[0]) / 1e6)
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    done = []
    runner.idle.connect(lambda: (done.append(1), app.quit()))
    runner.failed.connect(lambda message: print("training failed:", message))
    started = time.perf_counter()
    timer.start()
    if in_child:
        from s2ide.ml.jobs import retrain_in_child

        runner.start(lambda state: retrain_in_child(project.path, config, "bench", state), "bench")
    else:
        runner.start(lambda state: train(project, config, state), "bench")
    app.exec()
    timer.stop()
    runner.shutdown()
    seconds = time.perf_counter() - started
    project.close()
    over = np.array(gaps[1:]) - 5.0  # time beyond the timer's own interval
    return float(over.max()), float(np.percentile(over, 99)), seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--threads", type=int, default=1, help="torch threads for both loops (the app uses 1)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    folder = Path(tempfile.mkdtemp(prefix="s2ide-bench-train-"))
    project = build_demo(folder / "demo")
    epochs = 3 if args.quick else 8
    config = TrainConfig(epochs=epochs, patience=epochs, activation="never", threads=args.threads)

    snapshot = take_snapshot(project, project.store, config.val_fraction, config.seed)
    x = torch.from_numpy(decode_many(snapshot.train.paths, config.input_size, 1))
    y = torch.tensor(snapshot.train.targets)
    per_epoch = max(-(-len(x) // config.batch_size), config.min_steps_per_epoch)
    steps = per_epoch * epochs
    # alternate the two, several times, and compare medians: a shared machine drifts
    s2ide_rates, plain_rates = [], []
    for _ in range(1 if args.quick else 3):
        s2ide_rates.append(train(project, config, TaskState()).images_per_second)
        plain_rates.append(plain_loop(x, y, config, steps, len(snapshot.label_map)))
    s2ide_rate, plain_rate = float(np.median(s2ide_rates)), float(np.median(plain_rates))
    print("runs (s2ide, plain):", [(round(a), round(b)) for a, b in zip(s2ide_rates, plain_rates)])
    print(f"images: {len(x)} train, input {config.input_size}x{config.input_size}, batch {config.batch_size}, "
          f"{epochs} epochs, threads {args.threads}")  # fmt: skip
    print(f"s2ide trainer      : {s2ide_rate:8.1f} images/s (augmentation, progress and cancel checks included)")
    print(f"plain torch loop   : {plain_rate:8.1f} images/s (same net, same tensors, no augmentation)")
    print(f"ratio              : {s2ide_rate / plain_rate:8.2f}  (target >= 0.80)")

    stall_config = dataclasses.replace(config, epochs=2 if args.quick else 4, threads=1)
    for in_child, name in ((True, "child process (the app)"), (False, "worker thread only")):
        max_gap, p99_gap, seconds = gui_stall(project.path, stall_config, in_child)
        print(f"GUI, training in {name}: longest event-loop stall {max_gap:.1f} ms, p99 {p99_gap:.1f} ms "
              f"over {seconds:.1f} s (target: never > 50 ms)")  # fmt: skip
    project.close()


if __name__ == "__main__":
    main()
