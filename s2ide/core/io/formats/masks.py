"""Semantic-segmentation masks: one 8-bit PNG label map per image plus a palette (export only).

`masks/<stem>.png` holds, per pixel, 0 for background or 1 + the label's position; the PNG
carries the label colours as its palette, so it also looks right in an image viewer.
`labelmap.txt` names each value in CVAT's segmentation-mask format (`name:r,g,b::`), and
`palette.json` gives the same as {"value": {"name", "color"}}. Boxes and polygons are filled,
masks painted; later annotations paint over earlier ones. Points, lines and tags have no form.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from s2ide.core import geometry
from s2ide.core.errors import InvalidInputError
from s2ide.core.io.export_job import ExportJob, ImagesMode
from s2ide.core.tasks import TaskState

NAME = "masks"
IMAGE_MODES = (ImagesMode.NONE, ImagesMode.COPY, ImagesMode.LINK)
MAX_LABELS = 255


def _rgb(color: str) -> tuple[int, int, int]:
    text = color.lstrip("#")
    try:
        return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)
    except (ValueError, IndexError):
        return 128, 128, 128


def export(job: ExportJob, out: Path, state: TaskState) -> None:
    if len(job.labels) > MAX_LABELS:
        raise InvalidInputError(f"mask export holds at most {MAX_LABELS} labels; the project has {len(job.labels)}")
    values = {label.name: i + 1 for i, label in enumerate(job.labels)}
    colors = [(0, 0, 0)] + [_rgb(label.color) for label in job.labels]
    palette = [c for rgb in colors for c in rgb] + [0] * (3 * (256 - len(colors)))
    (out / "masks").mkdir(parents=True, exist_ok=True)
    total = len(job.samples)
    for index, sample in enumerate(job.samples):
        if index % 32 == 0:
            state.check()
            state.report(index, total, "writing masks")
        if job.images != ImagesMode.NONE:
            job.place_image(sample, out / "images" / sample.name)
        canvas = Image.new("L", (sample.width, sample.height), 0)
        draw = ImageDraw.Draw(canvas)
        if sample.tag:
            job.report.unsupported["tag"] += 1
        for ann in sample.annotations:
            value = values[ann.label]
            geom = ann.geometry or {}
            if ann.kind == "box":
                draw.polygon(geometry.box_corners(geom), fill=value)
            elif ann.kind == "polygon":
                for ring in [geom["points"], *geom.get("rings", [])]:
                    draw.polygon([tuple(p) for p in ring], fill=value)
            elif ann.kind == "mask" and ann.data is not None:
                pixels = np.asarray(canvas).copy()
                pixels[geometry.decode_mask(ann.data, sample.width, sample.height)] = value
                canvas = Image.fromarray(pixels, mode="L")
                draw = ImageDraw.Draw(canvas)
            else:
                job.report.unsupported[ann.kind] += 1
                continue
            job.report.annotations += 1
        labelmap = canvas.convert("P")
        labelmap.putpalette(palette)
        labelmap.save(out / "masks" / (Path(sample.name).stem + ".png"))
        job.report.images += 1
    lines = ["# label:color_rgb:parts:actions"]
    lines += [f"{name}:{r},{g},{b}::" for name, (r, g, b) in zip(["background", *values], colors)]
    (out / "labelmap.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = {str(v): {"name": n, "color": list(colors[v])} for n, v in [("background", 0), *values.items()]}
    (out / "palette.json").write_text(json.dumps(table, indent=2, ensure_ascii=False), encoding="utf-8")
