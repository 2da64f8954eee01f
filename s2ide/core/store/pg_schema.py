"""What a team project's database has beyond the shared schema: the PostgreSQL versions of the
SQLite triggers, and the roles the database itself enforces (DESIGN.md §2, "Identity").

Roles: one group role per s2ide role, per project database (`<prefix>_labeler` ⊂ `_lead` ⊂
`_engineer`, each a member of the one below it), GRANTs per table, row-level security where a
row's owner matters (annotations, escalations, votes, comments, audit), SECURITY DEFINER functions
for the state changes only one role may make (resolve an escalation, activate a model, add a user
or change a user's role), and audit rows stamped by a trigger with the signed-in user and the
server's clock. Every audit insert also sends NOTIFY s2ide_changes (for live updates, part 2).
"""

from __future__ import annotations

import re

from s2ide.core.store.postgres import PG_TRIGGERS, PgConnection

# -- annotation_tally (analytics_schema.py) in PL/pgSQL ----------------------------------------
_BUMP = (
    "INSERT INTO annotation_tally (split, label_id, source, author, day, n) "
    "VALUES ({split}, COALESCE({row}.label_id, -1), {row}.source, {row}.author, substr({row}.updated_at, 1, 10), "
    "{delta}) ON CONFLICT (split, label_id, source, author, day) DO UPDATE SET n = annotation_tally.n + excluded.n;"
)
_BUMP_ALL = (
    "INSERT INTO annotation_tally (split, label_id, source, author, day, n) "
    "SELECT {split}, COALESCE(label_id, -1), source, author, substr(updated_at, 1, 10), {delta} * COUNT(*) "
    "FROM annotations WHERE sample_id = NEW.id GROUP BY 2, 3, 4, 5 "
    "ON CONFLICT (split, label_id, source, author, day) DO UPDATE SET n = annotation_tally.n + excluded.n;"
)
_SPLIT_OF = "(SELECT split FROM samples WHERE id = {}.sample_id)"

PG_TALLY_SQL = f"""
CREATE FUNCTION s2ide_tally_annotations() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        {_BUMP.format(split=_SPLIT_OF.format("OLD"), row="OLD", delta=-1)}
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {_BUMP.format(split=_SPLIT_OF.format("NEW"), row="NEW", delta=1)}
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER annotation_tally_change AFTER INSERT OR DELETE OR UPDATE OF sample_id, label_id, source, author,
    updated_at ON annotations FOR EACH ROW EXECUTE FUNCTION s2ide_tally_annotations();
CREATE FUNCTION s2ide_tally_split() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
BEGIN
    {_BUMP_ALL.format(split="OLD.split", delta=-1)}
    {_BUMP_ALL.format(split="NEW.split", delta=1)}
    RETURN NULL;
END $$;
CREATE TRIGGER annotation_tally_split AFTER UPDATE OF split ON samples FOR EACH ROW
    WHEN (OLD.split IS DISTINCT FROM NEW.split) EXECUTE FUNCTION s2ide_tally_split();
CREATE FUNCTION s2ide_sample_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM annotations WHERE sample_id = OLD.id;
    RETURN OLD;
END $$;
CREATE TRIGGER annotation_tally_sample_delete BEFORE DELETE ON samples FOR EACH ROW
    EXECUTE FUNCTION s2ide_sample_delete();
"""

PG_TRIGGERS.update(
    {
        "annotation_tally_insert": PG_TALLY_SQL,
        "annotation_tally_delete": "",
        "annotation_tally_update": "",
        "annotation_tally_split": "",
        "annotation_tally_sample_delete": "",
    }
)

ROLE_KEYS = ("labeler", "lead", "engineer")


def role_prefix(database: str) -> str:
    """Group roles are cluster-wide: name them after the project's database so projects stay apart."""
    cleaned = re.sub(r"[^a-z0-9_]", "_", database.lower())
    return f"s2ide_{cleaned}"[:48]


