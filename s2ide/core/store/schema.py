"""The project database schema, version 1 (DESIGN.md §3).

Every table exists from the first version so later features only add to it; changes after a
release go through `migrations.py`, never by editing a shipped version.
"""

from __future__ import annotations

SCHEMA_VERSION = 1

SPLITS = ("train", "val", "test", "none")
STATUSES = ("unlabeled", "labeled", "escalated", "reviewed", "skipped")
ANNOTATION_KINDS = ("tag", "box", "polygon", "mask", "point", "line")
SOURCES = ("human", "model-accepted", "import")
ESCALATION_STATES = ("open", "in_review", "resolved", "returned")
MODEL_STATES = ("training", "ready", "failed", "active")
ROLES = ("labeler", "lead", "engineer")


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


SCHEMA_V1 = f"""
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE labels (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    color TEXT NOT NULL,
    hotkey TEXT,
    description TEXT NOT NULL DEFAULT '',
    guideline TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE samples (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL UNIQUE,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    split TEXT NOT NULL DEFAULT 'none' CHECK (split IN {_in(SPLITS)}),
    status TEXT NOT NULL DEFAULT 'unlabeled' CHECK (status IN {_in(STATUSES)}),
    added_at TEXT NOT NULL
);
CREATE INDEX samples_status ON samples (status);
CREATE INDEX samples_split ON samples (split);
CREATE TABLE annotations (
    id INTEGER PRIMARY KEY,
    sample_id INTEGER NOT NULL REFERENCES samples (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN {_in(ANNOTATION_KINDS)}),
    label_id INTEGER REFERENCES labels (id) ON DELETE RESTRICT,
    geometry TEXT,
    data BLOB,
    author TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT 'human' CHECK (source IN {_in(SOURCES)}),
    agreed_with_prediction INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX annotations_sample ON annotations (sample_id, kind);
CREATE INDEX annotations_label ON annotations (label_id, kind, source);
CREATE UNIQUE INDEX annotations_one_tag ON annotations (sample_id) WHERE kind = 'tag';
CREATE TABLE models (
    version TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    task TEXT NOT NULL,
    architecture TEXT NOT NULL,
    hyperparameters TEXT NOT NULL DEFAULT '{{}}',
    weights_file TEXT,
    label_map TEXT NOT NULL DEFAULT '[]',
    metrics TEXT NOT NULL DEFAULT '{{}}',
    trained_on INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL CHECK (state IN {_in(MODEL_STATES)})
);
CREATE TABLE predictions (
    id INTEGER PRIMARY KEY,
    sample_id INTEGER NOT NULL REFERENCES samples (id) ON DELETE CASCADE,
    model_version TEXT NOT NULL REFERENCES models (version) ON DELETE CASCADE,
    label_id INTEGER REFERENCES labels (id),
    score REAL,
    probabilities BLOB,
    least_confidence REAL,
    margin REAL,
    entropy REAL,
    loss REAL,
    embedding BLOB,
    geometry TEXT,
    in_training INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    UNIQUE (sample_id, model_version)
);
CREATE INDEX predictions_model ON predictions (model_version, label_id);
CREATE TABLE users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN {_in(ROLES)}),
    created_at TEXT NOT NULL
);
CREATE TABLE escalations (
    id INTEGER PRIMARY KEY,
    sample_id INTEGER NOT NULL REFERENCES samples (id) ON DELETE CASCADE,
    raised_by TEXT NOT NULL,
    reason TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    proposed_label_id INTEGER REFERENCES labels (id),
    region TEXT,
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN {_in(ESCALATION_STATES)}),
    assignee TEXT,
    resolved_by TEXT,
    resolution_label_id INTEGER REFERENCES labels (id),
    resolution_note TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    resolved_at TEXT
);
CREATE INDEX escalations_state ON escalations (state, created_at);
CREATE INDEX escalations_sample ON escalations (sample_id);
CREATE INDEX escalations_raised_by ON escalations (raised_by, state);
CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    escalation_id INTEGER NOT NULL REFERENCES escalations (id) ON DELETE CASCADE,
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX comments_escalation ON comments (escalation_id, id);
CREATE TABLE guideline_examples (
    id INTEGER PRIMARY KEY,
    label_id INTEGER NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
    sample_id INTEGER NOT NULL REFERENCES samples (id) ON DELETE CASCADE,
    caption TEXT NOT NULL DEFAULT '',
    added_by TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX guideline_examples_label ON guideline_examples (label_id);
CREATE TABLE label_votes (
    id INTEGER PRIMARY KEY,
    sample_id INTEGER NOT NULL REFERENCES samples (id) ON DELETE CASCADE,
    user TEXT NOT NULL,
    label_id INTEGER NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    UNIQUE (sample_id, user)
);
CREATE INDEX label_votes_user ON label_votes (user);
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT,
    before TEXT,
    after TEXT
);
CREATE INDEX audit_entity ON audit (entity, entity_id);
CREATE INDEX audit_user ON audit (user, at);
"""

from s2ide.core.store.analytics_schema import ANALYTICS_SQL  # noqa: E402  (running counts, engineer views)

SCHEMA_V1 += ANALYTICS_SQL
