#!/usr/bin/env python3
"""Finish a built bundle folder: desktop entry, icon, installer script, archive, size report.

`python packaging/bundle/finish.py build/dist/s2ide` (bootstrap.py bundle runs it). Standard
library only: it runs with the bundle's build Python, outside the bundle.
"""

from __future__ import annotations

import os
import platform
import shutil
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

INSTALL_SCRIPT = """#!/bin/sh
# Add s2ide to the desktop's application menu (for this user), pointing at this folder.
set -e
here="$(cd "$(dirname "$0")" && pwd)"
apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
icons="${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor/256x256/apps"
mkdir -p "$apps" "$icons"
cp "$here/s2ide.png" "$icons/s2ide.png"
sed "s#^Exec=.*#Exec=\\"$here/s2ide\\" gui %f#" "$here/s2ide.desktop" > "$apps/s2ide.desktop"
echo "s2ide added to the application menu ($apps/s2ide.desktop)"
"""


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def size_report(folder: Path, top: int = 12) -> str:
    """The bundle's size and what takes the space, largest first."""
    inner = folder / "_internal" if (folder / "_internal").is_dir() else folder
    parts = sorted(
        ((folder_size(p) if p.is_dir() else p.stat().st_size, p.name) for p in inner.iterdir()), reverse=True
    )
    total = folder_size(folder)
    lines = [f"bundle: {total / 2**20:.0f} MiB unpacked in {folder}"]
    lines += [f"  {size / 2**20:8.1f} MiB  {name}" for size, name in parts[:top]]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    folder = Path(argv[0]).resolve()
    if not (folder / "s2ide").is_file():
        sys.exit(f"finish: {folder} holds no s2ide program; build the bundle first")
    shutil.copyfile(ROOT / "packaging" / "s2ide.desktop", folder / "s2ide.desktop")
    shutil.copyfile(ROOT / "resources" / "icons" / "s2ide.png", folder / "s2ide.png")
    script = folder / "install-desktop-entry.sh"
    script.write_text(INSTALL_SCRIPT)
    script.chmod(0o755)
    sys.path.insert(0, str(ROOT))
    from s2ide import __version__

    archive = folder.parent / f"s2ide-{__version__}-{platform.system().lower()}-{platform.machine()}.tar.gz"
    with tarfile.open(archive, "w:gz", compresslevel=6) as tar:
        tar.add(folder, arcname="s2ide")
    print(size_report(folder))
    print(f"archive: {archive} ({os.path.getsize(archive) / 2**20:.0f} MiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
