"""Benchmark: import and export of a COCO file with 10,000 images and 100,000 boxes.

The target (DESIGN.md section 5): the import's annotation path (read_plan + saving the boxes)
within 2x of `json.load` plus a raw `executemany` of the same rows into the same table,
both measured here in the same run.

Prints time and peak memory (resident set, sampled) for each step beside the limit measured
in the same run on the same file: `json.load` (as usually called, and with the garbage collector paused as
read_plan does: the stricter limit) and `json.dump` for the export. The import
is split into its parts: parsing and checking the file (read_plan, comparable to json.load),
reading the images (hash + thumbnail, the folder-import path), and saving the annotations.

    python tests/bench/bench_coco.py [--quick] [--keep DIR]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from s2ide.core.gc_pause import paused_gc
from s2ide.core.io.export_job import ExportOptions, ImagesMode
from s2ide.core.io.exporting import run_export
from s2ide.core.io.formats import read_plan
from s2ide.core.io.import_options import ImportOptions
from s2ide.core.io.importing import run_import
from s2ide.core.project import Project
from s2ide.core.tasks import Progress, TaskState

SIZE = 64
BOXES_PER_IMAGE = 10
CATEGORIES = ["person", "car", "bike", "dog", "cat"]


def rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakMemory:
    """Peak resident memory above the starting point while the block runs (sampled every 2 ms)."""

    def __enter__(self) -> PeakMemory:
        self.start = rss_bytes()
        self.peak = self.start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.002):
            self.peak = max(self.peak, rss_bytes())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())

    @property
    def mib(self) -> float:
        """The process's peak resident memory during the step (everything loaded so far included)."""
        return self.peak / 2**20

    @property
    def added_mib(self) -> float:
        return max(0, self.peak - self.start) / 2**20


def measure(fn: Callable[[], Any], repeat: int = 1) -> tuple[Any, float, float, float]:
    """The result, the best of `repeat` times, MiB the step added to the peak, and the process peak."""
    best = float("inf")
    added = peak = 0.0
    result = None
    for attempt in range(repeat):
        result = None
        gc.collect()
        with PeakMemory() as memory:
            start = time.perf_counter()
            result = fn()
            best = min(best, time.perf_counter() - start)
        if attempt == 0:
            added, peak = memory.added_mib, memory.mib
    return result, best, added, peak


