"""What model jobs return and report, in a module that does not import torch.

Results and per-epoch stats cross from the training process to the app as pickles; if
their classes lived beside the torch code, unpickling them would import torch into the GUI
process (and hold its GIL for a second), which the child process exists to avoid.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from s2ide.core.errors import S2Error
from s2ide.core.store.models import ModelVersion


class TrainingFailed(S2Error):
    """A run that could not finish (out of memory, unreadable image, ...): nothing changed."""


@dataclass(frozen=True)
class EpochStats:
    epoch: int  # 1-based
    epochs: int
    train_loss: float
    train_accuracy: float
    val_loss: float | None
    val_accuracy: float | None
    seconds: float
    images_per_second: float
    member: int = 1  # which network this epoch trained: 1..members, 0 for the held-out check
    members: int = 1
    stage: str = ""  # what that network is for, said before the epoch ("network 2/3", ...)


@dataclass
class TrainResult:
    model: ModelVersion
    activated: bool
    reason: str  # why it was (not) activated, for the panel and the CLI
    history: list[EpochStats] = field(default_factory=list)
    train_ids: list[int] = field(default_factory=list)
    images_per_second: float = 0.0


EpochCallback = Callable[[EpochStats], None]


@dataclass
class PredictResult:
    version: str
    count: int
    skipped: list[str] = field(default_factory=list)  # one line per unreadable image


@dataclass
class RetrainResult:
    training: TrainResult
    prediction: PredictResult | None  # None when the new version did not go active
