"""Training data from the store: a snapshot of the labels, decoded into tensors up front.

The snapshot is one SELECT (a consistent read), so labelers keep working while a model
trains on what was labeled when it started. The validation carve-out is stable: a sample
goes to validation when a hash of its id falls in the first `val_fraction` of the range, so
successive runs validate on (nearly) the same samples and their scores can be compared,
and the user's splits are never rewritten.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps

from s2ide.core.errors import ImageError, S2Error
from s2ide.core.io.images import open_image, read_bytes
from s2ide.core.project import Project
from s2ide.core.store import Store
from s2ide.core.tasks import TaskState


class TrainingDataError(S2Error):
    """The labels cannot train a model (none, one class only, ...)."""


@dataclass
class Split:
    sample_ids: list[int] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    targets: list[int] = field(default_factory=list)  # column in the label map

    def __len__(self) -> int:
        return len(self.sample_ids)

    def add(self, sample_id: int, path: Path, target: int) -> None:
        self.sample_ids.append(sample_id)
        self.paths.append(path)
        self.targets.append(target)


@dataclass
class LabelSnapshot:
    label_map: list[dict[str, Any]]  # [{"id", "name"}] in output order
    train: Split
    val: Split
    test: Split
    carved_val: bool  # True when val was carved out of the train labels for this run
    audit_position: int = 0  # the newest audit row when the labels were read (a model card's pointer)

    @property
    def names(self) -> list[str]:
        return [str(entry["name"]) for entry in self.label_map]


def _unit_hash(sample_id: int, seed: int) -> float:
    digest = hashlib.blake2b(f"{seed}:{sample_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") / 2**64


def carve_validation(train: Split, fraction: float, seed: int = 0) -> tuple[Split, Split]:
    """Split labeled train samples into (train, val), stratified by class and stable across runs.

    Each class keeps at least one training sample; a class with 3 or more samples gives at
    least one to validation.
    """
    keep, val = Split(), Split()
    if fraction <= 0:
        return train, val
    by_class: dict[int, list[int]] = {}
    for index, target in enumerate(train.targets):
        by_class.setdefault(target, []).append(index)
    chosen: set[int] = set()
    for members in by_class.values():
        ranked = sorted(members, key=lambda i: _unit_hash(train.sample_ids[i], seed))
        picked = [i for i in ranked if _unit_hash(train.sample_ids[i], seed) < fraction]
        if not picked and len(members) >= 3:
            picked = ranked[:1]
        if len(picked) >= len(members):
            picked = picked[: len(members) - 1]
        chosen.update(picked)
    for index in range(len(train)):
        part = val if index in chosen else keep
        part.add(train.sample_ids[index], train.paths[index], train.targets[index])
    return keep, val


def take_snapshot(project: Project, store: Store, val_fraction: float, seed: int = 0) -> LabelSnapshot:
    """Read the labels once and sort tagged samples into train / val / test.

    Samples under escalation are left out (their label is in question); split 'none' counts
    as train.
    """
    labels = store.labels.list()
    audit_position = store.slices.audit_position()
    rows = store.samples.rows()  # one statement: a consistent snapshot of samples and tags
    column = {label.id: index for index, label in enumerate(labels)}
    train, val, test = Split(), Split(), Split()
    for row in rows:
        if row["label_id"] is None or row["label_id"] not in column or row["status"] == "escalated":
            continue
        target = {"val": val, "test": test}.get(row["split"], train)
        target.add(row["id"], project.image_path(row["path"]), column[row["label_id"]])
    label_map: list[dict[str, Any]] = [{"id": label.id, "name": label.name} for label in labels]
    if len(train) == 0:
        raise TrainingDataError("no labeled training samples yet: label some images (train split) first")
    present = sorted(set(train.targets))
    if len(present) < 2:
        name = labels[present[0]].name
        raise TrainingDataError(
            f"all {len(train)} training labels are {name!r}: a classifier needs labels of at least two classes"
        )
    carved = False
    if len(val) == 0:
        train, val = carve_validation(train, val_fraction, seed)
        carved = True
    return LabelSnapshot(label_map, train, val, test, carved, audit_position)


def decode(path: Path, size: int, channels: int) -> np.ndarray:
    """One image as uint8 (channels, size, size); ImageError naming the file on any problem."""
    data = read_bytes(path)
    image = open_image(path, data)
    try:
        image = ImageOps.exif_transpose(image)
        mode = "L" if channels == 1 else "RGB"
        if image.mode != mode:
            if "A" in image.mode or image.mode == "P":
                image = image.convert("RGBA").convert(mode)
            else:
                image = image.convert(mode)
        image = image.resize((size, size), Image.Resampling.BILINEAR)
        array = np.asarray(image, dtype=np.uint8)
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise ImageError(f"{path}: truncated or corrupt image data ({exc})") from exc
    array = array[None] if array.ndim == 2 else np.transpose(array, (2, 0, 1))
    return np.ascontiguousarray(array)


def is_grayscale(path: Path) -> bool:
    """True when the file is stored as a gray image (its mode), without decoding pixels."""
    image = open_image(path, read_bytes(path))
    return image.mode in ("1", "L", "LA", "I", "I;16", "F")


def decode_many(
    paths: Sequence[Path], size: int, channels: int, state: TaskState | None = None, message: str = ""
) -> np.ndarray:
    """Decode a list into one uint8 (n, channels, size, size) array, checking for cancellation."""
    out = np.empty((len(paths), channels, size, size), dtype=np.uint8)
    for index, path in enumerate(paths):
        if state is not None and index % 32 == 0:
            state.check()
            state.report(index, len(paths), message)
        out[index] = decode(path, size, channels)
    return out
