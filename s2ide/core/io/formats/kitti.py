"""KITTI object detection: `label_2/<stem>.txt` beside `image_2/<stem>.png` (also under `training/`).

Each line: `type truncated occluded alpha x1 y1 x2 y2 h w l x y z rotation_y [score]`, boxes
as pixel corners. The 2-D box is imported with `truncated` and `occluded` as attributes; the
3-D fields (alpha, dimensions, location, rotation_y) are kept as attributes too, so an export
writes the same line back. Export writes `label_2/` and `image_2/`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from s2ide.core.errors import ImportFormatError
from s2ide.core.io import images as image_files
from s2ide.core.io.export_job import ExportJob, ImagesMode
from s2ide.core.io.formats import checks
from s2ide.core.io.formats.base import ImportItem, ImportPlan
from s2ide.core.tasks import TaskState

NAME = "kitti"
IMAGE_MODES = (ImagesMode.COPY, ImagesMode.LINK)
LABELS, IMAGES = "label_2", "image_2"


def _root(src: Path) -> Path | None:
    for candidate in (src, src / "training"):
        if (candidate / LABELS).is_dir() and (candidate / IMAGES).is_dir():
            return candidate
    return None


def detect(src: Path) -> bool:
    return src.is_dir() and _root(src) is not None


def read(src: Path) -> ImportPlan:
    root = _root(src) if src.is_dir() else None
    if root is None:
        raise ImportFormatError(f"{src}: no KITTI dataset here (expected label_2/ and image_2/)")
    plan = ImportPlan(format=NAME, root=src, layout="KITTI detection (label_2/, image_2/)")
    by_stem = {p.stem: p for p in sorted((root / IMAGES).iterdir()) if image_files.is_image_name(p)}
    for label_file in sorted((root / LABELS).glob("*.txt")):
        image = by_stem.pop(label_file.stem, None)
        lines = [ln for ln in checks.read_text(label_file).splitlines() if ln.strip()]
        if image is None:
            plan.refuse(len(lines), "no image of that name in image_2/", str(label_file))
            continue
        item = ImportItem(source=image, origin=str(label_file))
        for number, line in enumerate(lines, start=1):
            item.add(_parse(line, f"{label_file}:{number}"))
        plan.items.append(item)
    plan.items += [ImportItem(source=image) for image in by_stem.values()]
    return plan


def _parse(line: str, where: str) -> Any:
    fields = line.split()
    if len(fields) not in (15, 16):
        raise ImportFormatError(f"{where}: expected 15 fields (16 with a score), got {len(fields)}")
    label = fields[0]
    numbers = [checks.parse_number(text, f"{where}: field {k + 2}") for k, text in enumerate(fields[1:15])]
    truncated, occluded, alpha, x1, y1, x2, y2 = numbers[:7]
    if x2 <= x1 or y2 <= y1:
        raise ImportFormatError(f"{where}: the box has a non-positive size ({x1:g}..{x2:g}, {y1:g}..{y2:g})")
    attributes: dict[str, Any] = {"truncated": truncated, "occluded": int(occluded)}
    unset = alpha == -10 and numbers[7:10] == [-1, -1, -1] and numbers[10:13] == [-1000] * 3 and numbers[13] == -10
    if not unset:  # KITTI's "no 3-D data" values (2-D only labels) are not kept
        attributes["alpha"] = alpha
        attributes["dimensions"] = numbers[7:10]
        attributes["location"] = numbers[10:13]
        attributes["rotation_y"] = numbers[13]
    return checks.box(label, x1, y1, x2 - x1, y2 - y1, where, attributes=attributes)


def _num(value: Any) -> str:
    number = float(value)
    return f"{number:.2f}" if number != int(number) else f"{int(number)}.00"


def export(job: ExportJob, out: Path, state: TaskState) -> None:
    (out / LABELS).mkdir(parents=True, exist_ok=True)
    total = len(job.samples)
    for index, sample in enumerate(job.samples):
        if index % 64 == 0:
            state.check()
            state.report(index, total, "writing KITTI")
        job.place_image(sample, out / IMAGES / sample.name)
        if sample.tag:
            job.report.unsupported["tag"] += 1
        lines = []
        for ann in sample.annotations:
            if ann.kind != "box" or ann.geometry is None:
                job.report.unsupported[ann.kind] += 1
                continue
            g = ann.geometry
            if " " in ann.label:
                job.report.skipped.append(f"{sample.path}: label {ann.label!r} has a space; written with '_'")
            x1, y1, x2, y2 = g["x"], g["y"], g["x"] + g["w"], g["y"] + g["h"]
            dims = ann.attr("dimensions") or [-1, -1, -1]
            loc = ann.attr("location") or [-1000, -1000, -1000]
            fields = [
                ann.label.replace(" ", "_"),
                _num(ann.attr("truncated", 0.0)),
                str(int(ann.attr("occluded", 0))),
                _num(ann.attr("alpha", -10)),
                *(f"{v:.2f}" for v in (x1, y1, x2, y2)),
                *(_num(v) for v in dims),
                *(_num(v) for v in loc),
                _num(ann.attr("rotation_y", -10)),
            ]
            lines.append(" ".join(fields))
        (out / LABELS / (Path(sample.name).stem + ".txt")).write_text("".join(f"{ln}\n" for ln in lines))
        job.report.images += 1
        job.report.annotations += len(lines)


def keeps_attribute(key: str, value: object) -> bool:
    """Attributes written back: the columns of a KITTI line."""
    return key in ("truncated", "occluded", "alpha", "dimensions", "location", "rotation_y")
