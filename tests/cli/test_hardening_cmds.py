"""Command-line hardening (issue 23): mistyped commands, URLs, control characters, check-db,
storage errors as specific one-line messages."""

from __future__ import annotations

import json
import sqlite3

import pytest

from s2ide.cli import main
from s2ide.cli._common import escape_control


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize(
    ("word", "hint"),
    [("tset", "unknown command 'tset'"), ("stast", "did you mean: stats"), ("lable", "did you mean: label")],
)
def test_a_mistyped_command_is_refused_with_suggestions(capsys, tmp_path, monkeypatch, word, hint):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, word)
    assert code == 2 and hint in err and out == ""
    assert err.count("\n") == 1


def test_an_existing_folder_still_opens_the_app(capsys, tmp_path, monkeypatch):
    from s2ide.cli import project_cmds

    opened = []
    monkeypatch.setattr(project_cmds, "cmd_gui", lambda args: opened.append(args.project) or 0)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tset").mkdir()
    assert run(capsys, "tset")[0] == 0
    assert run(capsys, "some/path")[0] == 0
    assert [str(p) for p in opened] == ["tset", "some/path"]


def test_init_with_a_postgresql_url_makes_no_local_folder(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "init", "postgresql://host/db", "--labels", "a")
    # the URL names a team database: an unknown host is one clear line, never a folder `postgresql:`
    assert code == 1 and "postgresql://host/db" in err and "cannot connect" in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_samples_escapes_control_characters_in_its_table(capsys, filled_project):
    store = filled_project.store
    row = store.samples.rows()[0]
    store.conn.execute("UPDATE samples SET path = ? WHERE id = ?", ("evil\nname\x1b[2J.png", row["id"]))
    code, out, _ = run(capsys, "samples", filled_project.path)
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 1 + store.samples.count()  # the header and one line per sample
    assert "evil\\nname\\x1b[2J.png" in out and "\x1b" not in out
    data = json.loads(run(capsys, "samples", filled_project.path, "--json")[1])
    assert any(r["path"] == "evil\nname\x1b[2J.png" for r in data)  # --json keeps the real name
    assert escape_control("plain/é.png") == "plain/é.png"


def test_check_db_reports_ok_and_recovers(capsys, filled_project, tmp_path):
    code, out, _ = run(capsys, "check-db", filled_project.path)
    assert code == 0 and out.startswith(f"{filled_project.db_path}: ok")
    code, out, _ = run(capsys, "check-db", filled_project.path, "--recover", tmp_path / "r", "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"] and report["recovered"]["integrity"] == ["ok"]
    assert report["recovered"]["rows"]["samples"] == filled_project.store.samples.count()


def test_check_db_finds_damage_and_exits_1(capsys, filled_project):
    from tests.core.store.test_storage_errors import _corrupt

    _corrupt(filled_project)
    code, out, _ = run(capsys, "check-db", filled_project.path)
    assert code == 1 and "DAMAGED" in out


def test_storage_errors_are_one_specific_line(capsys, filled_project, tmp_path):
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    conn = sqlite3.connect(str(foreign / "project.db"))
    conn.executescript("CREATE TABLE meta (key TEXT, value TEXT); INSERT INTO meta VALUES (1, 'x');")
    conn.close()
    code, _, err = run(capsys, "stats", foreign)
    assert code == 1 and "not an s2ide project" in err and "unexpected" not in err
    assert sorted(p.name for p in foreign.iterdir()) == ["project.db"]

    filled_project.store.conn.execute("DROP TABLE audit")
    code, _, err = run(capsys, "stats", filled_project.path)
    assert code == 1 and "audit table is missing" in err and "check-db" in err and "unexpected" not in err
