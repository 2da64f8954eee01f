"""CVAT for images 1.1 XML: `annotations.xml` (+ `images/`), parsed with defusedxml.

`<image name width height>` holds `<box xtl ytl xbr ybr rotation>`, `<polygon points="x,y;...">`,
`<polyline>`, `<points>` (each point one annotation), `<tag>` (the sample's tag) and `<mask rle
left top width height>` (CVAT's run lengths over the mask's own box, row by row, starting with
zeros). CVAT for video: a `<track label id>`'s shape on each frame (its `frame`; CVAT writes
the interpolated frames too) becomes a shape of `images/frame_<6 digits>.*` with `track_id`.
`occluded`, `group_id`, `z_order` and every `<attribute name>` are kept as attributes
and written back. `<skeleton label>` (CVAT 2.3+) holds one `<points label outside occluded>` per
element; its names are the skeleton label's sub-labels (`<parent>`) and its edges come from the
label's `<svg>` (`data-node-from`/`data-node-to`): it becomes a keypoints shape (outside: not
labelled, occluded: hidden, else visible). Export writes `annotations.xml` and `images/`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError, SubElement, tostring

import defusedxml.ElementTree as SafeET
import numpy as np
from defusedxml import DefusedXmlException

from s2ide.core import geometry
from s2ide.core.errors import ImportFormatError
from s2ide.core.io.export_job import ExportAnnotation, ExportJob, ImagesMode
from s2ide.core.io.formats import checks
from s2ide.core.io.formats.base import ImportItem, ImportPlan, PlannedAnnotation
from s2ide.core.io.images import IMAGE_SUFFIXES
from s2ide.core.store.skeletons import Skeleton
from s2ide.core.tasks import TaskState

NAME = "cvat"
IMAGE_MODES = (ImagesMode.COPY, ImagesMode.LINK)
FILE = "annotations.xml"


def _file(src: Path) -> Path | None:
    path = src / FILE if src.is_dir() else src
    if not path.is_file() or path.suffix.lower() != ".xml":
        return None
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return None
    return path if b"<annotations" in head else None


def detect(src: Path) -> bool:
    return _file(src) is not None


def parse_xml(path: Path) -> Element:
    where = str(path)
    try:
        root = SafeET.fromstring(checks.read_text(path))
    except DefusedXmlException as exc:
        raise ImportFormatError(f"{where}: refused unsafe XML ({type(exc).__name__}: entities or DTDs)") from exc
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise ImportFormatError(f"{where}: line {line} column {column}: not valid XML") from exc
    except ValueError as exc:
        raise ImportFormatError(f"{where}: not valid XML ({exc})") from exc
    return root


def read(src: Path) -> ImportPlan:
    path = _file(src)
    if path is None:
        raise ImportFormatError(f"{src}: no CVAT XML here (expected {FILE} with <annotations>)")
    root_el = parse_xml(path)
    if root_el.tag != "annotations":
        raise ImportFormatError(f"{path}: the root element is <{root_el.tag}>, expected <annotations>")
    root = path.parent
    plan = ImportPlan(format=NAME, root=root, layout="CVAT for images 1.1 (annotations.xml)")
    label_nodes = list(root_el.iterfind("./meta//labels/label"))
    plan.skeletons = _skeletons(label_nodes)
    # A skeleton's elements are sub-labels (<parent>): names of its points, not labels of their own.
    plan.labels = [(node.findtext("name") or "").strip() for node in label_nodes if not node.findtext("parent")]
    plan.labels = [n for n in plan.labels if n]
    if root_el.find("track") is not None:
        plan.layout = "CVAT for video 1.1 (annotations.xml with <track>s, frames in images/)"
        _read_tracks(root_el, path, plan)
    image_roots = [r for r in (root / "images", root) if r.is_dir()]
    for i, image in enumerate(root_el.iter("image")):
        at = f"{path}: <image> {i + 1}"
        name = image.get("name") or ""
        shapes = [child for child in image if child.tag != "tag"]
        try:
            candidates = [checks.safe_path(root, name, f"{at} name", base=r) for r in image_roots]
        except ImportFormatError as exc:
            plan.refuse(len(shapes), "its image path leads outside the folder", str(exc))
            continue
        source = next((c for c in candidates if c.is_file()), candidates[0])
        size = None
        if image.get("width") and image.get("height"):
            w = checks.parse_number(image.get("width", ""), f"{at} width", 1, checks.MAX_SIDE)
            h = checks.parse_number(image.get("height", ""), f"{at} height", 1, checks.MAX_SIDE)
            size = checks.expect_size(w, h, at)
        item = ImportItem(source=source, declared_size=size, origin=at)
        tags = [t.get("label", "") for t in image.iter("tag")]
        if tags:
            item.tag = tags[0]
            if len(tags) > 1:
                plan.problems.append(f"{at}: {len(tags)} tags; the sample's tag is {tags[0]!r}")
        for j, child in enumerate(shapes):
            if child.tag == "skeleton":
                skeleton = _skeleton_shape(child, f"{at} <skeleton> {j + 1}", plan.skeletons)
                if skeleton is None:
                    plan.refuse(
                        1, "a skeleton with every element outside (no point labelled)", f"{at} <skeleton> {j + 1}"
                    )
                else:
                    item.add(skeleton)
                continue
            for ann in _shapes(child, f"{at} <{child.tag}> {j + 1}", size):
                item.add(ann)
        plan.items.append(item)
    return plan


_FRAME = re.compile(r"frame_(\d+)$")


def _frames(root: Path) -> dict[int, Path]:
    """CVAT's video export names frame n `frame_00000n.<ext>` in images/ (or beside the XML)."""
    out: dict[int, Path] = {}
    for folder in (root / "images", root):
        if folder.is_dir():
            for child in sorted(folder.iterdir()):
                match = _FRAME.match(child.stem)
                if match and child.is_file() and child.suffix.lower() in IMAGE_SUFFIXES:
                    out.setdefault(int(match.group(1)), child)
    return out


