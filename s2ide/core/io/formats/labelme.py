"""labelme JSON, one file per image (X-AnyLabeling writes the same format).

Shapes: rectangle (2 corners, or X-AnyLabeling's 4), rotation (X-AnyLabeling's oriented box,
4 corners), polygon, point, line, linestrip, circle (read as a 64-point polygon) and mask
(a base64 PNG of the region between its two points, both inclusive). Image-level `flags`
that are true become the sample's tag. `imagePath` is relative to the JSON and must stay
inside the imported folder (a file whose path leads out is refused on its own, its shapes
counted); a Windows path (`C:\\data\\a.jpg`) is matched by its file name beside the JSON,
with a note. `imageData` is used only when no image file is found (the image is then saved
into the project). `group_id`, `description` and the shape's true `flags` are kept as the
shape's attributes and written back. Keypoints: the point shapes that share a `group_id` with
exactly one box, polygon or mask, each labelled with a keypoint's name, become that object's
keypoints shape (a point flagged `hidden` has visibility 1); export writes them back so.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from s2ide.core import geometry
from s2ide.core.errors import ImportFormatError, InvalidInputError
from s2ide.core.io.export_job import ExportAnnotation, ExportJob, ImagesMode
from s2ide.core.io.formats import checks
from s2ide.core.io.formats.base import ImportItem, ImportPlan, PlannedAnnotation, shown
from s2ide.core.io.formats.yolo import box_from_corners
from s2ide.core.io.regular_files import open_regular, regular_file_problem
from s2ide.core.store.skeletons import Skeleton
from s2ide.core.tasks import TaskState

NAME = "labelme"
IMAGE_MODES = (ImagesMode.COPY, ImagesMode.LINK)
VERSION = "5.5.0"
CIRCLE_POINTS = 64
DETECT_SCAN = 200


def _json_files(src: Path) -> list[Path]:
    if src.is_file():
        return [src] if src.suffix.lower() == ".json" else []
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        found += [Path(dirpath) / f for f in sorted(filenames) if f.lower().endswith(".json")]
    return found


def detect(src: Path) -> bool:
    if src.is_dir():
        files: list[Path] = []
        for dirpath, dirnames, filenames in os.walk(src):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            files += [Path(dirpath) / f for f in sorted(filenames) if f.lower().endswith(".json")]
            if len(files) >= DETECT_SCAN:
                break
    else:
        files = _json_files(src)
    for path in files[:DETECT_SCAN]:
        try:
            with open_regular(path) as handle:
                head = handle.read(1 << 16)
        except OSError:
            continue
        if b'"shapes"' in head:
            return True
    return False


def read(src: Path) -> ImportPlan:
    files = _json_files(src)
    if not files:
        raise ImportFormatError(f"{src}: no labelme JSON files here")
    root = src if src.is_dir() else src.parent
    plan = ImportPlan(format=NAME, root=root, layout="labelme (one JSON per image)")
    for path in files:
        problem = regular_file_problem(path)  # a FIFO named x.json must not hang the import
        if problem is not None:
            plan.problems.append(problem)
            continue
        item = read_file(path, root, plan)
        if item is not None:
            _group_keypoints(item)
            plan.items.append(item)
    plan.name_skeletons()
    return plan


OUTLINES = ("box", "polygon", "mask")


def _group_keypoints(item: ImportItem) -> None:
    """Point shapes grouped (group_id) with one outline, named apart, become its keypoints."""
    groups: dict[Any, list[PlannedAnnotation]] = {}
    for ann in item.annotations:
        group = (ann.attributes or {}).get("group_id")
        if group is not None:
            groups.setdefault(group, []).append(ann)
    taken: set[int] = set()
    made: list[PlannedAnnotation] = []
    for group, members in groups.items():
        outlines = [a for a in members if a.kind in OUTLINES]
        points = [a for a in members if a.kind == "point"]
        names = [p.label for p in points]
        if len(outlines) != 1 or not points or len(set(names)) != len(names) or outlines[0].label in names:
            continue
        coords = [
            [p.geometry["x"], p.geometry["y"], 1 if (p.attributes or {}).get("hidden") else 2]
            for p in points
            if p.geometry is not None
        ]
        made.append(
            PlannedAnnotation(
                "keypoints", outlines[0].label, {"points": coords}, None, points[0].origin, {"group_id": group}, names
            )
        )
        taken.update(id(p) for p in points)
    if made:
        item.annotations = [a for a in item.annotations if id(a) not in taken]
        item._keys = None
        item.extend(made)


def _windows_path(text: str) -> bool:
    return "\\" in text or (len(text) > 1 and text[1] == ":")


def _source(data: dict[str, Any], path: Path, root: Path, plan: ImportPlan) -> Path | None:
    """The image the file is about, or None when its path leads out of the folder (counted)."""
    where = str(path)
    name = checks.expect_str(data["imagePath"], f"{where}: imagePath", empty=True)
    if not name.strip() and data.get("imageData"):
        name = path.with_suffix(".png").name  # imageData only: named after the JSON
    if not name.strip():
        shapes = data.get("shapes")
        plan.refuse(
            len(shapes) if isinstance(shapes, list) else 0, "imagePath is empty and there is no imageData", where
        )
        return None
    if _windows_path(name):
        base = name.replace("\\", "/").rsplit("/", 1)[-1]
        found = checks.safe_path(root, base, f"{where}: imagePath", base=path.parent)
        plan.problems.append(f"{shown(where)}: imagePath {name!r} is a Windows path; matched by its file name {base!r}")
        return found
    try:
        return checks.safe_path(root, name, f"{where}: imagePath", base=path.parent)
    except ImportFormatError as exc:
        shapes = data.get("shapes")
        plan.refuse(len(shapes) if isinstance(shapes, list) else 0, "its image path leads outside the folder", str(exc))
        return None


def read_file(path: Path, root: Path, plan: ImportPlan) -> ImportItem | None:
    where = str(path)
    data = checks.expect_dict(checks.load_json(path), where)
    if "shapes" not in data:
        raise ImportFormatError(f"{where}: missing key 'shapes' (not a labelme file)")
    if "imagePath" not in data:
        raise ImportFormatError(f"{where}: missing key 'imagePath'")
    source = _source(data, path, root, plan)
    if source is None:
        return None
    size = None
    if data.get("imageWidth") is not None or data.get("imageHeight") is not None:
        size = checks.expect_size(data.get("imageWidth"), data.get("imageHeight"), f"{where}: image")
    item = ImportItem(source=source, declared_size=size, origin=where)
    if not source.is_file() and data.get("imageData"):
        encoded = checks.expect_str(data["imageData"], f"{where}: imageData")
        try:
            item.embedded = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ImportFormatError(f"{where}: imageData: not valid base64") from exc
    flags = data.get("flags") or {}
    true_flags = [
        checks.expect_str(name, f"{where}: flags")
        for name, on in checks.expect_dict(flags, f"{where}: flags").items()
        if on is True
    ]
    if true_flags:
        item.tag = true_flags[0]
        if len(true_flags) > 1:
            plan.problems.append(f"{where}: flags: {len(true_flags)} flags set; the tag is {true_flags[0]!r}")
    for i, raw in enumerate(checks.expect_list(data["shapes"], f"{where}: shapes")):
        at = f"{where}: shapes[{i}]"
        shape = checks.expect_dict(raw, at)
        planned = _shape(shape, at, size)
        planned.attributes = _attributes(shape, at)
        item.add(planned)
    return item


def _attributes(shape: dict[str, Any], at: str) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    group = shape.get("group_id")
    if group is not None:
        out["group_id"] = checks.expect_int(group, f"{at}.group_id")
    description = shape.get("description")
    if isinstance(description, str) and description.strip():
        out["description"] = description
    flags = shape.get("flags")
    if isinstance(flags, dict):
        for name, on in flags.items():
            if on is True:
                out[str(name)] = True
    return out or None


def _points(raw: Any, where: str) -> list[list[float]]:
    points = []
    for k, point in enumerate(checks.expect_list(raw, where)):
        pair = checks.expect_list(point, f"{where}[{k}]")
        if len(pair) != 2:
            raise ImportFormatError(f"{where}[{k}]: expected [x, y], got {len(pair)} numbers")
        points.append(
            [checks.expect_number(pair[0], f"{where}[{k}][0]"), checks.expect_number(pair[1], f"{where}[{k}][1]")]
        )
    return points


def _need(points: list[list[float]], counts: tuple[int, ...], kind: str, where: str, at_least: bool = False) -> None:
    n = len(points)
    ok = n >= counts[0] if at_least else n in counts
    if not ok:
        wanted = f"at least {counts[0]}" if at_least else " or ".join(str(c) for c in counts)
        raise ImportFormatError(f"{where}: a {kind} needs {wanted} points, got {n}")


def _shape(shape: dict[str, Any], where: str, size: tuple[int, int] | None) -> PlannedAnnotation:
    label = checks.expect_str(shape.get("label"), f"{where}.label").strip()
    shape_type = shape.get("shape_type") or "polygon"
    shape_type = checks.expect_str(shape_type, f"{where}.shape_type")
    points = _points(shape.get("points"), f"{where}.points")
    if shape_type == "rectangle":
        _need(points, (2, 4), "rectangle", where)
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        box = {"x": min(xs), "y": min(ys), "w": max(xs) - min(xs), "h": max(ys) - min(ys), "angle": 0.0}
        return checks.shape("box", label, box, where, size)
    if shape_type == "rotation":
        _need(points, (4,), "rotated box", where)
        return checks.shape("box", label, box_from_corners(points, where), where, size)
    if shape_type == "polygon":
        _need(points, (3,), "polygon", where, at_least=True)
        return checks.shape("polygon", label, {"points": points}, where, size)
    if shape_type == "point":
        _need(points, (1,), "point", where)
        return checks.shape("point", label, {"x": points[0][0], "y": points[0][1]}, where, size)
    if shape_type in ("line", "linestrip"):
        _need(points, (2,), shape_type, where, at_least=True)
        return checks.shape("line", label, {"points": points}, where, size)
    if shape_type == "circle":
        _need(points, (2,), "circle", where)
        (cx, cy), (px, py) = points
        r = math.hypot(px - cx, py - cy)
        if r <= 0:
            raise ImportFormatError(f"{where}: circle has radius 0")
        ring = [
            [cx + r * math.cos(2 * math.pi * k / CIRCLE_POINTS), cy + r * math.sin(2 * math.pi * k / CIRCLE_POINTS)]
            for k in range(CIRCLE_POINTS)
        ]
        return checks.shape("polygon", label, {"points": ring}, where, size)
    if shape_type == "mask":
        return _mask(shape, label, points, where, size)
    raise ImportFormatError(f"{where}.shape_type: unknown shape type {shape_type!r}")


def _mask(
    shape: dict[str, Any], label: str, points: list[list[float]], where: str, size: tuple[int, int] | None
) -> PlannedAnnotation:
    if size is None:
        raise ImportFormatError(f"{where}: a mask shape needs imageWidth and imageHeight in the file")
    _need(points, (2,), "mask", where)
    checks.check_mask_size(*size, where)
    encoded = checks.expect_str(shape.get("mask"), f"{where}.mask")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImportFormatError(f"{where}.mask: not valid base64") from exc
    try:
        crop = geometry.decode_mask(raw)
    except InvalidInputError as exc:
        raise ImportFormatError(f"{where}.mask: {exc}") from exc
    x1, y1 = int(points[0][0]), int(points[0][1])
    x2, y2 = int(points[1][0]), int(points[1][1])
    if crop.shape != (y2 - y1 + 1, x2 - x1 + 1):
        raise ImportFormatError(
            f"{where}.mask: the mask is {crop.shape[1]}x{crop.shape[0]}, its points span {x2 - x1 + 1}x{y2 - y1 + 1}"
        )
    width, height = size
    if x1 < 0 or y1 < 0 or x2 >= width or y2 >= height:
        raise ImportFormatError(f"{where}.points: the mask reaches outside the {width}x{height} image")
    full = np.zeros((height, width), dtype=bool)
    full[y1 : y2 + 1, x1 : x2 + 1] = crop
    geom = {"encoding": "png", "width": width, "height": height}
    return checks.shape("mask", label, geom, where, size, data=geometry.encode_mask(full))


# -- export ----------------------------------------------------------------------------------


def _export_shape(ann: ExportAnnotation, width: int, height: int) -> dict[str, Any] | None:
    geom = ann.geometry or {}
    attrs = dict(ann.attributes or {})
    shape: dict[str, Any] = {
        "label": ann.label,
        "group_id": attrs.pop("group_id", None),
        "description": attrs.pop("description", ""),
        "flags": {k: True for k, v in attrs.items() if v is True},
        "mask": None,
    }
    if ann.kind == "box":
        if geom.get("angle"):
            corners = geometry.box_corners(geom)
            shape.update(
                shape_type="rotation", points=[list(c) for c in corners], direction=math.radians(geom["angle"])
            )
        else:
            shape.update(
                shape_type="rectangle", points=[[geom["x"], geom["y"]], [geom["x"] + geom["w"], geom["y"] + geom["h"]]]
            )
    elif ann.kind == "polygon":
        shape.update(shape_type="polygon", points=geom["points"])
    elif ann.kind == "line":
        shape.update(shape_type="line" if len(geom["points"]) == 2 else "linestrip", points=geom["points"])
    elif ann.kind == "point":
        shape.update(shape_type="point", points=[[geom["x"], geom["y"]]])
    elif ann.kind == "mask" and ann.data is not None:
        mask = geometry.decode_mask(ann.data, width, height)
        rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
        if not rows.size:
            return None
        y1, y2, x1, x2 = int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])
        buffer = io.BytesIO()
        Image.fromarray(mask[y1 : y2 + 1, x1 : x2 + 1]).save(buffer, "PNG")
        shape.update(
            shape_type="mask", points=[[x1, y1], [x2, y2]], mask=base64.b64encode(buffer.getvalue()).decode("ascii")
        )
    else:
        return None
    return shape


def _export_keypoints(ann: ExportAnnotation, group: Any, skeleton: Skeleton | None) -> list[dict[str, Any]] | None:
    """One point shape per labelled keypoint, named by the skeleton, in the object's group."""
    points = (ann.geometry or {})["points"]
    names = skeleton.names if skeleton is not None else [str(i + 1) for i in range(len(points))]
    if len(names) != len(points):
        return None
    return [
        {
            "label": name,
            "group_id": group,
            "description": "",
            "flags": {"hidden": True} if v == 1 else {},
            "mask": None,
            "shape_type": "point",
            "points": [[x, y]],
        }
        for name, (x, y, v) in zip(names, points, strict=True)
        if v > 0
    ]


