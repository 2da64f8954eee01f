"""Test defaults: Qt offscreen, settings in a temporary folder, small projects on demand."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _private_settings(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never read or write the developer's own settings."""
    monkeypatch.setenv("S2IDE_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))


def write_image(path: Path, size: tuple[int, int] = (32, 24), color: tuple[int, int, int] = (200, 30, 30)) -> Path:
    """A small real image; a distinct color gives a distinct sha256."""
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path)
    return path


@pytest.fixture
def image_tree(tmp_path: Path) -> Path:
    """An ImageFolder tree: 3 cats, 2 dogs, distinct pixels each."""
    root = tmp_path / "images"
    for index in range(3):
        write_image(root / "cat" / f"cat{index}.png", color=(10 * index, 100, 100))
    for index in range(2):
        write_image(root / "dog" / f"dog{index}.jpg", color=(100, 10 * index, 200))
    return root


@pytest.fixture
def project(tmp_path: Path):
    """An empty classification project with labels cat and dog and one user of each role."""
    from s2ide.core.project import Project
    from s2ide.core.review.users import add_user

    made = Project.create(tmp_path / "proj", ["cat", "dog"])
    for name, role in (("lara", "labeler"), ("leo", "lead"), ("eng", "engineer")):
        add_user(made.store, name, role)
    yield made
    made.close()


@pytest.fixture
def filled_project(project, image_tree: Path):
    """The `project` fixture with the `image_tree` imported (labels from folder names)."""
    from s2ide.core.io.formats import read_plan
    from s2ide.core.io.import_options import ImportOptions
    from s2ide.core.io.importing import run_import
    from s2ide.core.tasks import TaskState

    run_import(project, read_plan(image_tree, "imagefolder"), ImportOptions(), TaskState())
    return project


# -- team projects: a throwaway PostgreSQL cluster (tests/pg_cluster.py) ---------------------------
TEAM_PASSWORDS = {"lara": "lara-pw", "leo": "leo-pw", "eng": "eng-pw"}


@pytest.fixture(scope="session")
def pg_cluster():
    """One PostgreSQL cluster for the whole run; fails with one line when no server binary exists."""
    from tests.pg_cluster import MISSING, Cluster, find_bin

    bin_dir = find_bin()
    if bin_dir is None:
        pytest.fail(MISSING, pytrace=False)
    cluster = Cluster(bin_dir)
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture
def team_url(pg_cluster, monkeypatch: pytest.MonkeyPatch):
    """A new empty database owned by a new CREATEROLE login, signed in as that owner (via PGPASSWORD)."""
    import uuid

    owner = "own_" + uuid.uuid4().hex[:8]
    pg_cluster.new_login(owner, "owner-pw", createrole=True)
    database = pg_cluster.new_database()
    with pg_cluster.admin() as conn:
        conn.execute(f'ALTER DATABASE "{database}" OWNER TO "{owner}"')
    monkeypatch.setenv("PGPASSWORD", "owner-pw")
    return pg_cluster.url(database, owner)


@pytest.fixture
def team_project(team_url: str):
    """The `project` fixture on PostgreSQL: labels cat and dog, users lara, leo and eng (login roles)."""
    from s2ide.core.project import Project
    from s2ide.core.review.users import add_user

    made = Project.create(team_url, ["cat", "dog"])
    for name, role in (("lara", "labeler"), ("leo", "lead"), ("eng", "engineer")):
        add_user(made.store, name, role, password=TEAM_PASSWORDS[name])
    yield made
    made.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_project(request: pytest.FixtureRequest):
    """The same project on each backend: the store's tests run against both."""
    if request.param == "sqlite":
        return request.getfixturevalue("project")
    return request.getfixturevalue("team_project")
