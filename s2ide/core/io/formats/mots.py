"""KITTI MOTS and MOTSChallenge: instance masks of tracked objects, one image per frame.

KITTI MOTS: `instances_txt/<seq>.txt` (or, without it, `instances/<seq>/<frame>.png`) beside
`images/<seq>/<frame>.png` (also `image_02/` or `training/image_02/`). MOTSChallenge: a sequence
folder with `gt/gt.txt` and `img1/<frame>.jpg`. A txt line is `frame object_id class_id height
width rle` (the mask as COCO compressed RLE); a PNG is 16-bit with object_id per pixel. The
class is object_id // 1000: 1 car, 2 pedestrian, 10 an ignore region (kept as label `ignore`,
iscrowd). Each object on each frame becomes a mask with its object_id as `track_id`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from s2ide.core import geometry
from s2ide.core.errors import ImportFormatError
from s2ide.core.io import images as image_files
from s2ide.core.io.formats import checks, rle
from s2ide.core.io.formats.base import ImportItem, ImportPlan, PlannedAnnotation
from s2ide.core.io.regular_files import open_regular

NAME = "mots"
CLASSES = {1: "car", 2: "pedestrian", 10: "ignore"}
IGNORE = 10


def _sequences(src: Path) -> list[tuple[str, Path | None, Path | None, Path]]:
    """(sequence name, its txt, its PNG folder, its image folder) for each sequence found."""
    found: list[tuple[str, Path | None, Path | None, Path]] = []
    if (src / "gt" / "gt.txt").is_file() and (src / "img1").is_dir():
        return [(src.name, src / "gt" / "gt.txt", None, src / "img1")]
    for sub in sorted(p for p in src.iterdir() if p.is_dir()) if src.is_dir() else []:
        if (sub / "gt" / "gt.txt").is_file() and (sub / "img1").is_dir():
            found.append((sub.name, sub / "gt" / "gt.txt", None, sub / "img1"))
    if found:
        return found
    txts = (
        {p.stem: p for p in sorted((src / "instances_txt").glob("*.txt"))} if (src / "instances_txt").is_dir() else {}
    )
    pngs = (
        {p.name: p for p in sorted((src / "instances").iterdir()) if p.is_dir()} if (src / "instances").is_dir() else {}
    )
    for seq in sorted(set(txts) | set(pngs)):
        folders = [src / "images" / seq, src / "image_02" / seq, src / "training" / "image_02" / seq]
        images = next((f for f in folders if f.is_dir()), folders[0])
        found.append((seq, txts.get(seq), None if seq in txts else pngs.get(seq), images))
    return found


def _is_mots_txt(path: Path) -> bool:
    """MOTS lines have 6 space-separated fields (MOT box files are comma-separated)."""
    try:
        with open_regular(path) as handle:
            first = handle.readline(4096).decode("utf-8", "replace").split()
    except OSError:
        return False
    return len(first) == 6 and all(f.isdigit() for f in first[:5])


def detect(src: Path) -> bool:
    if not src.is_dir():
        return False
    sequences = _sequences(src)
    return bool(sequences) and all(txt is None or _is_mots_txt(txt) for _, txt, _, _ in sequences)


def _frames(folder: Path) -> dict[int, Path]:
    if not folder.is_dir():
        return {}
    out: dict[int, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and image_files.is_image_name(path) and path.stem.isdigit():
            out.setdefault(int(path.stem), path)
    return out


def _label(object_id: int) -> str:
    cls = object_id // 1000
    return CLASSES.get(cls, str(cls))


def _mask(mask: np.ndarray, object_id: int, where: str) -> PlannedAnnotation:
    height, width = mask.shape
    attributes: dict[str, object] = {"track_id": object_id}
    if object_id // 1000 == IGNORE:
        attributes["iscrowd"] = 1
    geom = {"encoding": "png", "width": width, "height": height}
    return checks.shape("mask", _label(object_id), geom, where, (width, height), geometry.encode_mask(mask), attributes)


def read(src: Path) -> ImportPlan:
    sequences = _sequences(src) if src.is_dir() else []
    if not sequences:
        raise ImportFormatError(
            f"{src}: no MOTS dataset here (expected instances_txt/ or instances/ beside images/, "
            "or a sequence with gt/gt.txt and img1/)"
        )
    challenge = sequences[0][1] is not None and sequences[0][1].parent.name == "gt"
    layout = "MOTSChallenge (gt/gt.txt, img1/)" if challenge else "KITTI MOTS (instances_txt/ or instances/, images/)"
    plan = ImportPlan(format=NAME, root=src, layout=layout)
    for seq, txt, png_folder, image_folder in sequences:
        frames = _frames(image_folder)
        items = {n: ImportItem(source=p, split=None, origin=f"{seq} frame {n}") for n, p in frames.items()}
        if txt is not None:
            _read_txt(txt, items, plan)
        elif png_folder is not None:
            _read_pngs(png_folder, items, plan)
        plan.items += [items[n] for n in sorted(items)]
    plan.labels = [name for name in CLASSES.values() if name in plan.label_names]
    return plan


def _read_txt(txt: Path, items: dict[int, ImportItem], plan: ImportPlan) -> None:
    missing: dict[int, int] = {}
    for number, line in enumerate(checks.read_text(txt).splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{txt}:{number}"
        fields = line.split()
        if len(fields) != 6:
            raise ImportFormatError(f"{where}: expected 6 fields (frame id class height width rle), got {len(fields)}")
        frame, object_id, _cls, height, width = (
            int(checks.parse_number(f, f"{where}: field {k + 1}", 0, 10**9)) for k, f in enumerate(fields[:5])
        )
        if frame not in items:
            missing[frame] = missing.get(frame, 0) + 1
            continue
        checks.check_mask_size(width, height, where)
        counts = rle.from_string(fields[5], f"{where}: rle", height * width)
        mask = rle.decode(counts, height, width, f"{where}: rle")
        item = items[frame]
        item.declared_size = (width, height)
        item.add(_mask(mask, object_id, where))
    for frame, count in sorted(missing.items()):
        plan.refuse(count, f"no image for frame {frame}", str(txt))


def _read_pngs(folder: Path, items: dict[int, ImportItem], plan: ImportPlan) -> None:
    for path in sorted(folder.glob("*.png")):
        where = str(path)
        if not path.stem.isdigit():
            continue
        try:
            with open_regular(path) as handle, Image.open(handle) as opened:
                ids = np.asarray(opened.convert("I") if opened.mode not in ("I", "I;16") else opened).astype(np.int64)
        except (OSError, ValueError) as exc:
            raise ImportFormatError(f"{where}: not a readable instance PNG ({exc})") from exc
        objects = [int(v) for v in np.unique(ids) if v != 0]
        item = items.get(int(path.stem))
        if item is None:
            plan.refuse(len(objects), "no image for this frame", where)
            continue
        item.declared_size = (ids.shape[1], ids.shape[0])
        for object_id in objects:
            item.add(_mask(ids == object_id, object_id, where))
