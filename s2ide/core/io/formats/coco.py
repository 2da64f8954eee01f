"""COCO detection and instance segmentation: boxes, polygons, RLE masks, categories, iscrowd.

Import reads one COCO JSON (or every JSON in a folder's `annotations/`); `file_name` is
relative to `images/` beside the JSON (or beside `annotations/`), or to the JSON's folder.
A non-empty `segmentation` becomes polygons (one per ring) or a mask (RLE, compressed or
not); otherwise `bbox` becomes a box, rotated by CVAT's `attributes.rotation` if present.
Person-keypoints files: an object's labelled `keypoints` (x, y, visibility triples, names and
1-based `skeleton` edges from its category) become a keypoints shape beside its outline; both
carry the object's id as `group_id`, and export writes such a pair back as one object.
Export writes `annotations.json` and `images/`; points and lines have no COCO form.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from s2ide.core import geometry
from s2ide.core.errors import ImportFormatError
from s2ide.core.io.export_job import ExportJob, ImagesMode, pair_keypoints
from s2ide.core.io.formats import checks, rle
from s2ide.core.io.formats.base import ImportItem, ImportPlan, PlannedAnnotation
from s2ide.core.io.regular_files import open_regular
from s2ide.core.store.skeletons import Skeleton
from s2ide.core.tasks import TaskState

NAME = "coco"
IMAGE_MODES = (ImagesMode.COPY, ImagesMode.LINK)
ANNOTATIONS_FILE = "annotations.json"
ROBOFLOW_FILE = "_annotations.coco.json"
SPLIT_WORDS = (("train", "train"), ("val", "val"), ("test", "test"))
# Free-form attributes CVAT and others write beside the standard keys, kept with the shape.
KEPT_KEYS = ("iscrowd",)


def _json_files(src: Path) -> list[Path]:
    if src.is_file():
        return [src] if src.suffix.lower() == ".json" else []
    if not src.is_dir():
        return []
    if (src / ANNOTATIONS_FILE).is_file():
        return [src / ANNOTATIONS_FILE]
    if (src / ROBOFLOW_FILE).is_file():
        return [src / ROBOFLOW_FILE]
    folder = src / "annotations"
    if folder.is_dir():
        found = sorted(p for p in folder.glob("*.json") if p.is_file())
        if found:
            return found
    # Roboflow's COCO export: train/, valid/, test/ each with _annotations.coco.json beside the images.
    return sorted(p for p in src.glob(f"*/{ROBOFLOW_FILE}") if p.is_file())


def _looks_like_coco(path: Path) -> bool:
    try:
        with open_regular(path) as handle:
            head = handle.read(1 << 20)
    except OSError:
        return False
    return b'"images"' in head and b'"shapes"' not in head


def detect(src: Path) -> bool:
    files = _json_files(src)
    return bool(files) and _looks_like_coco(files[0])


def layout(src: Path) -> str:
    files = _json_files(src)
    if files and files[0].name == ROBOFLOW_FILE:
        return "COCO (Roboflow export: one _annotations.coco.json per split folder)"
    if files and files[0].parent.name == "annotations":
        return "COCO (annotations/*.json beside images/)"
    return "COCO"


def _split_of(path: Path) -> str | None:
    words = [path.stem.lower()]
    if path.name == ROBOFLOW_FILE:
        words = [path.parent.name.lower()]
    for word in words:
        split = next((split for key, split in SPLIT_WORDS if key in word), None)
        if split is not None:
            return split
    return None


def _image_roots(path: Path) -> list[Path]:
    """Where `file_name` is looked up: the standard layout puts `instances_train2017.json` in
    `annotations/` beside `images/train2017/` (or `train2017/`); Roboflow puts the images beside."""
    folder = path.parent
    roots = [folder / "images", folder]
    if folder.name == "annotations":
        top = folder.parent
        subset = path.stem.split("_", 1)[1] if "_" in path.stem else path.stem
        split = _split_of(path)
        named = [top / "images" / subset, top / subset]
        if split is not None:
            named += [top / "images" / split, top / split]
        roots = [*named, top / "images", top, *roots]
    return [r for r in roots if r.is_dir()] or [folder]


def read(src: Path) -> ImportPlan:
    files = _json_files(src)
    if not files:
        raise ImportFormatError(
            f"{src}: no COCO JSON here (expected a .json file, annotations.json, annotations/*.json "
            f"or <split>/{ROBOFLOW_FILE})"
        )
    root = src if src.is_dir() else src.parent
    plan = ImportPlan(format=NAME, root=root, layout=layout(src))
    for path in files:
        _read_file(path, plan, root)
    return plan


def _read_file(path: Path, plan: ImportPlan, root: Path) -> None:
    data = checks.expect_dict(checks.load_json(path), str(path))
    where = str(path)
    roots = _image_roots(path)
    split = _split_of(path)
    # Paths must stay inside the imported folder; the standard layout's images/ lies beside
    # annotations/, so the dataset folder is the one above when a single file is given.
    limit = root.parent if path.parent.name == "annotations" and root == path.parent else root

    categories: dict[int, str] = {}
    keypoint_names: dict[int, list[Any]] = {}
    for i, raw in enumerate(checks.expect_list(data.get("categories", []), f"{where}: categories")):
        at = f"{where}: categories[{i}]"
        cat = checks.expect_dict(raw, at)
        cid = checks.expect_int(cat.get("id"), f"{at}.id")
        if cid in categories:
            raise ImportFormatError(f"{at}.id: category id {cid} appears twice")
        categories[cid] = checks.expect_str(cat.get("name"), f"{at}.name").strip()
        if isinstance(cat.get("keypoints"), list) and cat["keypoints"]:
            skeleton = _skeleton(cat, at)
            keypoint_names[cid] = skeleton.names
            plan.skeletons.setdefault(categories[cid], skeleton)
    plan.labels.extend(n for n in categories.values() if n not in plan.labels)

    if "images" not in data:
        raise ImportFormatError(f"{where}: missing key 'images'")
    items: dict[int, ImportItem] = {}
    refused: dict[int, str] = {}  # image id -> why its file is not read
    for i, raw in enumerate(checks.expect_list(data["images"], f"{where}: images")):
        at = f"{where}: images[{i}]"
        image = checks.expect_dict(raw, at)
        iid = checks.expect_int(image.get("id"), f"{at}.id")
        if iid in items or iid in refused:
            raise ImportFormatError(f"{at}.id: image id {iid} appears twice")
        name = checks.expect_str(image.get("file_name"), f"{at}.file_name")
        try:
            candidates = [checks.safe_path(limit, name, f"{at}.file_name", base=r) for r in roots]
        except ImportFormatError as exc:
            refused[iid] = str(exc)
            continue
        source = next((c for c in candidates if c.is_file()), candidates[0])
        size = None
        if "width" in image or "height" in image:
            size = checks.expect_size(image.get("width"), image.get("height"), at)
        item = ImportItem(source=source, split=split, declared_size=size, origin=at)
        items[iid] = item
        plan.items.append(item)

    lost: dict[int, int] = {}
    raw_annotations = checks.expect_list(data.get("annotations", []), f"{where}: annotations")
    for i, raw in enumerate(raw_annotations):
        at = f"{where}: annotations[{i}]"
        ann = checks.expect_dict(raw, at)
        raw_annotations[i] = None  # let each parsed entry go: a huge file must not be held twice
        iid = checks.expect_int(ann.get("image_id"), f"{at}.image_id")
        cid = checks.expect_int(ann.get("category_id"), f"{at}.category_id")
        if iid in refused:
            lost[iid] = lost.get(iid, 0) + 1
            continue
        if iid not in items:
            raise ImportFormatError(f"{at}.image_id: no image with id {iid}")
        if cid not in categories:
            raise ImportFormatError(f"{at}.category_id: no category with id {cid}")
        item = items[iid]
        points = _keypoints(ann, keypoint_names.get(cid), at)
        if points is None:
            item.add(_shape(ann, categories[cid], item.declared_size, at))
            continue
        extra = ann.get("attributes")
        alone = isinstance(extra, dict) and extra.get("keypoints_only") is True  # s2ide's export of lone keypoints
        link: dict[str, Any] | None = None
        if not alone and (ann.get("segmentation") not in (None, []) or ann.get("bbox") is not None):
            group = ann.get("id", i)
            link = {"group_id": group if isinstance(group, int) and not isinstance(group, bool) else i}
            outline = _shape(ann, categories[cid], item.declared_size, at)
            outline.attributes = {**(outline.attributes or {}), **link}
            item.add(outline)
        item.add(PlannedAnnotation("keypoints", categories[cid], {"points": points}, None, f"{at}.keypoints", link))
    for iid, why in refused.items():
        plan.refuse(lost.get(iid, 0), "its image path leads outside the dataset folder (not read)", why)


def _skeleton(cat: dict[str, Any], at: str) -> Skeleton:
    """A category's keypoint names and its 1-based `skeleton` edges as 0-based pairs."""
    names = [checks.expect_str(n, f"{at}.keypoints[{k}]") for k, n in enumerate(cat["keypoints"])]
    edges = []
    for k, edge in enumerate(checks.expect_list(cat.get("skeleton", []), f"{at}.skeleton")):
        pair = checks.expect_list(edge, f"{at}.skeleton[{k}]")
        if len(pair) != 2:
            raise ImportFormatError(f"{at}.skeleton[{k}]: an edge joins 2 keypoints, got {len(pair)} numbers")
        a, b = (checks.expect_int(v, f"{at}.skeleton[{k}]", 1, len(names)) for v in pair)
        edges.append((a - 1, b - 1))
    return Skeleton(names, edges)


