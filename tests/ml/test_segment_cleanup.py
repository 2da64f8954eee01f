"""A predicted region is one object: slivers of another class inside it take the region's
class, while regions of two real parts and separate objects keep their own classes."""

from __future__ import annotations

import numpy as np

from s2ide.ml.segment.cleanup import absorb_fragments


def test_a_sliver_of_another_class_takes_the_region_class() -> None:
    m = np.zeros((20, 20), np.uint8)
    m[2:12, 2:12] = 4  # most of a "three"
    m[10:12, 2:6] = 9  # its lower curve read as an "eight": 8 of 100 pixels
    m[15:18, 15:18] = 2  # a separate small object of its own class: kept
    out = absorb_fragments(m, 10)
    assert (out[2:12, 2:12] == 4).all()
    assert (out[15:18, 15:18] == 2).all() and (out == 0).sum() == (m == 0).sum()
    assert m[10, 2] == 9  # the input is left as it was


def test_two_real_parts_of_a_region_keep_their_classes() -> None:
    m = np.zeros((10, 20), np.uint8)
    m[:, :12] = 1  # a road (60 %)
    m[:, 12:] = 2  # the pavement beside it (40 %)
    assert (absorb_fragments(m, 2) == m).all()
    assert (absorb_fragments(np.zeros((4, 4), np.uint8), 3) == 0).all()
