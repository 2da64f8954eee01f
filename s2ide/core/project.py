"""A project is a folder: project.db, models/, cache/ (DESIGN.md §3), or, for a team, a
PostgreSQL database named by a `postgresql://` URL (`TeamProject`).

`Project` knows the folder and how image paths are stored; `Project.connect()` gives each
thread its own `Store`. Paths under the project folder are stored relative, so the folder can
move with its images; paths elsewhere are stored absolute. A team project stores paths relative
to its media root, which each machine maps to its own mount (S2IDE_MEDIA_ROOT or Team settings).
"""

from __future__ import annotations

import getpass
import hashlib
import os
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from s2ide.core.colors import default_color, default_hotkey
from s2ide.core.errors import InvalidInputError, NotAProjectError, ReadOnlyProjectError, S2Error
from s2ide.core.store import Store
from s2ide.core.store.database import open_read_only
from s2ide.core.store.integrity import verify_s2ide
from s2ide.core.store.migrations import check_not_newer, create_schema, current_version, latest_version, migrate
from s2ide.core.store.postgres import is_url
from s2ide.core.store.repositories import MetaRepository
from s2ide.core.store.storage_errors import translate

DB_NAME = "project.db"
FOLDER_PROJECT_DIR = ".s2ide"  # `s2ide FOLDER` keeps its project in FOLDER/.s2ide
FOLDER_PATHS_KEY = "folder_paths"  # "relative": the folder's images are stored as "../name"
PARENT_PREFIX = "../"
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
        self._paths_beside: bool | None = None  # read with the project (Project.open) or on first use

    # -- opening ---------------------------------------------------------------------------
    is_team = False

    @property
    def location(self) -> str:
        """What opens this project again: the folder, or a team project's URL (no password)."""
        return str(self.path)

    @property
    def signed_in_user(self) -> str | None:
        """A team project's database user (the only identity it accepts); None for a local project."""
        return None

    @classmethod
    def create(
        cls,
        path: Path | str,
        labels: Sequence[str],
        task: str = "classify",
        name: str | None = None,
        owner: str | None = None,
    ) -> Project:
        """A new project; `owner` (the CLI passes the OS user name) becomes its first user, an engineer."""
        if is_url(path):
            return TeamProject.create(str(path), labels, task=task, name=name)
        path = Path(path)
        if task not in TASKS:
            raise InvalidInputError(f"unknown task {task!r} (use one of {', '.join(TASKS)})")
        names = _label_names(labels)
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
            if owner:
                store.users.upsert(owner, "engineer")
        return project

    @classmethod
    def open(cls, path: Path | str) -> Project:
        if is_url(path):
            return TeamProject.open(str(path))
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
                # read here, on the opening thread: a worker's stored_path needs no connection
                project._paths_beside = (
                    project.path.name == FOLDER_PROJECT_DIR and MetaRepository(conn).get(FOLDER_PATHS_KEY) == "relative"
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
        """Relative (posix) under the project folder; in a folder project (FOLDER/.s2ide made with
        relative paths) "../name" for an image in FOLDER, so the folder can move or be opened
        from another mount; absolute elsewhere."""
        image = image.resolve()
        try:
            return image.relative_to(self.path).as_posix()
        except ValueError:
            pass
        if self.paths_beside:
            try:
                return PARENT_PREFIX + image.relative_to(self.path.parent).as_posix()
            except ValueError:
                pass
        return image.as_posix()

    @property
    def paths_beside(self) -> bool:
        """True for a folder project that stores its folder's images relative to it (read once)."""
        if self._paths_beside is None:
            self._paths_beside = (
                self.path.name == FOLDER_PROJECT_DIR and self.store.meta.get(FOLDER_PATHS_KEY) == "relative"
            )
        return self._paths_beside

    def image_path(self, stored: str) -> Path:
        if stored.startswith(PARENT_PREFIX):  # an image beside a folder project (FOLDER/.s2ide)
            return self.path.parent / stored[len(PARENT_PREFIX) :]
        path = Path(stored)
        return path if path.is_absolute() else self.path / path

    def thumbnail_path(self, sha256: str) -> Path:
        return self.thumbs_dir / sha256[:2] / f"{sha256}.jpg"


def _label_names(labels: Sequence[str]) -> list[str]:
    names = [label.strip() for label in labels if label.strip()]
    if len(set(names)) != len(names):
        raise InvalidInputError("label names must be unique")
    return names


def os_user() -> str:
    """The OS user name: a local project's default user and creator."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "owner"


class MediaRootError(S2Error):
    """A team project's images cannot be found on this machine: names the media root."""


class TeamProject(Project):
    """A project held by a PostgreSQL server; the signed-in database user is the s2ide user.

    `path` is this machine's cache folder for the project (thumbnails, model weights in use);
    images are read from the media root, which each machine maps (S2IDE_MEDIA_ROOT, or the
    per-project setting File > Team settings writes). The password, when the app asks for one,
    lives in memory only.
    """

    is_team = True

    def __init__(self, url: str, password: str | None = None) -> None:
        from s2ide.core.settings import config_dir
        from s2ide.core.store.postgres import safe_url

        self.url = url
        self.display = safe_url(url)
        self._password = password
        key = hashlib.sha256(self.display.encode()).hexdigest()[:16]
        super().__init__(config_dir().parent / "s2ide-team-cache" / key)
        self._user: str | None = None

    @property
    def location(self) -> str:
        return self.display

    def _connect_raw(self) -> Any:
        from s2ide.core.store.postgres import connect

        return connect(self.url, self._password)

    @classmethod
    def create(  # type: ignore[override]
        cls, url: str, labels: Sequence[str], task: str = "classify", name: str | None = None, **_: Any
    ) -> TeamProject:
        """Create the schema, the group roles, grants, policies and functions in one transaction;
        the creating database user becomes the owner, an engineer."""
        if task not in TASKS:
            raise InvalidInputError(f"unknown task {task!r} (use one of {', '.join(TASKS)})")
        names = _label_names(labels)
        project = cls(url)
        conn = project._connect_raw()
        try:
            owner, database = project._check_empty(conn)
            store = Store(project.display, conn=conn)
            with store.transaction():
                project._install(conn, store, owner, database, name or database, task)
                for index, label in enumerate(names):
                    store.labels.create(label, default_color(index), default_hotkey(index))
        finally:
            conn.close()
        return cls.open(url)

    @classmethod
    def push(cls, local: Project, url: str, user_map: dict[str, str] | None = None) -> tuple[TeamProject, Any]:
        """Copy a local project onto the server in one transaction (the local file is only read);
        returns the team project and the `PushReport`."""
        from s2ide.core.store.push import copy_project

        project = cls(url)
        conn = project._connect_raw()
        source = sqlite3.connect(f"file:{local.db_path}?mode=ro", uri=True)
        try:
            owner, database = project._check_empty(conn)
            store = Store(project.display, conn=conn)
            with store.transaction():
                project._install(conn, store, owner, database, local.name, local.task)
                report = copy_project(source, conn, user_map)
                report.rows["model_weights"] = _push_weights(local, store)
        finally:
            source.close()
            conn.close()
        return cls.open(url), report

    def _check_empty(self, conn: Any) -> tuple[str, str]:
        """(owner, database) when the database is empty and the user may create roles; else one clear error."""
        if conn.scalar("SELECT to_regclass('public.meta')") is not None:
            raise InvalidInputError(f"{self.display}: a project exists here already")
        others = conn.scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        if others:
            raise InvalidInputError(
                f"{self.display}: the database has {others} other table(s); create a team project in a new, "
                "empty database (createdb NAME)"
            )
        owner, database, can_create = conn.execute(
            "SELECT current_user, current_database(), rolcreaterole OR rolsuper FROM pg_roles "
            "WHERE rolname = current_user"
        ).fetchone()
        if not can_create:
            raise InvalidInputError(
                f"{self.display}: {owner} may not create roles; a team project's creator needs CREATEROLE "
                f"(ALTER ROLE {owner} CREATEROLE, as the server's admin)"
            )
        return str(owner), str(database)

    @staticmethod
    def _install(conn: Any, store: Store, owner: str, database: str, name: str, task: str) -> None:
        """Schema, group roles, grants, policies, functions and the project's facts (inside a transaction)."""
        from s2ide.core.store.pg_schema import ensure_groups, install_roles, role_prefix

        prefix = role_prefix(database)
        create_schema(conn)
        ensure_groups(conn, prefix)
        install_roles(conn, prefix, owner, database)
        store.meta.set("name", name)
        store.meta.set("task", task)
        store.meta.set_json("escalation_reasons", DEFAULT_ESCALATION_REASONS)
        store.meta.set("pg_role_prefix", prefix)
        store.meta.set("pg_owner", owner)
        store.users.upsert(owner, "engineer")

    @classmethod
    def open(cls, url: str, password: str | None = None) -> TeamProject:  # type: ignore[override]
        """Connect, check it is an s2ide project this version can read, and that the user has a role in it."""
        from s2ide.core.store.pg_schema import install_roles

        project = cls(url, password)
        conn = project._connect_raw()
        try:
            if conn.scalar("SELECT to_regclass('public.meta')") is None:
                raise NotAProjectError(
                    f"{project.display}: not an s2ide project (no meta table); create one with `s2ide init URL`"
                )
            version = check_not_newer(conn, project.display)
            user = conn.scalar("SELECT current_user")
            role = conn.scalar("SELECT s2ide_role_of(current_user)")
            if role is None:
                raise NotAProjectError(
                    f"{project.display}: {user} has no role in this project; ask an engineer to run "
                    f"`s2ide users URL add {user} --role ROLE`"
                )
            from s2ide.core.store.migrations import latest_version

            if version < latest_version():
                owner = conn.scalar("SELECT value FROM meta WHERE key = 'pg_owner'")
                if user != owner:
                    raise NotAProjectError(
                        f"{project.display}: the project needs an upgrade to schema {latest_version()}; its owner "
                        f"{owner} must open it once with this s2ide"
                    )
                store = Store(project.display, conn=conn)
                with store.transaction():
                    for step in range(version + 1, latest_version() + 1):
                        from s2ide.core.store.migrations import MIGRATIONS

                        MIGRATIONS[step](conn)
                        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(step),))
                    prefix = store.meta.get("pg_role_prefix") or ""
                    install_roles(conn, prefix, str(owner), str(conn.scalar("SELECT current_database()")))
            project._user = str(user)
        finally:
            conn.close()
        for folder in (project.models_dir, project.thumbs_dir):
            folder.mkdir(parents=True, exist_ok=True)
        return project

    def connect(self) -> Store:
        return Store(self.display, conn=self._connect_raw())

    @property
    def store(self) -> Store:
        """This thread's connection; one the server dropped is replaced on the next use (the edit that
        failed was never committed and said so; the retry starts clean)."""
        store = getattr(self._local, "store", None)
        if store is not None and store.conn.closed:
            self._local.store = None
        return super().store

    @property
    def signed_in_user(self) -> str | None:
        if self._user is None:
            self._user = str(self.store.conn.scalar("SELECT current_user"))
        return self._user

    # -- images under the media root -----------------------------------------------------------
    def media_root(self) -> Path:
        """This machine's mount of the shared image folder."""
        from s2ide.core.settings import Settings

        root = os.environ.get("S2IDE_MEDIA_ROOT") or Settings().get(f"media_root:{self.display}")
        if not root:
            raise MediaRootError(
                f"{self.display}: no media root on this machine; set S2IDE_MEDIA_ROOT or File > Team settings "
                "to your mount of the team's image folder"
            )
        path = Path(root)
        if not path.is_dir():
            raise MediaRootError(f"{self.display}: the media root {path} is not a folder on this machine (mounted?)")
        return path

    def stored_path(self, image: Path) -> str:
        root = self.media_root().resolve()
        image = image.resolve()
        try:
            return image.relative_to(root).as_posix()
        except ValueError:
            raise MediaRootError(
                f"{image}: outside the media root {root}; a team project's images must lie under it so every "
                "machine can read them"
            ) from None

    def image_path(self, stored: str) -> Path:
        return self.media_root() / stored


def _push_weights(local: Project, store: Store) -> int:
    """Each local version's weights file, into the team database (where every machine finds it)."""
    copied = 0
    for model in store.models.list():
        if not model.weights_file:
            continue
        path = local.models_dir / model.weights_file
        if path.is_file():
            data = path.read_bytes()
            store.model_weights.put(model.version, hashlib.sha256(data).hexdigest(), data)
            copied += 1
    return copied


def is_project(path: Path | str) -> bool:
    if is_url(path):
        return True
    return (Path(path) / DB_NAME).is_file() or (os.path.basename(str(path)) == DB_NAME and Path(path).is_file())
