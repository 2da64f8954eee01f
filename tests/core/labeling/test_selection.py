"""The selection tools' pure functions on synthetic images with known objects."""

from __future__ import annotations

import numpy as np
import pytest

from s2ide.core.errors import InvalidInputError
from s2ide.core.labeling.selection import grabcut, pixel_classifier, refine, regions, superpixels, wand
from s2ide.core.labeling.selection.fill import bounded_fill, outline_barriers
from s2ide.core.labeling.selection.scissors import LiveWire


def disc_image(width=200, height=120, centre=(100, 60), radius=35, noise=6, seed=0):
    """A red disc on a grey background with a little noise; (image, true mask)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:height, :width]
    truth = (xx + 0.5 - centre[0]) ** 2 + (yy + 0.5 - centre[1]) ** 2 <= radius**2
    image = np.empty((height, width, 3), np.uint8)
    image[:] = (110, 110, 110)
    image[truth] = (200, 40, 50)
    noisy = image.astype(np.int16) + rng.integers(-noise, noise + 1, image.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8), truth


def iou(a, b):
    return np.count_nonzero(a & b) / max(1, np.count_nonzero(a | b))


def test_wand_contiguous_selects_the_disc_only():
    image, truth = disc_image()
    image[5:15, 5:15] = (200, 40, 50)  # a second red patch, not connected
    selected = wand.magic_wand(image, 100, 60, tolerance=20)
    assert iou(selected, truth) > 0.97
    assert not selected[5:15, 5:15].any()
    everywhere = wand.magic_wand(image, 100, 60, tolerance=20, contiguous=False)
    assert everywhere[5:15, 5:15].all() and iou(everywhere & ~_patch(image.shape), truth) > 0.97


def _patch(shape):
    out = np.zeros(shape[:2], bool)
    out[5:15, 5:15] = True
    return out


def test_wand_tolerance_zero_takes_only_identical_pixels_and_refuses_outside_clicks():
    image = np.zeros((10, 10, 3), np.uint8)
    image[:, 5:] = 1
    assert wand.magic_wand(image, 0, 0, tolerance=0).sum() == 50
    assert wand.magic_wand(image, 0, 0, tolerance=1).sum() == 100
    with pytest.raises(InvalidInputError):
        wand.magic_wand(image, 10, 0)


def test_combine_and_mask_deltas():
    a = np.zeros((4, 4), bool)
    a[0] = True
    b = np.zeros((4, 4), bool)
    b[:, 0] = True
    assert regions.combine(a, b, regions.Combine.ADD).sum() == 7
    assert regions.combine(a, b, regions.Combine.SUBTRACT).sum() == 3
    assert regions.combine(a, b, regions.Combine.REPLACE).sum() == 4
    mask = np.zeros((300, 300), bool)
    selection = np.zeros_like(mask)
    selection[10:20, 10:20] = True
    deltas, box = regions.mask_deltas(mask, selection)
    assert box == (10, 10, 20, 20) and len(deltas) == 1 and not mask.any()


def test_polygons_trace_the_selection():
    _image, truth = disc_image()
    (polygon,) = regions.polygons(truth)
    back = regions.rasterize_polygon(polygon, truth.shape[1], truth.shape[0])
    assert iou(back, truth) > 0.95


def test_fill_stops_at_a_polygon_outline_on_an_unpainted_photo():
    """The reported bug: Fill painted the whole image, ignoring the polygon around the flower."""
    image, _truth = disc_image(noise=0)
    image[:] = 120  # a flat image: no image edge to stop at
    mask = np.zeros(image.shape[:2], bool)
    square = [[40.0, 20.0], [160.0, 20.0], [160.0, 100.0], [40.0, 100.0]]
    outlines = outline_barriers([("polygon", {"points": square})], 200, 120)
    filled = bounded_fill(mask, 100, 60, outlines, image)
    assert filled is not None
    inside = regions.rasterize_polygon(square, 200, 120)
    assert iou(filled, inside) > 0.97
    assert not filled[:15].any() and not filled[:, :35].any()
    outside = bounded_fill(mask, 5, 5, outlines, image)
    assert outside is not None and not outside[30:90, 50:150].any()


def test_fill_without_shapes_stops_at_strong_image_edges():
    image, truth = disc_image()
    mask = np.zeros(image.shape[:2], bool)
    filled = bounded_fill(mask, 100, 60, None, image, tolerance=32)
    assert filled is not None and iou(filled, truth) > 0.9
    flat = np.full_like(image, 90)
    assert bounded_fill(mask, 100, 60, None, flat).all()  # nothing bounds it: all of it


def test_fill_box_outline_and_painted_pixels_bound_it():
    mask = np.zeros((50, 50), bool)
    mask[:, 25] = True  # a painted wall
    outlines = outline_barriers([("box", {"x": 5, "y": 5, "w": 40, "h": 40, "angle": 0})], 50, 50)
    filled = bounded_fill(mask, 10, 10, outlines)
    assert filled is not None and not filled[:, 26:].any() and not filled[0].any()


def test_grabcut_finds_the_disc_in_a_box_and_strokes_change_it():
    image, truth = disc_image(width=400, height=300, centre=(200, 150), radius=90)
    found = grabcut.run(grabcut.GrabCutInputs(image, (90, 40, 310, 260)))
    assert iou(found, truth) > 0.9
    background = np.zeros_like(truth)
    background[100:200, 150:250] = True  # "this middle part is not the object"
    refined = grabcut.run(grabcut.GrabCutInputs(image, (90, 40, 310, 260), background=background))
    assert not refined[130:170, 180:220].any()
    with pytest.raises(InvalidInputError):
        grabcut.run(grabcut.GrabCutInputs(image, (10, 10, 12, 12)))


def test_live_wire_follows_the_disc_edge():
    image, _truth = disc_image(width=200, height=200, centre=(100, 100), radius=60, noise=2)
    wire = LiveWire(image)
    wire.set_anchor(40, 100)  # the left edge of the disc
    path = wire.path_to(100, 40)  # the top edge
    assert len(path) > 10
    radii = [np.hypot(x - 100, y - 100) for x, y in path]
    assert max(abs(r - 60) for r in radii) < 4  # on the circle, not the straight chord
    assert wire.path_to(-500, 10) == [(40.5, 100.5), (-500.0, 10.0)]


def test_refinements():
    mask = np.zeros((60, 60), bool)
    mask[10:50, 10:50] = True
    mask[28:31, 28:31] = False  # a hole
    mask[2, 2] = True  # a speck
    assert refine.refine(mask, "grow", 2).sum() > mask.sum()
    assert refine.refine(mask, "shrink", 2).sum() < mask.sum()
    filled = refine.refine(mask, "fill_holes")
    assert filled[29, 29] and filled[2, 2]
    clean = refine.refine(mask, "remove_specks")
    assert not clean[2, 2] and clean[20, 20]
    smooth = refine.refine(mask, "smooth", 2)
    assert not smooth[2, 2]
    square = [[0.0, 0.0], [5.0, 0.1], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]]
    assert len(refine.simplify_polygon(square, 0.5)) == 4
    assert len(refine.simplify_polygon(square, 0)) == 5


def test_superpixels_follow_the_object_edge():
    image, truth = disc_image(width=300, height=200, centre=(150, 100), radius=60)
    sp = superpixels.Superpixels(image, segments=300)
    touched = sp.touched([(130, 100), (170, 100), (150, 80), (150, 120)], 25)
    selected = sp.select(touched)
    assert selected[truth].mean() > 0.6 and selected[~truth].mean() < 0.02


def test_pixel_classifier_predicts_the_disc_from_two_strokes():
    image, truth = disc_image(width=320, height=240, centre=(160, 120), radius=70, noise=10)
    feats = pixel_classifier.features(image)
    fg = np.zeros_like(truth)
    fg[118:122, 120:200] = True
    bg = np.zeros_like(truth)
    bg[10:14, 20:300] = True
    predicted = pixel_classifier.run(pixel_classifier.ClassifierInputs(feats, {5: fg, 0: bg}, (320, 240)))
    assert predicted.shape == truth.shape
    assert iou(predicted == 5, truth) > 0.8
    with pytest.raises(InvalidInputError):
        pixel_classifier.run(pixel_classifier.ClassifierInputs(feats, {5: fg}, (320, 240)))