def group_role(prefix: str, role: str) -> str:
    return f"{prefix}_{role}"


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# Per-table privileges of each group (members of a higher group inherit the lower ones).
_GRANTS: dict[str, dict[str, str]] = {
    "labeler": {
        "samples": "INSERT, UPDATE",
        "annotations": "INSERT, UPDATE, DELETE",
        "escalations": "INSERT, UPDATE",
        "comments": "INSERT",
        "label_votes": "INSERT, UPDATE, DELETE",
        "audit": "INSERT",
        "jobs": "INSERT",  # anyone may ask for a retrain (the app's auto-retrain); a worker (an engineer) runs it
        "meta": "INSERT, UPDATE",  # row-level security narrows it to the caches' stamps (below)
    },
    "lead": {
        "samples": "DELETE",
        "escalations": "DELETE",
        "meta": "INSERT, UPDATE",
        "comments": "UPDATE, DELETE",
        "label_skeletons": "INSERT, UPDATE, DELETE",
    },
    "engineer": {
        "models": "INSERT, UPDATE, DELETE",
        "predictions": "INSERT, UPDATE, DELETE",
        "jobs": "UPDATE, DELETE",
        "workers": "INSERT, UPDATE, DELETE",
        "model_weights": "INSERT, UPDATE, DELETE",
    },
}
# Tables no client writes directly: the owner's triggers and SECURITY DEFINER functions do.
_NO_DIRECT_WRITES = {"users", "annotation_tally", "audit", "meta", "labels", "guideline_examples", "models"}
# Labels and guideline examples are a lead's to edit, through the functions below only.
_LEAD_FUNCTIONS_SQL = """
CREATE OR REPLACE FUNCTION s2ide_create_label(p_name text, p_color text, p_hotkey text, p_description text)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE new_id bigint;
BEGIN
    PERFORM s2ide_require('lead');
    INSERT INTO labels (name, color, hotkey, description, position)
    VALUES (p_name, p_color, p_hotkey, p_description, (SELECT COALESCE(MAX(position), -1) + 1 FROM labels))
    RETURNING id INTO new_id;
    RETURN new_id;
END $$;

CREATE OR REPLACE FUNCTION s2ide_update_label(p_id bigint, p_fields jsonb) RETURNS void LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM s2ide_require('lead');
    UPDATE labels SET
        name = CASE WHEN jsonb_exists(p_fields, 'name') THEN p_fields->>'name' ELSE name END,
        color = CASE WHEN jsonb_exists(p_fields, 'color') THEN p_fields->>'color' ELSE color END,
        hotkey = CASE WHEN jsonb_exists(p_fields, 'hotkey') THEN p_fields->>'hotkey' ELSE hotkey END,
        description = CASE WHEN jsonb_exists(p_fields, 'description') THEN p_fields->>'description'
            ELSE description END,
        guideline = CASE WHEN jsonb_exists(p_fields, 'guideline') THEN p_fields->>'guideline' ELSE guideline END,
        position = CASE WHEN jsonb_exists(p_fields, 'position') THEN (p_fields->>'position')::bigint
            ELSE position END
    WHERE id = p_id;
END $$;

CREATE OR REPLACE FUNCTION s2ide_add_guideline_example(p_label bigint, p_sample bigint, p_caption text, p_at text)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE new_id bigint;
BEGIN
    PERFORM s2ide_require('lead');
    INSERT INTO guideline_examples (label_id, sample_id, caption, added_by, at)
    VALUES (p_label, p_sample, p_caption, session_user, p_at) RETURNING id INTO new_id;
    RETURN new_id;
END $$;

CREATE OR REPLACE FUNCTION s2ide_remove_guideline_example(p_id bigint) RETURNS void LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM s2ide_require('lead');
    DELETE FROM guideline_examples WHERE id = p_id;
END $$;
"""
_LEAD_FUNCTIONS = (
    "s2ide_create_label(text, text, text, text), s2ide_update_label(bigint, jsonb), "
    "s2ide_add_guideline_example(bigint, bigint, text, text), s2ide_remove_guideline_example(bigint)"
)


