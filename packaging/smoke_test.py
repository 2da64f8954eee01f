#!/usr/bin/env python3
"""Smoke test of an installed s2ide: build the demo, query it, open and close the app offscreen.

Run it against an installed copy (a wheel in a fresh venv, or a desktop bundle's Python):
`python packaging/smoke_test.py`. Exits non-zero with the failing step named.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def step(name: str, *args: str, env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-m", "s2ide", *args], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        sys.exit(f"smoke test failed at {name}: {done.stderr.strip()}")
    return done.stdout


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, S2IDE_CONFIG_DIR=str(Path(tmp) / "config"), QT_QPA_PLATFORM="offscreen")
        demo = step("demo", "demo", str(Path(tmp) / "demo"), env=env).strip().splitlines()[-1]
        stats = json.loads(step("stats", "stats", demo, "--json", env=env))
        if stats["samples"] < 1000:
            sys.exit(f"smoke test failed: demo has only {stats['samples']} samples")
        code = (
            "import sys; from PySide6.QtCore import QTimer; from PySide6.QtWidgets import QApplication;"
            "app = QApplication([]); QTimer.singleShot(1500, app.quit);"
            "from s2ide.ui.shell.app import main; sys.exit(main([sys.argv[1]]))"
        )
        done = subprocess.run([sys.executable, "-c", code, demo], env=env, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"smoke test failed at gui: {done.stderr.strip()[-500:]}")
    print("smoke test passed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
