"""One place for timestamps, so every table stores the same UTC ISO-8601 form."""

from __future__ import annotations

from datetime import UTC, datetime


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")
