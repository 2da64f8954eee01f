"""Time telemetry: seconds per label and per shape, per labeler and day (median and p90).

`SampleClock` is the pure bookkeeping of one app session: which sample is open since when and
what was done (tags, accepted suggestions, shapes); closing it gives an `OpenInterval` for the
store. `time_stats` reads the intervals back and summarises them, including the gain from
pre-labels: seconds per accepted suggestion against seconds per label typed by hand;
`prelabel_time` does the same for shapes (seconds per image and per shape with and without
pre-labels taken, per labeler and model version).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from s2ide.core.clock import now_iso
from s2ide.core.store import Store
from s2ide.core.store.sessions_time import DoneSampleTime, OpenInterval, done_sample_times, intervals, record

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


def _rate(seconds: float, count: int) -> float | None:
    return round(seconds / count, 2) if count else None


def prelabel_time(store: Store) -> list[dict[str, Any]]:
    """Time saved by pre-labels, per labeler and model version (detect and segment projects).

    A labeler's done images split in two: those where they took at least one of the version's
    pre-labels (unchanged or edited, prelabel_outcomes) and their images with none taken (no
    model yet, or every suggestion rejected): the baseline. Seconds per image and per shape are
    total seconds over total images or shapes of each group (sessions_time; an image left open
    counts IDLE_CAP_S at most), and the saving is the baseline's figure minus the figure with
    pre-labels (positive: pre-labels save time). None where a group is empty.
    """
    rows = done_sample_times(store)
    baseline: dict[str, list[DoneSampleTime]] = defaultdict(list)
    helped: dict[tuple[str, str], list[DoneSampleTime]] = defaultdict(list)
    for row in rows:
        if row.taken > 0 and row.model_version is not None:
            helped[(row.user, row.model_version)].append(row)
        else:
            baseline[row.user].append(row)
    out = []
    for (user, version), with_rows in sorted(helped.items()):
        without = baseline.get(user, [])
        entry: dict[str, Any] = {"labeler": user, "model_version": version}
        for prefix, group in (("", with_rows), ("baseline_", without)):
            seconds = sum(r.seconds for r in group)
            entry[f"{prefix}images"] = len(group)
            entry[f"{prefix}shapes"] = sum(r.shapes for r in group)
            entry[f"{prefix}seconds_per_image"] = _rate(seconds, len(group))
            entry[f"{prefix}seconds_per_shape"] = _rate(seconds, entry[f"{prefix}shapes"])
        for unit in ("image", "shape"):
            mine, base = entry[f"seconds_per_{unit}"], entry[f"baseline_seconds_per_{unit}"]
            entry[f"seconds_saved_per_{unit}"] = None if mine is None or base is None else round(base - mine, 2)
        out.append(entry)
    return out


def prelabel_time_line(row: dict[str, Any]) -> str:
    """'lara with v3 pre-labels: 4.1 s/shape on 12 images, 9.0 s/shape on 5 without (4.9 s/shape
    and 11.2 s/image saved)'; a negative saving reads as a cost."""

    def seconds(value: float | None) -> str:
        return "–" if value is None else f"{value:.1f} s"

    text = (
        f"{row['labeler']} with {row['model_version']} pre-labels: {seconds(row['seconds_per_shape'])}/shape on "
        f"{row['images']} images, {seconds(row['baseline_seconds_per_shape'])}/shape on "
        f"{row['baseline_images']} without"
    )
    parts = [
        f"{seconds(abs(row[key]))}/{unit} {'saved' if row[key] >= 0 else 'lost'}"
        for key, unit in (("seconds_saved_per_shape", "shape"), ("seconds_saved_per_image", "image"))
        if row[key] is not None
    ]
    return text + (f" ({' and '.join(parts)})" if parts else "")