def _keypoints(ann: dict[str, Any], names: list[str] | None, at: str) -> list[list[float]] | None:
    """The object's [x, y, v] keypoints, or None when it has none labelled (all v = 0)."""
    raw = ann.get("keypoints")
    if raw is None:
        return None
    values = checks.expect_list(raw, f"{at}.keypoints")
    if len(values) % 3:
        raise ImportFormatError(f"{at}.keypoints: expected x, y, visibility triples, got {len(values)} numbers")
    if names is not None and len(values) // 3 != len(names):
        raise ImportFormatError(f"{at}.keypoints: {len(values) // 3} keypoints, but its category names {len(names)}")
    numbers = [checks.expect_number(v, f"{at}.keypoints[{k}]") for k, v in enumerate(values)]
    points = []
    for k in range(0, len(numbers), 3):
        v = numbers[k + 2]
        if v not in (0, 1, 2):
            raise ImportFormatError(f"{at}.keypoints[{k + 2}]: visibility must be 0, 1 or 2, got {values[k + 2]}")
        points.append([numbers[k], numbers[k + 1], int(v)])
    return points if any(p[2] for p in points) else None


def _attributes(ann: dict[str, Any], at: str) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    if checks.expect_int(ann.get("iscrowd", 0), f"{at}.iscrowd", 0, 1):
        out["iscrowd"] = 1
    extra = ann.get("attributes")
    if isinstance(extra, dict):
        for key, value in extra.items():
            if key != "rotation" and isinstance(value, (str, int, float, bool)):
                out[str(key)] = value
    return out or None


