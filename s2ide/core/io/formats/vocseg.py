"""Pascal VOC segmentation masks: `SegmentationClass/<stem>.png` (class per pixel) and
`SegmentationObject/<stem>.png` (instance per pixel) beside `JPEGImages/`.

Class PNGs are palette images whose index is the class (0 background, 255 the void border),
or RGB images whose colour is the class; `labelmap.txt` (`name:r,g,b::`, as CVAT and Datumaro
write it) names the classes in index order, else the 21 VOC classes are assumed. With object
PNGs each instance becomes its own mask annotation (its class is the one most of its pixels
carry); without, each class present becomes one mask. `ImageSets/Segmentation/*.txt` set
splits. Export writes both PNGs (masks, polygons and boxes are painted; later over earlier),
`labelmap.txt` and `JPEGImages/`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from s2ide.core import geometry
from s2ide.core.errors import ImportFormatError, InvalidInputError
from s2ide.core.io.export_job import ExportJob, ImagesMode
from s2ide.core.io.formats import checks
from s2ide.core.io.formats.base import ImportItem, ImportPlan, PlannedAnnotation
from s2ide.core.io.images import is_image_name
from s2ide.core.tasks import TaskState

NAME = "vocseg"
IMAGE_MODES = (ImagesMode.COPY, ImagesMode.LINK)
CLASS_DIR, OBJECT_DIR = "SegmentationClass", "SegmentationObject"
VOID = 255
VOC_CLASSES = [
    "background",
    "aeroplane",
    "bicycle",
    "bird",
    "boat",
    "bottle",
    "bus",
    "car",
    "cat",
    "chair",
    "cow",
    "diningtable",
    "dog",
    "horse",
    "motorbike",
    "person",
    "pottedplant",
    "sheep",
    "sofa",
    "train",
    "tvmonitor",
]


def colormap(n: int = 256) -> list[tuple[int, int, int]]:
    """The VOC palette: class i's colour from the bits of i."""
    colors = []
    for i in range(n):
        r = g = b = 0
        c = i
        for j in range(8):
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        colors.append((r, g, b))
    return colors


def detect(src: Path) -> bool:
    return src.is_dir() and (src / CLASS_DIR).is_dir() and not (src / "Annotations").is_dir()


