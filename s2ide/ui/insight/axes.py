"""Axis items for counts that are whole numbers (epochs, label counts).

pyqtgraph's default ticks suit continuous values: over an empty or one-epoch curve in a narrow
dock they print 0.2, 0.4, ... squeezed into each other. An epoch axis wants whole numbers, and
only as many labels as fit. Imported lazily, with pyqtgraph.
"""

from __future__ import annotations

import math

import pyqtgraph as pg

NICE_STEPS = (1, 2, 5)
PIXELS_PER_LABEL = 30  # room for a label of up to four digits
HALF_LABEL_PIXELS = 8  # half the width of a label of up to three digits


def whole_number_ticks(low: float, high: float, pixels: float) -> tuple[int, list[int]]:
    """(step, values): whole numbers a 1-2-5 step apart, as many as fit in `pixels`, each far
    enough inside [low, high] for its label to stay on the axis (pyqtgraph drops labels that
    stick out past a gridded plot's ends)."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low or pixels <= 0:
        return 1, []
    fits = max(2, int(pixels // PIXELS_PER_LABEL))
    inset = (high - low) * HALF_LABEL_PIXELS / pixels
    low, high = low + inset, high - inset
    scale = 1
    while True:
        for nice in NICE_STEPS:
            step = nice * scale
            values = list(range(math.ceil(low / step) * step, math.floor(high / step) * step + 1, step))
            if len(values) <= fits:
                return step, values
        scale *= 10


class WholeNumberAxis(pg.AxisItem):
    """An axis that only labels whole numbers, spaced to fit its length."""

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, list[float]]]:
        step, values = whole_number_ticks(minVal, maxVal, size)
        return [(float(step), [float(v) for v in values])]