def _roles_sql(prefix: str, owner: str, database: str) -> str:
    lab = quote_ident(group_role(prefix, "labeler"))
    is_lead = f"pg_has_role(session_user, '{group_role(prefix, 'lead')}', 'MEMBER')"
    return f"""
REVOKE CONNECT, TEMPORARY ON DATABASE {quote_ident(database)} FROM PUBLIC;
GRANT CONNECT ON DATABASE {quote_ident(database)} TO {lab};
GRANT USAGE ON SCHEMA public TO {lab};
GRANT SELECT ON ALL TABLES IN SCHEMA public TO {lab};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {lab};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {lab};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {lab};

-- the owner of everything: pg_has_role() answers for the owner too
CREATE OR REPLACE FUNCTION s2ide_role_of(who name) RETURNS text LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = public, pg_temp AS $$
    SELECT CASE
        WHEN who = '{owner}' OR pg_has_role(who, '{group_role(prefix, "engineer")}', 'MEMBER') THEN 'engineer'
        WHEN pg_has_role(who, '{group_role(prefix, "lead")}', 'MEMBER') THEN 'lead'
        WHEN pg_has_role(who, '{group_role(prefix, "labeler")}', 'MEMBER') THEN 'labeler'
        ELSE NULL END
$$;

-- audit: who and when come from the server, whatever the client sends
CREATE OR REPLACE FUNCTION s2ide_audit_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW."user" := session_user;
    NEW.at := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"+00:00"');
    PERFORM pg_notify('s2ide_changes', json_build_object('user', NEW."user", 'action', NEW.action,
        'entity', NEW.entity, 'entity_id', NEW.entity_id)::text);
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS audit_stamp ON audit;
CREATE TRIGGER audit_stamp BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION s2ide_audit_stamp();
-- state changes only one role may make
CREATE OR REPLACE FUNCTION s2ide_guard_states() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_user <> '{owner}' THEN
        IF TG_TABLE_NAME = 'escalations' AND NEW.state = 'resolved' AND OLD.state IS DISTINCT FROM 'resolved' THEN
            RAISE insufficient_privilege
                USING MESSAGE = 'only a lead may resolve an escalation (s2ide_resolve_escalation)';
        END IF;
        IF TG_TABLE_NAME = 'models' AND NEW.state = 'active' AND OLD.state IS DISTINCT FROM 'active' THEN
            RAISE insufficient_privilege USING MESSAGE = 'only an engineer may activate a model (s2ide_activate_model)';
        END IF;
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS escalations_guard ON escalations;
CREATE TRIGGER escalations_guard BEFORE UPDATE ON escalations FOR EACH ROW EXECUTE FUNCTION s2ide_guard_states();
DROP TRIGGER IF EXISTS models_guard ON models;
CREATE TRIGGER models_guard BEFORE UPDATE ON models FOR EACH ROW EXECUTE FUNCTION s2ide_guard_states();

CREATE OR REPLACE FUNCTION s2ide_require(needed text) RETURNS void LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE have text := s2ide_role_of(session_user);
BEGIN
    IF have IS NULL OR (needed = 'lead' AND have = 'labeler') OR (needed = 'engineer' AND have <> 'engineer') THEN
        RAISE insufficient_privilege USING MESSAGE = format('%s is a %s; this needs a %s', session_user,
            coalesce(have, 'stranger'), needed);
    END IF;
END $$;

CREATE OR REPLACE FUNCTION s2ide_resolve_escalation(p_id bigint, p_label bigint, p_note text, p_at text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM s2ide_require('lead');
    UPDATE escalations SET state = 'resolved', resolved_by = session_user, assignee = session_user,
        resolution_label_id = p_label, resolution_note = p_note, resolved_at = p_at, updated_at = p_at
    WHERE id = p_id;
END $$;

CREATE OR REPLACE FUNCTION s2ide_activate_model(p_version text) RETURNS void LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM s2ide_require('engineer');
    UPDATE models SET state = 'ready' WHERE state = 'active';
    UPDATE models SET state = 'active' WHERE version = p_version;
END $$;

CREATE OR REPLACE FUNCTION s2ide_set_user_role(p_name text, p_role text, p_at text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE before text;
BEGIN
    IF p_role NOT IN ('labeler', 'lead', 'engineer') THEN
        RAISE invalid_parameter_value USING MESSAGE = format('unknown role %s', p_role);
    END IF;
    SELECT role INTO before FROM users WHERE name = p_name;
    -- adding someone needs a lead; changing anyone's role needs an engineer
    PERFORM s2ide_require(CASE WHEN before IS NULL THEN 'lead' ELSE 'engineer' END);
    IF p_name = '{owner}' AND p_role <> 'engineer' THEN
        RAISE insufficient_privilege USING MESSAGE = 'the project owner keeps every role';
    END IF;
    EXECUTE format('REVOKE %I, %I, %I FROM %I', '{group_role(prefix, "labeler")}', '{group_role(prefix, "lead")}',
        '{group_role(prefix, "engineer")}', p_name);
    EXECUTE format('GRANT %I TO %I', '{prefix}_' || p_role, p_name);
    INSERT INTO users (name, role, created_at) VALUES (p_name, p_role, p_at)
    ON CONFLICT (name) DO UPDATE SET role = excluded.role;
END $$;
-- row-level security where a row's owner matters (the owner is exempt as the tables' owner)
ALTER TABLE annotations ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS annotations_read ON annotations;
CREATE POLICY annotations_read ON annotations FOR SELECT USING (true);
DROP POLICY IF EXISTS annotations_add ON annotations;
CREATE POLICY annotations_add ON annotations FOR INSERT WITH CHECK (author = current_user OR {is_lead});
DROP POLICY IF EXISTS annotations_change ON annotations;
CREATE POLICY annotations_change ON annotations FOR UPDATE
    USING (author = current_user OR source = 'import' OR {is_lead}) WITH CHECK (author = current_user OR {is_lead});
DROP POLICY IF EXISTS annotations_remove ON annotations;
CREATE POLICY annotations_remove ON annotations FOR DELETE
    USING (author = current_user OR source = 'import' OR {is_lead});

ALTER TABLE escalations ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS escalations_read ON escalations;
CREATE POLICY escalations_read ON escalations FOR SELECT USING (true);
DROP POLICY IF EXISTS escalations_raise ON escalations;
CREATE POLICY escalations_raise ON escalations FOR INSERT WITH CHECK (raised_by = current_user AND state = 'open');
DROP POLICY IF EXISTS escalations_change ON escalations;
CREATE POLICY escalations_change ON escalations FOR UPDATE USING (raised_by = current_user OR {is_lead});
DROP POLICY IF EXISTS escalations_remove ON escalations;
CREATE POLICY escalations_remove ON escalations FOR DELETE USING ({is_lead});

ALTER TABLE label_votes ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS votes_read ON label_votes;
CREATE POLICY votes_read ON label_votes FOR SELECT USING (true);
DROP POLICY IF EXISTS votes_own ON label_votes;
CREATE POLICY votes_own ON label_votes FOR ALL USING ("user" = current_user OR {is_lead})
    WITH CHECK ("user" = current_user OR {is_lead});

ALTER TABLE comments ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS comments_read ON comments;
CREATE POLICY comments_read ON comments FOR SELECT USING (true);
DROP POLICY IF EXISTS comments_own ON comments;
CREATE POLICY comments_own ON comments FOR ALL USING ({is_lead}) WITH CHECK (author = current_user OR {is_lead});
DROP POLICY IF EXISTS comments_add ON comments;
CREATE POLICY comments_add ON comments FOR INSERT WITH CHECK (author = current_user);

-- project settings are a lead's; any member's app may stamp the caches it fills (Find similar's vectors)
ALTER TABLE meta ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS meta_read ON meta;
CREATE POLICY meta_read ON meta FOR SELECT USING (true);
DROP POLICY IF EXISTS meta_add ON meta;
CREATE POLICY meta_add ON meta FOR INSERT WITH CHECK ({is_lead} OR key LIKE 'vectors_written:%');
DROP POLICY IF EXISTS meta_change ON meta;
CREATE POLICY meta_change ON meta FOR UPDATE USING ({is_lead} OR key LIKE 'vectors_written:%')
    WITH CHECK ({is_lead} OR key LIKE 'vectors_written:%');

ALTER TABLE audit ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS audit_read ON audit;
CREATE POLICY audit_read ON audit FOR SELECT USING ("user" = current_user OR {is_lead});
DROP POLICY IF EXISTS audit_add ON audit;
CREATE POLICY audit_add ON audit FOR INSERT WITH CHECK (true);
"""


