"""YOLO (Ultralytics layout): detection, oriented boxes (OBB) and segmentation polygons.

A dataset is `data.yaml` (class names; `train`/`val`/`test` image folders), `images/<split>/`
and `labels/<split>/<stem>.txt`, one object per line in coordinates normalised to 0..1:
`class cx cy w h` (detection), `class x1 y1 ... x4 y4` (OBB) or `class x1 y1 x2 y2 ...`
(a polygon of 3 or more points). Nine fields are an OBB when data.yaml says `task: obb` or,
without a task, when the four points form a rectangle; otherwise a 4-point polygon.
Export picks the task from the shapes present (polygons: segment, rotated boxes: obb, else
detect), or takes it from the options; shapes are clipped to the image as trainers expect.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from PIL import Image

from s2ide.core import geometry
from s2ide.core.errors import ImportFormatError
from s2ide.core.io.export_job import ExportAnnotation, ExportJob, ExportSample, ImagesMode, pair_keypoints
from s2ide.core.io.formats import checks
from s2ide.core.io.formats.base import ImportItem, ImportPlan, PlannedAnnotation
from s2ide.core.io.formats.folder import walk_images
from s2ide.core.io.images import displayed_size
from s2ide.core.io.regular_files import open_regular
from s2ide.core.store.skeletons import Skeleton
from s2ide.core.tasks import TaskState

NAME = "yolo"
IMAGE_MODES = (ImagesMode.COPY, ImagesMode.LINK)
SPLITS = ("train", "val", "test")
SPLIT_KEYS = {"train": "train", "val": "val", "valid": "val", "test": "test"}
NEAR = 0.01  # normalised coordinates may overshoot 0..1 by this much (clipped when applied)
DARKNET_FILES = ("obj.data", "obj.names")


def _yaml_file(src: Path) -> Path | None:
    if src.is_file():
        return src if src.suffix.lower() in (".yaml", ".yml") else None
    for name in ("data.yaml", "data.yml", "dataset.yaml"):
        if (src / name).is_file():
            return src / name
    return None


def _darknet(src: Path) -> bool:
    return src.is_dir() and any((src / name).is_file() for name in DARKNET_FILES)


def detect(src: Path) -> bool:
    if _yaml_file(src) is not None or _darknet(src):
        return True
    return src.is_dir() and (src / "labels").is_dir() and (src / "images").is_dir()


def layout(src: Path) -> str:
    if _yaml_file(src) is not None:
        return "YOLO (Ultralytics data.yaml)"
    if _darknet(src):
        return "YOLO 1.1 (darknet / CVAT: obj.data, obj.names)"
    return "YOLO (images/ + labels/)"


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        config = yaml.safe_load(checks.read_text(path))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" line {mark.line + 1}" if mark is not None else ""
        raise ImportFormatError(f"{path}:{at}: not valid YAML ({getattr(exc, 'problem', None) or exc})") from exc
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise ImportFormatError(
            f"{path}: expected a mapping of keys (names, train, val...), got {type(config).__name__}"
        )
    return config


def _load_darknet(root: Path) -> dict[str, Any]:
    """obj.data (`classes = 2`, `train = data/train.txt`, `names = data/obj.names`) as a config."""
    config: dict[str, Any] = {}
    data = root / "obj.data"
    if data.is_file():
        for line in checks.read_text(data).splitlines():
            if "=" not in line or line.lstrip().startswith("#"):
                continue
            key, value = (part.strip() for part in line.split("=", 1))
            if key in ("train", "valid", "test"):
                config[SPLIT_KEYS[key]] = value
            elif key == "classes":
                config["nc"] = value
    names_file = root / "obj.names"
    if names_file.is_file():
        config["names"] = [line.strip() for line in checks.read_text(names_file).splitlines() if line.strip()]
    return config


def read(src: Path) -> ImportPlan:
    src = Path(os.path.abspath(src))
    yaml_path = _yaml_file(src)
    root = yaml_path.parent if yaml_path is not None else src
    if not root.is_dir():
        raise ImportFormatError(f"{src}: not a YOLO dataset folder or data.yaml")
    config: dict[str, Any] = {}
    if yaml_path is not None:
        config = _load_yaml(yaml_path)
    elif _darknet(root):
        config = _load_darknet(root)
    where_yaml = str(yaml_path or root)
    plan = ImportPlan(format=NAME, root=root, layout=layout(src))
    names = _names(config, root, where_yaml)
    task = config.get("task")
    if task is not None and task not in ("detect", "obb", "segment", "pose"):
        raise ImportFormatError(f"{where_yaml}: task: {task!r} is not detect, obb, segment or pose")
    if task == "pose" or "kpt_shape" in config:
        shape = config.get("kpt_shape")
        if isinstance(shape, list) and len(shape) == 2 and shape[1] in (2, 3):
            plan.keypoint_dims = int(shape[1])
        task = "pose"
        _keypoint_names(config.get("kpt_names"), names, plan)
    plan.labels = list(names.values()) if names else []
    seen: set[Path] = set()
    for split, images in _image_sets(config, root, where_yaml, plan):
        for image in images:
            resolved = image.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
            plan.items.append(_item(image, split, root, names, task, plan))
    if not plan.items and not plan.problems:
        raise ImportFormatError(f"{src}: no images found for this YOLO dataset")
    return plan


def _names(config: dict[str, Any], root: Path, where: str) -> dict[int, str] | None:
    raw = config.get("names")
    if raw is None:
        for name in ("classes.txt", "obj.names"):
            classes = root / name
            if classes.is_file():
                lines = [line.strip() for line in checks.read_text(classes).splitlines()]
                return {i: name for i, name in enumerate(line for line in lines if line)}
        return None
    if isinstance(raw, list):
        names: dict[Any, Any] = dict(enumerate(raw))
    elif isinstance(raw, dict):
        names = raw
    else:
        raise ImportFormatError(f"{where}: names: expected a list or an index: name mapping")
    out: dict[int, str] = {}
    for index, name in names.items():
        try:
            number = int(index)
        except (TypeError, ValueError) as exc:
            raise ImportFormatError(f"{where}: names: {index!r} is not a class index") from exc
        if number < 0 or name is None or not str(name).strip():
            raise ImportFormatError(f"{where}: names: class {index} has no usable name")
        out[number] = str(name).strip()
    if "nc" in config:
        try:
            nc = int(config["nc"])
        except (TypeError, ValueError) as exc:
            raise ImportFormatError(f"{where}: nc: {config['nc']!r} is not an integer") from exc
        if nc != len(out):
            raise ImportFormatError(f"{where}: nc is {nc} but names lists {len(out)} classes")
    return out


def _inside(root: Path, value: str, where: str, plan: ImportPlan, base: Path | None = None) -> Path | None:
    """A path named in data.yaml / obj.data, inside the dataset (relative to `base`, the yaml's
    `path:` when it names a folder inside, else the dataset). Roboflow writes `../train/images`
    next to the folders it means, darknet `data/train.txt` for `train.txt`: such paths are
    matched inside the dataset with a note; anything else that leads out is refused."""
    try:
        found = checks.safe_path(root, value, where, base=base)
        if found.exists():
            return found
    except ImportFormatError as exc:
        refused: ImportFormatError | None = exc
    else:
        refused = None
    parts = [p for p in value.replace("\\", "/").split("/") if p not in ("", ".")]
    while parts and parts[0] == "..":
        parts = parts[1:]
    for start in range(len(parts)):
        candidate = root.joinpath(*parts[start:]) if parts[start:] else root
        if parts[start:] and candidate.exists():
            if refused is not None or start:
                plan.problems.append(f"{where}: {value!r} read as {candidate.relative_to(root).as_posix()!r} in {root}")
            return candidate
    if refused is not None:
        raise refused
    return None


def _list_file(listing: Path, root: Path, where: str, plan: ImportPlan) -> list[Path]:
    """Images named one per line in a `train.txt` list (relative to the dataset, or darknet's `data/...`)."""
    images: list[Path] = []
    for number, line in enumerate(checks.read_text(listing).splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        at = f"{listing}:{number}"
        try:
            path = _inside(root, text, at, plan) if not os.path.isabs(text) else _absolute(root, text, at)
        except ImportFormatError as exc:
            plan.refuse(0, "refused (the image is not read)", str(exc))
            continue
        if path is None or not path.is_file():
            plan.problems.append(f"{at}: {text!r}: no such image in {root}")
            continue
        images.append(path)
    return images


def _absolute(root: Path, text: str, where: str) -> Path:
    real = os.path.realpath(root)
    if os.path.normpath(text).startswith(real.rstrip(os.sep) + os.sep):
        return Path(os.path.normpath(text))
    raise ImportFormatError(f"{where}: path {text!r} leads outside the dataset folder {root}")


def _image_sets(
    config: dict[str, Any], root: Path, where: str, plan: ImportPlan
) -> list[tuple[str | None, list[Path]]]:
    sets: list[tuple[str | None, list[Path]]] = []
    base = root
    declared = config.get("path")
    if isinstance(declared, str) and declared.strip() and not os.path.isabs(declared):
        try:
            candidate: Path | None = checks.safe_path(root, declared, f"{where}: path")
        except ImportFormatError:
            candidate = None  # Ultralytics' own yamls point at a datasets folder elsewhere
        if candidate is not None and candidate.is_dir():
            base = candidate
        else:
            plan.problems.append(
                f"{where}: path: {declared!r} is not a folder inside {root}; the split folders are read from {root}"
            )
    for key, split in SPLIT_KEYS.items():
        value = config.get(key)
        if value is None or value == []:
            continue
        values = value if isinstance(value, list) else [value]
        for entry in values:
            if not isinstance(entry, str):
                raise ImportFormatError(f"{where}: {key}: expected a folder or list file path")
            at = f"{where}: {key}"
            if os.path.isabs(entry):
                target: Path | None = _absolute(root, entry, at)
            else:
                target = _inside(root, entry, at, plan, base)
            if target is None:
                plan.problems.append(f"{at}: {entry!r} does not exist in {root}")
            elif target.is_file():
                sets.append((split, _list_file(target, root, at, plan)))
            elif target.is_dir():
                sets.append((split, walk_images(target, plan.problems)))
    if sets:
        return sets
    images = root / "images"
    split_dirs = [(s, images / s) for s in SPLITS if (images / s).is_dir()]
    if split_dirs:
        return [(s, walk_images(d, plan.problems)) for s, d in split_dirs]
    for name in ("obj_train_data", "obj_valid_data", "obj_test_data"):
        if (root / name).is_dir():
            sets.append((SPLIT_KEYS[name.split("_")[1]], walk_images(root / name, plan.problems)))
    if sets:
        return sets
    return [(None, walk_images(images if images.is_dir() else root, plan.problems))]


def _label_path(image: Path, root: Path) -> Path:
    """labels/ mirrors images/ (Ultralytics); without an images/ level the .txt is beside the image (darknet)."""
    try:
        parts = list(image.relative_to(root).parts)
    except ValueError:
        return image.with_suffix(".txt")
    for i in range(len(parts) - 2, -1, -1):
        if parts[i] == "images":
            parts[i] = "labels"
            return root.joinpath(*parts).with_suffix(".txt")
    return image.with_suffix(".txt")


def _item(
    image: Path, split: str | None, root: Path, names: dict[int, str] | None, task: str | None, plan: ImportPlan
) -> ImportItem:
    item = ImportItem(source=image, split=split)
    label_path = _label_path(image, root)
    if not label_path.is_file():
        return item
    try:
        with open_regular(image) as handle, Image.open(handle) as opened:
            size = displayed_size(opened)
    except Exception:  # the probe reports an unreadable image; its labels cannot be placed
        plan.problems.append(f"{label_path}: image {image.name} is unreadable, its labels are not imported")
        return item
    item.declared_size = size
    item.origin = str(label_path)
    text = checks.read_text(label_path)
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{label_path}:{number}"
        box = _parse_line(line, where, size, names, task)
        if task != "pose":
            item.add(box)
            continue
        points = _keypoints(line.split()[5:], plan, size, where)
        if points is None:
            item.add(box)
            continue
        # The object's box and its keypoints, paired by group_id (as COCO's export writes them back).
        box.attributes = {**(box.attributes or {}), "group_id": number}
        item.add(box)
        item.add(PlannedAnnotation("keypoints", box.label, {"points": points}, None, where, {"group_id": number}))
        plan.skeletons.setdefault(box.label, Skeleton([str(i + 1) for i in range(len(points))]))
    return item


def _keypoint_names(raw: Any, names: dict[int, str] | None, plan: ImportPlan) -> None:
    """Ultralytics' `kpt_names: {class: [name, ...]}` become those labels' skeletons."""
    if not isinstance(raw, dict):
        return
    for key, value in raw.items():
        label = (names or {}).get(int(key)) if str(key).isdigit() else None
        if label is not None and isinstance(value, list) and value:
            plan.skeletons[label] = Skeleton([str(v) for v in value])


def _keypoints(values: list[str], plan: ImportPlan, size: tuple[int, int], where: str) -> list[list[float]] | None:
    """A pose line's keypoints in pixels with COCO visibility: `kpt_shape` [k, 3] gives it per
    point, [k, 2] has none (a point at 0, 0 is not labelled, any other is visible). None when no
    point is labelled."""
    dims = plan.keypoint_dims or (3 if len(values) % 3 == 0 and len(values) % 2 else 2)
    if not values:
        return None
    if len(values) % dims:
        raise ImportFormatError(f"{where}: {len(values)} keypoint values are not {dims} per point (kpt_shape)")
    numbers = [checks.parse_number(text, f"{where}: field {k + 6}") for k, text in enumerate(values)]
    width, height = size
    points = []
    for k in range(0, len(numbers), dims):
        x, y = numbers[k], numbers[k + 1]
        if dims == 3:
            if numbers[k + 2] not in (0, 1, 2):
                raise ImportFormatError(f"{where}: field {k + 8}: visibility must be 0, 1 or 2, got {values[k + 2]}")
            v = int(numbers[k + 2])
        else:
            v = 0 if x == 0 and y == 0 else 2
        points.append([x * width, y * height, v] if v else [0.0, 0.0, 0])
    return points if any(p[2] for p in points) else None


def _parse_line(
    line: str, where: str, size: tuple[int, int], names: dict[int, str] | None, task: str | None
) -> PlannedAnnotation:
    fields = line.split()
    n = len(fields)
    if task == "pose":
        if n < 5:
            raise ImportFormatError(f"{where}: a pose line needs class cx cy w h before its keypoints, got {n} fields")
        fields, n = fields[:5], 5  # the keypoints after the box: read by _keypoints
    if n != 5 and (n < 7 or n % 2 == 0):
        raise ImportFormatError(
            f"{where}: expected 5 fields (class cx cy w h), 9 (class and 4 corners) "
            f"or an odd number of 7 or more (class and polygon points), got {n}"
        )
    try:
        class_id = int(fields[0])
    except ValueError as exc:
        raise ImportFormatError(f"{where}: class {fields[0][:20]!r} is not an integer") from exc
    if names is not None:
        if class_id not in names:
            raise ImportFormatError(f"{where}: class {class_id} is not in data.yaml names (0..{len(names) - 1})")
        label = names[class_id]
    else:
        if not 0 <= class_id < 100_000:
            raise ImportFormatError(f"{where}: class {class_id} is out of range")
        label = str(class_id)
    values = [
        checks.parse_number(text, f"{where}: field {k + 2}", -NEAR, 1 + NEAR) for k, text in enumerate(fields[1:])
    ]
    width, height = size
    if n == 5:
        cx, cy, w, h = values
        if w <= 0 or h <= 0:
            raise ImportFormatError(f"{where}: box has a non-positive size ({w:g} x {h:g})")
        return checks.box(label, (cx - w / 2) * width, (cy - h / 2) * height, w * width, h * height, where, size)
    points = [[values[k] * width, values[k + 1] * height] for k in range(0, len(values), 2)]
    if n == 9 and (task == "obb" or (task is None and is_rectangle(points))):
        return checks.shape("box", label, box_from_corners(points, where), where, size)
    return checks.shape("polygon", label, {"points": points}, where, size)


def is_rectangle(points: list[list[float]], tolerance: float = 1e-3) -> bool:
    """Four points whose sides meet at right angles (relative tolerance)."""
    for i in range(4):
        a, b, c = points[i - 1], points[i], points[(i + 1) % 4]
        u = (a[0] - b[0], a[1] - b[1])
        v = (c[0] - b[0], c[1] - b[1])
        lu, lv = math.hypot(*u), math.hypot(*v)
        if lu == 0 or lv == 0 or abs(u[0] * v[0] + u[1] * v[1]) > tolerance * lu * lv:
            return False
    return True


def box_from_corners(points: list[list[float]], where: str) -> dict[str, float]:
    """A rotated box (x, y, w, h, angle) from 4 corners in order, the first edge its top."""
    (x1, y1), (x2, y2), (x3, y3), _ = points
    w = math.hypot(x2 - x1, y2 - y1)
    h = math.hypot(x3 - x2, y3 - y2)
    if w <= 0 or h <= 0:
        raise ImportFormatError(f"{where}: oriented box has a zero-length side")
    angle = math.degrees(math.atan2(y2 - y1, x2 - x1))
    cx = sum(p[0] for p in points) / 4
    cy = sum(p[1] for p in points) / 4
    return {"x": cx - w / 2, "y": cy - h / 2, "w": w, "h": h, "angle": angle}


# -- export ----------------------------------------------------------------------------------


def _task(job: ExportJob) -> str:
    if job.options.yolo_task != "auto":
        return job.options.yolo_task
    kinds = {(a.kind, bool(a.geometry and a.geometry.get("angle"))) for s in job.samples for a in s.annotations}
    if any(kind == "keypoints" for kind, _ in kinds):
        return "pose"
    if any(kind == "polygon" for kind, _ in kinds):
        return "segment"
    if ("box", True) in kinds:
        return "obb"
    return "detect"


def _fmt(value: float) -> str:
    text = f"{min(1.0, max(0.0, value)):.8f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def _line(ann: ExportAnnotation, sample: ExportSample, task: str) -> list[float] | None:
    """Normalised coordinates for one shape, or None when the task has no form for it."""
    w, h = sample.width, sample.height
    geom = ann.geometry or {}
    if ann.kind == "mask":
        if task == "segment" or ann.data is None:
            return None
        mask = geometry.decode_mask(ann.data, w, h)
        rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
        if not rows.size:
            return None
        geom = {
            "x": float(cols[0]),
            "y": float(rows[0]),
            "w": float(cols[-1] - cols[0] + 1),
            "h": float(rows[-1] - rows[0] + 1),
        }
        geom["angle"] = 0.0
        kind = "box"
    elif ann.kind in ("box", "polygon"):
        kind = ann.kind
    elif ann.kind == "keypoints" and task == "pose":
        # Lone keypoints: the box around their labelled points, at least 1 px a side (YOLO
        # refuses an empty box), kept inside the image.
        x, y, bw, bh = geometry.bounds("keypoints", geom)
        x, bw = (min(x, w - 1.0), 1.0) if bw < 1 else (x, bw)
        y, bh = (min(y, h - 1.0), 1.0) if bh < 1 else (y, bh)
        geom, kind = {"x": x, "y": y, "w": bw, "h": bh, "angle": 0.0}, "box"
    else:
        return None
    if task == "segment":
        points = geometry.box_corners(geom) if kind == "box" else geom["points"]
        return [c for x, y in points for c in (x / w, y / h)]
    if task == "obb":
        if kind == "box":
            corners = geometry.box_corners(geom)
        else:
            x, y, bw, bh = geometry.bounds(kind, geom)
            corners = [(x, y), (x + bw, y), (x + bw, y + bh), (x, y + bh)]
        return [c for x, y in corners for c in (x / w, y / h)]
    x, y, bw, bh = geometry.bounds(kind, geom)
    x0, y0 = max(0.0, x), max(0.0, y)
    x1, y1 = min(float(w), x + bw), min(float(h), y + bh)
    if x1 <= x0 or y1 <= y0:
        return None
    return [(x0 + x1) / 2 / w, (y0 + y1) / 2 / h, (x1 - x0) / w, (y1 - y0) / h]


def _pose_count(job: ExportJob) -> int:
    """Keypoints a line carries (`kpt_shape` [k, 3]): YOLO has one k for the whole dataset, the
    most common among the labels' skeletons and the keypoints present."""
    counts: dict[int, int] = {}
    for sample in job.samples:
        for ann in sample.annotations:
            if ann.kind == "keypoints":
                n = len((ann.geometry or {})["points"])
                counts[n] = counts.get(n, 0) + 1
    for skeleton in job.skeletons.values():
        counts.setdefault(len(skeleton.names), 0)
    return max(counts, key=lambda n: (counts[n], n)) if counts else 0


def _pose_lines(job: ExportJob, sample: ExportSample, k: int, class_ids: dict[str, int]) -> list[str]:
    """Pose lines: an outline with the keypoints paired to it (group_id), an outline without any
    (k unlabelled points), lone keypoints (their points' box). Others are counted as unsupported."""
    paired = pair_keypoints(sample.annotations)
    lines = []
    for ann in sample.annotations:
        if ann.kind == "keypoints" and (id(ann) in paired or len((ann.geometry or {})["points"]) != k):
            if id(ann) not in paired:
                job.report.unsupported["keypoints"] += 1
            continue
        box = _line(ann, sample, "detect" if ann.kind != "keypoints" else "pose")
        # lone keypoints carry their own points; an outline those paired with it (or none)
        points = (ann.geometry or {})["points"] if ann.kind == "keypoints" else paired.get(id(ann))
        if box is None or (points is not None and len(points) != k):
            job.report.unsupported[ann.kind] += 1
            continue
        values = [0.0] * (3 * k)
        for i, (x, y, v) in enumerate(points or []):
            if v:
                values[3 * i : 3 * i + 3] = [x / sample.width, y / sample.height, float(v)]
        fields = [_fmt(c) for c in box] + [_fmt(c) if i % 3 != 2 else str(int(c)) for i, c in enumerate(values)]
        lines.append(" ".join([str(class_ids[ann.label]), *fields]))
    return lines


def export(job: ExportJob, out: Path, state: TaskState) -> None:
    task = _task(job)
    class_ids = {name: i for i, name in enumerate(job.label_names)}
    k = _pose_count(job) if task == "pose" else 0
    used_splits: set[str] = set()
    split_rings = 0
    total = len(job.samples)
    for index, sample in enumerate(job.samples):
        if index % 64 == 0:
            state.check()
            state.report(index, total, "writing YOLO")
        split = sample.split if sample.split in SPLITS else "train"
        used_splits.add(split)
        job.place_image(sample, out / "images" / split / sample.name)
        lines = []
        sample_rings = split_rings
        if sample.tag:
            job.report.unsupported["tag"] += 1
        if task == "pose":
            lines = _pose_lines(job, sample, k, class_ids)
        for ann in sample.annotations if task != "pose" else []:
            coords = _line(ann, sample, task)
            if coords is None:
                job.report.unsupported[ann.kind] += 1
                continue
            lines.append(" ".join([str(class_ids[ann.label]), *(_fmt(c) for c in coords)]))
            rings = (ann.geometry or {}).get("rings") if ann.kind == "polygon" and task == "segment" else None
            for ring in rings or []:
                # YOLO has one polygon per line: the instance's further rings become lines of their own.
                flat = [c for x, y in ring for c in (x / sample.width, y / sample.height)]
                lines.append(" ".join([str(class_ids[ann.label]), *(_fmt(c) for c in flat)]))
                split_rings += 1
        sample_rings = split_rings - sample_rings
        label_file = out / "labels" / split / (Path(sample.name).stem + ".txt")
        label_file.parent.mkdir(parents=True, exist_ok=True)
        label_file.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        job.report.images += 1
        job.report.annotations += len(lines) - sample_rings
    if split_rings:
        job.report.skipped.append(f"{split_rings} further ring(s) of multi-ring polygons written as lines of their own")
    text = [f"# {job.project_name}, exported by s2ide", f"task: {task}"]
    for split in SPLITS:
        if split in used_splits:
            text.append(f"{split}: images/{split}")
    if "val" not in used_splits and "train" in used_splits:
        text.append("val: images/train  # no validation split in the project")
    text.append(f"nc: {len(job.label_names)}")
    if task == "pose":
        text.append(f"kpt_shape: [{k}, 3]")
        kpt_names = {i: list(job.skeletons[n].names) for i, n in enumerate(job.label_names) if n in job.skeletons}
        kpt_names = {i: names for i, names in kpt_names.items() if len(names) == k}
        if kpt_names:
            text.append(yaml.safe_dump({"kpt_names": kpt_names}, allow_unicode=True, sort_keys=False).rstrip())
    names = yaml.safe_dump({"names": dict(enumerate(job.label_names))}, allow_unicode=True, sort_keys=False)
    (out / "data.yaml").write_text("\n".join(text) + "\n" + names, encoding="utf-8")
