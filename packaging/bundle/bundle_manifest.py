"""What the desktop bundle ships beside the code, and what it leaves out.

Shared by the PyInstaller recipe (s2ide.spec) and a fast test, so that a resource added to the
tree without being bundled fails the suite instead of a user's first start.
"""

from __future__ import annotations

from pathlib import Path

# Qt modules s2ide does not use (it imports QtCore, QtGui and QtWidgets only; pyqtgraph and superqt
# import their optional Qt modules lazily), plus Python packages that only developers need.
UNUSED_QT = [
    "Qt3DAnimation",
    "Qt3DCore",
    "Qt3DExtras",
    "Qt3DInput",
    "Qt3DLogic",
    "Qt3DRender",
    "QtBluetooth",
    "QtCanvasPainter",
    "QtCharts",
    "QtConcurrent",
    "QtDataVisualization",
    "QtDBus",
    "QtDesigner",
    "QtGraphs",
    "QtGraphsWidgets",
    "QtHelp",
    "QtHttpServer",
    "QtLocation",
    "QtMultimedia",
    "QtMultimediaWidgets",
    "QtNetwork",
    "QtNetworkAuth",
    "QtNfc",
    "QtOpenGL",
    "QtOpenGLWidgets",
    "QtPdf",
    "QtPdfWidgets",
    "QtPositioning",
    "QtPrintSupport",
    "QtQml",
    "QtQuick",
    "QtQuick3D",
    "QtQuickControls2",
    "QtQuickTest",
    "QtQuickWidgets",
    "QtRemoteObjects",
    "QtScxml",
    "QtSensors",
    "QtSerialBus",
    "QtSerialPort",
    "QtSpatialAudio",
    "QtSql",
    "QtStateMachine",
    "QtSvg",
    "QtSvgWidgets",
    "QtTest",
    "QtTextToSpeech",
    "QtUiTools",
    "QtWebChannel",
    "QtWebEngineCore",
    "QtWebEngineQuick",
    "QtWebEngineWidgets",
    "QtWebSockets",
    "QtWebView",
    "QtXml",
]
EXCLUDED_MODULES = [f"PySide6.{name}" for name in UNUSED_QT] + [
    "tkinter",
    "matplotlib",
    "IPython",
    "pytest",
    "hypothesis",
    "mypy",
    "ruff",
    "importlinter",
    "grimp",
    "torch.utils.tensorboard",
    "PyInstaller",
]


def resource_files(root: Path) -> list[Path]:
    """Every file under resources/, which the app reads through core.resources.resource_path."""
    return sorted(p for p in (root / "resources").rglob("*") if p.is_file())


def bundled_data(root: Path) -> list[tuple[str, str]]:
    """(source file, folder inside the bundle) pairs: resources/x/y lands in s2ide/resources/x."""
    pairs = []
    for path in resource_files(root):
        inside = Path("s2ide") / path.parent.relative_to(root)
        pairs.append((str(path), str(inside)))
    return pairs