def make_dataset(root: Path, images: int) -> Path:
    """Small distinct PNGs and a COCO file with BOXES_PER_IMAGE boxes each."""
    rng = np.random.default_rng(0)
    (root / "images").mkdir(parents=True)
    base = rng.integers(0, 255, (SIZE, SIZE, 3), dtype=np.uint8)
    doc: dict[str, Any] = {
        "images": [],
        "annotations": [],
        "categories": [{"id": i + 1, "name": n} for i, n in enumerate(CATEGORIES)],
    }
    for index in range(images):
        pixels = base.copy()
        pixels[0, :4] = np.frombuffer(index.to_bytes(12, "little"), dtype=np.uint8).reshape(4, 3)
        name = f"img{index:06d}.png"
        Image.fromarray(pixels).save(root / "images" / name, compress_level=1)
        doc["images"].append({"id": index + 1, "file_name": name, "width": SIZE, "height": SIZE})
        xy = rng.uniform(0, SIZE - 16, (BOXES_PER_IMAGE, 2))
        wh = rng.uniform(2, 16, (BOXES_PER_IMAGE, 2))
        cats = rng.integers(1, len(CATEGORIES) + 1, BOXES_PER_IMAGE)
        for (x, y), (w, h), cat in zip(xy.round(2).tolist(), wh.round(2).tolist(), cats.tolist()):
            doc["annotations"].append(
                {
                    "id": len(doc["annotations"]) + 1,
                    "image_id": index + 1,
                    "category_id": cat,
                    "bbox": [x, y, w, h],
                    "area": w * h,
                    "iscrowd": 0,
                    "segmentation": [],
                }
            )
    path = root / "annotations.json"
    path.write_text(json.dumps(doc))
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 images and 10,000 boxes")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args()
    images = 1_000 if args.quick else 10_000
    work = args.keep or Path(tempfile.mkdtemp(prefix="s2ide-bench-coco-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        coco_file = make_dataset(work / "src", images)
        size_mb = coco_file.stat().st_size / 1e6
        print(
            f"dataset: {images:,} images {SIZE}x{SIZE}, {images * BOXES_PER_IMAGE:,} boxes, "
            f"{size_mb:.1f} MB of JSON (made in {time.perf_counter() - t0:.1f} s)"
        )

        baseline = rss_bytes()

        def load() -> Any:
            with coco_file.open() as handle:
                return json.load(handle)

        # the cheap steps run 3 times (best time), so a busy machine disturbs the ratios less
        document, load_s, load_mib, load_peak = measure(load, repeat=3)
        document = None

        def load_paused() -> Any:
            with paused_gc():
                return load()

        document, fast_s, fast_mib, fast_peak = measure(load_paused, repeat=3)
        dump_target = work / "dump.json"
        _, dump_s, dump_mib, dump_peak = measure(lambda: dump_target.write_text(json.dumps(document)), repeat=3)
        document = None  # free it before the import is measured

        plan, plan_s, plan_mib, plan_peak = measure(lambda: read_plan(coco_file, "coco"), repeat=3)
        assert plan.annotation_count == images * BOXES_PER_IMAGE

        project = Project.create(work / "project", [], task="detect")
        marks: dict[str, float] = {}

        def on_progress(progress: Progress) -> None:
            if progress.message == "saving" and "saving" not in marks:
                marks["saving"] = time.perf_counter()

        def do_import() -> Any:
            marks["start"] = time.perf_counter()
            return run_import(project, plan, ImportOptions(), TaskState(on_progress))

        report, import_s, import_mib, import_peak = measure(do_import)
        end = marks["start"] + import_s
        probe_s, save_s = marks["saving"] - marks["start"], end - marks["saving"]
        assert report.imported == images and report.annotations_added == images * BOXES_PER_IMAGE, report.summary()

        # The raw limit: the same rows, json-encoded, in one executemany into the same table.
        raw_project = Project.create(work / "raw", list(CATEGORIES), task="detect")
        raw_store = raw_project.store
        sample_rows = [(f"x{i}.png", f"{i:064x}", SIZE, SIZE, "none") for i in range(images)]
        with raw_store.transaction():
            raw_store.samples.add_many(sample_rows)
        flat = [(iid, a.label, a.geometry) for iid, item in enumerate(plan.items, start=1) for a in item.annotations]
        label_ids = {label.name: label.id for label in raw_store.labels.list()}
        conn = raw_store.conn  # the raw baseline: plain sqlite3, no repository

        def raw_insert() -> None:
            stamp = "2026-01-01T00:00:00.000+00:00"
            rows = [
                (iid, "box", label_ids[label], json.dumps(g), "bench", "import", stamp, stamp) for iid, label, g in flat
            ]
            conn.execute("BEGIN")
            conn.executemany(
                "INSERT INTO annotations (sample_id, kind, label_id, geometry, author, source, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            conn.execute("COMMIT")

        _, raw_s, _, _ = measure(raw_insert)
        raw_project.close()

        options = ExportOptions(images=ImagesMode.LINK)
        export, export_s, export_mib, export_peak = measure(
            lambda: run_export(project, work / "export", "coco", options, TaskState())
        )
        assert export.annotations == images * BOXES_PER_IMAGE
        project.close()

        rows = [
            ("json.load of the file", load_s, (load_mib, load_peak), None),
            ("json.load, collector paused (limit)", fast_s, (fast_mib, fast_peak), None),
            ("import: parse + check (read_plan)", plan_s, (plan_mib, plan_peak), plan_s / fast_s),
            ("import: read images (hash, thumbnail)", probe_s, None, None),
            ("import: save the boxes (one transaction)", save_s, None, None),
            ("raw executemany of the same rows (limit)", raw_s, None, None),
            ("import: total (run_import, plan in memory)", import_s, (import_mib, import_peak), None),
            ("json.dump of the same data (limit)", dump_s, (dump_mib, dump_peak), None),
            ("export: COCO, images hard-linked", export_s, (export_mib, export_peak), export_s / dump_s),
        ]
        print(f"baseline RSS before the steps: {baseline / 2**20:.0f} MiB; 'added' is the step's peak above its start")
        print(f"{'step':44} {'time':>9} {'added RSS':>10} {'peak RSS':>9} {'ratio':>7}")
        for name, seconds, mem, ratio in rows:
            memory = f"{mem[0]:6.0f} MiB {mem[1]:5.0f} MiB" if mem is not None else " " * 20
            rate = f"{ratio:6.1f}x" if ratio is not None else ""
            print(f"{name:44} {seconds:8.2f}s {memory} {rate}")
        annotation_path = plan_s + save_s
        limit = fast_s + raw_s
        print(
            f"TARGET import of the annotations (read_plan + save) / (json.load + raw executemany) = "
            f"{annotation_path:.2f}s / {limit:.2f}s = {annotation_path / limit:.2f}x (target <= 2.0x); "
            f"with reading the images: {import_s + plan_s:.2f}s"
        )
        print(
            f"ratio import parse / json.load (collector paused) = {plan_s / fast_s:.1f} "
            f"(/ plain json.load: {plan_s / load_s:.1f}); "
            f"boxes saved per second = {images * BOXES_PER_IMAGE / save_s:,.0f}; "
            f"export / json.dump = {export_s / dump_s:.1f}"
        )
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