def _grants_sql(prefix: str, tables: list[str]) -> str:
    lines = []
    for role, table_grants in _GRANTS.items():
        group = quote_ident(group_role(prefix, role))
        for table, privileges in table_grants.items():
            if table in tables:
                lines.append(f"GRANT {privileges} ON {quote_ident(table)} TO {group};")
    # Tables added by later migrations that this module does not know yet: the labeler group
    # may write them, so a new feature works on a team project until its rules are written here.
    known = {t for grants in _GRANTS.values() for t in grants} | _NO_DIRECT_WRITES | {"samples"}
    lab = quote_ident(group_role(prefix, "labeler"))
    for table in tables:
        if table not in known:
            lines.append(f"GRANT INSERT, UPDATE, DELETE ON {quote_ident(table)} TO {lab};")
    return "\n".join(lines)


def ensure_groups(conn: PgConnection, prefix: str) -> None:
    """Create the three group roles (needs CREATEROLE) and chain them: engineer ⊃ lead ⊃ labeler."""
    for role in ROLE_KEYS:
        name = group_role(prefix, role)
        if conn.scalar("SELECT 1 FROM pg_roles WHERE rolname = ?", (name,)) is None:
            conn.execute(f"CREATE ROLE {quote_ident(name)} NOLOGIN")
    lab, lead, eng = (quote_ident(group_role(prefix, r)) for r in ROLE_KEYS)
    conn.execute(f"GRANT {lab} TO {lead}")
    conn.execute(f"GRANT {lead} TO {eng}")


