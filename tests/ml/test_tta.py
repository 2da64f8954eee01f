"""The changed copy for the localisation queue: a flip where the project trains with flips, else
a zoom-out; boxes and probabilities found in the copy map back onto the image's pixels."""

from __future__ import annotations

import numpy as np
import pytest

from s2ide.core.engine.ml_settings import TrainConfig, save_train_config
from s2ide.ml.tta import ZOOM, View, augment, boxes_back, pick_view, probabilities_back

SIZE = 40


def _image_with_square() -> tuple[np.ndarray, np.ndarray]:
    image = np.zeros((1, 3, SIZE, SIZE), np.uint8)
    image[:, :, 8:18, 4:24] = 255  # x 4..24, y 8..18
    return image, np.array([[4, 8, 24, 18]], dtype=np.float64)


def _box_of(image: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(image[0, 0] > 127)
    return np.array([[xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]], dtype=np.float64)


@pytest.mark.parametrize("view", [View(flip=True, zoom=1.0), View(flip=False, zoom=ZOOM), View(flip=True, zoom=0.5)])
def test_boxes_found_in_the_copy_map_back(view) -> None:
    image, box = _image_with_square()
    copy = augment(image, view)
    assert copy.shape == image.shape and copy.dtype == np.uint8
    found = _box_of(copy)  # where a perfect detector would box it in the copy
    assert not np.allclose(found, box)
    assert boxes_back(found, view, SIZE) == pytest.approx(box, abs=1.5 / view.zoom)


def test_probabilities_map_back() -> None:
    image, _ = _image_with_square()
    view = View(flip=True, zoom=ZOOM)
    probs = augment(image, view)[:, :2].astype(np.float32) / 255  # a "class map" that is the image itself
    back = probabilities_back(probs, view)
    assert back.shape == probs.shape
    agree = (back[0, 0] > 0.5) == (image[0, 0] > 127)
    assert agree.mean() > 0.97


def test_pick_view_follows_the_training_setting(project) -> None:
    assert pick_view(project.store) == View(flip=False, zoom=ZOOM)  # flips are off by default
    save_train_config(project.store, TrainConfig(flip=True), "eng")
    assert pick_view(project.store) == View(flip=True, zoom=1.0)
