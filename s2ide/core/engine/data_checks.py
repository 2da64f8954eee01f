"""Data checks: the tests of the program's source, which is the data (`s2ide check`, Checks view).

- duplicates: identical pixels (a hash of the decoded image) and near duplicates (a 64-bit
  perceptual hash, DCT of a 32x32 gray copy; with an active model, also its embeddings), and
  above all duplicates that cross splits: a test image copied into train inflates every
  test figure (leakage);
- classes with too few labels for their share of the active model's predictions;
- samples labeled differently by different people (from the audit's tag history);
- images that fail to decode, are missing, or changed on disk since import (sha256).

`run(project, state)` is a plain function (the view wraps it in a worker); each finding names
its samples so the view clicks through to them and can escalate them.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from PIL import Image, ImageOps

from s2ide.core.errors import ImageError
from s2ide.core.project import Project
from s2ide.core.tasks import TaskState

NEAR_BITS = 8  # perceptual hashes this close (of 64 bits) are candidate near duplicates
NEAR_BITS_WITH_EMBEDDING = 14  # ... or this close when the model's embeddings agree too
EMBEDDING_COSINE = 0.998
# A candidate must also match pixel by pixel (Pearson correlation of 32x32 gray copies). A JPEG
# re-encode resized by 10 % keeps >= 0.999; different handwritten digits that share a hash
# reach 0.99 (the demo's 1797 digits: 1255 hash pairs, one above 0.99, none above 0.993).
PIXEL_CORRELATION = 0.993
PIXEL_CORRELATION_WITH_EMBEDDING = 0.985
FEW_LABELS = 20  # a class under this many labels is checked against its share of predictions
SHARE_FACTOR = 2.0  # ... and flagged when predicted this many times more often than labeled
FULL_MATRIX_LIMIT = 20000  # above this many images, near pairs come from hash bands
SEVERITY = {
    "leakage": "error",
    "unreadable": "error",
    "missing": "error",
    "changed": "error",
    "label_conflict": "warning",
    "exact_duplicate": "warning",
    "near_duplicate": "info",
    "few_labels": "warning",
}


@dataclass
class Finding:
    kind: str  # leakage, exact_duplicate, near_duplicate, changed, missing, unreadable, few_labels, label_conflict
    message: str
    sample_ids: list[int]
    severity: str = "warning"
    data: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CheckReport:
    checked: int
    findings: list[Finding]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for finding in self.findings:
            out[finding.kind] += 1
        return dict(out)

    def as_json(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "counts": self.counts(),
            "findings": [finding.as_json() for finding in self.findings],
        }


def read_bytes(path: Any) -> bytes:
    """The file's bytes, or ImageError saying why not (engine does not import io's readers)."""
    try:
        return bytes(path.read_bytes())
    except FileNotFoundError as exc:
        raise ImageError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise ImageError(f"{path}: is a folder, not an image") from exc
    except OSError as exc:
        raise ImageError(f"{path}: cannot read it ({exc.strerror or exc})") from exc


def open_image(path: Any, data: bytes) -> Image.Image:
    """Open without decoding; decompression bombs and non-images raise ImageError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data))
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise ImageError(f"{path}: not a readable image ({exc})") from exc


_DCT = np.array([[np.cos(np.pi * (2 * n + 1) * k / 64) for n in range(32)] for k in range(32)])


def perceptual_hash(image: Image.Image) -> tuple[int, np.ndarray]:
    """(64-bit pHash, the 32x32 gray copy as float32 for pixel comparison)."""
    gray = np.asarray(ImageOps.exif_transpose(image).convert("L").resize((32, 32), Image.Resampling.LANCZOS))
    pixels = gray.astype(np.float32)
    low = (_DCT @ pixels @ _DCT.T)[:8, :8].ravel()
    bits = low > np.median(low[1:])
    return int(sum(1 << i for i, bit in enumerate(bits) if bit)), pixels


