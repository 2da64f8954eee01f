"""The desktop bundle's recipe ships every resource the code reads and every Qt module it imports.

Building the bundle takes minutes and is a release step (`bootstrap.py bundle --check`); these
checks run in the suite so that a new resource or a new Qt import cannot silently break it.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manifest():
    spec = importlib.util.spec_from_file_location(
        "bundle_manifest", ROOT / "packaging" / "bundle" / "bundle_manifest.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tracked(folder: str) -> list[Path]:
    out = subprocess.run(["git", "ls-files", folder], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [ROOT / line for line in out.splitlines() if line]


def test_every_tracked_resource_is_bundled_under_s2ide_resources() -> None:
    bundled = {(Path(src).resolve(), dest) for src, dest in _manifest().bundled_data(ROOT)}
    tracked = _tracked("resources")
    assert tracked, "resources/ holds no tracked file"
    for path in tracked:
        expected = str(Path("s2ide") / path.parent.relative_to(ROOT))
        assert (path.resolve(), expected) in bundled, f"{path.relative_to(ROOT)} is not in the bundle"


def test_the_recipe_takes_its_data_and_exclusions_from_the_manifest() -> None:
    spec = (ROOT / "packaging" / "bundle" / "s2ide.spec").read_text()
    assert "datas=bundled_data(ROOT)" in spec
    assert "excludes=EXCLUDED_MODULES" in spec
    assert 'collect_submodules("s2ide")' in spec  # features and views are imported by name


def test_every_resource_the_code_names_exists_in_the_bundle() -> None:
    bundled = {Path(dest, Path(src).name).as_posix() for src, dest in _manifest().bundled_data(ROOT)}
    named = []
    for source in (ROOT / "s2ide").rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) == "resource_path"
            ):
                parts = [arg.value for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
                if parts and len(parts) == len(node.args):
                    named.append((source, "s2ide/resources/" + "/".join(parts)))
    assert named, "no resource_path(...) call found: the check would prove nothing"
    for source, path in named:
        inside = path in bundled or any(b.startswith(path + "/") for b in bundled)
        assert inside, f"{source.relative_to(ROOT)} reads {path}, which the bundle does not ship"


def test_no_module_imports_a_qt_module_the_bundle_leaves_out() -> None:
    excluded = set(_manifest().UNUSED_QT)
    pattern = re.compile(r"PySide6\.(Qt\w+)")
    for source in (ROOT / "s2ide").rglob("*.py"):
        used = set(pattern.findall(source.read_text())) & excluded
        assert not used, (
            f"{source.relative_to(ROOT)} imports {sorted(used)}, left out of the bundle (bundle_manifest.py)"
        )
