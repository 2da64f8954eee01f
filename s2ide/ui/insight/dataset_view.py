"""Dataset view: the inventory of the data (class by split, status, source, confidence, labels per day).

Every bar is a filter: clicking it shows the samples behind it in the gallery. The view
refreshes as labels arrive, throttled by a single-shot timer and computed off the GUI thread.
"""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from s2ide.core.store import Store
from s2ide.core.store.analytics import Distribution, imbalance_ratio
from s2ide.core.store.schema import SOURCES, SPLITS, STATUSES
from s2ide.ui.insight.common import (
    PALETTE,
    SOURCE_COLORS,
    SPLIT_COLORS,
    STATUS_COLORS,
    BarPlot,
    BarSeries,
    Refresher,
)
from s2ide.ui.shell.context import AppContext

CONFIDENCE_BINS = 10
IMBALANCE_WARNING = 3.0  # warn when the largest class has this many times the smallest
DAYS_SHOWN = 14


class DatasetView(QWidget):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.distribution: Distribution | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.summary = QLabel()
        self.warning = QLabel()
        self.warning.setStyleSheet("color: #b35900; font-weight: bold;")
        self.warning.setWordWrap(True)
        self.warning.hide()
        layout.addWidget(self.summary)
        layout.addWidget(self.warning)
        self.graphics = pg.GraphicsLayoutWidget()
        layout.addWidget(self.graphics, 1)

        def add(title: str, row: int, col: int, colspan: int = 1, legend: bool = True) -> BarPlot:
            plot = self.graphics.addPlot(row=row, col=col, colspan=colspan, title=title)
            return BarPlot(plot, self._on_click, legend=legend)

        self.classes = add("Annotations per class, by split", 0, 0, colspan=2)
        self.status = add("Samples by status", 1, 0, legend=False)
        self.sources = add("Annotations by source", 1, 1, legend=False)
        self.confidence = add("Active model: confidence of its prediction", 2, 0, legend=False)
        self.per_day = add("Labels per day, by labeler", 2, 1)
        self.refresher: Refresher[Distribution] = Refresher(self, context, self._query, self.apply)
        for signal in (context.annotationsChanged, context.predictionsChanged, context.modelsChanged):
            signal.connect(self.refresher.schedule)
        for signal in (context.samplesChanged, context.labelsChanged, context.projectChanged):
            signal.connect(self.refresher.schedule)

    # -- data ------------------------------------------------------------------------------
    @staticmethod
    def _query(store: Store) -> Distribution:
        return store.analytics.distribution(bins=CONFIDENCE_BINS)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.refresher.refresh_if_stale()

    def apply(self, dist: Distribution) -> None:
        """Redraw every chart from one consistent read."""
        if self.context.project is None:
            return
        self.distribution = dist
        labels = self.context.labels()
        names = [label.name for label in labels]
        self.classes.set_stacked(
            names,
            [
                BarSeries(
                    split,
                    SPLIT_COLORS[split],
                    [dist.class_by_split.get(split, {}).get(label.id, 0) for label in labels],
                    [("class", label.id, split) for label in labels],
                )
                for split in SPLITS
            ],
        )
        self.status.set_stacked(
            list(STATUSES),
            [
                BarSeries(
                    status,
                    STATUS_COLORS[status],
                    [dist.status.get(status, 0) if s == status else 0 for s in STATUSES],
                    [("status", s) for s in STATUSES],
                )
                for status in STATUSES
            ],
        )
        self.sources.set_stacked(
            list(SOURCES),
            [
                BarSeries(
                    source,
                    SOURCE_COLORS[source],
                    [dist.sources.get(source, 0) if s == source else 0 for s in SOURCES],
                    [("source", s) for s in SOURCES],
                )
                for source in SOURCES
            ],
        )
        n_bins = len(dist.confidence) or CONFIDENCE_BINS
        bins = [f"{i / n_bins:.2g}" for i in range(n_bins)]
        self.confidence.plot.setTitle(
            f"Model {dist.model_version}: confidence of its prediction"
            if dist.model_version
            else "No active model yet (train one)"
        )
        self.confidence.set_stacked(
            bins,
            [BarSeries("samples", "#72b7b2", dist.confidence, [("confidence", i) for i in range(len(dist.confidence))])]
            if dist.confidence
            else [],
        )
        days = sorted({day for per_author in dist.per_day.values() for day in per_author})[-DAYS_SHOWN:]
        self.per_day.plot.setTitle(
            "Labels per day, by labeler" if days else "Labels per day, by labeler (none yet: imports do not count)"
        )
        self.per_day.set_stacked(
            [day[5:] for day in days],
            [
                BarSeries(
                    author,
                    PALETTE[index % len(PALETTE)],
                    [dist.per_day[author].get(day, 0) for day in days],
                    [("day", author, day) for day in days],
                )
                for index, author in enumerate(sorted(dist.per_day))
            ],
        )
        totals = dist.class_totals
        labeled = dist.status.get("labeled", 0) + dist.status.get("reviewed", 0)
        self.summary.setText(
            f"{sum(dist.status.values()):,} samples, {labeled:,} labeled or reviewed, "
            f"{sum(dist.sources.values()):,} annotations"
        )
        self._update_warning(totals, names, [label.id for label in labels])

    def _update_warning(self, totals: dict[int, int], names: list[str], ids: list[int]) -> None:
        counts = {name: totals.get(label_id, 0) for name, label_id in zip(names, ids)}
        if not counts or sum(counts.values()) == 0:
            self.warning.hide()
            return
        ratio = imbalance_ratio({i: counts[n] for i, n in zip(ids, names)})
        largest = max(counts, key=lambda n: counts[n])
        smallest = min(counts, key=lambda n: counts[n])
        if ratio == float("inf"):
            empty = ", ".join(n for n, c in counts.items() if c == 0)
            self.warning.setText(f"⚠ Class imbalance: no annotations yet for {empty}")
        elif ratio >= IMBALANCE_WARNING:
            self.warning.setText(
                f"⚠ Class imbalance: {largest!r} has {counts[largest]:,} annotations, "
                f"{smallest!r} only {counts[smallest]:,} ({ratio:.1f}×)"
            )
        else:
            self.warning.hide()
            return
        self.warning.show()

    # -- click-through ---------------------------------------------------------------------
    def _on_click(self, key: tuple[Any, ...]) -> None:
        store = self.context.store
        kind = key[0]
        if kind == "class":
            _, label_id, split = key
            label = self.context.label_by_id(label_id)
            ids = store.analytics.class_split_ids(label_id, split)
            title = f"{label.name if label else label_id} · {split}"
        elif kind == "status":
            ids, title = store.analytics.status_ids(key[1]), f"status: {key[1]}"
        elif kind == "source":
            ids, title = store.analytics.source_ids(key[1]), f"source: {key[1]}"
        elif kind == "confidence":
            version = self.distribution.model_version if self.distribution else None
            if version is None:
                return
            n_bins = len(self.distribution.confidence) if self.distribution else CONFIDENCE_BINS
            ids = store.analytics.confidence_ids(version, key[1], n_bins)
            lo = key[1] / n_bins
            title = f"{version} confidence {lo:.2g}–{lo + 1 / n_bins:.2g}"
        elif kind == "day":
            _, author, day = key
            ids, title = store.analytics.day_ids(author, day), f"labeled by {author} on {day}"
        else:
            return
        self.context.show_samples(ids, title)

    def shutdown(self) -> None:
        self.refresher.shutdown()
