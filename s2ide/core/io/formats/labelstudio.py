"""Label Studio JSON export of image tasks: a list of `{data: {image}, annotations: [{result}]}`.

Results in percent of `original_width`/`original_height`: `rectanglelabels` (x, y, width,
height, rotation about the top-left corner), `polygonlabels` (points), `keypointlabels` (a point;
keypoint regions whose `parentID` is one box, polygon or mask are that object's keypoints, named
by their labels, a `hidden` text giving visibility 1), `brushlabels` (masks in Label Studio's
bit-packed RLE, `formats/lsbrush.py`), `choices` (the sample's tag). Region-level results that
share a region's `id` (a textarea, choices) become that shape's attributes. Images are found by
file name inside the source folder (Label Studio stores upload URLs like
`/data/upload/3/1a2b-cat.jpg`), with a note. Export writes `tasks.json` and `images/`.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from s2ide.core import geometry
from s2ide.core.errors import ImportFormatError
from s2ide.core.io.export_job import ExportAnnotation, ExportJob, ImagesMode, pair_keypoints
from s2ide.core.io.formats import checks, lsbrush
from s2ide.core.io.formats.base import ImportItem, ImportPlan, PlannedAnnotation
from s2ide.core.io.images import is_image_name
from s2ide.core.tasks import TaskState

NAME = "labelstudio"
IMAGE_MODES = (ImagesMode.COPY, ImagesMode.LINK)
FILE = "tasks.json"
SHAPE_TYPES = ("rectanglelabels", "polygonlabels", "keypointlabels", "brushlabels")
MAX_BRUSH_PIXELS = 8192 * 8192


def _file(src: Path) -> Path | None:
    candidates = [src / FILE, *sorted(src.glob("*.json"))] if src.is_dir() else [src]
    for path in candidates:
        if not path.is_file() or path.suffix.lower() != ".json":
            continue
        try:
            with path.open("rb") as handle:
                head = handle.read(1 << 16).lstrip()
        except OSError:
            continue
        if head.startswith(b"[") and b'"data"' in head and (b'"annotations"' in head or b'"result"' in head):
            return path
    return None


def detect(src: Path) -> bool:
    return _file(src) is not None


def _index(root: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if is_image_name(Path(name)):
                found.setdefault(name, Path(dirpath) / name)
    return found


def read(src: Path) -> ImportPlan:
    path = _file(src)
    if path is None:
        raise ImportFormatError(f"{src}: no Label Studio JSON export here (a list of tasks with data and annotations)")
    root = path.parent
    plan = ImportPlan(format=NAME, root=root, layout="Label Studio JSON (image tasks)")
    tasks = checks.expect_list(checks.load_json(path), str(path))
    images = _index(root)
    renamed = 0
    for i, raw in enumerate(tasks):
        at = f"{path}: [{i}]"
        task = checks.expect_dict(raw, at)
        data = checks.expect_dict(task.get("data", {}), f"{at}.data")
        url = data.get("image")
        results = [
            r
            for a in checks.expect_list(task.get("annotations", []), f"{at}.annotations")
            if isinstance(a, dict) and not a.get("was_cancelled")
            for r in checks.expect_list(a.get("result", []), f"{at}.annotations.result")
        ]
        shapes = sum(1 for r in results if isinstance(r, dict) and r.get("type") in SHAPE_TYPES)
        if not isinstance(url, str) or not url.strip():
            plan.refuse(shapes, "the task has no data.image", at)
            continue
        name = url.split("?d=")[-1].replace("\\", "/").rsplit("/", 1)[-1]
        source = images.get(name)
        if source is None and "-" in name:
            source = images.get(name.split("-", 1)[1])  # uploads are stored as <hash>-<name>
        if source is None:
            plan.refuse(shapes, f"no image named {name!r} in the folder", at)
            continue
        if source.name != url.rsplit("/", 1)[-1]:
            renamed += 1
        item = ImportItem(source=source, origin=at)
        _results(results, item, at, plan)
        plan.items.append(item)
    if renamed:
        plan.problems.append(f"{path}: {renamed} task image(s) matched by file name inside {root}")
    plan.name_skeletons()
    return plan


def _results(results: list[Any], item: ImportItem, at: str, plan: ImportPlan) -> None:
    regions: dict[str, PlannedAnnotation] = {}
    parents: dict[str, str] = {}  # keypoint region id -> the region it belongs to (parentID)
    extras: list[dict[str, Any]] = []
    for j, raw in enumerate(results):
        where = f"{at}.result[{j}]"
        result = checks.expect_dict(raw, where)
        kind = result.get("type")
        value = checks.expect_dict(result.get("value", {}), f"{where}.value")
        if kind == "choices" and not value.get("x") and result.get("id") not in regions:
            if "id" in result and any(
                r.get("id") == result["id"] for r in results if isinstance(r, dict) and r is not raw
            ):
                extras.append(result)
                continue
            choices = value.get("choices") or []
            if choices and item.tag is None:
                item.tag = str(choices[0])
            continue
        if kind not in SHAPE_TYPES:
            extras.append(result)
            continue
        labels = value.get(kind) or []
        if not labels:
            raise ImportFormatError(f"{where}.value.{kind}: no label")
        width = checks.expect_number(result.get("original_width"), f"{where}.original_width", 1, checks.MAX_SIDE)
        height = checks.expect_number(result.get("original_height"), f"{where}.original_height", 1, checks.MAX_SIDE)
        item.declared_size = (int(width), int(height))
        ann = _shape(kind, value, str(labels[0]), width, height, where)
        regions[str(result.get("id", j))] = ann
        if kind == "keypointlabels" and result.get("parentID") is not None:
            parents[str(result.get("id", j))] = str(result["parentID"])
        item.add(ann)
    for result in extras:
        region = regions.get(str(result.get("id")))
        value = result.get("value") or {}
        if region is None:
            continue
        ann = region
        content = value.get("text") or value.get("choices") or value.get("number") or value.get("rating")
        if isinstance(content, list):
            content = content[0] if len(content) == 1 else ", ".join(map(str, content))
        if content is not None:
            ann.attributes = {**(ann.attributes or {}), str(result.get("from_name", "value")): content}
    _group_keypoints(item, regions, parents)


def _group_keypoints(item: ImportItem, regions: dict[str, PlannedAnnotation], parents: dict[str, str]) -> None:
    """Keypoint regions whose parentID is one box, polygon or mask become that object's keypoints
    (named by their labels; a `hidden` attribute is visibility 1)."""
    groups: dict[str, list[PlannedAnnotation]] = {}
    for child, parent in parents.items():
        outline = regions.get(parent)
        if outline is not None and outline.kind in ("box", "polygon", "mask"):
            groups.setdefault(parent, []).append(regions[child])
    taken: set[int] = set()
    made: list[PlannedAnnotation] = []
    groups_used = [g for a in item.annotations if isinstance(g := (a.attributes or {}).get("group_id"), int)]
    fresh = max(groups_used, default=0) + 1
    for parent, points in groups.items():
        names = [p.label for p in points]
        if len(set(names)) != len(names):
            continue
        coords = []
        for p in points:
            hidden = str((p.attributes or {}).get("hidden", "")).lower() in ("1", "true")
            coords.append([(p.geometry or {})["x"], (p.geometry or {})["y"], 1 if hidden else 2])
        outline = regions[parent]
        group = (outline.attributes or {}).get("group_id", fresh + len(made))
        outline.attributes = {**(outline.attributes or {}), "group_id": group}  # paired, as COCO writes them
        link = {"group_id": group}
        made.append(
            PlannedAnnotation("keypoints", outline.label, {"points": coords}, None, points[0].origin, link, names)
        )
        taken.update(id(p) for p in points)
    if made:
        item.annotations = [a for a in item.annotations if id(a) not in taken]
        item._keys = None
        item.extend(made)


def _shape(kind: str, value: dict[str, Any], label: str, width: float, height: float, at: str) -> PlannedAnnotation:
    def px(key: str, scale: float) -> float:
        return checks.expect_number(value.get(key), f"{at}.value.{key}") * scale / 100

    if kind == "rectanglelabels":
        x, y, w, h = px("x", width), px("y", height), px("width", width), px("height", height)
        angle = checks.expect_number(value.get("rotation", 0), f"{at}.value.rotation", -360, 360)
        if angle:
            theta = math.radians(angle)  # Label Studio rotates about the top-left corner
            cx = x + (w / 2) * math.cos(theta) - (h / 2) * math.sin(theta)
            cy = y + (w / 2) * math.sin(theta) + (h / 2) * math.cos(theta)
            x, y = cx - w / 2, cy - h / 2
        return checks.box(label, x, y, w, h, at, None, angle)
    if kind == "polygonlabels":
        points = []
        for k, pair in enumerate(checks.expect_list(value.get("points"), f"{at}.value.points")):
            xy = checks.expect_list(pair, f"{at}.value.points[{k}]")
            if len(xy) != 2:
                raise ImportFormatError(f"{at}.value.points[{k}]: expected [x, y]")
            points.append(
                [checks.expect_number(xy[0], at) * width / 100, checks.expect_number(xy[1], at) * height / 100]
            )
        return checks.shape("polygon", label, {"points": points}, at)
    if kind == "brushlabels":
        if value.get("format", "rle") != "rle":
            raise ImportFormatError(f"{at}.value.format: {value.get('format')!r} is not rle")
        w, h = int(width), int(height)
        if w * h > MAX_BRUSH_PIXELS:
            raise ImportFormatError(f"{at}: a {w}x{h} brush mask is too large")
        mask = lsbrush.decode(checks.expect_list(value.get("rle"), f"{at}.value.rle"), w, h, f"{at}.value.rle")
        geom = {"encoding": "png", "width": w, "height": h}
        return checks.shape("mask", label, geom, at, (w, h), data=geometry.encode_mask(mask))
    return checks.shape("point", label, {"x": px("x", width), "y": px("y", height)}, at)


# -- export ----------------------------------------------------------------------------------


def _result(ann: ExportAnnotation, width: int, height: int, index: int) -> dict[str, Any] | None:
    geom = ann.geometry or {}
    base = {"id": f"r{index}", "original_width": width, "original_height": height, "to_name": "image"}
    if ann.kind == "box":
        x, y, angle = geom["x"], geom["y"], geom.get("angle", 0.0)
        if angle:
            x, y = geometry.box_corners(geom)[0]  # the corner Label Studio rotates about
        value = {
            "x": x * 100 / width,
            "y": y * 100 / height,
            "width": geom["w"] * 100 / width,
            "height": geom["h"] * 100 / height,
            "rotation": angle,
            "rectanglelabels": [ann.label],
        }
        return {**base, "type": "rectanglelabels", "from_name": "label", "value": value}
    if ann.kind == "polygon":
        points = [[px * 100 / width, py * 100 / height] for px, py in geom["points"]]
        value = {"points": points, "polygonlabels": [ann.label]}
        return {**base, "type": "polygonlabels", "from_name": "label", "value": value}
    if ann.kind == "point":
        value = {"x": geom["x"] * 100 / width, "y": geom["y"] * 100 / height, "keypointlabels": [ann.label]}
        return {**base, "type": "keypointlabels", "from_name": "label", "value": value}
    if ann.kind == "mask" and ann.data is not None:
        mask = geometry.decode_mask(ann.data, width, height)
        value = {"format": "rle", "rle": lsbrush.encode(mask), "brushlabels": [ann.label]}
        return {**base, "type": "brushlabels", "from_name": "brush", "value": value}
    return None


def _keypoint_results(
    ann: ExportAnnotation, sample: Any, job: ExportJob, parent: str | None, index: int
) -> list[dict[str, Any]] | None:
    """One keypointlabels region per labelled point, named by the skeleton, child (parentID) of
    its object's region; a hidden point carries a `hidden` text."""
    points = (ann.geometry or {})["points"]
    skeleton = job.skeletons.get(ann.label)
    names = skeleton.names if skeleton is not None else [str(i + 1) for i in range(len(points))]
    if len(names) != len(points):
        return None
    out: list[dict[str, Any]] = []
    for name, (x, y, v) in zip(names, points, strict=True):
        if not v:
            continue
        region = _result(
            ExportAnnotation("point", name, {"x": x, "y": y}), sample.width, sample.height, index + len(out)
        )
        assert region is not None
        if parent is not None:
            region["parentID"] = parent
        out.append(region)
        if v == 1:
            out.append(
                {
                    "id": region["id"],
                    "type": "textarea",
                    "from_name": "hidden",
                    "to_name": "image",
                    "value": {"text": ["1"]},
                }
            )
    return out