def hamming(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Bit differences between uint64 hashes (broadcasting)."""
    x = np.asarray(np.bitwise_xor(a, b), dtype=np.uint64)
    bits = np.unpackbits(np.ascontiguousarray(x.reshape(-1)).view(np.uint8).reshape(-1, 8), axis=1).sum(axis=1)
    return bits.reshape(x.shape)


def _near_pairs(hashes: np.ndarray, limit: int) -> list[tuple[int, int, int]]:
    """(i, j, distance) with i < j and distance <= limit."""
    n = len(hashes)
    pairs: list[tuple[int, int, int]] = []
    if n <= FULL_MATRIX_LIMIT:
        block = max(1, 4_000_000 // max(n, 1))
        for start in range(0, n, block):
            dist = hamming(hashes[start : start + block, None], hashes[None, :])
            rows, cols = np.nonzero(dist <= limit)
            for r, c in zip(rows.tolist(), cols.tolist()):
                i = start + r
                if i < c:
                    pairs.append((i, c, int(dist[r, c])))
        return pairs
    # many images: pairs sharing one of four 16-bit bands (finds every pair within 3 bits)
    seen: set[tuple[int, int]] = set()
    for band in range(4):
        buckets: dict[int, list[int]] = defaultdict(list)
        for index, value in enumerate(((hashes >> np.uint64(16 * band)) & np.uint64(0xFFFF)).tolist()):
            buckets[value].append(index)
        for members in buckets.values():
            for a in range(len(members)):
                for b in range(a + 1, len(members)):
                    key = (members[a], members[b])
                    if key not in seen:
                        seen.add(key)
                        d = int(hamming(hashes[key[0]], hashes[key[1]]))
                        if d <= limit:
                            pairs.append((key[0], key[1], d))
    return pairs


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    x, y = a.ravel() - a.mean(), b.ravel() - b.mean()
    denominator = float(np.sqrt((x * x).sum() * (y * y).sum()))
    return 1.0 if denominator == 0 else float((x * y).sum() / denominator)


def run(project: Project, state: TaskState | None = None, store: Any = None) -> CheckReport:
    """Every check over every sample (reads each file once)."""
    state = state or TaskState()
    store = store if store is not None else project.store
    rows = store.samples.rows()
    findings: list[Finding] = []
    ids: list[int] = []
    hashes: list[int] = []
    thumbs: list[np.ndarray] = []
    pixel_groups: dict[str, list[int]] = defaultdict(list)
    split_of = {row["id"]: row["split"] for row in rows}
    path_of = {row["id"]: row["path"] for row in rows}
    for index, row in enumerate(rows):
        if index % 32 == 0:
            state.check()
            state.report(index, len(rows), "reading images")
        path = project.image_path(row["path"])
        try:
            data = read_bytes(path)
        except ImageError as exc:
            kind = "missing" if not path.exists() else "unreadable"
            findings.append(Finding(kind, str(exc), [row["id"]], SEVERITY[kind]))
            continue
        if hashlib.sha256(data).hexdigest() != row["sha256"]:
            findings.append(
                Finding(
                    "changed", f"{row['path']}: changed on disk since import (sha256 differs)", [row["id"]], "error"
                )
            )
        try:
            image = open_image(path, data)
            image.load()
            phash, pixels = perceptual_hash(image)
            decoded = np.asarray(image.convert("RGB"))
        except (ImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
            findings.append(Finding("unreadable", f"{row['path']}: does not decode ({exc})", [row["id"]], "error"))
            continue
        ids.append(row["id"])
        hashes.append(phash)
        thumbs.append(pixels)
        pixel_groups[hashlib.blake2b(decoded.tobytes() + str(decoded.shape).encode()).hexdigest()].append(row["id"])
    state.report(len(rows), len(rows), "comparing images")
    exact_pairs: set[tuple[int, int]] = set()
    for group in pixel_groups.values():
        if len(group) > 1:
            for a in range(len(group)):
                for b in range(a + 1, len(group)):
                    exact_pairs.add((group[a], group[b]))
    findings += _duplicates(store, ids, np.array(hashes, dtype=np.uint64), thumbs, exact_pairs, split_of, path_of)
    state.check()
    findings += _few_labels(store)
    findings += _label_conflicts(store, path_of)
    order = {"error": 0, "warning": 1, "info": 2}
    findings.sort(key=lambda f: (order.get(f.severity, 3), f.kind))
    return CheckReport(len(rows), findings)


def _embeddings(store: Any, ids: list[int]) -> dict[int, np.ndarray]:
    active = store.models.active()
    if active is None:
        return {}
    arrays = store.predictions.arrays(active.version, with_embeddings=True)
    if arrays.embeddings is None:
        return {}
    norms = np.linalg.norm(arrays.embeddings, axis=1, keepdims=True)
    unit = arrays.embeddings / np.maximum(norms, 1e-9)
    wanted = set(ids)
    return {int(s): unit[i] for i, s in enumerate(arrays.sample_ids.tolist()) if s in wanted}


def _duplicates(
    store: Any,
    ids: list[int],
    hashes: np.ndarray,
    thumbs: list[np.ndarray],
    exact_pairs: set[tuple[int, int]],
    split_of: dict[int, str],
    path_of: dict[int, str],
) -> list[Finding]:
    embedding = _embeddings(store, ids)
    found: list[Finding] = []
    pairs = {(ids[i], ids[j]): (d, i, j) for i, j, d in _near_pairs(hashes, NEAR_BITS_WITH_EMBEDDING)}
    for a, b in exact_pairs:
        pairs.setdefault((a, b), (0, ids.index(a), ids.index(b)))
    for (a, b), (distance, i, j) in sorted(pairs.items()):
        exact = (a, b) in exact_pairs or (b, a) in exact_pairs
        if not exact:
            correlation = _correlation(thumbs[i], thumbs[j])
            if distance > NEAR_BITS or correlation < PIXEL_CORRELATION:
                ea, eb = embedding.get(a), embedding.get(b)
                agree = ea is not None and eb is not None and float(ea @ eb) >= EMBEDDING_COSINE
                if not (agree and correlation >= PIXEL_CORRELATION_WITH_EMBEDDING):
                    continue
        splits = {split_of[a], split_of[b]}
        crosses = ("test" in splits and len(splits) > 1) or ("val" in splits and "train" in splits)
        what = "identical images" if exact else f"near duplicates ({distance} of 64 hash bits differ)"
        if crosses:
            message = f"leakage: {path_of[a]} ({split_of[a]}) and {path_of[b]} ({split_of[b]}) are {what}"
            kind = "leakage"
        else:
            message = f"{path_of[a]} and {path_of[b]} are {what}"
            kind = "exact_duplicate" if exact else "near_duplicate"
        found.append(Finding(kind, message, [a, b], SEVERITY[kind], {"distance": distance, "splits": sorted(splits)}))
    return found


def _few_labels(store: Any) -> list[Finding]:
    active = store.models.active()
    if active is None:
        return []
    rows = store.samples.rows()
    labeled: dict[int, int] = defaultdict(int)
    for row in rows:
        if row["label_id"] is not None:
            labeled[row["label_id"]] += 1
    arrays = store.predictions.arrays(active.version, with_embeddings=False)
    unlabeled = {row["id"] for row in rows if row["label_id"] is None}
    predicted: dict[int, int] = defaultdict(int)
    for sample_id, label_id in zip(arrays.sample_ids.tolist(), arrays.label_ids.tolist()):
        if sample_id in unlabeled:
            predicted[label_id] += 1
    total_labels, total_predicted = sum(labeled.values()), sum(predicted.values())
    if not total_labels or not total_predicted:
        return []
    out = []
    for label in store.labels.list():
        count = labeled.get(label.id, 0)
        label_share = count / total_labels
        predicted_share = predicted.get(label.id, 0) / total_predicted
        if count < FEW_LABELS and predicted_share > SHARE_FACTOR * label_share and predicted_share >= 0.02:
            ids = [int(s) for s, got in zip(arrays.sample_ids.tolist(), arrays.label_ids.tolist()) if got == label.id]
            out.append(
                Finding(
                    "few_labels",
                    f"class {label.name!r}: {count} labels ({label_share:.1%} of the labels) but "
                    f"{predicted_share:.1%} of the active model's predictions on unlabeled samples",
                    [i for i in ids if i in unlabeled][:200],
                    "warning",
                    {
                        "label": label.name,
                        "labels": count,
                        "label_share": label_share,
                        "predicted_share": predicted_share,
                    },
                )
            )
    return out


def _label_conflicts(store: Any, path_of: dict[int, str]) -> list[Finding]:
    by_sample: dict[int, dict[str, int]] = defaultdict(dict)
    for sample_id, user, label_id, source in store.check_reads.tag_history():
        if label_id is not None and source != "import":
            by_sample[sample_id][user] = int(label_id)
    names = {label.id: label.name for label in store.labels.list()}
    out = []
    for sample_id, given in sorted(by_sample.items()):
        if len(set(given.values())) > 1 and sample_id in path_of:
            said = ", ".join(f"{user}: {names.get(label, label)}" for user, label in sorted(given.items()))
            out.append(
                Finding(
                    "label_conflict",
                    f"{path_of[sample_id]} was labeled differently by different people ({said})",
                    [sample_id],
                    "warning",
                    {"labels": {user: names.get(label) for user, label in given.items()}},
                )
            )
    return out


def escalate_finding(store: Any, finding: Finding, user: str, reason: str) -> tuple[int, list[str]]:
    """Put a finding's samples in the lead's queue with the finding as the note; returns
    (escalated, one line for each sample left out and why: already escalated, ...)."""
    from s2ide.core.errors import S2Error
    from s2ide.core.review.escalations import escalate

    done, skipped = 0, []
    for sample_id in finding.sample_ids:
        try:
            escalate(store, sample_id, reason, user, note=f"data check: {finding.message}")
            done += 1
        except S2Error as exc:
            skipped.append(f"sample {sample_id}: {exc}")
    return done, skipped
