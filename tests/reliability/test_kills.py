"""SIGKILL in the middle of labeling loses nothing acknowledged and never damages the file.

Two loops: the `s2ide label` command killed at random moments, and a labeling loop in its own
process (the core, as the app runs it) killed at random moments. After every loop:
`integrity_check` is ok, every acknowledged edit is there, and the audit log matches.
"""

from __future__ import annotations

import random
import signal
import time

import pytest

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

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def _kill(process, delay: float) -> tuple[bool, str, str]:
    """Let it run `delay` seconds, then SIGKILL it; (finished by itself with exit 0, out, err)."""
    deadline = time.monotonic() + delay
    while time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.01)
    finished = process.poll() is not None
    if not finished:
        process.send_signal(signal.SIGKILL)
    out, err = process.communicate(timeout=30)
    return finished and process.returncode == 0, out, err


def test_sigkill_of_the_label_command(tmp_path):
    runs = size(4, 60)
    project = make_project(tmp_path / "p", samples=max(runs, 10))
    ledger = Ledger()
    rng = random.Random(23)
    kills = 0
    for index in range(runs):
        sample, label = index % 10 + 1, LABELS[index % len(LABELS)]
        ledger.try_(sample, label)
        process = spawn(cli("label", str(project.path), str(sample), label, "--user", "cli"))
        done, _, err = _kill(process, rng.uniform(0.2, 1.8))
        if done:
            ledger.ack(sample, label)
        else:
            kills += 1
            if err.strip():
                ledger.errors.append(err.strip())
    final = final_tags(project.db_path)
    lost = ledger.lost(final)
    report("sigkill label command", runs=runs, kills=kills, acked=ledger.edits, lost=len(lost), locked=ledger.locked())
    assert integrity(project.db_path) == "ok"
    assert lost == []
    assert audit_mismatches(project.db_path) == []
    assert ledger.locked() == 0


def test_sigkill_of_an_in_process_labeling_loop(tmp_path):
    rounds = size(6, 150)
    project = make_project(tmp_path / "p", samples=40)
    ledger = Ledger()
    rng = random.Random(7)
    for index in range(rounds):
        process = spawn(labeler(str(project.path), "ann", "1", "40", "1000", str(index)))
        _, out, _ = _kill(process, rng.uniform(0.4, 1.5))
        ledger.feed(out)
    final = final_tags(project.db_path)
    lost = ledger.lost(final)
    report("sigkill in-process loop", kills=rounds, acked=ledger.edits, lost=len(lost), locked=ledger.locked())
    assert ledger.edits > 0, "the loop never got to label (machine too slow?)"
    assert integrity(project.db_path) == "ok"
    assert lost == []
    assert audit_mismatches(project.db_path) == []
    assert ledger.errors == []