def export(job: ExportJob, out: Path, state: TaskState) -> None:
    total = len(job.samples)
    for index, sample in enumerate(job.samples):
        if index % 64 == 0:
            state.check()
            state.report(index, total, "writing labelme")
        job.place_image(sample, out / sample.name)
        shapes = []
        groups = [a.attr("group_id") for a in sample.annotations if isinstance(a.attr("group_id"), int)]
        next_group = max(groups, default=0) + 1
        for ann in sample.annotations:
            if ann.kind == "keypoints":
                group = ann.attr("group_id")
                if group is None:
                    group, next_group = next_group, next_group + 1
                points = _export_keypoints(ann, group, job.skeletons.get(ann.label))
                if points is None:
                    job.report.unsupported[ann.kind] += 1
                else:
                    shapes += points
                    job.report.annotations += 1 - len(points)  # one annotation, however many points
                continue
            shape = _export_shape(ann, sample.width, sample.height)
            if shape is None:
                job.report.unsupported[ann.kind] += 1
                continue
            shapes.append(shape)
            rings = (ann.geometry or {}).get("rings") if ann.kind == "polygon" else None
            if rings:
                # labelme has no multi-ring polygon: one polygon per ring, grouped by group_id.
                if shape["group_id"] is None:
                    shape["group_id"], next_group = next_group, next_group + 1
                shapes += [{**shape, "points": ring} for ring in rings]
        document = {
            "version": VERSION,
            "flags": {sample.tag: True} if sample.tag else {},
            "shapes": shapes,
            "imagePath": sample.name,
            "imageData": None,
            "imageHeight": sample.height,
            "imageWidth": sample.width,
        }
        target = out / (Path(sample.name).stem + ".json")
        target.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
        job.report.images += 1
        job.report.annotations += len(shapes) + (1 if sample.tag else 0)


def keeps_attribute(key: str, value: object) -> bool:
    """Attributes written back: group_id and description are shape keys; true flags go into the shape's flags."""
    return key in ("group_id", "description") or value is True
