"""Cityscapes polygons: `gtFine/<split>/<city>/<stem>_gtFine_polygons.json` beside
`leftImg8bit/<split>/<city>/<stem>_leftImg8bit.png`.

Each JSON has `imgWidth`, `imgHeight` and `objects` of `{label, polygon: [[x, y], ...]}`;
objects marked `deleted` are counted, not imported. Labels ending in `group` (`cargroup`)
keep Cityscapes' meaning as the label name. Export writes the same two trees (split from the
sample, city `s2ide`); shapes other than polygons and boxes (as 4-point polygons) are counted.
"""

from __future__ import annotations

import json
from pathlib import Path

from s2ide.core import geometry
from s2ide.core.errors import ImportFormatError
from s2ide.core.io.export_job import ExportJob, ImagesMode
from s2ide.core.io.formats import checks
from s2ide.core.io.formats.base import ImportItem, ImportPlan
from s2ide.core.tasks import TaskState

NAME = "cityscapes"
IMAGE_MODES = (ImagesMode.COPY, ImagesMode.LINK)
SUFFIX = "_gtFine_polygons.json"
IMAGE_SUFFIX = "_leftImg8bit.png"
GT, IMAGES = "gtFine", "leftImg8bit"


def detect(src: Path) -> bool:
    return src.is_dir() and (src / GT).is_dir() and any((src / GT).rglob(f"*{SUFFIX}"))


def read(src: Path) -> ImportPlan:
    if not detect(src):
        raise ImportFormatError(f"{src}: no Cityscapes polygons here (expected gtFine/**/*{SUFFIX})")
    plan = ImportPlan(format=NAME, root=src, layout="Cityscapes (gtFine polygons, leftImg8bit images)")
    for path in sorted((src / GT).rglob(f"*{SUFFIX}")):
        where = str(path)
        relative = path.parent.relative_to(src / GT)
        stem = path.name[: -len(SUFFIX)]
        image = src / IMAGES / relative / f"{stem}{IMAGE_SUFFIX}"
        split = relative.parts[0] if relative.parts and relative.parts[0] in ("train", "val", "test") else None
        data = checks.expect_dict(checks.load_json(path), where)
        size = checks.expect_size(data.get("imgWidth"), data.get("imgHeight"), where)
        item = ImportItem(source=image, split=split, declared_size=size, origin=where)
        deleted = 0
        for i, raw in enumerate(checks.expect_list(data.get("objects", []), f"{where}: objects")):
            at = f"{where}: objects[{i}]"
            obj = checks.expect_dict(raw, at)
            if obj.get("deleted"):
                deleted += 1
                continue
            label = checks.expect_str(obj.get("label"), f"{at}.label").strip()
            points = []
            for k, pair in enumerate(checks.expect_list(obj.get("polygon"), f"{at}.polygon")):
                xy = checks.expect_list(pair, f"{at}.polygon[{k}]")
                if len(xy) != 2:
                    raise ImportFormatError(f"{at}.polygon[{k}]: expected [x, y]")
                points.append([checks.expect_number(v, f"{at}.polygon[{k}]") for v in xy])
            if len(points) < 3:
                plan.refuse(1, "a polygon with fewer than 3 points", at)
                continue
            item.add(checks.shape("polygon", label, {"points": points}, at, size))
        plan.refuse(deleted, "marked deleted in the file", where)
        plan.items.append(item)
    return plan


def export(job: ExportJob, out: Path, state: TaskState) -> None:
    total = len(job.samples)
    for index, sample in enumerate(job.samples):
        if index % 64 == 0:
            state.check()
            state.report(index, total, "writing Cityscapes")
        split = sample.split if sample.split in ("train", "val", "test") else "train"
        stem = Path(sample.name).stem.removesuffix(IMAGE_SUFFIX[:-4])
        if sample.tag:
            job.report.unsupported["tag"] += 1
        objects = []
        for ann in sample.annotations:
            geom = ann.geometry or {}
            if ann.kind == "polygon":
                rings = [geom["points"], *geom.get("rings", [])]
            elif ann.kind == "box":
                rings = [[list(c) for c in geometry.box_corners(geom)]]
            else:
                job.report.unsupported[ann.kind] += 1
                continue
            objects += [{"label": ann.label, "polygon": ring} for ring in rings]
            job.report.annotations += 1
        image = out / IMAGES / split / "s2ide" / f"{stem}{IMAGE_SUFFIX}"
        if Path(sample.name).suffix.lower() != ".png":
            job.report.skipped.append(f"{sample.path}: not a PNG; copied under the Cityscapes name unchanged")
        job.place_image(sample, image)
        target = out / GT / split / "s2ide" / f"{stem}{SUFFIX}"
        target.parent.mkdir(parents=True, exist_ok=True)
        document = {"imgHeight": sample.height, "imgWidth": sample.width, "objects": objects}
        target.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        job.report.images += 1
