"""CSV of `path,label` (optionally `path,label,split`) rows.

Paths are relative to the CSV's folder (and must stay inside it: a row whose path leads out,
`../../etc/passwd`, is refused on its own and never opened) or absolute paths of image files
(what `export --format csv --images none` writes). Rows for images already in the project set
their labels (source `import`); rows for new images import them too. A header row is optional;
quoted fields may hold commas and newlines.
Export writes `labels.csv` (header path,label,split) for the samples that have a tag.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from s2ide.core.errors import ImportFormatError
from s2ide.core.io.csv_safe import SafeWriter, unescape_cell
from s2ide.core.io.export_job import ExportJob, ImagesMode
from s2ide.core.io.formats import checks
from s2ide.core.io.formats.base import ImportItem, ImportPlan, shown
from s2ide.core.io.images import is_image_name
from s2ide.core.io.regular_files import read_regular
from s2ide.core.store.schema import SPLITS
from s2ide.core.tasks import TaskState

NAME = "csv"
CSV_FILE = "labels.csv"


def detect(src: Path) -> bool:
    return (src.is_file() and src.suffix.lower() == ".csv") or (src / CSV_FILE).is_file()


def read(src: Path) -> ImportPlan:
    if src.is_dir() and (src / CSV_FILE).is_file():
        src = src / CSV_FILE  # a folder written by `s2ide export --format csv`
    if not src.is_file():
        raise ImportFormatError(f"{src}: no such file")
    try:
        text = read_regular(src).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFormatError(f"{src}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise ImportFormatError(f"{src}: cannot read it ({exc.strerror})") from exc
    plan = ImportPlan(format=NAME, root=src.parent)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise ImportFormatError(f"{src}:{reader.line_num}: not valid CSV ({exc})") from exc
    for index, (number, row) in enumerate(rows):
        if not row or all(not cell.strip() for cell in row):
            continue
        cells = [unescape_cell(cell.strip()) for cell in row]
        if index == 0 and cells[0].lower() in {"path", "file", "filename", "image"}:
            continue
        if len(cells) < 2 or len(cells) > 3:
            plan.problems.append(f"{src}:{number}: expected path,label[,split], got {len(cells)} field(s)")
            continue
        path_text, label = cells[0], cells[1]
        split = cells[2].lower() if len(cells) == 3 and cells[2] else None
        if not path_text:
            plan.problems.append(f"{src}:{number}: empty path")
            continue
        bad = checks.path_problem(path_text)
        if bad is not None:
            plan.problems.append(f"{src}:{number}: {bad}")
            continue
        if split is not None and split not in SPLITS:
            plan.problems.append(f"{src}:{number}: unknown split {split!r}")
            continue
        path = Path(path_text)
        if path.is_absolute():
            if not is_image_name(path):
                plan.problems.append(f"{src}:{number}: {shown(path_text)!s} is not an image file name (row refused)")
                continue
        else:
            try:
                path = checks.safe_path(src.parent, path_text, f"{src}:{number}")
            except ImportFormatError as exc:
                plan.problems.append(f"{shown(exc)} (row refused, the file is not opened)")
                continue
        plan.items.append(ImportItem(source=path, tag=label or None, split=split))
    if not plan.items and not plan.problems:
        raise ImportFormatError(f"{src}: no rows")
    return plan


# -- export ----------------------------------------------------------------------------------

IMAGE_MODES = (ImagesMode.NONE, ImagesMode.COPY, ImagesMode.LINK)


def export(job: ExportJob, out: Path, state: TaskState) -> None:
    """`labels.csv` of path,label,split for tagged samples: absolute paths, or images/ when copied."""
    total = len(job.samples)
    with (out / CSV_FILE).open("w", encoding="utf-8", newline="") as handle:
        writer = SafeWriter(handle)  # a label like =cmd|' /C calc'!A0 must never run in a spreadsheet
        writer.writerow(["path", "label", "split"])
        for index, sample in enumerate(job.samples):
            if index % 256 == 0:
                state.check()
                state.report(index, total, "writing CSV")
            job.report.unsupported.update(ann.kind for ann in sample.annotations)
            if not sample.tag:
                continue
            if job.images == ImagesMode.NONE:
                path = sample.path.resolve().as_posix()
            else:
                job.place_image(sample, out / "images" / sample.name)
                path = f"images/{sample.name}"
            writer.writerow([path, sample.tag, "" if sample.split == "none" else sample.split])
            job.report.images += 1
            job.report.annotations += 1
