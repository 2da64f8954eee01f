"""Model weights on disk (safetensors only) and activating a version.

Opening a shared project must never run code from it: weights are read with safetensors
(plain tensors, no pickle), and before `load_state_dict` every key, shape and dtype is
checked against the network the registry entry describes. A pickle, a zip from
`torch.save`, a truncated file or weights of another shape are refused with one clear line.
"""

from __future__ import annotations

import hashlib
import json
import struct
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from s2ide.core.errors import S2Error
from s2ide.core.io.regular_files import open_regular
from s2ide.core.project import Project
from s2ide.core.review.users import Action, require
from s2ide.core.store import Store
from s2ide.core.store.models import ModelVersion
from s2ide.ml.nets import Classifier, build

TRAIN_IDS_KEY = "s2ide.train_ids"
_MAX_HEADER = 100 * 1024 * 1024


def build_any(architecture: str, hyper: dict[str, Any]) -> torch.nn.Module:
    """The untrained network a registry entry describes, whatever its task."""
    from s2ide.ml.detect.net import DETECTOR, build_detector
    from s2ide.ml.segment.net import SEGMENTER, build_segmenter

    if architecture == DETECTOR:
        return build_detector(architecture, hyper)
    if architecture == SEGMENTER:
        return build_segmenter(architecture, hyper)
    network: Classifier = build(architecture, hyper)
    return network


class ModelFileError(S2Error):
    """A weights file that is not a valid s2ide model; it is never executed."""


def weights_path(project: Project, model: ModelVersion) -> Path:
    """The version's weights file on this machine; a team project's comes from the database
    the first time (or when this machine's copy is not the one the database holds)."""
    if not model.weights_file:
        raise ModelFileError(f"model {model.version} has no weights file")
    path = project.models_dir / model.weights_file
    if path.resolve().parent != project.models_dir.resolve():
        raise ModelFileError(f"model {model.version}: weights file {model.weights_file!r} is outside models/")
    if project.is_team:
        _fetch_weights(project, model.version, path)
    return path


def _fetch_weights(project: Project, version: str, path: Path) -> None:
    store = project.store
    expected = store.model_weights.checksum(version)
    if expected is None or (path.is_file() and _sha256(path) == expected):
        return  # nothing in the database (a version from before weights moved there), or already here
    found = store.model_weights.get(version)
    if found is None:
        return
    sha, data = found
    if hashlib.sha256(data).hexdigest() != sha:
        raise ModelFileError(f"model {version}: the weights in the database do not match their checksum")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".download")
    tmp.write_bytes(data)
    tmp.replace(path)
    _SHA_CACHE.pop(path, None)


_SHA_CACHE: dict[Path, tuple[int, int, str]] = {}


def _sha256(path: Path) -> str:
    """A file's sha256, remembered while its size and mtime stay the same."""
    stat = path.stat()
    cached = _SHA_CACHE.get(path)
    if cached and cached[:2] == (stat.st_size, stat.st_mtime_ns):
        return cached[2]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    _SHA_CACHE[path] = (stat.st_size, stat.st_mtime_ns, digest)
    return digest


def publish_weights(store: Store, version: str, path: Path) -> None:
    """Put a team project's new weights into its database (call inside the transaction that
    marks the version ready), so every machine of the team can load the version."""
    if store.dialect == "postgresql":
        data = path.read_bytes()
        store.model_weights.put(version, hashlib.sha256(data).hexdigest(), data)


def mark_ready(
    store: Store,
    version: str,
    weights: Path,
    hyper: dict[str, Any],
    metrics: dict[str, Any],
    decision: tuple[bool, str],
    user: str,
) -> None:
    """End a run that finished: its weights (in the database too, for a team), the version ready
    (active when `decision` says so) and the audit row, in one commit. Every trainer ends here."""
    activate, reason = decision
    with store.transaction():
        publish_weights(store, version, weights)
        store.models.update(version, weights_file=weights.name, hyperparameters=hyper, metrics=metrics, state="ready")
        if activate:
            store.models.set_active(version)
        store.audit.record(
            user, "train finished", "model", version, {"state": "training"},
            {"state": "active" if activate else "ready", "reason": reason},
        )  # fmt: skip


def save_weights(path: Path, network: torch.nn.Module, train_ids: list[int]) -> None:
    """Write atomically (temp file, then rename) so a crash never leaves half a model."""
    tensors = {key: value.detach().cpu().contiguous() for key, value in network.state_dict().items()}
    tmp = path.with_suffix(".tmp")
    try:
        save_file(tensors, str(tmp), metadata={"format": "pt", TRAIN_IDS_KEY: json.dumps(train_ids)})
        tmp.replace(path)
    except BaseException:  # a full disk leaves no half-written weights behind
        tmp.unlink(missing_ok=True)
        raise


