"""A labeling loop in its own process, for the kill and concurrency tests.

`python -m tests.reliability.labeler PROJECT USER FIRST COUNT ROUNDS SEED` tags samples
FIRST..FIRST+COUNT-1 through the core (as the app does), ROUNDS times with a shuffled order.
Before each edit it prints `try SAMPLE LABEL`, after the commit `ack SAMPLE LABEL`, flushed,
so a parent that kills it knows exactly what was acknowledged. Errors print `err TEXT`.
"""

from __future__ import annotations

import random
import sys

from s2ide.core.labeling.tags import label_sample
from s2ide.core.project import Project
from tests.reliability.common import LABELS


def main(argv: list[str]) -> int:
    path, user, first, count, rounds, seed = argv[0], argv[1], *map(int, argv[2:6])
    rng = random.Random(seed)
    project = Project.open(path)
    samples = list(range(first, first + count))
    for _ in range(rounds):
        rng.shuffle(samples)
        for sample in samples:
            label = rng.choice(LABELS)
            print(f"try {sample} {label}", flush=True)
            try:
                label_sample(project, sample, label, user)
            except Exception as exc:
                print(f"err {type(exc).__name__}: {exc}".replace("\n", " "), flush=True)
                continue
            print(f"ack {sample} {label}", flush=True)
    project.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