def _shape(ann: dict[str, Any], label: str, size: tuple[int, int] | None, at: str) -> PlannedAnnotation:
    """One COCO object is one shape: an RLE mask, a polygon (further rings in `rings`), or a box."""
    attributes = _attributes(ann, at)
    seg = ann.get("segmentation")
    if isinstance(seg, dict):
        mask = rle_mask(seg, label, size, f"{at}.segmentation")
        mask.attributes = attributes
        return mask
    if isinstance(seg, list) and seg:
        rings = []
        for j, ring in enumerate(seg):
            where = f"{at}.segmentation[{j}]"
            coords = checks.expect_list(ring, where)
            if len(coords) % 2:
                raise ImportFormatError(f"{where}: a polygon needs x,y pairs, got {len(coords)} numbers")
            if len(coords) < 6:
                raise ImportFormatError(f"{where}: a polygon needs at least 3 points, got {len(coords) // 2}")
            values = [checks.expect_number(v, f"{where}[{k}]") for k, v in enumerate(coords)]
            rings.append([[values[k], values[k + 1]] for k in range(0, len(values), 2)])
        geom: dict[str, Any] = {"points": rings[0]}
        if len(rings) > 1:
            geom["rings"] = rings[1:]
        return checks.shape("polygon", label, geom, f"{at}.segmentation", size, attributes=attributes)
    if seg not in (None, []):
        raise ImportFormatError(f"{at}.segmentation: expected polygons or an RLE object, got {checks.type_name(seg)}")
    bbox = checks.expect_list(ann.get("bbox"), f"{at}.bbox")
    if len(bbox) != 4:
        raise ImportFormatError(f"{at}.bbox: expected [x, y, width, height], got {len(bbox)} numbers")
    x, y, w, h = (checks.expect_number(v, f"{at}.bbox[{k}]") for k, v in enumerate(bbox))
    angle = 0.0
    extra = ann.get("attributes")
    if isinstance(extra, dict) and "rotation" in extra:
        angle = checks.expect_number(extra["rotation"], f"{at}.attributes.rotation", -360, 360)
    return checks.box(label, x, y, w, h, f"{at}.bbox", size, angle, attributes=attributes)


