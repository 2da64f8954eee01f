"""Time telemetry: seconds per label and per shape, per labeler and day (median and p90).

`SampleClock` is the pure bookkeeping of one app session: which sample is open since when and
what was done (tags, accepted suggestions, shapes); closing it gives an `OpenInterval` for the
store. `time_stats` reads the intervals back and summarises them, including the gain from
pre-labels: seconds per accepted suggestion against seconds per label typed by hand.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from s2ide.core.clock import now_iso
from s2ide.core.store import Store
from s2ide.core.store.sessions_time import OpenInterval, intervals, record

IDLE_CAP_S = 300.0  # a sample left open over lunch counts as five minutes, not an hour


class SampleClock:
    """Open, count, close: one interval per sample opened (time source injectable for tests)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.sample_id: int | None = None
        self.user = ""
        self._started = 0.0
        self._opened_at = ""
        self.tags = self.accepted = self.shapes = 0

    def open(self, sample_id: int | None, user: str) -> None:
        self.sample_id, self.user = sample_id, user
        self._started, self._opened_at = self._clock(), now_iso()
        self.tags = self.accepted = self.shapes = 0

    def note(self, *, tags: int = 0, accepted: int = 0, shapes: int = 0) -> None:
        self.tags += tags
        self.accepted += accepted
        self.shapes += shapes

    def close(self) -> OpenInterval | None:
        if self.sample_id is None or not self.user:
            self.sample_id = None
            return None
        seconds = min(IDLE_CAP_S, max(0.0, self._clock() - self._started))
        interval = OpenInterval(
            self.sample_id, self.user, self._opened_at, now_iso(), seconds, self.tags, self.accepted, self.shapes
        )
        self.sample_id = None
        return interval

    def close_into(self, store: Store) -> OpenInterval | None:
        interval = self.close()
        if interval is not None and (interval.tags or interval.shapes or interval.seconds >= 0.5):
            record(store, interval)
        return interval


@dataclass(frozen=True)
class TimeStat:
    user: str
    day: str
    samples: int
    label_median: float | None  # seconds per label typed by hand
    label_p90: float | None
    accepted_median: float | None  # seconds per accepted suggestion (the pre-label gain)
    shape_median: float | None
    shape_p90: float | None


def _median_p90(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    array = np.asarray(values, dtype=np.float64)
    return float(np.median(array)), float(np.percentile(array, 90))


def time_stats(store: Store, since: str | None = None) -> list[TimeStat]:
    """Per labeler and day: seconds per label (typed), per accepted suggestion, per shape."""
    groups: dict[tuple[str, str], list[OpenInterval]] = defaultdict(list)
    for interval in intervals(store, since):
        groups[(interval.user, interval.opened_at[:10])].append(interval)
    out = []
    for (user, day), rows in sorted(groups.items()):
        typed = [r.seconds / (r.tags - r.accepted) for r in rows if r.tags - r.accepted > 0]
        accepted = [r.seconds / r.accepted for r in rows if r.accepted > 0 and r.tags == r.accepted]
        shapes = [r.seconds / r.shapes for r in rows if r.shapes > 0]
        label_median, label_p90 = _median_p90(typed)
        accepted_median, _ = _median_p90(accepted)
        shape_median, shape_p90 = _median_p90(shapes)
        out.append(TimeStat(user, day, len(rows), label_median, label_p90, accepted_median, shape_median, shape_p90))
    return out
