"""Tiny ONNX models with the real input/output signatures, built with torch's exporter:
a SAM-style encoder/decoder pair and Ultralytics-style YOLO detector/segmenter exports.

They really segment: the encoder averages colour over 4x4 patches; the decoder marks the
patches whose colour is like that under the positive clicks; the YOLO heads find red.
"""

from __future__ import annotations

import warnings
from pathlib import Path

SIDE = 64
GRID = 16


def _export(module, args, path: Path, inputs, outputs, names: str | None = None) -> Path:
    import onnx
    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, args, str(path), input_names=inputs, output_names=outputs, dynamo=False)
    if names is not None:
        model = onnx.load(str(path))
        entry = model.metadata_props.add()
        entry.key, entry.value = "names", names
        onnx.save(model, str(path))
    return path


def sam_pair(folder: Path) -> tuple[Path, Path]:
    import torch

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.pool = torch.nn.AvgPool2d(SIDE // GRID)

        def forward(self, image):
            return self.pool(image)

    class Decoder(torch.nn.Module):
        def forward(self, image_embeddings, point_coords, point_labels, mask_input, has_mask_input, orig_im_size):
            centres = (torch.arange(GRID, dtype=torch.float32) + 0.5) * (SIDE / GRID)
            ys, xs = centres[:, None], centres[None, :]
            px = point_coords[0, :, 0][:, None, None]
            py = point_coords[0, :, 1][:, None, None]
            near = torch.exp(-((xs - px) ** 2 + (ys - py) ** 2) / 32.0)  # (N, G, G)
            positive = (point_labels[0] == 1).float()[:, None, None]
            negative = (point_labels[0] == 0).float()[:, None, None]
            weight = (near * positive).sum(0)
            emb = image_embeddings[0]
            query = (emb * weight).sum((1, 2)) / (weight.sum() + 1e-6)
            distance = ((emb - query[:, None, None]) ** 2).sum(0)
            logits = 1.0 - distance - 4.0 * (near * negative).sum(0)
            unused = 0.0 * (mask_input.mean() + has_mask_input.sum() + orig_im_size.sum())
            masks = (logits + unused)[None, None]
            return masks, torch.ones(1, 1), masks

    torch.manual_seed(0)
    encoder = _export(
        Encoder(), (torch.zeros(1, 3, SIDE, SIDE),), folder / "tiny.encoder.onnx", ["input_image"], ["image_embeddings"]
    )
    args = (
        torch.zeros(1, 3, GRID, GRID),
        torch.zeros(1, 2, 2),
        torch.zeros(1, 2),
        torch.zeros(1, 1, GRID, GRID),
        torch.zeros(1),
        torch.tensor([SIDE, SIDE], dtype=torch.float32),
    )
    names = ["image_embeddings", "point_coords", "point_labels", "mask_input", "has_mask_input", "orig_im_size"]
    dynamic = {"point_coords": {1: "points"}, "point_labels": {1: "points"}}
    import torch as _t

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _t.onnx.export(
            Decoder(),
            args,
            str(folder / "tiny.decoder.onnx"),
            input_names=names,
            output_names=["masks", "iou_predictions", "low_res_masks"],
            dynamic_axes=dynamic,
            dynamo=False,
        )
    return encoder, folder / "tiny.decoder.onnx"


def yolo(folder: Path, segment: bool) -> Path:
    """A YOLO-layout model over a 4x4 grid: each cell proposes its own 16x16 box; class 0 'disc'
    scores how red the cell is, class 1 'leaf' how green. The segmenter's one prototype is redness."""
    import torch

    class Head(torch.nn.Module):
        def forward(self, images):
            cell = torch.nn.functional.avg_pool2d(images, 16)  # (1, 3, 4, 4)
            red = cell[:, 0] - 0.5 * (cell[:, 1] + cell[:, 2])
            green = cell[:, 1] - 0.5 * (cell[:, 0] + cell[:, 2])
            centres = (torch.arange(4, dtype=torch.float32) + 0.5) * 16
            cx = centres[None, None, :].expand(1, 4, 4)
            cy = centres[None, :, None].expand(1, 4, 4)
            size = torch.full((1, 4, 4), 16.0)
            rows = [cx, cy, size, size, torch.sigmoid(12 * (red - 0.2)), torch.sigmoid(12 * (green - 0.2))]
            if segment:
                rows += [torch.ones(1, 4, 4)]
            out = torch.stack(rows, 1).reshape(1, len(rows), 16)
            if not segment:
                return out
            pixel_red = images[:, 0] - 0.5 * (images[:, 1] + images[:, 2])
            protos = torch.nn.functional.avg_pool2d((pixel_red - 0.2)[:, None], 4)  # (1, 1, 16, 16)
            return out, protos

    path = folder / ("tiny-seg.onnx" if segment else "tiny-det.onnx")
    outputs = ["output0", "output1"] if segment else ["output0"]
    return _export(Head(), (torch.zeros(1, 3, SIDE, SIDE),), path, ["images"], outputs, "{0: 'disc', 1: 'leaf'}")
