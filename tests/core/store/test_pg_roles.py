"""Roles on a team project are enforced by PostgreSQL itself: raw SQL as each role, not s2ide's code."""

from __future__ import annotations

import psycopg
import pytest

from s2ide.core.errors import PermissionDenied
from s2ide.core.project import Project, TeamProject
from s2ide.core.review import escalations as esc
from s2ide.core.store.tag_writes import write_tag
from tests.conftest import TEAM_PASSWORDS

REFUSED = psycopg.errors.InsufficientPrivilege


def _as(team_project: TeamProject, name: str) -> psycopg.Connection:
    url = team_project.url.replace(team_project.url.split("//", 1)[1].split("@", 1)[0], name, 1)
    return psycopg.connect(url, password=TEAM_PASSWORDS[name], autocommit=True)


@pytest.fixture
def world(team_project: TeamProject):
    """A sample, and an open escalation raised by lara (through s2ide, signed in as lara)."""
    store = team_project.store
    with store.transaction():
        sid = store.samples.add("a.png", "sha-a", 8, 8)
    lara = TeamProject.open(_url_for(team_project, "lara"), password=TEAM_PASSWORDS["lara"])
    escalation = esc.escalate(lara.store, sid, "ambiguous class", "lara")
    lara.close()
    return team_project, sid, escalation.id


def _url_for(team_project: TeamProject, name: str) -> str:
    user = team_project.url.split("//", 1)[1].split("@", 1)[0]
    return team_project.url.replace(f"//{user}@", f"//{name}@", 1)