def _labelmap(src: Path) -> list[tuple[str, tuple[int, int, int]]]:
    path = src / "labelmap.txt"
    if not path.is_file():
        return list(zip(VOC_CLASSES, colormap(len(VOC_CLASSES))))
    out = []
    for number, line in enumerate(checks.read_text(path).splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        name, _, rest = line.partition(":")
        rgb = rest.split(":", 1)[0].split(",")
        try:
            color = (int(rgb[0]), int(rgb[1]), int(rgb[2]))
        except (ValueError, IndexError) as exc:
            raise ImportFormatError(f"{path}:{number}: expected name:r,g,b::") from exc
        out.append((name.strip(), color))
    return out


def _splits(src: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    folder = src / "ImageSets" / "Segmentation"
    for split in ("train", "val", "test"):
        listing = folder / f"{split}.txt"
        if listing.is_file():
            for line in checks.read_text(listing).splitlines():
                if line.strip():
                    out[line.split()[0]] = split
    return out


def _class_indices(path: Path, labels: list[tuple[str, tuple[int, int, int]]]) -> np.ndarray:
    try:
        with Image.open(path) as image:
            image.load()
            if image.mode in ("P", "L"):
                return np.asarray(image).astype(np.int32)
            rgb = np.asarray(image.convert("RGB")).astype(np.int32)
    except (OSError, ValueError) as exc:
        raise ImportFormatError(f"{path}: not a readable PNG ({exc})") from exc
    keys = rgb[..., 0] << 16 | rgb[..., 1] << 8 | rgb[..., 2]
    out = np.full(keys.shape, VOID, dtype=np.int32)
    for index, (_, (r, g, b)) in enumerate(labels):
        out[keys == (r << 16 | g << 8 | b)] = index
    return out


def read(src: Path) -> ImportPlan:
    if not detect(src):
        raise ImportFormatError(f"{src}: no VOC segmentation here (expected {CLASS_DIR}/ and no Annotations/)")
    labels = _labelmap(src)
    names = [name for name, _ in labels]
    plan = ImportPlan(format=NAME, root=src, layout="Pascal VOC segmentation (SegmentationClass/, SegmentationObject/)")
    plan.labels = [n for n in names if n != "background"]
    splits = _splits(src)
    images = (
        {p.stem: p for p in sorted((src / "JPEGImages").iterdir()) if is_image_name(p)}
        if (src / "JPEGImages").is_dir()
        else {}
    )
    for path in sorted((src / CLASS_DIR).glob("*.png")):
        where = str(path)
        classes = _class_indices(path, labels)
        height, width = classes.shape
        checks.check_mask_size(width, height, where)
        objects_path = src / OBJECT_DIR / path.name
        masks: list[tuple[str, np.ndarray]] = []
        if objects_path.is_file():
            with Image.open(objects_path) as opened:
                objects = np.asarray(opened).astype(np.int32)
            if objects.shape != classes.shape:
                raise ImportFormatError(
                    f"{objects_path}: {objects.shape[1]}x{objects.shape[0]}, the class PNG is {width}x{height}"
                )
            for obj in np.unique(objects):
                if obj in (0, VOID):
                    continue
                pixels = objects == obj
                values = classes[pixels]
                values = values[(values != 0) & (values != VOID)]
                if not values.size:
                    continue
                index = int(np.bincount(values).argmax())
                masks.append((names[index] if index < len(names) else str(index), pixels))
        else:
            for index in np.unique(classes):
                if index in (0, VOID):
                    continue
                masks.append((names[index] if index < len(names) else str(index), classes == index))
        image = images.get(path.stem)
        if image is None:
            plan.refuse(len(masks), "no image of that name in JPEGImages/", where)
            continue
        item = ImportItem(source=image, split=splits.get(path.stem), declared_size=(width, height), origin=where)
        geom = {"encoding": "png", "width": width, "height": height}
        for k, (label, pixels) in enumerate(masks):
            item.add(
                PlannedAnnotation("mask", label, dict(geom), geometry.encode_mask(pixels), f"{where}: instance {k + 1}")
            )
        plan.items.append(item)
    return plan


def export(job: ExportJob, out: Path, state: TaskState) -> None:
    if len(job.labels) > 254:
        raise InvalidInputError(f"VOC segmentation holds at most 254 labels; the project has {len(job.labels)}")
    values = {label.name: i + 1 for i, label in enumerate(job.labels)}
    colors = colormap()
    palette = [c for rgb in colors for c in rgb]
    for folder in (CLASS_DIR, OBJECT_DIR):
        (out / folder).mkdir(parents=True, exist_ok=True)
    split_lists: dict[str, list[str]] = {}
    total = len(job.samples)
    for index, sample in enumerate(job.samples):
        if index % 32 == 0:
            state.check()
            state.report(index, total, "writing VOC segmentation")
        job.place_image(sample, out / "JPEGImages" / sample.name)
        stem = Path(sample.name).stem
        if sample.split in ("train", "val", "test"):
            split_lists.setdefault(sample.split, []).append(stem)
        classes = np.zeros((sample.height, sample.width), dtype=np.uint8)
        objects = np.zeros_like(classes)
        if sample.tag:
            job.report.unsupported["tag"] += 1
        instance = 0
        for ann in sample.annotations:
            geom = ann.geometry or {}
            if ann.kind == "mask" and ann.data is not None:
                pixels = geometry.decode_mask(ann.data, sample.width, sample.height)
            elif ann.kind in ("box", "polygon"):
                layer = Image.new("1", (sample.width, sample.height), 0)
                draw = ImageDraw.Draw(layer)
                rings = [geometry.box_corners(geom)] if ann.kind == "box" else [geom["points"], *geom.get("rings", [])]
                for ring in rings:
                    draw.polygon([tuple(p) for p in ring], fill=1)
                pixels = np.asarray(layer, dtype=bool)
            else:
                job.report.unsupported[ann.kind] += 1
                continue
            if instance >= 254:
                job.report.skipped.append(f"{sample.path}: more than 254 instances; the rest not exported")
                break
            instance += 1
            classes[pixels] = values[ann.label]
            objects[pixels] = instance
            job.report.annotations += 1
        for folder, array in ((CLASS_DIR, classes), (OBJECT_DIR, objects)):
            image = Image.fromarray(array, mode="L").convert("P")
            image.putpalette(palette)
            image.save(out / folder / f"{stem}.png")
        job.report.images += 1
    lines = ["# label:color_rgb:parts:actions", "background:0,0,0::"]
    lines += [f"{name}:{colors[v][0]},{colors[v][1]},{colors[v][2]}::" for name, v in values.items()]
    (out / "labelmap.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for split, stems in split_lists.items():
        sets = out / "ImageSets" / "Segmentation"
        sets.mkdir(parents=True, exist_ok=True)
        (sets / f"{split}.txt").write_text("".join(s + "\n" for s in stems), encoding="utf-8")