def install_roles(conn: PgConnection, prefix: str, owner: str, database: str) -> None:
    """(Re)apply grants, policies and functions: after creating the project and after each migration."""
    tables = [
        str(r[0])
        for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        ).fetchall()
    ]
    conn.raw.execute(_roles_sql(prefix, owner, database).encode())
    conn.raw.execute(_grants_sql(prefix, tables).encode())
    for table, key in (("escalations", "id"), ("labels", "id"), ("users", "name"), ("models", "version")):
        trig = f"{table}_audit"
        fn = f"s2ide_audit_{table}"
        body = (
            f"CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
            "SET search_path = public, pg_temp AS $$ BEGIN "
            "INSERT INTO audit (at, \"user\", action, entity, entity_id, before, after) VALUES ('', '', "
            "'db:' || lower(TG_OP), TG_TABLE_NAME, "
            f"CASE WHEN TG_OP = 'DELETE' THEN OLD.{key}::text ELSE NEW.{key}::text END, "
            "CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE to_jsonb(OLD)::text END, "
            "CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE to_jsonb(NEW)::text END); RETURN NULL; END $$;"
        )
        conn.raw.execute(body.encode())
        conn.raw.execute(f"DROP TRIGGER IF EXISTS {trig} ON {table}".encode())
        conn.raw.execute(
            f"CREATE TRIGGER {trig} AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {fn}()".encode()
        )
    conn.raw.execute(_LEAD_FUNCTIONS_SQL.encode())
    lead = quote_ident(group_role(prefix, "lead"))  # a project made before these functions granted writes
    conn.raw.execute(f"REVOKE INSERT, UPDATE, DELETE ON labels, guideline_examples FROM {lead}".encode())
    conn.raw.execute(b"REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC")
    lab = quote_ident(group_role(prefix, "labeler"))
    conn.raw.execute(
        (
            f"GRANT EXECUTE ON FUNCTION s2ide_role_of(name), s2ide_require(text), "
            f"s2ide_resolve_escalation(bigint, bigint, text, text), s2ide_activate_model(text), "
            f"s2ide_set_user_role(text, text, text), {_LEAD_FUNCTIONS} TO {lab}"
        ).encode()
    )


def ensure_login(conn: PgConnection, name: str, password: str | None) -> bool:
    """Create the login role `name` unless it exists (then it is only granted); True when created.

    The password goes to the server as a SCRAM verifier computed here by libpq, so the clear text
    never appears in a statement, a server log or pg_stat_activity.
    """
    if conn.scalar("SELECT 1 FROM pg_roles WHERE rolname = ?", (name,)) is not None:
        if password:
            verifier = _verifier(conn, name, password)
            conn.execute(f"ALTER ROLE {quote_ident(name)} PASSWORD '{verifier}'")
        return False
    can_create = conn.scalar("SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user")
    if not can_create:
        from s2ide.core.errors import PermissionDenied

        raise PermissionDenied(
            f"there is no database user {name!r} and you may not create one (no CREATEROLE); ask the project's owner"
        )
    clause = f" PASSWORD '{_verifier(conn, name, password)}'" if password else ""
    conn.execute(f"CREATE ROLE {quote_ident(name)} LOGIN{clause}")
    return True


def _verifier(conn: PgConnection, name: str, password: str) -> str:
    raw = conn.raw.pgconn.encrypt_password(password.encode(), name.encode(), b"scram-sha-256")
    text = raw.decode()
    if "'" in text:  # a SCRAM verifier is base64 and '$': never a quote
        raise ValueError("unexpected password verifier")
    return text
