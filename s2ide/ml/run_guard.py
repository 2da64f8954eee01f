"""How every training run (classifier, detector, segmenter) ends when it does not finish: the
version row is taken back out (cancelled) or kept as failed with its reason, its weights are
removed, and the error reaching the person says the active model is unchanged.

One place for these rules, so the three trainers cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch

from s2ide.core.errors import Cancelled, ImageError, S2Error
from s2ide.core.store import Store
from s2ide.core.store.storage_errors import disk_full, is_disk_full
from s2ide.ml.results import TrainingFailed, TrainResult

OUT_OF_MEMORY = "out of memory while training: lower the batch size or the input size (active model unchanged)"


def discard_run(store: Store, version: str, weights: Path, error: str | None, user: str) -> None:
    """A cancelled run leaves no trace but the audit row; a failed one stays listed as failed."""
    weights.unlink(missing_ok=True)  # first: on a full disk this frees the room the update needs
    weights.with_suffix(".tmp").unlink(missing_ok=True)
    with store.transaction():
        if error is None:
            store.models.delete(version)
            store.audit.record(user, "train cancelled", "model", version, {"state": "training"}, None)
        else:
            store.models.update(version, state="failed", metrics={"error": error})
            store.audit.record(user, "train failed", "model", version, {"state": "training"}, {"error": error})


def guarded_run(
    fit: Callable[[], TrainResult], store: Store, version: str, weights: Path, user: str, models_dir: Path
) -> TrainResult:
    """Run `fit` (train and register `version`); on any failure discard the run and raise one
    clear error. A cancel is re-raised as it is."""
    try:
        return fit()
    except Cancelled:
        discard_run(store, version, weights, None, user)
        raise
    except ImageError as exc:
        discard_run(store, version, weights, f"unreadable image: {exc}", user)
        raise TrainingFailed(f"training stopped, active model unchanged: {exc}") from exc
    except S2Error as exc:
        discard_run(store, version, weights, str(exc), user)
        raise
    except (MemoryError, torch.cuda.OutOfMemoryError) as exc:
        discard_run(store, version, weights, "out of memory", user)
        raise TrainingFailed(OUT_OF_MEMORY) from exc
    except RuntimeError as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        discard_run(store, version, weights, message, user)
        if "out of memory" in message.lower():
            raise TrainingFailed(OUT_OF_MEMORY) from exc
        raise TrainingFailed(f"training failed ({message}); the active model is unchanged") from exc
    except Exception as exc:  # e.g. a full disk while saving the weights: failed at once, never left `training`
        full = is_disk_full(exc)
        discard_run(store, version, weights, "disk full" if full else f"{type(exc).__name__}: {exc}", user)
        if full:
            raise disk_full(models_dir, f"{version} was marked failed and the active model is unchanged") from exc
        raise TrainingFailed(f"training failed ({type(exc).__name__}: {exc}); the active model is unchanged") from exc