def _read_tracks(root_el: Element, path: Path, plan: ImportPlan) -> None:
    """CVAT for video: each track's shape on each frame (CVAT writes interpolated frames too)
    becomes a shape of that frame's image, with the track's id as `track_id`; a frame where the
    track is `outside` has none of it."""
    frames = _frames(path.parent)
    size = None
    width, height = root_el.findtext("./meta//original_size/width"), root_el.findtext("./meta//original_size/height")
    if width and height:
        size = checks.expect_size(
            checks.parse_number(width, f"{path}: original_size width", 1, checks.MAX_SIDE),
            checks.parse_number(height, f"{path}: original_size height", 1, checks.MAX_SIDE),
            f"{path}: original_size",
        )
    items: dict[int, ImportItem] = {}
    missing: dict[int, int] = {}
    for t, track in enumerate(root_el.iterfind("track")):
        label = (track.get("label") or "").strip()
        track_id = track.get("id", str(t))
        for j, child in enumerate(track):
            at = f"{path}: <track> {t + 1} <{child.tag}> {j + 1}"
            if child.get("outside") == "1":
                continue
            frame = int(checks.parse_number(child.get("frame", ""), f"{at} frame", 0, 10**9))
            if frame not in frames:
                missing[frame] = missing.get(frame, 0) + 1
                continue
            child.set("label", child.get("label") or label)
            if child.tag == "skeleton":
                skeleton = _skeleton_shape(child, at, plan.skeletons)
                if skeleton is None:
                    plan.refuse(1, "a skeleton with every element outside (no point labelled)", at)
                    continue
                shapes = [skeleton]
            else:
                shapes = _shapes(child, at, size)
            item = items.get(frame)
            if item is None:
                item = items[frame] = ImportItem(
                    source=frames[frame], declared_size=size, origin=f"{path}: frame {frame}"
                )
            for ann in shapes:
                ann.attributes = {
                    **(ann.attributes or {}),
                    "track_id": int(track_id) if track_id.isdigit() else track_id,
                }
                item.add(ann)
    for frame, source in frames.items():  # frames no track is on are samples too
        items.setdefault(frame, ImportItem(source=source, declared_size=size, origin=f"{path}: frame {frame}"))
    plan.items += [items[f] for f in sorted(items)]
    for frame, count in sorted(missing.items()):
        plan.refuse(count, f"no image for frame {frame} (expected images/frame_{frame:06d}.*)", str(path))


_SVG_NODE = re.compile(r"<circle\b[^>]*>")
_SVG_EDGE = re.compile(r"<line\b[^>]*>")


def _svg_attr(tag: str, name: str) -> str | None:
    match = re.search(rf'{name}="([^"]*)"', tag)
    return match.group(1) if match else None


