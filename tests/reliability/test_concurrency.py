"""Many writers at once: labeling loops in their own processes, the `s2ide label` command and a
thread of this process all write one project; 0 "database is locked", 0 lost edits."""

from __future__ import annotations

import random
import threading

from s2ide.core.labeling.tags import label_sample
from s2ide.core.project import Project
from tests.reliability.common import (
    LABELS,
    Ledger,
    audit_mismatches,
    cli,
    final_tags,
    integrity,
    labeler,
    make_project,
    report,
    size,
    spawn,
)

PER_WRITER = 25
USERS = ["ann", "bob", "eve", "lou", "ann", "bob", "eve", "lou"]


def test_concurrent_writers_lose_nothing_and_never_see_locked(tmp_path):
    loops = size(2, 5)
    rounds = size(2, 40)
    cli_edits = size(3, 40)
    project = make_project(tmp_path / "p", samples=PER_WRITER * (loops + 2))
    ledgers = [Ledger() for _ in range(loops + 2)]
    children = [
        spawn(labeler(str(project.path), USERS[n], str(1 + n * PER_WRITER), str(PER_WRITER), str(rounds), str(n)))
        for n in range(loops)
    ]

    def in_process() -> None:  # a second connection in this process, as the app's workers have
        ledger = ledgers[loops]
        mine = Project.open(project.path)
        rng = random.Random(99)
        first = 1 + loops * PER_WRITER
        for _ in range(rounds):
            for sample in range(first, first + PER_WRITER):
                label = rng.choice(LABELS)
                ledger.try_(sample, label)
                try:
                    label_sample(mine, sample, label, "kim")
                except Exception as exc:
                    ledger.errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                ledger.ack(sample, label)
        mine.close()

    def command_line() -> None:
        ledger = ledgers[loops + 1]
        first = 1 + (loops + 1) * PER_WRITER
        for index in range(cli_edits):
            sample, label = first + index % PER_WRITER, LABELS[index % len(LABELS)]
            ledger.try_(sample, label)
            process = spawn(cli("label", str(project.path), str(sample), label, "--user", "cli"))
            _, err = process.communicate(timeout=120)
            if process.returncode == 0:
                ledger.ack(sample, label)
            else:
                ledger.errors.append(err.strip())

    threads = [threading.Thread(target=in_process), threading.Thread(target=command_line)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    for child, ledger in zip(children, ledgers, strict=False):
        out, err = child.communicate(timeout=600)
        ledger.feed(out)
        if child.returncode != 0:
            ledger.errors.append(err.strip()[-300:])
    final = final_tags(project.db_path)
    lost = [s for ledger in ledgers for s in ledger.lost(final)]
    edits = sum(ledger.edits for ledger in ledgers)
    locked = sum(ledger.locked() for ledger in ledgers)
    errors = [e for ledger in ledgers for e in ledger.errors]
    report("concurrent writers", writers=len(ledgers), edits=edits, lost=len(lost), locked=locked, errors=len(errors))
    assert errors == []
    assert locked == 0 and lost == []
    assert integrity(project.db_path) == "ok"
    assert audit_mismatches(project.db_path) == []
