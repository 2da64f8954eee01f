"""One place for timestamps, so every table stores the same UTC ISO-8601 form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def local_day_start_iso(days_ago: int = 0) -> str:
    """The start of this person's day (local midnight), `days_ago` days back, in the stored UTC
    form: what "today" and "since yesterday" compare audit times with."""
    local = datetime.now().astimezone()
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=days_ago)
    return midnight.astimezone(UTC).isoformat(timespec="milliseconds")
