"""Import throughput against Pillow's own draft-thumbnail rate on the same files and processes.

    python tests/bench/bench_import.py [--quick] [--count N] [--processes P] [--keep DIR]

Makes N 1920x1080 JPEGs (10,000 by default; 500 with --quick), then times
  limit:    a spawn pool of P processes doing Image.open + draft + thumbnail(256) only;
  measured: `run_import` of the same folder into a new project with P processes
            (read, sha256, EXIF size, draft thumbnail saved as JPEG, rows stored).
Each is run --repeat times, alternating, and the best rate of each is kept.
Prints both rates and their ratio (target >= 0.70).
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PIL import Image

from s2ide.core.io.formats import ImportItem, ImportPlan
from s2ide.core.io.import_options import ImportOptions
from s2ide.core.io.importing import run_import
from s2ide.core.project import Project
from s2ide.core.tasks import TaskState

TARGET = 0.70
SIZE = (1920, 1080)


def _make_one(args: tuple[str, int]) -> None:
    path, seed = args
    # A smooth gradient with a little texture: compresses like a photo (~200-400 KB), not like noise.
    base = Image.linear_gradient("L").resize(SIZE).rotate(seed % 360, expand=False)
    texture = Image.effect_noise((SIZE[0] // 8, SIZE[1] // 8), 40 + seed % 30).resize(SIZE)
    red = Image.blend(base, texture, 0.35)
    image = Image.merge("RGB", (red, texture, base.point(lambda v, s=seed: (v + s) % 256)))
    image.save(path, "JPEG", quality=88)


def make_images(folder: Path, count: int, processes: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"img_{i:05d}.jpg" for i in range(count)]
    todo = [(str(p), i) for i, p in enumerate(paths) if not p.exists()]
    if todo:
        with multiprocessing.get_context("spawn").Pool(processes) as pool:
            pool.map(_make_one, todo, chunksize=16)
    return paths


def _draft_thumbnail(path: str) -> tuple[int, int]:
    with Image.open(path) as image:
        image.draft("RGB", (256, 256))
        image.thumbnail((256, 256))
        return image.size


def pillow_rate(paths: list[Path], processes: int) -> float:
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        pool.map(_draft_thumbnail, [str(p) for p in paths], chunksize=16)
    return len(paths) / (time.perf_counter() - started)


def import_rate(folder: Path, paths: list[Path], processes: int, work: Path) -> float:
    """The same files through `run_import` (as the folder format reads them: a plan of paths)."""
    project = Project.create(work, ["a"])
    plan = ImportPlan(format="folder", root=folder, items=[ImportItem(source=p) for p in paths])
    started = time.perf_counter()
    report = run_import(project, plan, ImportOptions(processes=processes), TaskState())
    elapsed = time.perf_counter() - started
    project.close()
    count = len(paths)
    if report.imported != count:
        raise SystemExit(f"import went wrong: {report.summary()}")
    return count / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 images")
    parser.add_argument("--count", type=int)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2, help="alternating runs of each (best kept)")
    parser.add_argument("--keep", type=Path, help="reuse/keep the generated images in this folder")
    args = parser.parse_args()
    count = args.count or (500 if args.quick else 10_000)
    work = Path(tempfile.mkdtemp(prefix="s2ide-bench-import-"))
    folder = args.keep or work / "images"
    try:
        t0 = time.perf_counter()
        paths = make_images(folder, count, args.processes)[:count]
        print(f"{count} JPEGs of {SIZE[0]}x{SIZE[1]} ready in {time.perf_counter() - t0:.1f} s")
        # Alternate the two, twice, and keep the best of each: a shared machine's noise hits both.
        limits, measures = [], []
        for attempt in range(args.repeat):
            limits.append(pillow_rate(paths, args.processes))
            measures.append(import_rate(folder, paths, args.processes, work / f"run{attempt}"))
        limit, measured = max(limits), max(measures)
        ratio = measured / limit
        print(f"limit    Pillow open+draft+thumbnail, {args.processes} processes: {limit:8.1f} images/s")
        print(f"measured s2ide run_import,             {args.processes} processes: {measured:8.1f} images/s")
        print(f"ratio    {ratio:.2f} (target >= {TARGET:.2f}) {'OK' if ratio >= TARGET else 'BELOW TARGET'}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