def rle_mask(seg: dict[str, Any], label: str, size: tuple[int, int] | None, at: str) -> PlannedAnnotation:
    dims = checks.expect_list(seg.get("size"), f"{at}.size")
    if len(dims) != 2:
        raise ImportFormatError(f"{at}.size: expected [height, width], got {len(dims)} numbers")
    height = checks.expect_int(dims[0], f"{at}.size[0]", 1, checks.MAX_SIDE)
    width = checks.expect_int(dims[1], f"{at}.size[1]", 1, checks.MAX_SIDE)
    if size is not None and (width, height) != size:
        raise ImportFormatError(f"{at}.size: RLE is {width}x{height}, the image is {size[0]}x{size[1]}")
    checks.check_mask_size(width, height, f"{at}.size")
    counts = seg.get("counts")
    if isinstance(counts, str):
        values = rle.from_string(counts, f"{at}.counts", height * width)
    else:
        raw = checks.expect_list(counts, f"{at}.counts")
        values = [checks.expect_int(v, f"{at}.counts[{k}]", 0, height * width) for k, v in enumerate(raw)]
    mask = rle.decode(values, height, width, f"{at}.counts")
    geom = {"encoding": "png", "width": width, "height": height}
    return checks.shape("mask", label, geom, at, size, data=geometry.encode_mask(mask))


# -- export ----------------------------------------------------------------------------------


def _mask_entry(data: bytes, width: int, height: int) -> tuple[dict[str, Any], list[float], float] | None:
    mask = geometry.decode_mask(data, width, height)
    area = int(mask.sum())
    if area == 0:
        return None
    ys = np.flatnonzero(mask.any(axis=1))
    xs = np.flatnonzero(mask.any(axis=0))
    bbox = [float(xs[0]), float(ys[0]), float(xs[-1] - xs[0] + 1), float(ys[-1] - ys[0] + 1)]
    return rle.to_coco(mask), bbox, float(area)


