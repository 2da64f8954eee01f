"""Brush segments, flood fill and tile deltas on boolean masks."""

from __future__ import annotations

import numpy as np

from s2ide.core.geometry import decode_mask
from s2ide.core.labeling.masks import count, encode_png, flood_fill, paint_segment
from s2ide.core.labeling.tiles import TILE, TileRecorder, pack, tiles_in, unpack, write


def test_a_fast_stroke_leaves_no_gaps():
    mask = np.zeros((100, 400), dtype=bool)
    paint_segment(mask, 10, 50, 390, 50, radius=3, value=True)
    assert mask[50, 10:390].all()
    assert mask[47:53, 200].all() and not mask[46, 200] and not mask[53, 200]


def test_a_dot_is_round_and_clipped_at_the_border():
    mask = np.zeros((20, 20), dtype=bool)
    box = paint_segment(mask, 0, 0, 0, 0, radius=5, value=True)
    assert box is not None and box[0] == 0 and box[1] == 0
    assert mask[0, 0] and mask[3, 0] and not mask[4, 4]
    assert paint_segment(mask, -50, -50, -40, -40, radius=2, value=True) is None


def test_eraser_clears():
    mask = np.ones((30, 30), dtype=bool)
    paint_segment(mask, 15, 15, 15, 15, radius=4, value=False)
    assert not mask[15, 15] and mask[0, 0]


def test_flood_fill_fills_the_inside_of_a_closed_outline_only():
    mask = np.zeros((60, 60), dtype=bool)
    mask[10, 10:50] = mask[49, 10:50] = True
    mask[10:50, 10] = mask[10:50, 49] = True
    box = flood_fill(mask, 30, 30, True)
    assert box == (11, 11, 49, 49)
    assert mask[11:49, 11:49].all()
    assert not mask[5, 5] and not mask[55, 30]
    assert flood_fill(mask, 30, 30, True) is None  # already filled


def test_flood_fill_follows_a_concave_region():
    mask = np.zeros((40, 40), dtype=bool)
    mask[:, 20] = True  # a wall
    mask[30, 20] = False  # with a hole at the bottom
    flood_fill(mask, 5, 5, True)
    assert mask.all()


def test_tiles_and_packing():
    assert list(tiles_in((0, 0, TILE + 1, 10))) == [(0, 0), (0, 1)]
    bits = np.random.default_rng(1).random((7, 13)) > 0.5
    assert (unpack(pack(bits), bits.shape) == bits).all()


def test_recorder_keeps_only_changed_tiles_and_restores_both_ways():
    mask = np.zeros((600, 600), dtype=bool)
    recorder = TileRecorder(mask)
    recorder.touch((0, 0, 600, 600))  # touched everything
    paint_segment(mask, 10, 10, 20, 20, radius=3, value=True)
    deltas = recorder.deltas()
    assert [d.key for d in deltas] == [(0, 0)]
    assert sum(d.nbytes for d in deltas) < 20_000  # far below a copy of the mask
    after = mask.copy()
    write(mask, deltas, use_after=False)
    assert count(mask) == 0
    write(mask, deltas, use_after=True)
    assert (mask == after).all()


def test_fast_png_round_trips_through_the_shared_decoder():
    mask = np.random.default_rng(2).random((33, 70)) > 0.7
    assert (decode_mask(encode_png(mask), 70, 33) == mask).all()