def export(job: ExportJob, out: Path, state: TaskState) -> None:
    tasks = []
    total = len(job.samples)
    lone = 0  # keypoints with no region to belong to: they come back as separate points
    for index, sample in enumerate(job.samples):
        if index % 64 == 0:
            state.check()
            state.report(index, total, "writing Label Studio")
        job.place_image(sample, out / "images" / sample.name)
        results: list[dict[str, Any]] = []
        if sample.tag:
            results.append(
                {"type": "choices", "from_name": "class", "to_name": "image", "value": {"choices": [sample.tag]}}
            )
            job.report.annotations += 1
        paired = pair_keypoints(sample.annotations)
        # the keypoints paired with an outline, found by the points list the pairing shares
        partner = {id(paired[id(k)]): k for k in sample.annotations if k.kind == "keypoints" and id(k) in paired}
        outline_ids: dict[int, str] = {}  # id(keypoints) -> its outline's region id
        for ann in sorted(sample.annotations, key=lambda a: a.kind == "keypoints"):  # outlines first
            if ann.kind == "keypoints":
                parent = outline_ids.get(id(ann))
                written = _keypoint_results(ann, sample, job, parent, len(results))
                if written is None:
                    job.report.unsupported[ann.kind] += 1
                else:
                    results += written
                    job.report.annotations += 1
                    lone += parent is None
                continue
            result = _result(ann, sample.width, sample.height, len(results))
            if id(ann) in paired and result is not None:
                outline_ids[id(partner[id(paired[id(ann)])])] = result["id"]
            if result is None or (ann.kind == "polygon" and (ann.geometry or {}).get("rings")):
                job.report.unsupported[ann.kind if result is None else "multi-ring polygon"] += 1
                continue
            results.append(result)
            for name, content in (ann.attributes or {}).items():
                results.append(
                    {
                        "id": result["id"],
                        "type": "textarea",
                        "from_name": name,
                        "to_name": "image",
                        "value": {"text": [str(content)]},
                    }
                )
            job.report.annotations += 1
        tasks.append(
            {"id": index + 1, "data": {"image": f"images/{sample.name}"}, "annotations": [{"result": results}]}
        )
        job.report.images += 1
    if lone:
        job.report.skipped.append(
            f"{lone} keypoints shape(s) without a box, polygon or mask to belong to are written as separate "
            "keypoint regions (Label Studio groups keypoints only inside a region)"
        )
    (out / FILE).write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")


def keeps_attribute(key: str, value: object) -> bool:
    """Every attribute has a place in this format (exporting.py counts those that do not)."""
    return True
