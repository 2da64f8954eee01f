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
    "s2ide.ui.gallery.folder_open",  # before the canvas: it reads a not-yet-indexed sample first
    "s2ide.ui.canvas.feature",
    "s2ide.ui.canvas.objects",  # class captions and the Objects panel, over the canvas feature
    "s2ide.ui.training.feature",  # after the gallery feature: its Next provider wraps the gallery's
    "s2ide.ui.review.feature",  # after training: second labels owed come before the strategy's choice
    "s2ide.ui.insight.feature",
    "s2ide.ui.insight.labeling_time",  # time telemetry: records sample open intervals, shows s/label
    "s2ide.ui.insight.similar_feature",  # after review: the priority slice comes first in Next
    "s2ide.ui.interchange.feature",
    "s2ide.ui.review.team_dashboard",
    "s2ide.ui.shell.team_dialog",  # File > Open team project…, Team settings…
    "s2ide.ui.shell.theme",  # View ▸ Theme: system, light, dark
    "s2ide.ui.shell.leased_next",  # it leases whatever sample the providers above choose
    "s2ide.ui.shell.help",  # last: Help menu, the shortcut sheet reads the keys the others bound
]


def attach_all(window: QMainWindow) -> None:
    """Typed as the Qt base class so that this list and main_window.py do not import each other."""
    for name in FEATURE_MODULES:
        importlib.import_module(name).attach(window)
