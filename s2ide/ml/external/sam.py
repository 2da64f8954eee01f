"""SAM-family click-to-segment: the encoder runs once per image (in a worker), the decoder per
click (tens of milliseconds for real SAM decoders, well under for small ones).

Layout: the encoder takes a normalised, padded [1, 3, S, S] image (the longest side scaled to S,
as SAM, MobileSAM and EfficientSAM exports do) and returns image embeddings; the decoder takes
the segment-anything ONNX inputs (image_embeddings, point_coords, point_labels, mask_input,
has_mask_input, orig_im_size) and returns masks (logits) and iou_predictions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from s2ide.core.errors import InvalidInputError
from s2ide.ml.external.signatures import check

MEAN = np.array([123.675, 116.28, 103.53], np.float32)
STD = np.array([58.395, 57.12, 57.375], np.float32)
DEFAULT_SIDE = 1024


@dataclass
class Embedding:
    """One image's encoder output and the geometry needed to map clicks into its frame."""

    values: np.ndarray
    width: int
    height: int
    scale: float  # input-frame pixels per image pixel
    side: int  # the encoder's square input side


class SamModel:
    def __init__(self, encoder: Path, decoder: Path) -> None:
        _kind, self.encoder = check(encoder, "sam-encoder")
        _kind, self.decoder = check(decoder, "sam-decoder")
        shape = self.encoder.get_inputs()[0].shape
        self.side = shape[2] if isinstance(shape[2], int) and shape[2] > 0 else DEFAULT_SIDE
        self.encoder_input = self.encoder.get_inputs()[0].name
        mask_shape = next(i.shape for i in self.decoder.get_inputs() if i.name == "mask_input")
        self.mask_shape = tuple(d if isinstance(d, int) and d > 0 else 1 for d in mask_shape)
        if len(self.mask_shape) != 4 or self.mask_shape[2] == 1:
            self.mask_shape = (1, 1, self.side // 4, self.side // 4)

    def encode(self, image: np.ndarray) -> Embedding:
        """Run the encoder on an HxWx3 uint8 RGB image (the slow step: do it in a worker)."""
        import cv2

        if image.ndim != 3 or image.shape[2] < 3:
            raise InvalidInputError("SAM needs a colour image")
        height, width = image.shape[:2]
        scale = self.side / max(height, width)
        new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
        resized = cv2.resize(np.ascontiguousarray(image[:, :, :3]), (new_w, new_h), interpolation=cv2.INTER_LINEAR)
        frame = np.zeros((self.side, self.side, 3), np.float32)
        frame[:new_h, :new_w] = (resized.astype(np.float32) - MEAN) / STD
        tensor = np.ascontiguousarray(frame.transpose(2, 0, 1)[None])
        (values, *_rest) = self.encoder.run(None, {self.encoder_input: tensor})
        return Embedding(values, width, height, scale, self.side)

    def decode(
        self,
        embedding: Embedding,
        points: list[tuple[float, float]],
        labels: list[int],
        box: tuple[float, float, float, float] | None = None,
    ) -> np.ndarray:
        """The mask (HxW bool, image size) for positive (label 1) / negative (0) clicks and an
        optional box (x0, y0, x1, y1), all in image pixels."""
        import cv2

        coords = [list(p) for p in points]
        kinds = [float(v) for v in labels]
        if box is not None:
            coords += [[box[0], box[1]], [box[2], box[3]]]
            kinds += [2.0, 3.0]
        else:
            coords.append([0.0, 0.0])  # SAM's padding point when there is no box
            kinds.append(-1.0)
        if not points and box is None:
            raise InvalidInputError("click on the object or draw a box first")
        feeds: dict[str, Any] = {
            "image_embeddings": embedding.values,
            "point_coords": (np.asarray(coords, np.float32) * embedding.scale)[None],
            "point_labels": np.asarray(kinds, np.float32)[None],
            "mask_input": np.zeros(self.mask_shape, np.float32),
            "has_mask_input": np.zeros(1, np.float32),
            "orig_im_size": np.asarray([embedding.height, embedding.width], np.float32),
        }
        names = [o.name for o in self.decoder.get_outputs()]
        results = dict(zip(names, self.decoder.run(None, feeds), strict=True))
        masks = results["masks"]
        best = 0
        if "iou_predictions" in results and results["iou_predictions"].size > 1:
            best = int(np.argmax(results["iou_predictions"].reshape(-1)))
        logits = masks.reshape(-1, *masks.shape[-2:])[best]
        if logits.shape == (embedding.height, embedding.width):
            return logits > 0
        # a low-resolution mask over the padded square input frame: scale up, crop, scale to the image
        side = embedding.side
        frame = cv2.resize(logits.astype(np.float32), (side, side), interpolation=cv2.INTER_LINEAR)
        used_w = max(1, round(embedding.width * embedding.scale))
        used_h = max(1, round(embedding.height * embedding.scale))
        crop = np.ascontiguousarray(frame[:used_h, :used_w])
        return cv2.resize(crop, (embedding.width, embedding.height), interpolation=cv2.INTER_LINEAR) > 0
