"""Labeling writes one transaction and one audit row; roles gate actions; settings remember."""

from __future__ import annotations

import pytest

from s2ide.core.errors import InvalidInputError, PermissionDenied
from s2ide.core.labeling.label_edits import create_label, update_label
from s2ide.core.labeling.tags import label_sample, set_tag
from s2ide.core.review.users import Action, add_user, can, require
from s2ide.core.settings import Settings


def test_set_tag_is_one_commit_with_one_audit_row(filled_project):
    store = filled_project.store
    sample = store.samples.rows()[0]
    dog = store.labels.by_name("dog").id
    commits = []
    store.conn.set_trace_callback(lambda sql: commits.append(sql) if sql.strip().upper() == "COMMIT" else None)
    audit_before = len(store.audit.list(entity="sample", entity_id=sample["id"]))
    set_tag(store, sample["id"], dog, "lara")
    store.conn.set_trace_callback(None)
    assert commits == ["COMMIT"]
    entries = store.audit.list(entity="sample", entity_id=sample["id"])
    assert len(entries) == audit_before + 1
    latest = entries[0]
    assert latest.user == "lara" and latest.action == "tag"
    assert latest.before == {"label_id": sample["label_id"], "status": "labeled"}
    assert latest.after["label_id"] == dog


def test_clearing_a_tag_marks_unlabeled(filled_project):
    store = filled_project.store
    sample = store.samples.rows()[0]
    set_tag(store, sample["id"], None, "lara")
    assert store.annotations.tag_of(sample["id"]) is None
    assert store.samples.get(sample["id"]).status == "unlabeled"


def test_label_sample_requires_a_known_user(filled_project):
    with pytest.raises(InvalidInputError, match="unknown user 'nobody'"):
        label_sample(filled_project, 1, "cat", "nobody")
    sample, label = label_sample(filled_project, 1, "dog", "lara")
    assert label.name == "dog" and sample.status == "labeled"


def test_roles(project):
    assert can("labeler", Action.LABEL) and not can("labeler", Action.RESOLVE_ESCALATION)
    assert can("lead", Action.RESOLVE_ESCALATION) and not can("lead", Action.MANAGE_MODELS)
    assert can("engineer", Action.MANAGE_MODELS)
    with pytest.raises(PermissionDenied, match="lara is a labeler and may not edit labels"):
        require(project.store, "lara", Action.EDIT_LABELS)
    with pytest.raises(PermissionDenied):
        add_user(project.store, "mallory", "engineer", by="lara")
    add_user(project.store, "mia", "labeler", by="leo")
    assert project.store.users.get("mia").role == "labeler"
    with pytest.raises(InvalidInputError, match="unknown role"):
        add_user(project.store, "x", "boss")


def test_label_edits_check_roles_and_hotkeys_and_audit(project):
    store = project.store
    cat = store.labels.by_name("cat")
    with pytest.raises(PermissionDenied):
        update_label(store, "lara", cat.id, name="kitty")
    with pytest.raises(InvalidInputError, match="hotkey 2 is already used by label 'dog'"):
        update_label(store, "leo", cat.id, hotkey="2")
    assert store.labels.get(cat.id).hotkey == "1"
    updated = update_label(store, "leo", cat.id, name="kitty", color="#123456")
    assert (updated.name, updated.color) == ("kitty", "#123456")
    entry = store.audit.list(entity="label", entity_id=cat.id)[0]
    assert entry.before == {"name": "cat", "color": cat.color} and entry.after == {"name": "kitty", "color": "#123456"}
    bird = create_label(store, "eng", "bird", "#00ff00", "3", "small and feathered")
    assert store.labels.hotkey_owner("3") == bird
    with pytest.raises(InvalidInputError, match="exists already"):
        create_label(store, "eng", "bird", "#00ff00")
    with pytest.raises(InvalidInputError, match="#rrggbb"):
        create_label(store, "eng", "fish", "blue")


def test_settings_remember_project_user_and_recent(tmp_path):
    path = tmp_path / "settings.json"
    settings = Settings(path)
    settings.remember_project(tmp_path / "a")
    settings.remember_project(tmp_path / "b")
    settings.remember_project(tmp_path / "a")
    settings.remember_user(tmp_path / "a", "lara")
    again = Settings(path)
    assert again.last_project == tmp_path / "a"
    assert again.recent_projects() == [str(tmp_path / "a"), str(tmp_path / "b")]
    assert again.user_for(tmp_path / "a") == "lara" and again.user_for(tmp_path / "b") is None


def test_damaged_settings_are_set_aside(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text("{not json")
    assert Settings(path).data == {}
    assert (tmp_path / "settings.damaged.json").exists()
