"""Datumaro JSON: `annotations/<subset>.json` with `categories.label.labels` and `items`, images
in `images/<subset>/` (or `images/`).

Each item has `id`, `image: {path, size: [h, w]}` and `annotations` of type `bbox` ([x, y, w,
h]), `polygon` and `polyline` (flat x, y lists), `points`, `mask` (COCO RLE) and `label` (the
sample's tag). `attributes` (occluded, free-form), `group` and `z_order` are kept and written
back. Subsets named train/val/test set the split. A `points` annotation with `visibility` (0
absent, 1 hidden, 2 visible) or of a label in `categories.points` (names `labels`, 1-based
`joints`) is a keypoints shape; without either, each of its points is a point.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from s2ide.core import geometry
from s2ide.core.errors import ImportFormatError
from s2ide.core.io.export_job import ExportAnnotation, ExportJob, ImagesMode
from s2ide.core.io.formats import checks, rle
from s2ide.core.io.formats.base import ImportItem, ImportPlan, PlannedAnnotation
from s2ide.core.io.formats.coco import rle_mask
from s2ide.core.store.skeletons import Skeleton
from s2ide.core.tasks import TaskState

NAME = "datumaro"
IMAGE_MODES = (ImagesMode.COPY, ImagesMode.LINK)
SPLITS = {"train": "train", "val": "val", "valid": "val", "validation": "val", "test": "test"}


def _files(src: Path) -> list[Path]:
    if src.is_file():
        return [src] if src.suffix.lower() == ".json" else []
    folder = src / "annotations"
    return sorted(p for p in folder.glob("*.json") if p.is_file()) if folder.is_dir() else []


def _looks_like(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(1 << 16)
    except OSError:
        return False
    return b'"items"' in head and b'"categories"' in head


def detect(src: Path) -> bool:
    files = _files(src)
    return bool(files) and _looks_like(files[0])


def read(src: Path) -> ImportPlan:
    files = [f for f in _files(src) if _looks_like(f)]
    if not files:
        raise ImportFormatError(f"{src}: no Datumaro JSON here (expected annotations/<subset>.json with items)")
    root = src if src.is_dir() else src.parent.parent
    plan = ImportPlan(format=NAME, root=root, layout="Datumaro JSON (annotations/<subset>.json)")
    for path in files:
        _read_file(path, root, plan)
    return plan


def _read_file(path: Path, root: Path, plan: ImportPlan) -> None:
    where = str(path)
    data = checks.expect_dict(checks.load_json(path), where)
    subset = path.stem
    categories = checks.expect_dict(data.get("categories", {}), f"{where}: categories")
    raw_labels = checks.expect_dict(categories.get("label", {"labels": []}), f"{where}: categories.label")
    names = [
        checks.expect_str(checks.expect_dict(lb, f"{where}: labels[{i}]").get("name"), f"{where}: labels[{i}].name")
        for i, lb in enumerate(checks.expect_list(raw_labels.get("labels", []), f"{where}: categories.label.labels"))
    ]
    plan.labels.extend(n for n in names if n not in plan.labels)
    skeletons = _skeletons(categories.get("points"), names, where)
    for label, skeleton in skeletons.items():
        plan.skeletons.setdefault(label, skeleton)
    image_roots = [r for r in (root / "images" / subset, root / "images", root) if r.is_dir()]
    for i, raw in enumerate(checks.expect_list(data.get("items", []), f"{where}: items")):
        at = f"{where}: items[{i}]"
        entry = checks.expect_dict(raw, at)
        item_id = checks.expect_str(str(entry.get("id", "")), f"{at}.id")
        image = checks.expect_dict(entry.get("image") or {}, f"{at}.image")
        name = image.get("path") or f"{item_id}.jpg"
        annotations = checks.expect_list(entry.get("annotations", []), f"{at}.annotations")
        try:
            candidates = [checks.safe_path(root, name, f"{at}.image.path", base=r) for r in image_roots]
        except ImportFormatError as exc:
            plan.refuse(len(annotations), "its image path leads outside the folder", str(exc))
            continue
        source = next((c for c in candidates if c.is_file()), candidates[0])
        size = None
        if isinstance(image.get("size"), list) and len(image["size"]) == 2:
            size = checks.expect_size(image["size"][1], image["size"][0], f"{at}.image.size")
        item = ImportItem(source=source, split=SPLITS.get(subset.lower()), declared_size=size, origin=at)
        for j, raw_ann in enumerate(annotations):
            where_ann = f"{at}.annotations[{j}]"
            ann = checks.expect_dict(raw_ann, where_ann)
            label_id = ann.get("label_id")
            if label_id is None or not isinstance(label_id, int) or not 0 <= label_id < len(names):
                raise ImportFormatError(f"{where_ann}.label_id: no label {label_id!r} (0..{len(names) - 1})")
            label = names[label_id]
            kind = ann.get("type")
            if kind == "label":
                item.tag = item.tag or label
                continue
            if kind == "points" and ("visibility" in ann or label in skeletons):
                keypoints = _keypoints(ann, label, where_ann)
                if keypoints is None:
                    plan.refuse(1, "points with every visibility absent (no point labelled)", where_ann)
                    continue
                keypoints.attributes = _attributes(ann)
                item.add(keypoints)
                continue
            for planned in _shape(kind, ann, label, where_ann, size):
                planned.attributes = _attributes(ann)
                item.add(planned)
        plan.items.append(item)


def _skeletons(raw: Any, names: list[str], where: str) -> dict[str, Skeleton]:
    """`categories.points.items`: per label_id its point names and 1-based joints."""
    if raw is None:
        return {}
    out: dict[str, Skeleton] = {}
    items = checks.expect_list(checks.expect_dict(raw, f"{where}: categories.points").get("items", []), where)
    for i, entry in enumerate(items):
        at = f"{where}: categories.points.items[{i}]"
        entry = checks.expect_dict(entry, at)
        label_id = checks.expect_int(entry.get("label_id"), f"{at}.label_id", 0, max(len(names) - 1, 0))
        points = [
            checks.expect_str(n, f"{at}.labels[{k}]")
            for k, n in enumerate(checks.expect_list(entry.get("labels", []), f"{at}.labels"))
        ]
        joints = []
        for k, joint in enumerate(checks.expect_list(entry.get("joints", []), f"{at}.joints")):
            pair = checks.expect_list(joint, f"{at}.joints[{k}]")
            if len(pair) != 2:
                raise ImportFormatError(f"{at}.joints[{k}]: a joint joins 2 points, got {len(pair)}")
            a, b = (checks.expect_int(v, f"{at}.joints[{k}]", 1, max(len(points), 1)) for v in pair)
            joints.append((a - 1, b - 1))
        if points:
            out[names[label_id]] = Skeleton(points, joints)
    return out


def _keypoints(ann: dict[str, Any], label: str, at: str) -> PlannedAnnotation | None:
    points = _flat_points(ann.get("points"), f"{at}.points")
    raw = ann.get("visibility", [2] * len(points))
    visibility = [
        checks.expect_int(v, f"{at}.visibility[{k}]", 0, 2)
        for k, v in enumerate(checks.expect_list(raw, f"{at}.visibility"))
    ]
    if len(visibility) != len(points):
        raise ImportFormatError(f"{at}.visibility: {len(visibility)} values for {len(points)} points")
    if not any(visibility):
        return None
    geom = {"points": [[x, y, v] if v else [0.0, 0.0, 0] for (x, y), v in zip(points, visibility, strict=True)]}
    return checks.shape("keypoints", label, geom, at)


def _attributes(ann: dict[str, Any]) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    attrs = ann.get("attributes")
    if isinstance(attrs, dict):
        out.update({str(k): v for k, v in attrs.items() if isinstance(v, (str, int, float, bool)) and k != "rotation"})
    for key in ("group", "z_order"):
        if isinstance(ann.get(key), int) and ann[key]:
            out["group_id" if key == "group" else key] = ann[key]
    if out.get("occluded") is False:
        out.pop("occluded")
    return out or None


def _flat_points(values: Any, where: str) -> list[list[float]]:
    flat = [checks.expect_number(v, f"{where}[{k}]") for k, v in enumerate(checks.expect_list(values, where))]
    if len(flat) % 2:
        raise ImportFormatError(f"{where}: expected x, y pairs, got {len(flat)} numbers")
    return [[flat[k], flat[k + 1]] for k in range(0, len(flat), 2)]


def _shape(
    kind: Any, ann: dict[str, Any], label: str, at: str, size: tuple[int, int] | None
) -> list[PlannedAnnotation]:
    if kind == "bbox":
        box = checks.expect_list(ann.get("bbox"), f"{at}.bbox")
        if len(box) != 4:
            raise ImportFormatError(f"{at}.bbox: expected [x, y, w, h]")
        x, y, w, h = (checks.expect_number(v, f"{at}.bbox[{k}]") for k, v in enumerate(box))
        attrs: dict[str, Any] = ann["attributes"] if isinstance(ann.get("attributes"), dict) else {}
        angle = checks.expect_number(attrs.get("rotation", 0.0), f"{at}.attributes.rotation", -360, 360)
        return [checks.box(label, x, y, w, h, at, size, angle)]
    if kind in ("polygon", "polyline"):
        points = _flat_points(ann.get("points"), f"{at}.points")
        return [checks.shape("polygon" if kind == "polygon" else "line", label, {"points": points}, at, size)]
    if kind == "points":
        return [
            checks.shape("point", label, {"x": x, "y": y}, at, size)
            for x, y in _flat_points(ann.get("points"), f"{at}.points")
        ]
    if kind == "mask":
        return [rle_mask(checks.expect_dict(ann.get("rle"), f"{at}.rle"), label, size, f"{at}.rle")]
    raise ImportFormatError(f"{at}.type: {kind!r} is not bbox, polygon, polyline, points, mask or label")


# -- export ----------------------------------------------------------------------------------


def _entry(ann: ExportAnnotation, label_id: int, width: int, height: int, next_id: int) -> dict[str, Any] | None:
    geom = ann.geometry or {}
    attrs = dict(ann.attributes or {})
    entry: dict[str, Any] = {
        "id": next_id,
        "label_id": label_id,
        "group": attrs.pop("group_id", 0),
        "z_order": attrs.pop("z_order", 0),
        "attributes": attrs,
    }
    if ann.kind == "box":
        entry.update(type="bbox", bbox=[geom["x"], geom["y"], geom["w"], geom["h"]])
        if geom.get("angle"):
            attrs["rotation"] = geom["angle"]
    elif ann.kind in ("polygon", "line"):
        entry.update(type="polygon" if ann.kind == "polygon" else "polyline")
        entry["points"] = [c for p in geom["points"] for c in p]
    elif ann.kind == "point":
        entry.update(type="points", points=[geom["x"], geom["y"]])
    elif ann.kind == "keypoints":
        entry.update(type="points", points=[c for x, y, _v in geom["points"] for c in (x, y)])
        entry["visibility"] = [int(v) for _x, _y, v in geom["points"]]
    elif ann.kind == "mask" and ann.data is not None:
        entry.update(type="mask", rle=rle.to_coco(geometry.decode_mask(ann.data, width, height)))
    else:
        return None
    return entry


def export(job: ExportJob, out: Path, state: TaskState) -> None:
    label_ids = {name: i for i, name in enumerate(job.label_names)}
    subsets: dict[str, list[dict[str, Any]]] = {}
    total = len(job.samples)
    rings = 0
    for index, sample in enumerate(job.samples):
        if index % 64 == 0:
            state.check()
            state.report(index, total, "writing Datumaro")
        subset = sample.split if sample.split in ("train", "val", "test") else "default"
        job.place_image(sample, out / "images" / subset / sample.name)
        annotations: list[dict[str, Any]] = []
        if sample.tag:
            annotations.append(
                {"id": 0, "type": "label", "label_id": label_ids[sample.tag], "group": 0, "attributes": {}}
            )
        for ann in sample.annotations:
            entry = _entry(ann, label_ids[ann.label], sample.width, sample.height, len(annotations))
            if entry is None:
                job.report.unsupported[ann.kind] += 1
                continue
            annotations.append(entry)
            for ring in (ann.geometry or {}).get("rings", []) if ann.kind == "polygon" else []:
                if not entry["group"]:
                    entry["group"] = 1000 + len(annotations)
                annotations.append({**entry, "id": len(annotations), "points": [c for p in ring for c in p]})
                rings += 1
        job.report.annotations += len(annotations) - rings
        rings = 0
        subsets.setdefault(subset, []).append(
            {
                "id": Path(sample.name).stem,
                "annotations": annotations,
                "image": {"path": sample.name, "size": [sample.height, sample.width]},
            }
        )
        job.report.images += 1
    (out / "annotations").mkdir(parents=True, exist_ok=True)
    categories: dict[str, Any] = {
        "label": {"labels": [{"name": n, "parent": "", "attributes": []} for n in job.label_names]}
    }
    points = [
        {
            "label_id": i,
            "labels": list(job.skeletons[n].names),
            "joints": [[a + 1, b + 1] for a, b in job.skeletons[n].edges],
        }
        for i, n in enumerate(job.label_names)
        if n in job.skeletons
    ]
    if points:
        categories["points"] = {"items": points}
    for subset, items in subsets.items():
        document = {"info": {}, "categories": categories, "items": items}
        (out / "annotations" / f"{subset}.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


def keeps_attribute(key: str, value: object) -> bool:
    """Every attribute has a place in this format (exporting.py counts those that do not)."""
    return True
