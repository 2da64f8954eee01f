"""Per-person settings kept outside projects (platformdirs): last project, who works where.

Stored as JSON in the user config folder; `S2IDE_CONFIG_DIR` overrides the folder (tests, and
people who keep several identities). A damaged file is set aside, never fatal.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import platformdirs

RECENT_LIMIT = 10


def config_dir() -> Path:
    override = os.environ.get("S2IDE_CONFIG_DIR")
    return Path(override) if override else Path(platformdirs.user_config_dir("s2ide"))


class Settings:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / "settings.json"
        self.data: dict[str, Any] = {}
        if self.path.exists():
            try:
                loaded = json.loads(self.path.read_text(encoding="utf-8"))
                self.data = loaded if isinstance(loaded, dict) else {}
            except (OSError, ValueError):
                self.path.replace(self.path.with_suffix(".damaged.json"))

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, indent=2), encoding="utf-8")
        tmp.replace(self.path)

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def set(self, key: str, value: Any) -> None:
        self.data[key] = value
        self.save()

    @property
    def last_project(self) -> Path | None:
        value = self.data.get("last_project")
        return Path(value) if value else None

    def remember_project(self, path: Path) -> None:
        """The last project opened, and the front of the recent-projects list."""
        recent = [p for p in self.recent_projects() if p != str(path)]
        self.data["recent_projects"] = [str(path), *recent][:RECENT_LIMIT]
        self.set("last_project", str(path))

    def recent_projects(self) -> list[str]:
        value = self.data.get("recent_projects", [])
        return [p for p in value if isinstance(p, str)] if isinstance(value, list) else []

    def user_for(self, project: Path) -> str | None:
        value = self.data.get("users", {}).get(str(project))
        return value if isinstance(value, str) else None

    def remember_user(self, project: Path, name: str) -> None:
        users = dict(self.data.get("users", {}))
        users[str(project)] = name
        self.set("users", users)
