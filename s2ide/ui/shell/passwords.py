"""Team project passwords in the system keyring (Secret Service, macOS Keychain, Windows
Credential Locker), only when the person asks for it and only where such a keyring exists.
Nothing is ever written to s2ide's own settings, a log or the project."""

from __future__ import annotations

from typing import Any

SERVICE = "s2ide team project"


def _backend() -> Any | None:
    """The system keyring, or None where there is none (a bare server, a bundle without backends)."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:  # a broken backend configuration counts as none
        return None
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 0) <= 0:
        return None
    return backend


def keyring_available() -> bool:
    return _backend() is not None


def stored_password(location: str, user: str) -> str | None:
    """The password kept for `user` at `location` (a URL without password), or None."""
    backend = _backend()
    if backend is None:
        return None
    try:
        return backend.get_password(SERVICE, f"{user}@{location}")
    except Exception:  # a locked or unreachable keyring: the dialog simply asks
        return None


def store_password(location: str, user: str, password: str) -> bool:
    backend = _backend()
    if backend is None:
        return False
    try:
        backend.set_password(SERVICE, f"{user}@{location}", password)
    except Exception:
        return False
    return True


def forget_password(location: str, user: str) -> None:
    backend = _backend()
    if backend is None:
        return
    try:
        backend.delete_password(SERVICE, f"{user}@{location}")
    except Exception:  # nothing was stored
        pass
