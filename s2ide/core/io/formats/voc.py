"""Pascal VOC XML: one `Annotations/<stem>.xml` per image with boxes, images in `JPEGImages/`.

XML is parsed with defusedxml, so entity bombs and external entities are refused. `filename`
is resolved in `JPEGImages/` (or beside the XML) and must stay inside it (a file whose name
leads out is refused on its own, its objects counted); a Windows path is matched by its file
name, with a note. `ImageSets/Main/{train,val,test}.txt` set splits. Coordinates are written
as given (pixel edges, x..x+w); rotated boxes are exported as their upright bounds; other
shapes have no VOC form. `truncated`, `difficult`, `occluded` and `pose` are kept as the box's
attributes and written back; `<part>` boxes (VOC person layout) become boxes of their own
with the object's `group_id` and `part: true`, and are written back inside their object.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError, SubElement, tostring

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from s2ide.core import geometry
from s2ide.core.errors import ImportFormatError
from s2ide.core.io.export_job import ExportJob, ImagesMode
from s2ide.core.io.formats import checks
from s2ide.core.io.formats.base import ImportItem, ImportPlan, PlannedAnnotation
from s2ide.core.tasks import TaskState

NAME = "voc"
IMAGE_MODES = (ImagesMode.COPY, ImagesMode.LINK)
SPLITS = ("train", "val", "test")


def _xml_folder(src: Path) -> Path | None:
    if src.is_dir() and (src / "Annotations").is_dir():
        return src / "Annotations"
    return None


def _xml_files(src: Path) -> list[Path]:
    if src.is_file():
        return [src] if src.suffix.lower() == ".xml" else []
    folder = _xml_folder(src) or src
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() == ".xml" and p.is_file())


def detect(src: Path) -> bool:
    if src.is_file():
        if src.suffix.lower() != ".xml":
            return False
        try:
            with src.open("rb") as handle:
                return b"<annotations" not in handle.read(4096)  # CVAT XML, not VOC
        except OSError:
            return False
    return _xml_folder(src) is not None


def read(src: Path) -> ImportPlan:
    files = _xml_files(src)
    if not files:
        raise ImportFormatError(f"{src}: no VOC XML files here (expected Annotations/*.xml)")
    dataset = src if _xml_folder(src) is not None else files[0].parent
    image_root = dataset / "JPEGImages" if (dataset / "JPEGImages").is_dir() else files[0].parent
    splits = _splits(dataset)
    plan = ImportPlan(format=NAME, root=dataset, layout="Pascal VOC (Annotations/*.xml)")
    for path in files:
        item = read_file(path, image_root, plan)
        if item is None:
            continue
        item.split = splits.get(path.stem)
        plan.items.append(item)
    return plan


def _splits(dataset: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    main = dataset / "ImageSets" / "Main"
    for split in SPLITS:
        listing = main / f"{split}.txt"
        if listing.is_file():
            for line in checks.read_text(listing).splitlines():
                if line.strip():
                    out[line.split()[0]] = split
    return out


def _text(parent: Element, tag: str, where: str) -> str:
    node = parent.find(tag)
    if node is None or node.text is None or not node.text.strip():
        raise ImportFormatError(f"{where}: missing <{tag}>")
    return node.text.strip()


def read_file(path: Path, image_root: Path, plan: ImportPlan | None = None) -> ImportItem | None:
    where = str(path)
    text = checks.read_text(path)
    try:
        root = SafeET.fromstring(text)
    except DefusedXmlException as exc:
        raise ImportFormatError(f"{where}: refused unsafe XML ({type(exc).__name__}: entities or DTDs)") from exc
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise ImportFormatError(f"{where}: line {line} column {column}: not valid XML") from exc
    except ValueError as exc:
        raise ImportFormatError(f"{where}: not valid XML ({exc})") from exc
    if root.tag != "annotation":
        raise ImportFormatError(f"{where}: the root element is <{root.tag}>, expected <annotation>")
    filename = _text(root, "filename", where)
    if "\\" in filename or (len(filename) > 1 and filename[1] == ":"):
        base = filename.replace("\\", "/").rsplit("/", 1)[-1]
        if plan is not None:
            plan.problems.append(f"{where}: <filename> {filename!r} is a Windows path; matched by its name {base!r}")
        filename = base
    try:
        source = checks.safe_path(image_root, filename, f"{where}: <filename>")
    except ImportFormatError as exc:
        if plan is None:
            raise
        plan.refuse(len(root.findall("object")), "its image path leads outside the folder", str(exc))
        return None
    size = None
    size_node = root.find("size")
    if size_node is not None:
        w = checks.parse_number(
            _text(size_node, "width", f"{where}: <size>"), f"{where}: <size><width>", 1, checks.MAX_SIDE
        )
        h = checks.parse_number(
            _text(size_node, "height", f"{where}: <size>"), f"{where}: <size><height>", 1, checks.MAX_SIDE
        )
        size = checks.expect_size(w, h, f"{where}: <size>")
    item = ImportItem(source=source, declared_size=size, origin=where)
    for i, obj in enumerate(root.findall("object")):
        at = f"{where}: <object> {i + 1}"
        parts = obj.findall("part")
        attributes = _attributes(obj, at)
        if parts:
            attributes = {**(attributes or {}), "group_id": i + 1}
        item.add(_box(obj, at, size, attributes))
        for j, part in enumerate(parts):
            item.add(_box(part, f"{at} <part> {j + 1}", size, {"group_id": i + 1, "part": True}))
    return item


ATTRIBUTE_TAGS = ("truncated", "difficult", "occluded")


def _attributes(obj: Element, at: str) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    for tag in ATTRIBUTE_TAGS:
        node = obj.find(tag)
        if node is not None and node.text and node.text.strip() not in ("", "0"):
            out[tag] = int(checks.parse_number(node.text.strip(), f"{at} <{tag}>", 0, 1))
    pose = obj.find("pose")
    if pose is not None and pose.text and pose.text.strip() not in ("", "Unspecified"):
        out["pose"] = pose.text.strip()
    return out or None


def _box(obj: Element, at: str, size: tuple[int, int] | None, attributes: dict[str, Any] | None) -> PlannedAnnotation:
    label = _text(obj, "name", at)
    box = obj.find("bndbox")
    if box is None:
        raise ImportFormatError(f"{at}: missing <bndbox>")
    xmin, ymin, xmax, ymax = (
        checks.parse_number(_text(box, key, at), f"{at} <{key}>") for key in ("xmin", "ymin", "xmax", "ymax")
    )
    if xmax <= xmin or ymax <= ymin:
        raise ImportFormatError(f"{at}: <bndbox> has a non-positive size ({xmin:g}..{xmax:g}, {ymin:g}..{ymax:g})")
    return checks.box(label, xmin, ymin, xmax - xmin, ymax - ymin, at, size, attributes=attributes)


def _write_box(parent: Element, geom: dict[str, Any]) -> None:
    x, y, w, h = geometry.bounds("box", geom)
    box = SubElement(parent, "bndbox")
    for key, value in (("xmin", x), ("ymin", y), ("xmax", x + w), ("ymax", y + h)):
        SubElement(box, key).text = _num(value)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def export(job: ExportJob, out: Path, state: TaskState) -> None:
    split_lists: dict[str, list[str]] = {s: [] for s in SPLITS}
    total = len(job.samples)
    (out / "Annotations").mkdir(parents=True, exist_ok=True)
    for index, sample in enumerate(job.samples):
        if index % 64 == 0:
            state.check()
            state.report(index, total, "writing VOC")
        job.place_image(sample, out / "JPEGImages" / sample.name)
        stem = Path(sample.name).stem
        if sample.split in split_lists:
            split_lists[sample.split].append(stem)
        root = Element("annotation")
        SubElement(root, "folder").text = "JPEGImages"
        SubElement(root, "filename").text = sample.name
        size = SubElement(root, "size")
        SubElement(size, "width").text = str(sample.width)
        SubElement(size, "height").text = str(sample.height)
        SubElement(size, "depth").text = "3"
        SubElement(root, "segmented").text = "0"
        if sample.tag:
            job.report.unsupported["tag"] += 1
        objects: dict[int, Element] = {}
        parts = []
        for ann in sample.annotations:
            if ann.kind != "box" or ann.geometry is None:
                job.report.unsupported[ann.kind] += 1
                continue
            if ann.attr("part") and isinstance(ann.attr("group_id"), int):
                parts.append(ann)
                continue
            obj = SubElement(root, "object")
            SubElement(obj, "name").text = ann.label
            SubElement(obj, "pose").text = str(ann.attr("pose", "Unspecified"))
            for tag in ATTRIBUTE_TAGS:
                if tag != "occluded" or ann.attr(tag) is not None:
                    SubElement(obj, tag).text = str(int(bool(ann.attr(tag, 0))))
            _write_box(obj, ann.geometry)
            if isinstance(ann.attr("group_id"), int):
                objects[ann.attr("group_id")] = obj
            job.report.annotations += 1
        for ann in parts:
            assert ann.geometry is not None
            owner = objects.get(ann.attr("group_id"))
            part = SubElement(owner if owner is not None else root, "part" if owner is not None else "object")
            SubElement(part, "name").text = ann.label
            _write_box(part, ann.geometry)
            job.report.annotations += 1
        (out / "Annotations" / f"{stem}.xml").write_bytes(tostring(root, encoding="utf-8", xml_declaration=True))
        job.report.images += 1
    main = out / "ImageSets" / "Main"
    for split, stems in split_lists.items():
        if stems:
            main.mkdir(parents=True, exist_ok=True)
            (main / f"{split}.txt").write_text("".join(s + "\n" for s in stems), encoding="utf-8")


def keeps_attribute(key: str, value: object) -> bool:
    """Attributes written back: the object's own elements, and the part grouping."""
    return key in ("truncated", "difficult", "occluded", "pose", "group_id", "part")
