"""The project store: one connection (SQLite locally, PostgreSQL for teams) and the repositories over it."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from s2ide.core.store.analytics import AnalyticsRepository
from s2ide.core.store.annotations import AnnotationRepository
from s2ide.core.store.audit import AuditRepository
from s2ide.core.store.database import Transactions, open_connection
from s2ide.core.store.escalations import ReviewRepositories
from s2ide.core.store.export_reads import ExportReadRepository
from s2ide.core.store.external_models import ExternalModelRepository
from s2ide.core.store.jobs import JobRepository, ModelWeightsRepository
from s2ide.core.store.leases import LeaseRepository
from s2ide.core.store.models import ModelRepository
from s2ide.core.store.overlays import OverlayRepository
from s2ide.core.store.predictions import PredictionRepository
from s2ide.core.store.prelabels import PrelabelOutcomeRepository
from s2ide.core.store.quality import CheckReadRepository, ModelTestRepository, SliceRepository
from s2ide.core.store.repositories import (
    LabelRepository,
    MetaRepository,
    SampleFilter,
    SampleRepository,
    StatsRepository,
    UserRepository,
)
from s2ide.core.store.skeletons import SkeletonRepository
from s2ide.core.store.team_activity import TeamActivityRepository
from s2ide.core.store.vectors import PriorityRepository, VectorRepository

if TYPE_CHECKING:
    import sqlite_utils

__all__ = ["SampleFilter", "Store"]


class Store:
    """One connection (use it from one thread) with every repository attached.

    ``with store.transaction():`` groups writes into one commit; nesting uses savepoints.
    """

    def __init__(self, db_path: Path | str, read_only: bool = False, conn: Any = None) -> None:
        """`db_path`: a local project's database file; or, with `conn` (a `PgConnection`), the
        team project's URL without password (for messages)."""
        self.path = db_path
        self.read_only = read_only
        if conn is not None:
            self.conn: Any = conn
        else:
            try:
                self.conn = open_connection(db_path, read_only)
            except sqlite3.Error as exc:  # a full disk cannot even create the WAL index: say so
                from s2ide.core.store.storage_errors import translate

                explained = translate(exc, Path(db_path), opening=True)
                if explained is None:
                    raise
                raise explained from exc
        self.dialect: str = getattr(self.conn, "dialect", "sqlite")
        self.transaction = Transactions(self.conn, Path(db_path) if conn is None else None)
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
        self.leases = LeaseRepository(self.conn)
        self.team = TeamActivityRepository(self.conn)
        self.external_models = ExternalModelRepository(self.conn)
        self.prelabel_outcomes = PrelabelOutcomeRepository(self.conn)
        self.model_tests = ModelTestRepository(self.conn)
        self.slices = SliceRepository(self.conn)
        self.check_reads = CheckReadRepository(self.conn)
        self.vectors = VectorRepository(self.conn)
        self.priority = PriorityRepository(self.conn)
        self.jobs = JobRepository(self.conn)
        self.model_weights = ModelWeightsRepository(self.conn)
        self.skeletons = SkeletonRepository(self.conn)

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
