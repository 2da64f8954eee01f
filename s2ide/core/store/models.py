"""The model registry's table: one row per trained version, exactly one of them 'active'.

Weights live as safetensors files in the project's models/ folder (s2ide.ml.registry writes
and validates them); this repository keeps what people and tools read about each version:
architecture, hyper-parameters, label map, metrics, how many labels it was trained on.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from s2ide.core.clock import now_iso
from s2ide.core.errors import InvalidInputError, S2Error
from s2ide.core.store.schema import MODEL_STATES


class UnknownModelError(S2Error):
    """A model version the project does not have."""


@dataclass(frozen=True)
class ModelVersion:
    version: str
    created_at: str
    task: str
    architecture: str
    hyperparameters: dict[str, Any]
    weights_file: str | None
    label_map: list[dict[str, Any]]  # [{"id": label_id, "name": name}, ...] in output order
    metrics: dict[str, Any]
    trained_on: int
    state: str

    @property
    def active(self) -> bool:
        return self.state == "active"

    @property
    def label_ids(self) -> list[int]:
        return [int(entry["id"]) for entry in self.label_map]

    @property
    def label_names(self) -> list[str]:
        return [str(entry["name"]) for entry in self.label_map]

    def summary(self) -> dict[str, Any]:
        """The entry `s2ide models --json` prints (DESIGN.md §4), plus a few extra keys."""
        m = self.metrics
        return {
            "version": self.version,
            "active": self.active,
            "state": self.state,
            "created_at": self.created_at,
            "trained_on": self.trained_on,
            "architecture": self.architecture,
            "metrics": {
                "accuracy": m.get("accuracy"),
                "per_class": m.get("per_class", {}),
                "confusion_matrix": m.get("confusion_matrix", []),
                "labels": m.get("labels", self.label_names),
                "evaluated_on": m.get("evaluated_on"),
                "validation_accuracy": self.val_score,
                "ece": ((m.get("calibration") or {}).get("ece")),
                "error": m.get("error"),
                # detectors and segmenters (accuracy and the confusion matrix stay empty for them)
                "map": m.get("map"),
                "ap50": m.get("ap50"),
                "ap75": m.get("ap75"),
                "miou": m.get("miou"),
                "dice": m.get("dice"),
            },
            "activation": (m.get("activation") or {}).get("reason"),
            "tests_passed": (m.get("suite") or {}).get("passed"),
        }

    @property
    def val_score(self) -> float | None:
        """The validation accuracy the activation rule compares (None when never measured)."""
        value = (self.metrics.get("validation") or {}).get("accuracy")
        return None if value is None else float(value)


@dataclass
class NewModel:
    """What a finished (or starting) training run registers."""

    task: str
    architecture: str
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    weights_file: str | None = None
    label_map: list[dict[str, Any]] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    trained_on: int = 0
    state: str = "training"


_VERSION_RE = re.compile(r"^v(\d+)$")


class ModelRepository:
    _COLUMNS = (
        "version, created_at, task, architecture, hyperparameters, weights_file, label_map, metrics, trained_on, state"
    )

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    @staticmethod
    def _record(row: tuple[Any, ...]) -> ModelVersion:
        return ModelVersion(
            version=row[0],
            created_at=row[1],
            task=row[2],
            architecture=row[3],
            hyperparameters=json.loads(row[4] or "{}"),
            weights_file=row[5],
            label_map=json.loads(row[6] or "[]"),
            metrics=json.loads(row[7] or "{}"),
            trained_on=int(row[8]),
            state=row[9],
        )

    def next_version(self) -> str:
        """v1, v2, ...: one more than the highest number used so far (deleted ones are not reused)."""
        highest = 0
        for (version,) in self._conn.execute("SELECT version FROM models"):
            match = _VERSION_RE.match(version)
            if match:
                highest = max(highest, int(match.group(1)))
        return f"v{highest + 1}"

    def add(self, model: NewModel, version: str | None = None) -> ModelVersion:
        if model.state not in MODEL_STATES:
            raise InvalidInputError(f"unknown model state {model.state!r}")
        version = version or self.next_version()
        self._conn.execute(
            f"INSERT INTO models ({self._COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                version,
                now_iso(),
                model.task,
                model.architecture,
                json.dumps(model.hyperparameters),
                model.weights_file,
                json.dumps(model.label_map),
                json.dumps(model.metrics),
                model.trained_on,
                model.state,
            ),
        )
        return self.get(version)

    def get(self, version: str) -> ModelVersion:
        row = self._conn.execute(f"SELECT {self._COLUMNS} FROM models WHERE version = ?", (version,)).fetchone()
        if row is None:
            known = ", ".join(m.version for m in self.list()) or "none yet"
            raise UnknownModelError(f"no model version {version!r} (the project has: {known})")
        return self._record(row)

    def find(self, version: str) -> ModelVersion | None:
        row = self._conn.execute(f"SELECT {self._COLUMNS} FROM models WHERE version = ?", (version,)).fetchone()
        return None if row is None else self._record(row)

    def list(self, states: tuple[str, ...] | None = None) -> list[ModelVersion]:
        """Newest first (by creation time, then version number)."""
        rows = self._conn.execute(f"SELECT {self._COLUMNS} FROM models")
        models = [self._record(row) for row in rows]
        if states is not None:
            models = [m for m in models if m.state in states]
        return sorted(models, key=lambda m: (m.created_at, _number(m.version)), reverse=True)

    def active(self) -> ModelVersion | None:
        row = self._conn.execute(f"SELECT {self._COLUMNS} FROM models WHERE state = 'active' LIMIT 1").fetchone()
        return None if row is None else self._record(row)

    def update(self, version: str, **fields: Any) -> ModelVersion:
        allowed = {"weights_file", "metrics", "trained_on", "state", "hyperparameters", "label_map"}
        unknown = set(fields) - allowed
        if unknown:
            raise InvalidInputError(f"models have no field(s) {sorted(unknown)}")
        if "state" in fields and fields["state"] not in MODEL_STATES:
            raise InvalidInputError(f"unknown model state {fields['state']!r}")
        for key in ("metrics", "hyperparameters", "label_map"):
            if key in fields:
                fields[key] = json.dumps(fields[key])
        if fields:
            sets = ", ".join(f"{key} = ?" for key in fields)
            self._conn.execute(f"UPDATE models SET {sets} WHERE version = ?", (*fields.values(), version))
        return self.get(version)

    def set_active(self, version: str) -> ModelVersion | None:
        """Make `version` the only active one; returns the version that was active before."""
        target = self.get(version)
        if target.state not in ("ready", "active"):
            raise InvalidInputError(f"model {version} is {target.state}, only a ready model can be activated")
        previous = self.active()
        if getattr(self._conn, "dialect", "sqlite") == "postgresql":
            self._conn.execute("SELECT s2ide_activate_model(?)", (version,))  # the server checks the role
            return previous
        self._conn.execute("UPDATE models SET state = 'ready' WHERE state = 'active'")
        self._conn.execute("UPDATE models SET state = 'active' WHERE version = ?", (version,))
        return previous

    def delete(self, version: str) -> None:
        self._conn.execute("DELETE FROM models WHERE version = ?", (version,))

    def count(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM models").fetchone()[0])


def _number(version: str) -> int:
    match = _VERSION_RE.match(version)
    return int(match.group(1)) if match else 0
