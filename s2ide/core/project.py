"""A project is a folder: project.db, models/, cache/ (DESIGN.md §3).

`Project` knows the folder and how image paths are stored; `Project.connect()` gives each
thread its own `Store`. Paths under the project folder are stored relative, so the folder can
move with its images; paths elsewhere are stored absolute.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

from s2ide.core.colors import default_color, default_hotkey
from s2ide.core.errors import InvalidInputError, NotAProjectError, ReadOnlyProjectError, S2Error
from s2ide.core.store import Store
from s2ide.core.store.database import open_read_only
from s2ide.core.store.integrity import verify_s2ide
from s2ide.core.store.migrations import create_schema, current_version, latest_version, migrate
from s2ide.core.store.storage_errors import translate

DB_NAME = "project.db"
TASKS = ("classify", "detect", "segment")
DEFAULT_ESCALATION_REASONS = [
    "ambiguous class",
    "not in the label set",
    "poor image quality",
    "guideline unclear",
    "other",
]


class Project:
    def __init__(self, path: Path) -> None:
        self.path = path.resolve()
        self.db_path = self.path / DB_NAME
        self.models_dir = self.path / "models"
        self.cache_dir = self.path / "cache"
        self.thumbs_dir = self.cache_dir / "thumbs"
        self._local = threading.local()
        self.read_only = False

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def create(
        cls, path: Path | str, labels: Sequence[str], task: str = "classify", name: str | None = None
    ) -> Project:
        refuse_url(path)
        path = Path(path)
        if task not in TASKS:
            raise InvalidInputError(f"unknown task {task!r} (use one of {', '.join(TASKS)})")
        names = [label.strip() for label in labels if label.strip()]
        if len(set(names)) != len(names):
            raise InvalidInputError("label names must be unique")
        if (path / DB_NAME).exists():
            raise InvalidInputError(f"{path}: a project exists here already")
        if path.exists() and not path.is_dir():
            raise InvalidInputError(f"{path}: exists and is not a folder")
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InvalidInputError(f"{path}: cannot create the project folder ({exc.strerror})") from exc
        project = cls(path)
        for folder in (project.models_dir, project.thumbs_dir):
            folder.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(project.db_path), isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            create_schema(conn)
        finally:
            conn.close()
        store = project.store
        with store.transaction():
            store.meta.set("name", name or path.resolve().name)
            store.meta.set("task", task)
            store.meta.set_json("escalation_reasons", DEFAULT_ESCALATION_REASONS)
            for index, label in enumerate(names):
                store.labels.create(label, default_color(index), default_hotkey(index))
        return project

    @classmethod
    def open(cls, path: Path | str) -> Project:
        refuse_url(path)
        path = Path(path)
        if not path.exists():
            raise NotAProjectError(f"{path}: no such folder")
        if path.is_file() and path.name == DB_NAME:
            path = path.parent
        if not (path / DB_NAME).is_file():
            raise NotAProjectError(f"{path}: not an s2ide project (no {DB_NAME}; create one with `s2ide init`)")
        project = cls(path)
        # A read-only mount, an immutable or unwritable project.db: open it for reading only.
        project.read_only = not (os.access(project.db_path, os.W_OK) and os.access(project.path, os.W_OK))
        try:
            # A plain connection for migrations (foreign keys off, as table rebuilds need).
            if project.read_only:
                conn = open_read_only(project.db_path)
            else:
                conn = sqlite3.connect(str(project.db_path), isolation_level=None)
                conn.execute("PRAGMA busy_timeout = 10000")
            try:
                verify_s2ide(conn, project.db_path)
                if not project.read_only:
                    migrate(conn, project.db_path)
                elif current_version(conn) < latest_version():
                    raise ReadOnlyProjectError(
                        f"{project.path}: the project is read-only and made by an older s2ide (schema "
                        f"{current_version(conn)}, this one needs {latest_version()}); copy it somewhere writable "
                        "so it can be upgraded"
                    )
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            explained = translate(exc, project.db_path, opening=True)
            if explained is not None:
                raise explained from exc
            raise NotAProjectError(f"{project.db_path}: not a readable s2ide database ({exc})") from exc
        if not project.read_only:
            for folder in (project.models_dir, project.thumbs_dir):
                folder.mkdir(parents=True, exist_ok=True)
        return project

    # -- connections -----------------------------------------------------------------------
    def connect(self) -> Store:
        """A new connection; the caller owns it (workers open their own)."""
        return Store(self.db_path, read_only=self.read_only)

    @property
    def store(self) -> Store:
        """This thread's shared connection, opened on first use."""
        store = getattr(self._local, "store", None)
        if store is None:
            store = self._local.store = self.connect()
        return store

    def close(self) -> None:
        store = getattr(self._local, "store", None)
        if store is not None:
            store.close()
            self._local.store = None

    # -- facts -----------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.store.meta.get("name") or self.path.name

    @property
    def task(self) -> str:
        return self.store.meta.get("task") or "classify"

    # -- image paths -----------------------------------------------------------------------
    def stored_path(self, image: Path) -> str:
        """Relative (posix) under the project folder, absolute elsewhere."""
        image = image.resolve()
        try:
            return image.relative_to(self.path).as_posix()
        except ValueError:
            return image.as_posix()

    def image_path(self, stored: str) -> Path:
        path = Path(stored)
        return path if path.is_absolute() else self.path / path

    def thumbnail_path(self, sha256: str) -> Path:
        return self.thumbs_dir / sha256[:2] / f"{sha256}.jpg"


_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:/")


def refuse_url(path: Path | str) -> None:
    """A `postgresql://` (or any URL) project names a team database, never a local folder.

    Until the team backend lands this build says so instead of making a folder `postgresql:`.
    """
    text = str(path)
    if _URL.match(text):
        if "://" not in text:  # Path() folds "postgresql://host" to "postgresql:/host"
            text = text.replace(":/", "://", 1)
        scheme = text.split(":", 1)[0]
        if scheme.lower() in ("postgresql", "postgres"):
            raise S2Error(
                f"{text}: team projects need the PostgreSQL backend, which this build of s2ide does not have yet; "
                "use a local project folder"
            )
        raise S2Error(f"{text}: a project is a local folder or a postgresql:// URL, not a {scheme}: URL")


def is_project(path: Path | str) -> bool:
    return (Path(path) / DB_NAME).is_file() or (os.path.basename(str(path)) == DB_NAME and Path(path).is_file())