def export(job: ExportJob, out: Path, state: TaskState) -> None:
    report = job.report
    categories: list[dict[str, Any]] = []
    for i, name in enumerate(job.label_names):
        category: dict[str, Any] = {"id": i + 1, "name": name, "supercategory": ""}
        if name in job.skeletons:
            category["keypoints"] = list(job.skeletons[name].names)
            category["skeleton"] = [[a + 1, b + 1] for a, b in job.skeletons[name].edges]
        categories.append(category)
    category_ids = {c["name"]: c["id"] for c in categories}
    images: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    total = len(job.samples)
    for index, sample in enumerate(job.samples):
        if index % 64 == 0:
            state.check()
            state.report(index, total, "writing COCO")
        job.place_image(sample, out / "images" / sample.name)
        image_id = len(images) + 1
        images.append({"id": image_id, "file_name": sample.name, "width": sample.width, "height": sample.height})
        report.images += 1
        if sample.tag:
            report.unsupported["tag"] += 1
        paired = pair_keypoints(sample.annotations)
        for ann in sample.annotations:
            if ann.kind == "keypoints" and id(ann) in paired:
                continue  # written with the outline it belongs to
            entry: dict[str, Any] = {
                "id": len(annotations) + 1,
                "image_id": image_id,
                "category_id": category_ids[ann.label],
                "iscrowd": int(ann.attr("iscrowd", 0) or 0),
            }
            extra = {k: v for k, v in (ann.attributes or {}).items() if k not in KEPT_KEYS}
            geom = ann.geometry or {}
            points = paired.get(id(ann))
            if points is not None or ann.kind == "keypoints":
                extra.pop("group_id", None)  # the pairing itself says it
            if ann.kind == "keypoints":
                points = geom["points"]
                x, y, w, h = geometry.bounds("keypoints", geom)
                entry.update(bbox=[x, y, w, h], area=w * h, segmentation=[])
                extra["keypoints_only"] = True
            elif ann.kind == "box":
                entry.update(
                    bbox=[geom["x"], geom["y"], geom["w"], geom["h"]], area=geom["w"] * geom["h"], segmentation=[]
                )
                if geom.get("angle"):
                    extra["rotation"] = geom["angle"]
            elif ann.kind == "polygon":
                rings = [geom["points"], *geom.get("rings", [])]
                flat = [[c for point in ring for c in point] for ring in rings]
                x, y, w, h = geometry.bounds("polygon", geom)
                area = sum(geometry.polygon_area(ring) for ring in rings)
                entry.update(segmentation=flat, bbox=[x, y, w, h], area=area)
            elif ann.kind == "mask" and ann.data is not None:
                made = _mask_entry(ann.data, sample.width, sample.height)
                if made is None:
                    report.skipped.append(f"{sample.path}: an empty {ann.label} mask (not exported)")
                    continue
                entry["segmentation"], entry["bbox"], entry["area"] = made
            else:
                report.unsupported[ann.kind] += 1
                continue
            if ann.label in job.skeletons:
                count = len(job.skeletons[ann.label].names)
                values = [c for p in (points or [[0, 0, 0]] * count) for c in p]
                entry["keypoints"] = values
                entry["num_keypoints"] = sum(1 for v in values[2::3] if v)
            elif points is not None:
                entry["keypoints"] = [c for p in points for c in p]
                entry["num_keypoints"] = sum(1 for p in points if p[2])
            if extra:
                entry["attributes"] = extra
            annotations.append(entry)
            report.annotations += 1
    state.report(total, total, "saving annotations.json")
    document = {
        "info": {"description": f"{job.project_name}, exported by s2ide"},
        "licenses": [],
        "images": images,
        "annotations": annotations,
        "categories": categories,
    }
    # json.dumps uses the C encoder; json.dump to a file streams through the slow pure-Python one.
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    (out / ANNOTATIONS_FILE).write_text(text, encoding="utf-8")


def keeps_attribute(key: str, value: object) -> bool:
    """Every attribute has a place in this format (exporting.py counts those that do not)."""
    return True