def _check_header(path: Path) -> dict:
    """Parse the safetensors header ourselves first, to name the problem precisely.

    A safetensors file starts with the header's length (u64, little endian) and that many
    bytes of JSON. Only when that does not parse do we say what the file looks like instead
    (a pickle or a torch.save zip are named, so people know why they are refused).
    """
    try:
        size = path.stat().st_size
        with open_regular(path) as handle:  # a FIFO or device in models/ must not hang us
            head = handle.read(8)
            length = struct.unpack("<Q", head)[0] if len(head) == 8 else -1
            raw = handle.read(length) if 0 < length <= min(size - 8, _MAX_HEADER) else b""
    except FileNotFoundError as exc:
        raise ModelFileError(f"{path}: weights file is missing") from exc
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot read it ({exc.strerror or exc})") from exc
    header = None
    if raw:
        try:
            header = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            header = None
    if not isinstance(header, dict):
        raise ModelFileError(f"{path}: {_what_it_is(head)}")
    return header


def _what_it_is(head: bytes) -> str:
    if head[:2] == b"PK":
        return "a zip/torch.save file, not safetensors; s2ide never unpickles weights"
    if head[:1] == b"\x80" and len(head) > 1 and 2 <= head[1] <= 5:
        return "a Python pickle, not safetensors; s2ide never unpickles weights"
    if len(head) < 8:
        return "too short to be a safetensors file"
    return "not a safetensors file (unreadable header)"


def read_train_ids(path: Path) -> list[int]:
    meta = _check_header(path).get("__metadata__") or {}
    try:
        return [int(i) for i in json.loads(meta.get(TRAIN_IDS_KEY, "[]"))]
    except (TypeError, ValueError):
        return []


def load_network(project: Project, model: ModelVersion, device: str | torch.device = "cpu") -> Any:
    """The network of a registry entry with its weights, validated before loading (a
    classifier, or the detector or segmenter of a detect or segment project)."""
    path = weights_path(project, model)
    network = build_any(model.architecture, model.hyperparameters)
    load_validated(path, network)
    return network.to(device).eval()


def load_validated(path: Path, network: torch.nn.Module) -> None:
    header = _check_header(path)
    expected = network.state_dict()
    present = {key for key in header if key != "__metadata__"}
    missing = sorted(set(expected) - present)
    unexpected = sorted(present - set(expected))
    if missing or unexpected:
        detail = f"missing {missing[:3]}" if missing else f"unexpected {unexpected[:3]}"
        raise ModelFileError(f"{path}: weights do not match the architecture ({detail})")
    for key, tensor in expected.items():
        entry = header[key]
        shape = list(entry.get("shape", [])) if isinstance(entry, dict) else None
        if shape != list(tensor.shape):
            raise ModelFileError(f"{path}: {key} has shape {shape}, the architecture needs {list(tensor.shape)}")
    try:
        tensors = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise ModelFileError(f"{path}: damaged safetensors file ({exc})") from exc
    for key, tensor in expected.items():
        if tensors[key].dtype != tensor.dtype:
            raise ModelFileError(f"{path}: {key} is {tensors[key].dtype}, the architecture needs {tensor.dtype}")
    network.load_state_dict(tensors, strict=True)


def activate(project: Project, store: Store, version: str, user: str, reason: str | None = None) -> ModelVersion:
    """An engineer makes a version active (its weights are validated first). A version that
    failed its model tests or slices needs a reason, which goes into the audit."""
    require(store, user, Action.MANAGE_MODELS)
    model = store.models.get(version)
    suite = model.metrics.get("suite") or {}
    if suite and not suite.get("passed", True) and not (reason or "").strip():
        failed = [t["name"] for t in suite.get("tests", []) if not t.get("passed")]
        failed += [f"slice {s['name']}" for s in suite.get("slices", []) if not s.get("passed")]
        raise S2Error(
            f"{version} failed {len(failed)} model tests or slices ({', '.join(failed[:3])}): "
            "give a reason to activate it anyway"
        )
    load_network(project, model)
    with store.transaction():
        previous = store.models.set_active(version)
        store.audit.record(
            user,
            "activate",
            "model",
            version,
            None if previous is None else {"active": previous.version},
            {"active": version, **({"reason": reason.strip()} if reason and reason.strip() else {})},
        )
    return store.models.get(version)
