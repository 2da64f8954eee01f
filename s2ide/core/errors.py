"""Error types the core raises on purpose; the CLI and the UI show their message as one line."""

from __future__ import annotations


class S2Error(Exception):
    """An expected failure with a message fit for a person (no traceback needed)."""


class NotAProjectError(S2Error):
    """A path that is not an s2ide project folder."""


class UnknownLabelError(S2Error):
    """A label name or id that the project does not have."""


class UnknownSampleError(S2Error):
    """A sample id or path that the project does not have."""


class PermissionDenied(S2Error):
    """The current user's role does not allow the action."""


class InvalidInputError(S2Error):
    """A value from the user that cannot be used (empty reason, bad split, ...)."""


class ImageError(S2Error):
    """An image file that cannot be read: names the file and the reason."""


class ImportFormatError(S2Error):
    """A malformed import file: names the file, the line or key, and the problem."""


class Cancelled(S2Error):
    """A long job stopped because the user cancelled it."""

    def __init__(self, message: str = "cancelled") -> None:
        super().__init__(message)


class StorageError(S2Error):
    """The disk or the database file failed (full, read-only, damaged): says what to do."""


class DiskFullError(StorageError):
    """No space left where the project writes; the change was rolled back."""


class ReadOnlyProjectError(StorageError):
    """The project is opened read-only (read-only mount, immutable or unwritable file)."""


class CorruptDatabaseError(StorageError):
    """project.db is damaged or lacks tables s2ide needs; `s2ide check-db` can recover it."""
