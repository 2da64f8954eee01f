#!/usr/bin/env python3
"""Set up s2ide in ./.venv and run it: `python3 packaging/bootstrap.py demo|test|gui|bundle [ARGS]`.

Installs torch 2.13.0 first (the CPU build where that is what pip finds), then s2ide with a
torch range that 2.13.0 already satisfies, so no step ever pulls the multi-gigabyte CUDA
stack by accident. Re-running is cheap: the install is skipped when nothing changed.
Standard library only, so it runs on a bare Python 3.11.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv"
TORCH = "torch==2.13.0"
BUNDLER = ("pyinstaller==6.22.3", "pyinstaller-hooks-contrib==2026.9")
BUILD = ROOT / "build"


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def run(*cmd: str | Path, env: dict[str, str] | None = None) -> int:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.call([str(c) for c in cmd], cwd=ROOT, env=env)


def compile_bytecode(python: Path) -> None:
    """Compile s2ide's modules ahead, as pip does for a regular install: an editable install
    otherwise compiles them at each launch where bytecode is not written
    (PYTHONDONTWRITEBYTECODE), a quarter of a second before the first window. Only changed
    files are recompiled, so this is cheap on every run."""
    subprocess.call([str(python), "-m", "compileall", "-q", str(ROOT / "s2ide")], cwd=ROOT, stdout=subprocess.DEVNULL)


def ensure_installed() -> Path:
    python = venv_python()
    if not python.exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / ".s2ide-installed"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + TORCH.encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted:
        return python
    pip = [python, "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    if run(*pip, TORCH) != 0:
        sys.exit(f"bootstrap: could not install {TORCH}")
    if run(*pip, "-e", f"{ROOT}[dev]") != 0:
        sys.exit("bootstrap: could not install s2ide and its dependencies")
    stamp.write_text(wanted)
    return python


def postgres_bin() -> str | None:
    """The folder holding initdb and pg_ctl, as tests/pg_cluster.py looks for it."""
    import glob
    import shutil

    found = [os.environ.get("S2IDE_PG_BIN", ""), *sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    on_path = shutil.which("pg_ctl")
    if on_path:
        found.append(str(Path(on_path).parent))
    return next((f for f in found if f and Path(f, "initdb").is_file() and Path(f, "pg_ctl").is_file()), None)


def main(argv: list[str]) -> int:
    what = argv[0] if argv else "demo"
    rest = argv[1:]
    python = ensure_installed()
    compile_bytecode(python)
    if what == "demo":
        made = subprocess.run([str(python), "-m", "s2ide", "demo"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        if made.returncode != 0:
            return made.returncode
        return run(python, "-m", "s2ide", "gui", made.stdout.strip().splitlines()[-1], *rest)
    if what == "gui":
        return run(python, "-m", "s2ide", "gui", *rest)
    if what == "test":
        env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
        if not postgres_bin():
            # The team-project tests start a throwaway PostgreSQL cluster (tests/pg_cluster.py).
            sys.exit(
                "bootstrap: PostgreSQL server binaries not found (initdb, pg_ctl in S2IDE_PG_BIN, "
                "/usr/lib/postgresql/*/bin or PATH); install postgresql (14+) to run the tests"
            )
        checks = [
            (python, "-m", "ruff", "check", "s2ide", "tests", "packaging"),
            (VENV / ("Scripts/lint-imports.exe" if os.name == "nt" else "bin/lint-imports"),),
            (python, "-m", "mypy"),
            (python, "-m", "pytest", *rest),
        ]
        for check in checks:
            code = run(*check, env=env)
            if code != 0:
                return code
        return 0
    if what == "bundle":
        return bundle(python, check="--check" in rest)
    sys.exit(f"bootstrap: unknown action {what!r} (use demo, gui, test or bundle)")


def bundle(python: Path, check: bool) -> int:
    """Build the one-folder desktop bundle and its archive under build/; `--check` also runs the
    smoke test on the result. The bundler goes into .venv only for this step."""
    pip = [python, "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    if run(*pip, *BUNDLER) != 0:
        sys.exit("bootstrap: could not install the bundler (PyInstaller)")
    dist, work = BUILD / "dist", BUILD / "pyinstaller"
    spec = ROOT / "packaging" / "bundle" / "s2ide.spec"
    code = run(
        python, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN", "--distpath", dist, "--workpath", work, spec
    )
    if code != 0:
        return code
    folder = dist / "s2ide"
    code = run(python, ROOT / "packaging" / "bundle" / "finish.py", folder)
    if code != 0 or not check:
        return code
    return run(python, ROOT / "packaging" / "smoke_test.py", "--bundle", folder)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
