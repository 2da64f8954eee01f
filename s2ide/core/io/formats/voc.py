"""Pascal VOC XML: one `Annotations/<stem>.xml` per image with boxes, images in `JPEGImages/`.

XML is parsed with defusedxml, so entity bombs and external entities are refused. `filename`
is resolved in `JPEGImages/` (or beside the XML) and must stay inside it; `ImageSets/Main/
{train,val,test}.txt` set splits. Coordinates are written as given (pixel edges, x..x+w);
rotated boxes are exported as their upright bounds; other shapes have no VOC form.
"""

from __future__ import annotations

from pathlib import Path
from xml.etree.ElementTree import Element, ParseError, SubElement, tostring

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from s2ide.core import geometry
from s2ide.core.errors import ImportFormatError
from s2ide.core.io.export_job import ExportJob, ImagesMode
from s2ide.core.io.formats import checks
from s2ide.core.io.formats.base import ImportItem, ImportPlan
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
        return src.suffix.lower() == ".xml"
    return _xml_folder(src) is not None


def read(src: Path) -> ImportPlan:
    files = _xml_files(src)
    if not files:
        raise ImportFormatError(f"{src}: no VOC XML files here (expected Annotations/*.xml)")
    dataset = src if _xml_folder(src) is not None else files[0].parent
    image_root = dataset / "JPEGImages" if (dataset / "JPEGImages").is_dir() else files[0].parent
    splits = _splits(dataset)
    plan = ImportPlan(format=NAME, root=dataset)
    for path in files:
        item = read_file(path, image_root)
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


def read_file(path: Path, image_root: Path) -> ImportItem:
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
    source = checks.safe_path(image_root, filename, f"{where}: <filename>")
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
        label = _text(obj, "name", at)
        box = obj.find("bndbox")
        if box is None:
            raise ImportFormatError(f"{at}: missing <bndbox>")
        xmin, ymin, xmax, ymax = (
            checks.parse_number(_text(box, key, at), f"{at} <{key}>") for key in ("xmin", "ymin", "xmax", "ymax")
        )
        if xmax <= xmin or ymax <= ymin:
            raise ImportFormatError(f"{at}: <bndbox> has a non-positive size ({xmin:g}..{xmax:g}, {ymin:g}..{ymax:g})")
        item.annotations.append(checks.box(label, xmin, ymin, xmax - xmin, ymax - ymin, at, size))
    return item


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
        for ann in sample.annotations:
            if ann.kind != "box" or ann.geometry is None:
                job.report.unsupported[ann.kind] += 1
                continue
            x, y, w, h = geometry.bounds("box", ann.geometry)
            obj = SubElement(root, "object")
            SubElement(obj, "name").text = ann.label
            SubElement(obj, "pose").text = "Unspecified"
            SubElement(obj, "truncated").text = "0"
            SubElement(obj, "difficult").text = "0"
            box = SubElement(obj, "bndbox")
            for key, value in (("xmin", x), ("ymin", y), ("xmax", x + w), ("ymax", y + h)):
                SubElement(box, key).text = _num(value)
            job.report.annotations += 1
        (out / "Annotations" / f"{stem}.xml").write_bytes(tostring(root, encoding="utf-8", xml_declaration=True))
        job.report.images += 1
    main = out / "ImageSets" / "Main"
    for split, stems in split_lists.items():
        if stems:
            main.mkdir(parents=True, exist_ok=True)
            (main / f"{split}.txt").write_text("".join(s + "\n" for s in stems), encoding="utf-8")
