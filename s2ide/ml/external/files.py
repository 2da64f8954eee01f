"""Where added model files live (the user's data folder), their checksums, and downloads."""

from __future__ import annotations

import hashlib
import os
import shutil
import urllib.request
from pathlib import Path

from s2ide.core.errors import InvalidInputError
from s2ide.core.tasks import TaskState

ENV_DIR = "S2IDE_MODELS_DIR"  # tests and portable installs point this elsewhere
CHUNK = 1 << 20


def models_dir() -> Path:
    """The folder holding added model files (created on first use)."""
    configured = os.environ.get(ENV_DIR)
    if configured:
        folder = Path(configured)
    else:
        import platformdirs

        folder = Path(platformdirs.user_data_dir("s2ide", appauthor=False)) / "models"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def stored_path(sha256: str) -> Path:
    return models_dir() / f"{sha256}.onnx"


def store_file(path: Path) -> str:
    """Copy a local ONNX file into the models folder; its sha256."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInputError(f"{path}: not a file")
    digest = sha256_of(path)
    target = stored_path(digest)
    if not target.exists():
        partial = target.with_suffix(".part")
        shutil.copyfile(path, partial)
        partial.replace(target)
    return digest


def verified_path(sha256: str) -> Path:
    """The stored file with this checksum, checked again before it is loaded."""
    path = stored_path(sha256)
    if not path.exists():
        raise InvalidInputError(f"model file {sha256[:12]}… is not on this machine; add it again (Model ▸ Models…)")
    actual = sha256_of(path)
    if actual != sha256:
        raise InvalidInputError(
            f"{path}: checksum mismatch (expected {sha256[:12]}…, got {actual[:12]}…); add it again"
        )
    return path


def download(url: str, sha256: str, state: TaskState | None = None, timeout: float = 30.0) -> str:
    """Fetch `url` into the models folder, refusing it unless its sha256 is `sha256`."""
    expected = sha256.strip().lower()
    if len(expected) != 64 or any(c not in "0123456789abcdef" for c in expected):
        raise InvalidInputError("give the file's sha256 as 64 hexadecimal digits")
    if not url.startswith(("https://", "http://", "file://")):
        raise InvalidInputError(f"{url}: only http(s) and file URLs can be downloaded")
    target = stored_path(expected)
    if target.exists() and sha256_of(target) == expected:
        return expected
    partial = target.with_suffix(".part")
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(partial, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0)
            done = 0
            while chunk := response.read(CHUNK):
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if state is not None:
                    state.check()
                    state.report(done, total, "downloading")
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise InvalidInputError(f"{url}: download failed: {exc}") from exc
    if digest.hexdigest() != expected:
        partial.unlink(missing_ok=True)
        raise InvalidInputError(f"{url}: checksum mismatch (expected {expected[:12]}…, got {digest.hexdigest()[:12]}…)")
    partial.replace(target)
    return expected