def _skeletons(label_nodes: list[Element]) -> dict[str, Skeleton]:
    """Skeleton labels: element names (their sub-labels, in order) and edges from the label's svg."""
    out: dict[str, Skeleton] = {}
    for node in label_nodes:
        name = (node.findtext("name") or "").strip()
        if (node.findtext("type") or "") != "skeleton" or not name:
            continue
        names = [
            (sub.findtext("name") or "").strip()
            for sub in label_nodes
            if (sub.findtext("parent") or "").strip() == name
        ]
        svg = node.findtext("svg") or ""
        node_names: dict[str, str] = {}
        for tag in _SVG_NODE.findall(svg):
            node_id, element = _svg_attr(tag, "data-node-id"), _svg_attr(tag, "data-label-name")
            if node_id is not None and element is not None:
                node_names[node_id] = element
        if not names:
            names = list(node_names.values())
        edges = []
        for tag in _SVG_EDGE.findall(svg):
            a, b = (
                node_names.get(_svg_attr(tag, "data-node-from") or ""),
                node_names.get(_svg_attr(tag, "data-node-to") or ""),
            )
            if a in names and b in names:
                edges.append((names.index(a), names.index(b)))
        out[name] = Skeleton(names, edges)
    return out


def _skeleton_shape(el: Element, at: str, skeletons: dict[str, Skeleton]) -> PlannedAnnotation | None:
    """A <skeleton> as keypoints in its label's element order (elements it lacks: not labelled);
    None when every element is outside."""
    label = (el.get("label") or "").strip()
    if not label:
        raise ImportFormatError(f"{at}: missing label")
    elements: dict[str, list[float]] = {}
    order: list[str] = []
    for k, child in enumerate(el.iterfind("points")):
        name = (child.get("label") or "").strip()
        xy = _points(child.get("points", ""), f"{at} <points> {k + 1}")
        if len(xy) != 1:
            raise ImportFormatError(f"{at} <points> {k + 1}: a skeleton element is one point, got {len(xy)}")
        visibility = 0 if child.get("outside") == "1" else 1 if child.get("occluded") == "1" else 2
        elements[name] = [xy[0][0], xy[0][1], visibility]
        order.append(name)
    known = skeletons.get(label)
    if known is None:
        known = skeletons[label] = Skeleton(order)
    unknown = [n for n in order if n not in known.names]
    if unknown:
        raise ImportFormatError(f"{at}: element(s) {unknown} are not in skeleton {label!r} ({known.names})")
    points = [elements.get(name, [0.0, 0.0, 0]) for name in known.names]
    if not any(p[2] for p in points):
        return None  # nothing labelled: the caller counts it
    return PlannedAnnotation("keypoints", label, {"points": points}, None, at, _attributes(el, at))


def _attributes(el: Element, at: str) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    if el.get("occluded") not in (None, "0"):
        out["occluded"] = 1
    for key in ("group_id", "z_order"):
        value = el.get(key)
        if value not in (None, "", "0"):
            out[key] = int(checks.parse_number(value or "", f"{at} {key}"))
    for attr in el.iterfind("attribute"):
        name = attr.get("name")
        if name:
            out[name] = attr.text or ""
    return out or None


def _points(text: str, at: str) -> list[list[float]]:
    points = []
    for k, pair in enumerate(text.split(";")):
        xy = pair.split(",")
        if len(xy) != 2:
            raise ImportFormatError(f"{at}: points: {pair[:30]!r} is not x,y")
        points.append(
            [checks.parse_number(xy[0], f"{at} points[{k}]"), checks.parse_number(xy[1], f"{at} points[{k}]")]
        )
    return points


def _shapes(el: Element, at: str, size: tuple[int, int] | None) -> list[PlannedAnnotation]:
    label = (el.get("label") or "").strip()
    if not label:
        raise ImportFormatError(f"{at}: missing label")
    attrs = _attributes(el, at)
    if el.tag == "box":
        x1, y1, x2, y2 = (checks.parse_number(el.get(k, ""), f"{at} {k}") for k in ("xtl", "ytl", "xbr", "ybr"))
        angle = checks.parse_number(el.get("rotation", "0"), f"{at} rotation", -360, 360)
        angle = angle - 360 if angle > 180 else angle  # CVAT writes 0..360; s2ide keeps -180..180
        return [checks.box(label, x1, y1, x2 - x1, y2 - y1, at, size, angle, attributes=attrs)]
    if el.tag in ("polygon", "polyline", "points"):
        points = _points(el.get("points", ""), at)
        if el.tag == "polygon":
            return [checks.shape("polygon", label, {"points": points}, at, size, attributes=attrs)]
        if el.tag == "polyline":
            return [checks.shape("line", label, {"points": points}, at, size, attributes=attrs)]
        return [checks.shape("point", label, {"x": x, "y": y}, at, size, attributes=attrs) for x, y in points]
    if el.tag == "mask":
        if size is None:
            raise ImportFormatError(f"{at}: a mask needs the image's width and height")
        return [_mask(el, label, at, size, attrs)]
    raise ImportFormatError(f"{at}: unknown shape <{el.tag}>")


