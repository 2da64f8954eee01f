"""`s2ide FOLDER`: time to the first image on screen, beside Pillow's decode of that image.

    python tests/bench/bench_open_folder.py [--quick] [--count N] [--processes P] [--keep DIR] [--repeat R]

Makes N 1920x1080 JPEGs (10,000 by default; 500 with --quick; shared with bench_import.py), then
  first image:  a fresh process runs the app's own start (`s2ide FOLDER`: make the project in
                FOLDER/.s2ide, store the names, open the first sample) until the canvas holds the
                decoded image; launch to image, median of R cold runs (project removed before
                each) and of R reopen runs. Target < 0.8 s (labelme 6.3 needs 1.65 s here).
  baseline:     a fresh process that imports Pillow and decodes the same first image, launch to
                pixels: the floor any viewer pays. Printed with the ratio s2ide / baseline.
  indexing:     `index_pending` of all N (hash, size, thumbnail, rows) with P processes against
                Pillow's open+draft+thumbnail rate on the same files (target >= 0.70).
QT_QPA_PLATFORM defaults to offscreen; set DISPLAY and QT_QPA_PLATFORM=xcb to include painting.
s2ide's bytecode is compiled first, as the setup command (packaging/bootstrap.py) and a regular
pip install leave it; without that, a machine that sets PYTHONDONTWRITEBYTECODE compiles every
module from source at each launch.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_import import SIZE, make_images, pillow_rate  # type: ignore[import-not-found]

from s2ide.core.io.folder_project import PROJECT_DIR, index_pending, open_folder
from s2ide.core.store import folder_index
from s2ide.core.tasks import TaskState

TARGET_S = 0.8
LABELME_S = 1.65
INDEX_TARGET = 0.70
ROOT = str(Path(__file__).resolve().parents[2])

APP_CHILD = """
import sys, time
launched = float(sys.argv[2])
from PySide6.QtWidgets import QApplication
from s2ide.ui.shell.app import start
app, window = start([sys.argv[1]])
while not window.view.has_image():
    app.processEvents()
    if time.time() - launched > 60:
        raise SystemExit("no image after 60 s")
print(time.time() - launched)
window.folder_opener.runner.cancel(wait=True)
window.close()
"""

PILLOW_CHILD = """
import sys, time
launched = float(sys.argv[2])
from PIL import Image
with Image.open(sys.argv[1]) as image:
    image.load()
print(time.time() - launched)
"""


def _child(code: str, arg: str, config: Path) -> float:
    env = dict(os.environ, PYTHONPATH=ROOT, S2IDE_CONFIG_DIR=str(config))
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    launched = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code, arg, repr(launched)], env=env, capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"child failed: {out.stderr.strip()[-400:]}")
    return float(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 images")
    parser.add_argument("--count", type=int)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="reuse/keep the generated images in this folder")
    args = parser.parse_args()
    count = args.count or (500 if args.quick else 10_000)
    work = Path(tempfile.mkdtemp(prefix="s2ide-bench-folder-"))
    folder = args.keep or work / "images"
    try:
        t0 = time.perf_counter()
        paths = make_images(folder, count, args.processes)[:count]
        for extra in sorted(folder.glob("*.jpg"))[count:]:
            extra.unlink()  # the folder holds exactly N images
        print(f"{count} JPEGs of {SIZE[0]}x{SIZE[1]} ready in {time.perf_counter() - t0:.1f} s")
        compileall.compile_dir(str(Path(ROOT) / "s2ide"), quiet=1)  # as the setup leaves it
        cold, warm, pillow = [], [], []
        for attempt in range(args.repeat):
            shutil.rmtree(folder / PROJECT_DIR, ignore_errors=True)
            config = work / f"config{attempt}"
            pillow.append(_child(PILLOW_CHILD, str(paths[0]), config))
            cold.append(_child(APP_CHILD, str(folder), config))
            warm.append(_child(APP_CHILD, str(folder), config))
        base = statistics.median(pillow)
        for name, runs in (("new project", cold), ("reopen", warm)):
            figure = statistics.median(runs)
            verdict = "OK" if figure < TARGET_S else "ABOVE TARGET"
            print(
                f"first image, {name:11s}: {figure:5.2f} s  = {figure / base:4.1f}x Pillow's launch+decode "
                f"({base:.2f} s); target < {TARGET_S} s {verdict}; labelme {LABELME_S} s: {figure / LABELME_S:.2f}x"
            )

        shutil.rmtree(folder / PROJECT_DIR, ignore_errors=True)
        opened = open_folder(folder, user="bench")
        opened.project.close()
        limit = pillow_rate(paths, args.processes)
        started = time.perf_counter()
        report = index_pending(opened.project.path, "bench", TaskState(), processes=args.processes)
        rate = report.indexed / (time.perf_counter() - started)
        with opened.project.connect() as store:
            left = len(folder_index.pending(store))
        ratio = rate / limit
        print(f"index    Pillow open+draft+thumbnail, {args.processes} processes: {limit:8.1f} images/s")
        print(f"         s2ide index_pending,           {args.processes} processes: {rate:8.1f} images/s ({left} left)")
        print(
            f"ratio    {ratio:.2f} (target >= {INDEX_TARGET:.2f}) {'OK' if ratio >= INDEX_TARGET else 'BELOW TARGET'}"
        )
    finally:
        if args.keep:
            shutil.rmtree(folder / PROJECT_DIR, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
