"""Typed rows the repositories return: plain frozen dataclasses, no database handles inside."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Label:
    id: int
    name: str
    color: str
    hotkey: str | None
    description: str
    guideline: str
    position: int


@dataclass(frozen=True)
class Sample:
    id: int
    path: str
    sha256: str
    width: int
    height: int
    split: str
    status: str
    added_at: str


@dataclass(frozen=True)
class Annotation:
    id: int
    sample_id: int
    kind: str
    label_id: int | None
    geometry: dict[str, Any] | None
    data: bytes | None
    author: str
    source: str
    agreed_with_prediction: bool | None
    created_at: str
    updated_at: str
    attributes: dict[str, Any] | None = None  # the source's own flags: iscrowd, group_id, ...

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Annotation:
        agreed = row.get("agreed_with_prediction")
        return cls(
            id=row["id"],
            sample_id=row["sample_id"],
            kind=row["kind"],
            label_id=row["label_id"],
            geometry=json.loads(row["geometry"]) if row["geometry"] else None,
            data=row["data"],
            author=row["author"],
            source=row["source"],
            agreed_with_prediction=None if agreed is None else bool(agreed),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            attributes=json.loads(row["attributes"]) if row.get("attributes") else None,
        )

    def summary(self) -> dict[str, Any]:
        """What the audit log keeps of an annotation (mask bytes are summarised, not copied)."""
        out: dict[str, Any] = {
            "id": self.id,
            "sample_id": self.sample_id,
            "kind": self.kind,
            "label_id": self.label_id,
            "source": self.source,
        }
        if self.geometry is not None:
            out["geometry"] = self.geometry
        if self.data is not None:
            out["data_bytes"] = len(self.data)
        if self.attributes:
            out["attributes"] = self.attributes
        return out


@dataclass(frozen=True)
class User:
    name: str
    role: str
    created_at: str


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    user: str
    action: str
    entity: str
    entity_id: str | None
    before: Any
    after: Any
