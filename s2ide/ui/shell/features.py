"""The features the main window is built from, in order.

Each module named here has `attach(window: MainWindow) -> None`, which adds its docks, menu
actions and shortcuts through the window's small API (`add_dock`, `menu`, `context`,
`add_task`). main_window.py stays a thin shell; a feature is added by one line here.
"""

from __future__ import annotations

import importlib

from PySide6.QtWidgets import QMainWindow

FEATURE_MODULES: list[str] = [
    "s2ide.ui.gallery.feature",
    "s2ide.ui.canvas.feature",
    "s2ide.ui.training.feature",  # after the gallery feature: its Next provider wraps the gallery's
    "s2ide.ui.review.feature",  # after training: second labels owed come before the strategy's choice
    "s2ide.ui.insight.feature",
    "s2ide.ui.insight.similar_feature",  # after review: the priority slice comes first in Next
    "s2ide.ui.interchange.feature",
]


def attach_all(window: QMainWindow) -> None:
    """Typed as the Qt base class so that this list and main_window.py do not import each other."""
    for name in FEATURE_MODULES:
        importlib.import_module(name).attach(window)
