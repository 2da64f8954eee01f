"""Every command takes a postgresql:// URL; the signed-in database user is the user."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from s2ide.cli import main


def _run(capsys, *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _as(url: str, name: str) -> str:
    user = url.split("//", 1)[1].split("@", 1)[0]
    return url.replace(f"//{user}@", f"//{name}@", 1)


def test_team_project_from_the_command_line(
    capsys, team_url: str, tmp_path: Path, image_tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = team_url.split("//", 1)[1].split("@", 1)[0]
    code, out, _ = _run(capsys, "init", team_url, "--labels", "cat,dog")
    assert code == 0 and "created" in out and "owner-pw" not in out
    assert _run(capsys, "init", team_url, "--labels", "a")[2].count("\n") == 1  # exists already: one line

    monkeypatch.setenv("S2IDE_MEDIA_ROOT", str(image_tree.parent))
    code, out, err = _run(capsys, "import", team_url, image_tree, "--json")
    assert code == 0, err
    assert json.loads(out)["imported"] == 5

    secret = tmp_path / "pw"
    secret.write_text("lara-team-pw\n")
    code, out, err = _run(capsys, "users", team_url, "add", "lara_t", "--role", "labeler", "--password-file", secret)
    assert code == 0, err
    code, out, _ = _run(capsys, "users", team_url, "--json")
    assert {"name": "lara_t", "role": "labeler"} in json.loads(out)
    assert {"name": owner, "role": "engineer"} in json.loads(out)

    monkeypatch.setenv("PGPASSWORD", "lara-team-pw")
    lara = _as(team_url, "lara_t")
    sample = json.loads(_run(capsys, "samples", lara, "--json")[1])[0]
    code, out, err = _run(capsys, "label", lara, sample["id"], "dog", "--json")
    assert code == 0, err
    code, _out, err = _run(capsys, "label", lara, sample["id"], "cat", "--user", owner)
    assert code == 1 and "refused" in err and err.count("\n") == 1
    code, _out, err = _run(capsys, "escalate", lara, sample["id"], "--reason", "ambiguous class")
    assert code == 0, err
    escalation = json.loads(_run(capsys, "escalations", lara, "--json")[1])[0]
    assert escalation["raised_by"] == "lara_t"
    code, _out, err = _run(capsys, "resolve", lara, escalation["id"], "--label", "cat")
    assert code == 1 and "may not resolve" in err
    code, _out, err = _run(capsys, "users", lara, "add", "lara_t", "--role", "engineer")
    assert code == 1 and err.count("\n") == 1

    monkeypatch.setenv("PGPASSWORD", "owner-pw")
    code, _out, err = _run(capsys, "resolve", team_url, escalation["id"], "--label", "cat")
    assert code == 0, err
    stats = json.loads(_run(capsys, "stats", team_url, "--json")[1])
    assert stats["samples"] == 5 and stats["escalations"] == {"resolved": 1}

    monkeypatch.setenv("PGPASSWORD", "wrong")
    code, _out, err = _run(capsys, "stats", team_url)
    assert code == 1 and "password authentication failed" in err and err.count("\n") == 1 and "wrong" not in err


def test_a_missing_media_root_is_named(capsys, team_url: str, image_tree: Path, monkeypatch) -> None:
    monkeypatch.delenv("S2IDE_MEDIA_ROOT", raising=False)
    assert _run(capsys, "init", team_url, "--labels", "cat")[0] == 0
    code, _out, err = _run(capsys, "import", team_url, image_tree)
    assert code == 1 and "media root" in err and err.count("\n") == 1


def test_push_copies_a_local_project_in_one_transaction(capsys, team_url: str, filled_project, tmp_path: Path) -> None:
    from s2ide.core.project import Project
    from s2ide.core.review import escalations as esc
    from s2ide.core.store.push import local_rows

    store = filled_project.store
    first = store.samples.ids()[0]
    esc.escalate(store, first, "ambiguous class", "lara", note="cat or dog?")
    filled_project.close()
    local_db = filled_project.path / "project.db"
    before = local_db.read_bytes()
    import sqlite3

    counts = local_rows(sqlite3.connect(local_db))
    code, out, err = _run(capsys, "push", filled_project.path, team_url, "--json")
    assert code == 0, err
    pushed = json.loads(out)
    assert pushed["rows"]["samples"] == counts["samples"] and pushed["rows"]["audit"] == counts["audit"]
    # every local user is either granted its role (a login of that name exists in the cluster, as
    # other tests of this run may have made) or listed as needing one; none is dropped silently
    listed = [entry.split(" ")[0] for entry in pushed["users_without_login"] + pushed["users_granted"]]
    assert sorted(listed) == ["eng", "lara", "leo"]
    assert local_db.read_bytes() == before  # the local project is untouched

    team = Project.open(team_url)
    assert team.store.samples.count() == counts["samples"]
    assert [e.raised_by for e in team.store.review.escalations.list()] == ["lara"]
    trail = team.store.audit.list(limit=10_000)
    assert {e.user for e in trail} >= {"lara"}  # history keeps its authors
    assert team.store.stats.summary() == Project.open(filled_project.path).store.stats.summary()
    with team.store.transaction():  # new rows get fresh ids past the pushed ones
        assert team.store.samples.add("new.png", "sha-new", 1, 1) > max(team.store.samples.ids()[:-1])
    team.close()
    code, _out, err = _run(capsys, "push", filled_project.path, team_url)
    assert code == 1 and "exists here already" in err and err.count("\n") == 1


def test_push_maps_local_users_to_their_database_logins(capsys, team_url: str, filled_project, pg_cluster) -> None:
    """Locally she was "lara"; on the server her login is "lara_k": her tags, escalation, audit rows
    and role follow her under the new name."""
    from s2ide.core.project import Project
    from s2ide.core.review import escalations as esc

    store = filled_project.store
    first = store.samples.ids()[0]
    esc.escalate(store, first, "ambiguous class", "lara", note="cat or dog?")
    filled_project.close()
    import uuid

    login = "lara_" + uuid.uuid4().hex[:6]
    pg_cluster.new_login(login, "pw")
    code, out, err = _run(capsys, "push", filled_project.path, team_url, "--map-user", f"lara={login}", "--json")
    assert code == 0, err
    assert f"{login} (labeler)" in json.loads(out)["users_granted"]
    team = Project.open(team_url)
    assert [e.raised_by for e in team.store.review.escalations.list()] == [login]
    assert team.store.users.get(login).role == "labeler" and team.store.users.get("lara") is None
    trail_users = {e.user for e in team.store.audit.list(limit=10_000)}
    assert login in trail_users and "lara" not in trail_users
    team.close()
    code, _out, err = _run(capsys, "push", filled_project.path, team_url, "--map-user", "lara")
    assert code == 1 and "LOCAL=LOGIN" in err