def _mask(el: Element, label: str, at: str, size: tuple[int, int], attrs: dict[str, Any] | None) -> PlannedAnnotation:
    left, top, w, h = (
        int(checks.parse_number(el.get(k, ""), f"{at} {k}", 0, checks.MAX_SIDE))
        for k in ("left", "top", "width", "height")
    )
    if w < 1 or h < 1 or left + w > size[0] or top + h > size[1]:
        raise ImportFormatError(f"{at}: the mask's box {left},{top} {w}x{h} does not fit the {size[0]}x{size[1]} image")
    counts = [int(checks.parse_number(c, f"{at} rle", 0, w * h)) for c in (el.get("rle") or "").split(",") if c.strip()]
    if sum(counts) != w * h:
        raise ImportFormatError(f"{at}: rle covers {sum(counts)} pixels, the mask's box has {w * h}")
    flat = np.repeat((np.arange(len(counts)) % 2).astype(bool), counts)
    full = np.zeros((size[1], size[0]), dtype=bool)
    full[top : top + h, left : left + w] = flat.reshape(h, w)
    geom = {"encoding": "png", "width": size[0], "height": size[1]}
    return checks.shape("mask", label, geom, at, size, data=geometry.encode_mask(full), attributes=attrs)


# -- export ----------------------------------------------------------------------------------


def _f(value: float) -> str:
    return f"{value:.2f}"


def _write_skeleton(parent: Element, ann: ExportAnnotation, common: dict[str, str], names: list[str]) -> Element:
    el = SubElement(parent, "skeleton", common)
    for name, (x, y, v) in zip(names, (ann.geometry or {})["points"], strict=True):
        SubElement(
            el,
            "points",
            {
                "label": name,
                "source": "manual",
                "outside": "1" if v == 0 else "0",
                "occluded": "1" if v == 1 else "0",
                "points": f"{_f(x)},{_f(y)}",
            },
        )
    return el


def _skeleton_svg(skeleton: Skeleton) -> str:
    """CVAT's drawing of a skeleton label: nodes on a circle (their place is only a sketch) and edges."""
    import math

    count = max(len(skeleton.names), 1)
    spots = [
        (50 + 40 * math.cos(2 * math.pi * i / count), 50 + 40 * math.sin(2 * math.pi * i / count)) for i in range(count)
    ]
    lines = [
        f'<line x1="{spots[a][0]:.1f}" y1="{spots[a][1]:.1f}" x2="{spots[b][0]:.1f}" y2="{spots[b][1]:.1f}" '
        f'stroke="black" data-type="edge" data-node-from="{a + 1}" data-node-to="{b + 1}"></line>'
        for a, b in skeleton.edges
    ]
    circles = [
        f'<circle r="1.5" stroke="black" fill="#b3b3b3" cx="{x:.1f}" cy="{y:.1f}" data-type="element node" '
        f'data-element-id="{i + 1}" data-node-id="{i + 1}" data-label-name="{name}"></circle>'
        for i, (name, (x, y)) in enumerate(zip(skeleton.names, spots))
    ]
    return "".join(lines + circles)


