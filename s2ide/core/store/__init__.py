"""The project store: one SQLite connection and the repositories over it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from s2ide.core.store.analytics import AnalyticsRepository
from s2ide.core.store.database import Transactions, open_connection
from s2ide.core.store.escalations import ReviewRepositories
from s2ide.core.store.export_reads import ExportReadRepository
from s2ide.core.store.models import ModelRepository
from s2ide.core.store.overlays import OverlayRepository
from s2ide.core.store.predictions import PredictionRepository
from s2ide.core.store.repositories import (
    AnnotationRepository,
    AuditRepository,
    LabelRepository,
    MetaRepository,
    SampleFilter,
    SampleRepository,
    StatsRepository,
    UserRepository,
)
from s2ide.core.store.vectors import PriorityRepository, VectorRepository

if TYPE_CHECKING:
    import sqlite_utils

__all__ = ["SampleFilter", "Store"]


class Store:
    """One connection (use it from one thread) with every repository attached.

    ``with store.transaction():`` groups writes into one commit; nesting uses savepoints.
    """

    def __init__(self, db_path: Path) -> None:
        self.path = db_path
        self.conn = open_connection(db_path)
        self.transaction = Transactions(self.conn)
        self.meta = MetaRepository(self.conn)
        self.labels = LabelRepository(self.conn)
        self.samples = SampleRepository(self.conn)
        self.annotations = AnnotationRepository(self.conn)
        self.users = UserRepository(self.conn)
        self.audit = AuditRepository(self.conn)
        self.stats = StatsRepository(self.conn)
        self.overlays = OverlayRepository(self.conn)
        self.review = ReviewRepositories(self.conn)
        self.models = ModelRepository(self.conn)
        self.predictions = PredictionRepository(self.conn)
        self.analytics = AnalyticsRepository(self.conn)
        self.export_reads = ExportReadRepository(self.conn)
        self.vectors = VectorRepository(self.conn)
        self.priority = PriorityRepository(self.conn)

    @property
    def db(self) -> sqlite_utils.Database:
        """sqlite-utils over this connection, for ad-hoc table work (loaded on first use)."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
