"""Import and export formats: one module per format, each with `detect(src)` and `read(src)`.

`read` returns an `ImportPlan`; `core.importing.run_import` applies it. Exporters (where a
format has one) provide `export(project, dest, state)`.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from s2ide.core.errors import ImportFormatError
from s2ide.core.formats import csv_labels, folder, imagefolder
from s2ide.core.formats.base import ImportItem, ImportPlan, PlannedAnnotation

__all__ = ["IMPORTERS", "ImportItem", "ImportPlan", "PlannedAnnotation", "detect_format", "read_plan"]

# Order matters for detection: the most specific format first, plain folder last.
IMPORTERS: dict[str, ModuleType] = {
    csv_labels.NAME: csv_labels,
    imagefolder.NAME: imagefolder,
    folder.NAME: folder,
}


def detect_format(src: Path) -> str:
    if not src.exists():
        raise ImportFormatError(f"{src}: no such file or folder")
    for name, module in IMPORTERS.items():
        if module.detect(src):
            return name
    raise ImportFormatError(f"{src}: cannot tell its format; name one with --format")


def read_plan(src: Path, fmt: str = "auto") -> ImportPlan:
    if fmt == "auto":
        fmt = detect_format(src)
    module = IMPORTERS.get(fmt)
    if module is None:
        raise ImportFormatError(f"unknown import format {fmt!r} (known: {', '.join(IMPORTERS)})")
    plan: ImportPlan = module.read(src)
    return plan