def _write(
    parent: Element,
    ann: ExportAnnotation,
    width: int,
    height: int,
    fresh_group: int,
    skeletons: dict[str, Skeleton] | None = None,
) -> bool:
    geom = ann.geometry or {}
    attrs = dict(ann.attributes or {})
    common = {"label": ann.label, "source": "manual", "occluded": str(int(bool(attrs.pop("occluded", 0))))}
    for key in ("group_id", "z_order"):
        if key in attrs:
            common[key] = str(attrs.pop(key))
    if ann.kind == "box":
        el = SubElement(parent, "box", common)
        el.set("xtl", _f(geom["x"]))
        el.set("ytl", _f(geom["y"]))
        el.set("xbr", _f(geom["x"] + geom["w"]))
        el.set("ybr", _f(geom["y"] + geom["h"]))
        if geom.get("angle"):
            el.set("rotation", _f(geom["angle"] % 360))
    elif ann.kind in ("polygon", "line"):
        rings = [geom["points"], *geom.get("rings", [])]
        tag = "polygon" if ann.kind == "polygon" else "polyline"
        el = SubElement(parent, tag, common)
        el.set("points", ";".join(f"{_f(x)},{_f(y)}" for x, y in rings[0]))
        for ring in rings[1:]:  # CVAT has no multi-ring polygon: further rings share a group_id
            common.setdefault("group_id", str(fresh_group))
            el.set("group_id", common["group_id"])
            extra = SubElement(parent, tag, common)
            extra.set("points", ";".join(f"{_f(x)},{_f(y)}" for x, y in ring))
    elif ann.kind == "point":
        el = SubElement(parent, "points", common)
        el.set("points", f"{_f(geom['x'])},{_f(geom['y'])}")
    elif ann.kind == "keypoints":
        known = (skeletons or {}).get(ann.label)
        names = known.names if known is not None else [str(i + 1) for i in range(len(geom["points"]))]
        if len(names) != len(geom["points"]):
            return False
        el = _write_skeleton(parent, ann, common, names)
    elif ann.kind == "mask" and ann.data is not None:
        mask = geometry.decode_mask(ann.data, width, height)
        rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
        if not rows.size:
            return False
        top, left = int(rows[0]), int(cols[0])
        crop = mask[top : int(rows[-1]) + 1, left : int(cols[-1]) + 1].ravel()
        edges = np.flatnonzero(np.diff(crop.astype(np.int8))) + 1
        runs = np.diff(np.concatenate(([0], edges, [crop.size]))).tolist()
        if crop[0]:
            runs.insert(0, 0)
        el = SubElement(parent, "mask", common)
        el.set("rle", ", ".join(str(r) for r in runs))
        el.set("left", str(left))
        el.set("top", str(top))
        el.set("width", str(int(cols[-1]) - left + 1))
        el.set("height", str(int(rows[-1]) - top + 1))
    else:
        return False
    for name, value in attrs.items():
        SubElement(el, "attribute", {"name": str(name)}).text = str(value)
    return True


def export(job: ExportJob, out: Path, state: TaskState) -> None:
    root = Element("annotations")
    SubElement(root, "version").text = "1.1"
    meta = SubElement(SubElement(root, "meta"), "task")
    SubElement(meta, "name").text = job.project_name
    labels = SubElement(meta, "labels")
    for label in job.labels:
        node = SubElement(labels, "label")
        SubElement(node, "name").text = label.name
        SubElement(node, "color").text = label.color
        skeleton = job.skeletons.get(label.name)
        if skeleton is not None:
            SubElement(node, "type").text = "skeleton"
            SubElement(node, "svg").text = _skeleton_svg(skeleton)
            for element in skeleton.names:
                sub = SubElement(labels, "label")
                SubElement(sub, "name").text = element
                SubElement(sub, "type").text = "points"
                SubElement(sub, "parent").text = label.name
    total = len(job.samples)
    for index, sample in enumerate(job.samples):
        if index % 64 == 0:
            state.check()
            state.report(index, total, "writing CVAT XML")
        job.place_image(sample, out / "images" / sample.name)
        image = SubElement(
            root,
            "image",
            {"id": str(index), "name": sample.name, "width": str(sample.width), "height": str(sample.height)},
        )
        if sample.tag:
            SubElement(image, "tag", {"label": sample.tag, "source": "manual"})
            job.report.annotations += 1
        groups = [a.attr("group_id") for a in sample.annotations if isinstance(a.attr("group_id"), int)]
        fresh = max(groups, default=0) + 1
        for ann in sample.annotations:
            if _write(image, ann, sample.width, sample.height, fresh, job.skeletons):
                fresh += 1
                job.report.annotations += 1
            else:
                job.report.unsupported[ann.kind] += 1
        job.report.images += 1
    (out / FILE).write_bytes(tostring(root, encoding="utf-8", xml_declaration=True))


def keeps_attribute(key: str, value: object) -> bool:
    """Every attribute has a place in this format (exporting.py counts those that do not)."""
    return True
