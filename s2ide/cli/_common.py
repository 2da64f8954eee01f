"""Shared pieces of the command line: opening projects, JSON output, a progress bar."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from s2ide.core.errors import InvalidInputError, PermissionDenied
from s2ide.core.project import Project, os_user
from s2ide.core.tasks import Progress, TaskState


def add_project_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "project",
        help="the project folder, or a team project's postgresql://HOST:PORT/DB URL "
        "(credentials as libpq takes them: PGUSER, PGPASSWORD, ~/.pgpass, PGSERVICE; never a password in the URL)",
    )


def add_json_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON on stdout")


def open_project(path: Path | str) -> Project:
    return Project.open(path)


def acting_user(project: Project, given: str | None, doing: str) -> str:
    """Who is working. A team project: the signed-in database user (a differing --user is refused).
    A local project: --user, else the OS user name when it is a project user."""
    signed_in = project.signed_in_user
    if signed_in is not None:
        if given and given != signed_in:
            raise PermissionDenied(
                f"you are signed in to {project.location} as {signed_in}; --user {given} is refused "
                "(a team project's user is the database user)"
            )
        return signed_in
    if given:
        return given
    me = os_user()
    if project.store.users.get(me) is not None:
        return me
    raise InvalidInputError(f"say who is {doing} (--user NAME): the OS user {me!r} is not a user of this project")


def project_has_users(project: Project) -> bool:
    return bool(project.store.users.list())


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def print_table(rows: list[dict[str, Any]], columns: list[str]) -> None:
    """Plain aligned columns for people; scripts use --json."""
    if not rows:
        print("(none)")
        return
    widths = {c: max(len(c), *(len(_cell(r.get(c))) for r in rows)) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns).rstrip())
    for row in rows:
        print("  ".join(_cell(row.get(c)).ljust(widths[c]) for c in columns).rstrip())


_CONTROL = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7F]} | {
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
    ord("\\"): "\\\\",
}
_CONTROL.update({c: f"\\u{c:04x}" for c in (*range(0x80, 0xA0), 0x2028, 0x2029, 0x202E)})


def escape_control(text: str) -> str:
    """Control characters as visible escapes: a file name with a newline (or a terminal escape
    sequence) must not split a table row or rewrite the terminal."""
    return text.translate(_CONTROL)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return escape_control(str(value))


class ProgressBar:
    """A one-line bar on stderr (redrawn in place on a terminal, a few lines otherwise)."""

    def __init__(self, label: str, width: int = 30) -> None:
        self.label = label
        self.width = width
        self.tty = sys.stderr.isatty()
        self._last_line = 0.0
        self._drawn = False

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic()
        final = progress.total > 0 and progress.done >= progress.total
        if not self.tty and not final and now - self._last_line < 2.0:
            return
        self._last_line = now
        filled = int(self.width * progress.fraction)
        bar = "#" * filled + "-" * (self.width - filled)
        text = f"{self.label} [{bar}] {progress.done}/{progress.total} {progress.message}"
        if self.tty:
            sys.stderr.write("\r" + text[:160].ljust(100))
            self._drawn = True
        else:
            sys.stderr.write(text + "\n")
        sys.stderr.flush()

    def close(self) -> None:
        if self.tty and self._drawn:
            sys.stderr.write("\n")
            sys.stderr.flush()

    def state(self) -> TaskState:
        return TaskState(self, min_interval=0.1)
