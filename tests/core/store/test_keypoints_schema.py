"""The keypoints step: annotations of kind 'keypoints' and per-label skeletons on both backends;
a project from before the step keeps every annotation, id, index, trigger and running count."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

from s2ide.core.errors import InvalidInputError
from s2ide.core.geometry import validate
from s2ide.core.project import Project
from s2ide.core.store import migrations
from s2ide.core.store.skeletons import Skeleton, allow_keypoints

STEP = next(v for v, f in migrations.MIGRATIONS.items() if f is allow_keypoints)
PERSON = Skeleton(["nose", "left_eye", "right_eye"], [(0, 1), (0, 2)])
POINTS = [[10.0, 12.0, 2], [8.0, 10.0, 1], [0.0, 0.0, 0]]


def _tally(store) -> list[tuple]:
    return sorted(tuple(r) for r in store.conn.execute("SELECT split, label_id, source, n FROM annotation_tally"))


def test_keypoints_and_skeletons_on_both_backends(any_project):
    store = any_project.store
    cat = store.labels.resolve("cat").id
    with store.transaction():
        sample = store.samples.add("a.png", "sha-a", 32, 24, "train")
        store.skeletons.set(cat, PERSON)
        kp = store.annotations.add(sample, "keypoints", cat, "eng", geometry={"points": POINTS})
    assert store.skeletons.get(cat) == PERSON
    assert store.skeletons.all() == {cat: PERSON}
    assert store.skeletons.get(store.labels.resolve("dog").id) is None
    assert store.annotations.get(kp).geometry == {"points": POINTS}
    with pytest.raises((sqlite3.IntegrityError, psycopg.errors.CheckViolation)):  # unknown kinds still refused
        with store.transaction():
            store.annotations.add(sample, "blob", cat, "eng", geometry={})


def test_a_project_from_before_the_step_keeps_everything(tmp_path, monkeypatch):
    for version in [v for v in migrations.MIGRATIONS if v >= STEP]:
        monkeypatch.delitem(migrations.MIGRATIONS, version)
    made = Project.create(tmp_path / "p", ["cat"])
    store = made.store
    with store.transaction():
        sample = store.samples.add("a.png", "sha-a", 32, 24, "train")
        cat = store.labels.resolve("cat").id
        ids = [store.annotations.add(sample, "point", cat, "eng", geometry={"x": i, "y": 1}) for i in range(3)]
        store.annotations.add(sample, "tag", cat, "eng")
    with pytest.raises(sqlite3.IntegrityError):
        with store.transaction():
            store.annotations.add(sample, "keypoints", cat, "eng", geometry={"points": POINTS})
    before = _tally(store)
    made.close()
    monkeypatch.undo()
    opened = Project.open(tmp_path / "p")
    store = opened.store
    assert store.meta.get("schema_version") == str(migrations.latest_version())
    assert [a.id for a in store.annotations.for_sample(sample) if a.kind == "point"] == ids
    assert _tally(store) == before
    names = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'annotations'")}
    assert {"annotations_sample", "annotations_label", "annotations_one_tag", "annotation_tally_insert"} <= names
    with store.transaction():
        store.annotations.add(sample, "keypoints", cat, "eng", geometry={"points": POINTS})
    assert _tally(store) == [("train", cat, "human", 5)]  # the insert trigger is back
    with pytest.raises(sqlite3.IntegrityError):  # the one-tag index is back
        with store.transaction():
            store.annotations.add(sample, "tag", cat, "eng")
    assert not list(store.conn.execute("SELECT name FROM sqlite_temp_master"))
    opened.close()


def test_a_team_project_from_before_the_step_migrates(team_url):
    steps = pytest.MonkeyPatch()  # its own: the fixture's monkeypatch holds the server password
    for version in [v for v in migrations.MIGRATIONS if v >= STEP]:
        steps.delitem(migrations.MIGRATIONS, version)
    made = Project.create(team_url, ["cat"])
    store = made.store
    with store.transaction():
        sample = store.samples.add("a.png", "sha-a", 32, 24, "train")
        cat = store.labels.resolve("cat").id
        store.annotations.add(sample, "point", cat, made.signed_in_user, geometry={"x": 1, "y": 1})
    made.close()
    steps.undo()
    opened = Project.open(team_url)
    store = opened.store
    assert store.meta.get("schema_version") == str(migrations.latest_version())
    with store.transaction():
        store.skeletons.set(cat, PERSON)
        store.annotations.add(sample, "keypoints", cat, opened.signed_in_user, geometry={"points": POINTS})
    assert [a.kind for a in store.annotations.for_sample(sample)] == ["point", "keypoints"]
    opened.close()


def test_keypoint_geometry_is_checked():
    assert validate("keypoints", {"points": POINTS}) == {"points": POINTS}
    for bad in ([], [[1, 2]], [[1, 2, 3]], [[1, "a", 2]], [[0, 0, 0]]):
        with pytest.raises(InvalidInputError):
            validate("keypoints", {"points": bad})


def test_push_carries_keypoints_and_skeletons(project, team_url):
    from s2ide.core.project import TeamProject

    store = project.store
    cat = store.labels.resolve("cat").id
    with store.transaction():
        sample = store.samples.add("a.png", "sha-a", 32, 24, "train")
        store.skeletons.set(cat, PERSON)
        store.annotations.add(sample, "keypoints", cat, "eng", geometry={"points": POINTS})
    team, _report = TeamProject.push(project, team_url)
    try:
        assert team.store.skeletons.get(cat) == PERSON
        assert [a.geometry for a in team.store.annotations.for_sample(sample)] == [{"points": POINTS}]
    finally:
        team.close()