def test_labeler_cannot_resolve_or_escalate_for_others(world) -> None:
    project, sid, eid = world
    with _as(project, "lara") as conn:
        with pytest.raises(REFUSED):
            conn.execute("UPDATE escalations SET state = 'resolved' WHERE id = %s", (eid,))
        with pytest.raises(REFUSED):
            conn.execute("SELECT s2ide_resolve_escalation(%s, 1, 'mine now', 'x')", (eid,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # RLS: an escalation raised as someone else
            conn.execute(
                "INSERT INTO escalations (sample_id, raised_by, reason, state, created_at, updated_at) "
                "VALUES (%s, 'leo', 'r', 'open', 'x', 'x')",
                (sid,),
            )
        state = conn.execute("SELECT state FROM escalations WHERE id = %s", (eid,)).fetchone()
    assert state == ("open",)


def test_lead_resolves_only_through_the_function(world) -> None:
    project, _sid, eid = world
    with _as(project, "leo") as conn:
        with pytest.raises(REFUSED):
            conn.execute("UPDATE escalations SET state = 'resolved' WHERE id = %s", (eid,))
        conn.execute("SELECT s2ide_resolve_escalation(%s, 2, 'dog', '2026-01-01T00:00:00.000+00:00')", (eid,))
        row = conn.execute("SELECT state, resolved_by, resolution_label_id FROM escalations WHERE id = %s", (eid,))
        assert row.fetchone() == ("resolved", "leo", 2)


def test_audit_rows_cannot_be_forged_or_changed(world) -> None:
    project, _sid, _eid = world
    with _as(project, "lara") as conn:
        conn.execute(
            "INSERT INTO audit (at, \"user\", action, entity) VALUES ('2000-01-01T00:00:00', 'leo', 'forged', 'x')"
        )
        user, at = conn.execute("SELECT \"user\", at FROM audit WHERE action = 'forged'").fetchone()
        assert user == "lara" and not at.startswith("2000")
        with pytest.raises(REFUSED):
            conn.execute("UPDATE audit SET \"user\" = 'leo'")
        with pytest.raises(REFUSED):
            conn.execute("DELETE FROM audit")
        seen = {row[0] for row in conn.execute('SELECT DISTINCT "user" FROM audit')}
        assert seen == {"lara"}  # a labeler reads her own trail only
    with _as(project, "leo") as conn:
        assert len({row[0] for row in conn.execute('SELECT DISTINCT "user" FROM audit')}) > 1


def test_labels_models_and_users_are_out_of_a_labelers_reach(world) -> None:
    project, _sid, _eid = world
    with project.store.transaction():
        from s2ide.core.store.models import NewModel

        project.store.models.add(NewModel(task="classify", architecture="tiny", state="ready"), "v1")
    with _as(project, "lara") as conn:
        for sql in (
            "INSERT INTO labels (name, color) VALUES ('bird', '#000')",
            "UPDATE labels SET guideline = 'anything goes'",
            "UPDATE models SET state = 'active'",
            "SELECT s2ide_activate_model('v1')",
            "INSERT INTO users (name, role, created_at) VALUES ('lara2', 'engineer', 'x')",
            "SELECT s2ide_set_user_role('lara', 'engineer', 'x')",
            "UPDATE users SET role = 'engineer' WHERE name = 'lara'",
        ):
            with pytest.raises(REFUSED):
                conn.execute(sql)
    with _as(project, "leo") as conn:
        conn.execute(  # a lead edits guidelines (through the function that checks it)
            "SELECT s2ide_update_label(id, '{\"guideline\": \"fur\"}'::jsonb) FROM labels WHERE name = 'cat'"
        )
        with pytest.raises(REFUSED):  # but changing a role needs an engineer
            conn.execute("SELECT s2ide_set_user_role('lara', 'lead', 'x')")
        with pytest.raises(REFUSED):
            conn.execute("SELECT s2ide_activate_model('v1')")
    with _as(project, "eng") as conn:
        conn.execute("SELECT s2ide_activate_model('v1')")
        conn.execute("SELECT s2ide_set_user_role('lara', 'lead', 'x')")
        assert conn.execute("SELECT role FROM users WHERE name = 'lara'").fetchone() == ("lead",)
    with _as(project, "lara") as conn:  # the new role holds at once: lara may now edit guidelines
        conn.execute(
            "SELECT s2ide_update_label(id, '{\"guideline\": \"whiskers\"}'::jsonb) FROM labels WHERE name = 'cat'"
        )


def test_annotations_belong_to_their_author(world) -> None:
    project, sid, _eid = world
    leo = TeamProject.open(_url_for(project, "leo"), password=TEAM_PASSWORDS["leo"])
    write_tag(leo.store, sid, 1, "leo")
    leo.close()
    with _as(project, "lara") as conn:
        with pytest.raises(REFUSED):
            conn.execute(
                "INSERT INTO annotations (sample_id, kind, author, created_at, updated_at) "
                "VALUES (%s, 'box', 'leo', 'x', 'x')",
                (sid,),
            )
        changed = conn.execute("UPDATE annotations SET label_id = 2 WHERE sample_id = %s", (sid,)).rowcount
        assert changed == 0  # leo's tag is not hers to change
        conn.execute(
            "INSERT INTO annotations (sample_id, kind, author, created_at, updated_at) "
            "VALUES (%s, 'box', 'lara', 'x', 'x')",
            (sid,),
        )


def test_s2ide_as_a_labeler_is_refused_by_the_server_too(world) -> None:
    project, _sid, eid = world
    lara = TeamProject.open(_url_for(project, "lara"), password=TEAM_PASSWORDS["lara"])
    try:
        assert lara.signed_in_user == "lara"
        with pytest.raises(PermissionDenied):  # s2ide's own check
            esc.resolve(lara.store, eid, 1, "lara")
        with pytest.raises(PermissionDenied, match="database refused"), lara.store.transaction():
            lara.store.review.escalations.update(eid, state="resolved", resolution_label_id=1)  # past the core
        with pytest.raises(PermissionDenied, match="database refused"), lara.store.transaction():
            lara.store.labels.create("bird", "#000")
    finally:
        lara.close()


def test_a_stranger_cannot_even_connect(team_project: TeamProject, pg_cluster) -> None:
    pg_cluster.new_login("mallory_x", "m-pw")
    with pytest.raises(Exception, match="permission denied for database"):
        TeamProject.open(_url_for(team_project, "mallory_x"), password="m-pw")


def test_open_refuses_bad_input_with_one_line(team_project: TeamProject, pg_cluster) -> None:
    from s2ide.core.errors import S2Error

    with pytest.raises(S2Error, match="password authentication failed"):
        TeamProject.open(_url_for(team_project, "lara"), password="wrong")
    with pytest.raises(S2Error, match="do not put a password in the URL"):
        Project.open(team_project.url.replace("@", ":pw@", 1))
    with pytest.raises(S2Error, match="cannot connect"):
        Project.open("postgresql://nobody@no-such-host.invalid:5432/x")
    other = pg_cluster.new_database()
    with pytest.raises(S2Error, match="not an s2ide project"):
        with pg_cluster.admin() as conn:
            conn.execute(f'GRANT CONNECT ON DATABASE "{other}" TO PUBLIC')
        Project.open(pg_cluster.url(other).replace("s2ide_admin", team_project.signed_in_user or ""))
    with team_project.store.transaction():
        team_project.store.meta.set("schema_version", "999")
    with pytest.raises(S2Error, match="newer s2ide"):
        Project.open(team_project.url)


def test_an_edit_the_server_hides_is_refused_not_shown_as_saved(world) -> None:
    project, sid, _eid = world
    leo = TeamProject.open(_url_for(project, "leo"), password=TEAM_PASSWORDS["leo"])
    write_tag(leo.store, sid, 1, "leo")
    leo.close()
    lara = TeamProject.open(_url_for(project, "lara"), password=TEAM_PASSWORDS["lara"])
    try:
        with pytest.raises(PermissionDenied, match="not yours"):
            write_tag(lara.store, sid, 2, "lara")
        assert lara.store.annotations.tag_of(sid).label_id == 1
        assert not any(e.after and e.after.get("label_id") == 2 for e in project.store.audit.list(sample_id=sid))
    finally:
        lara.close()


def test_a_dropped_connection_is_one_clear_error_then_reconnects(team_project: TeamProject, pg_cluster) -> None:
    from s2ide.core.store.postgres import ConnectionLost

    store = team_project.store
    with store.transaction():
        sid = store.samples.add("b.png", "sha-b", 8, 8)
    pid = store.conn.scalar("SELECT pg_backend_pid()")
    with pg_cluster.admin() as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with pytest.raises(ConnectionLost, match="nothing unsaved was stored"):
        write_tag(team_project.store, sid, 1, team_project.signed_in_user or "")
    assert team_project.store.annotations.tag_of(sid) is None  # a fresh connection; the edit was never saved
    write_tag(team_project.store, sid, 1, team_project.signed_in_user or "")  # the retry commits
    assert team_project.store.annotations.tag_of(sid).label_id == 1


def test_labels_and_guidelines_change_only_through_the_leads_functions(world) -> None:
    project, sid, _eid = world
    with _as(project, "lara") as conn:
        with pytest.raises(REFUSED):
            conn.execute("INSERT INTO labels (name, color) VALUES ('bird', '#00ff00')")
        with pytest.raises(REFUSED):
            conn.execute("SELECT s2ide_create_label('bird', '#00ff00', NULL, '')")
        with pytest.raises(REFUSED):
            conn.execute('SELECT s2ide_update_label(1, \'{"name": "kitty"}\'::jsonb)')
        with pytest.raises(REFUSED):
            conn.execute("SELECT s2ide_add_guideline_example(1, %s, 'mine', 'x')", (sid,))
    with _as(project, "leo") as conn:
        with pytest.raises(REFUSED):  # a lead too: only through the functions, which check and audit
            conn.execute("UPDATE labels SET name = 'kitty' WHERE id = 1")
        new_id = conn.execute("SELECT s2ide_create_label('bird', '#00ff00', NULL, '')").fetchone()[0]
        conn.execute('SELECT s2ide_update_label(%s, \'{"hotkey": "b", "guideline": "wings"}\'::jsonb)', (new_id,))
        example = conn.execute("SELECT s2ide_add_guideline_example(%s, %s, 'a bird', 'x')", (new_id, sid)).fetchone()[0]
        row = conn.execute("SELECT name, hotkey, guideline FROM labels WHERE id = %s", (new_id,)).fetchone()
        added_by = conn.execute("SELECT added_by FROM guideline_examples WHERE id = %s", (example,)).fetchone()[0]
        conn.execute("SELECT s2ide_remove_guideline_example(%s)", (example,))
    assert row == ("bird", "b", "wings") and added_by == "leo"
    assert project.store.review.guidelines.examples(new_id) == []


def test_a_labeler_stamps_caches_but_never_changes_a_setting(world) -> None:
    """Her app fills Find similar's vectors and stamps them in meta; the project's settings stay a lead's."""
    project, _sid, _eid = world
    with _as(project, "lara") as conn:
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('vectors_written:fallback', 'x') "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        )
        conn.execute("UPDATE meta SET value = 'y' WHERE key = 'vectors_written:fallback'")
        with pytest.raises(REFUSED):
            conn.execute("INSERT INTO meta (key, value) VALUES ('loop_settings', '{}')")
        conn.execute("UPDATE meta SET value = 'hijacked' WHERE key = 'name'")  # row-level security: no row matches
    assert project.store.meta.get("name") != "hijacked"
    assert project.store.meta.get("vectors_written:fallback") == "y"
