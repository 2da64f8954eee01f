"""Shared pieces of the reliability suite: the short (CI) and long (by hand) sizes, a labeling
project without image decoding, and the checks every run ends with.

Short form: `pytest tests/reliability` (about 30 s). Long form: `RELIABILITY=long pytest -s
tests/reliability`, which prints its figures (kills, edits, lost, lock errors).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from s2ide.core.project import Project
from s2ide.core.review.users import add_user

LONG = os.environ.get("RELIABILITY", "").lower() == "long"
ROOT = Path(__file__).resolve().parents[2]
LABELS = ["cat", "dog", "bird"]


def size(short: int, long: int) -> int:
    return long if LONG else short


def env() -> dict[str, str]:
    """The child's environment: this checkout's s2ide first on the path."""
    out = dict(os.environ)
    out["PYTHONPATH"] = str(ROOT) + os.pathsep + out.get("PYTHONPATH", "")
    return out


def make_project(folder: Path, samples: int) -> Project:
    """A project of `samples` rows (paths need not exist: labeling never decodes images)."""
    project = Project.create(folder, LABELS)
    store = project.store
    with store.transaction():
        for index in range(samples):
            store.samples.add(f"img/{index:05d}.png", f"{index:064x}", 32, 32, "train")
    for name in ("ann", "bob", "cli", "eve", "kim", "lou"):
        add_user(store, name, "labeler")
    project.close()
    return project


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "s2ide", *args]


def labeler(*args: str) -> list[str]:
    return [sys.executable, "-m", "tests.reliability.labeler", *args]


def spawn(command: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(command, cwd=ROOT, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def final_tags(db_path: Path) -> dict[int, str | None]:
    conn = sqlite3.connect(str(db_path))
    try:
        names = dict(conn.execute("SELECT id, name FROM labels"))
        tags = {
            sample: names.get(label)
            for sample, label in conn.execute("SELECT sample_id, label_id FROM annotations WHERE kind = 'tag'")
        }
        return {sid: tags.get(sid) for (sid,) in conn.execute("SELECT id FROM samples")}
    finally:
        conn.close()


def integrity(db_path: Path) -> str:
    conn = sqlite3.connect(str(db_path))
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def audit_mismatches(db_path: Path) -> list[int]:
    """Samples whose current tag differs from what their last `tag` audit row says."""
    conn = sqlite3.connect(str(db_path))
    try:
        last: dict[int, int | None] = {}
        for entity_id, after in conn.execute(
            "SELECT entity_id, after FROM audit WHERE action = 'tag' AND entity = 'sample' ORDER BY id"
        ):
            last[int(entity_id)] = json.loads(after).get("label_id")
        current = dict(conn.execute("SELECT sample_id, label_id FROM annotations WHERE kind = 'tag'"))
    finally:
        conn.close()
    return sorted(sid for sid in set(last) | set(current) if last.get(sid) != current.get(sid))


def report(name: str, **figures: object) -> None:
    """One line of figures (printed with -s; the long form's numbers for the report)."""
    print(f"[reliability] {name}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))


class Ledger:
    """What each sample may hold after a run, from the writers' `try`/`ack`/`err` lines.

    After `ack s l` the sample must hold l, unless a later `try` on it was in flight when its
    writer was killed (then that label is allowed too). A sample never acknowledged may also
    still be untagged. A final tag outside that set is a lost (or invented) edit.
    """

    def __init__(self) -> None:
        self.allowed: dict[int, set[str | None]] = {}
        self.acked: set[int] = set()
        self.edits = 0
        self.errors: list[str] = []

    def feed(self, lines: str) -> None:
        pending: dict[int, str] = {}
        for line in lines.splitlines():
            kind, _, rest = line.partition(" ")
            if kind == "err":
                self.errors.append(rest)
                pending.clear()
                continue
            if kind not in ("try", "ack"):
                continue
            sample_text, label = rest.split()
            sample = int(sample_text)
            if kind == "try":
                self.try_(sample, label)
                pending[sample] = label
            else:
                self.ack(sample, label)
                pending.pop(sample, None)

    def try_(self, sample: int, label: str) -> None:
        self.allowed.setdefault(sample, {None}).add(label)

    def ack(self, sample: int, label: str) -> None:
        self.allowed[sample] = {label}
        self.acked.add(sample)
        self.edits += 1

    def lost(self, final: dict[int, str | None]) -> list[int]:
        return sorted(s for s, ok in self.allowed.items() if final.get(s) not in ok)

    def locked(self) -> int:
        return sum("locked" in e.lower() or "busy" in e.lower() for e in self.errors)
