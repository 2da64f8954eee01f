"""The features the main window is built from, in order.

Each module named here has `attach(window: MainWindow) -> None`, which adds its docks, menu
actions and shortcuts through the window's small API (`add_dock`, `menu`, `context`,
`add_task`). main_window.py stays a thin shell; a feature is added by one line here.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from s2ide.ui.main_window import MainWindow

FEATURE_MODULES: list[str] = [
    "s2ide.ui.foundation_feature",
    "s2ide.ui.canvas.feature",
    "s2ide.ui.ml_feature",  # after the foundation feature: its Next provider wraps the gallery's
    "s2ide.ui.review_feature",  # after ml: second labels owed come before the strategy's choice
    "s2ide.ui.engineer_feature",
    "s2ide.ui.formats_feature",
]


def attach_all(window: MainWindow) -> None:
    for name in FEATURE_MODULES:
        importlib.import_module(name).attach(window)
