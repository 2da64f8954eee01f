"""Strict readers for untrusted annotation files: every problem is one ImportFormatError line.

Each helper takes `where` ("instances.json: annotations[3].bbox") so the message names the
file and the key. Readers call these instead of indexing into parsed data directly, so a
truncated, mistyped or hostile file can only ever raise ImportFormatError.
"""

from __future__ import annotations

import functools
import json
import math
import os
from pathlib import Path
from typing import Any

from s2ide.core import geometry
from s2ide.core.errors import ImportFormatError, InvalidInputError
from s2ide.core.io.formats.base import PlannedAnnotation
from s2ide.core.io.regular_files import NotRegularFileError, read_regular

MAX_COORD = 1_000_000.0  # pixels; anything larger is a broken or hostile file
MAX_SIDE = 100_000  # image width or height
MAX_FILE_BYTES = 4 * 1024**3
MAX_MASK_PIXELS = 89_478_485  # Pillow's decompression-bomb limit: a mask is never larger than an image


def check_mask_size(width: int, height: int, where: str) -> None:
    """Refuse masks whose decoding alone would exhaust memory (a hostile size)."""
    if width * height > MAX_MASK_PIXELS:
        raise ImportFormatError(f"{where}: a {width}x{height} mask is larger than {MAX_MASK_PIXELS:,} pixels")


def read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImportFormatError(f"{path}: cannot read it ({exc.strerror or exc})") from exc
    if size > MAX_FILE_BYTES:
        raise ImportFormatError(f"{path}: too large ({size:,} bytes)")
    try:
        return read_regular(path).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFormatError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except IsADirectoryError as exc:
        raise ImportFormatError(f"{path}: is a folder, not a file") from exc
    except NotRegularFileError as exc:
        raise ImportFormatError(f"{path}: {exc.strerror}") from exc
    except OSError as exc:
        raise ImportFormatError(f"{path}: cannot read it ({exc.strerror or exc})") from exc


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_json(text: str, where: str) -> Any:
    try:
        return json.loads(text, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise ImportFormatError(f"{where}: line {exc.lineno} column {exc.colno}: not valid JSON ({exc.msg})") from exc
    except RecursionError as exc:
        raise ImportFormatError(f"{where}: JSON nested too deeply") from exc
    except ValueError as exc:  # NaN/Infinity, integers longer than Python accepts
        raise ImportFormatError(f"{where}: not valid JSON ({exc})") from exc


def load_json(path: Path) -> Any:
    return parse_json(read_text(path), str(path))


def type_name(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__
    )


def expect_dict(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ImportFormatError(f"{where}: expected an object, got {type_name(value)}")
    return value


def expect_list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ImportFormatError(f"{where}: expected a list, got {type_name(value)}")
    return value


def expect_str(value: Any, where: str, *, empty: bool = False) -> str:
    if not isinstance(value, str):
        raise ImportFormatError(f"{where}: expected a string, got {type_name(value)}")
    if not empty and not value.strip():
        raise ImportFormatError(f"{where}: is empty")
    if "\x00" in value:
        raise ImportFormatError(f"{where}: contains a NUL character")
    return value


def expect_number(value: Any, where: str, lo: float = -MAX_COORD, hi: float = MAX_COORD) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ImportFormatError(f"{where}: expected a number, got {type_name(value)}")
    try:
        number = float(value)
    except OverflowError as exc:
        raise ImportFormatError(f"{where}: number too large") from exc
    if not math.isfinite(number):
        raise ImportFormatError(f"{where}: must be finite, got {number}")
    if number < lo or number > hi:
        raise ImportFormatError(f"{where}: {value:g} is out of range [{lo:g}, {hi:g}]")
    return number


def expect_int(value: Any, where: str, lo: int = -(2**53), hi: int = 2**53) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ImportFormatError(f"{where}: expected an integer, got {type_name(value)}")
    if value < lo or value > hi:
        raise ImportFormatError(f"{where}: {value} is out of range [{lo}, {hi}]")
    return value


def parse_number(text: str, where: str, lo: float = -MAX_COORD, hi: float = MAX_COORD) -> float:
    """A number written as text (YOLO, VOC): finite and in range."""
    try:
        value = float(text)
    except ValueError as exc:
        raise ImportFormatError(f"{where}: {text[:40]!r} is not a number") from exc
    return expect_number(value, where, lo, hi)


def expect_size(width: Any, height: Any, where: str) -> tuple[int, int]:
    w = expect_int(width, f"{where}.width", 1, MAX_SIDE)
    h = expect_int(height, f"{where}.height", 1, MAX_SIDE)
    return w, h


def path_problem(text: str) -> str | None:
    """Why a path written in a file cannot name a file on this system, or None."""
    if "\x00" in text:
        return "the path contains a NUL character"
    if len(text) > 4096 or any(len(part) > 255 for part in text.replace("\\", "/").split("/")):
        return "the path is too long"
    return None


@functools.lru_cache(maxsize=64)
def _real_root(root: str) -> str:
    return os.path.realpath(root)


def safe_path(root: Path, name: Any, where: str, base: Path | None = None) -> Path:
    """`name` (relative to `base`, default root) as a path that must stay inside `root`.

    `../` that stays inside root is fine; anything that leads out of it, absolute or not, is
    refused: an annotation file must never make s2ide read files it was not given. The check
    is lexical (after normalising `..`), against root with its own links resolved.
    """
    name = expect_str(name, where)
    problem = path_problem(name)
    if problem is not None:
        raise ImportFormatError(f"{where}: {problem}")
    posix = name.replace("\\", "/")
    if len(posix) > 1 and posix[1] == ":":
        raise ImportFormatError(f"{where}: path {name!r} names a drive")
    real_root = _real_root(str(root))
    start = real_root if base is None else os.path.join(real_root, os.path.relpath(_real_root(str(base)), real_root))
    joined = os.path.normpath(os.path.join(start, posix))
    if joined != real_root and not joined.startswith(real_root.rstrip(os.sep) + os.sep):
        raise ImportFormatError(f"{where}: path {name!r} leads outside the image folder {root}")
    return Path(joined)


def shape(
    kind: str,
    label: str,
    geom: dict[str, Any] | None,
    where: str,
    size: tuple[int, int] | None = None,
    data: bytes | None = None,
    attributes: dict[str, Any] | None = None,
) -> PlannedAnnotation:
    """A checked PlannedAnnotation: valid geometry (core.geometry). Whether it lies inside the
    image is decided when the import applies it (`core.io.clipping`): clipped or counted."""
    try:
        clean = geometry.validate(kind, geom)
    except InvalidInputError as exc:
        raise ImportFormatError(f"{where}: {exc}") from exc
    if size is not None and kind == "mask":
        check_inside(kind, clean, size, where)
    return PlannedAnnotation(kind=kind, label=label, geometry=clean, data=data, origin=where, attributes=attributes)


def box(
    label: str,
    x: float,
    y: float,
    w: float,
    h: float,
    where: str,
    size: tuple[int, int] | None = None,
    angle: float = 0.0,
    attributes: dict[str, Any] | None = None,
) -> PlannedAnnotation:
    """A checked box from numbers already checked by expect_number (the hot path of big files).

    `size` is accepted for symmetry; edges are handled when the import applies the box."""
    if w <= 0 or h <= 0:
        raise ImportFormatError(f"{where}: box has a non-positive size ({w:g} x {h:g})")
    geom = {"x": x, "y": y, "w": w, "h": h, "angle": angle}
    return PlannedAnnotation(kind="box", label=label, geometry=geom, origin=where, attributes=attributes)


def check_inside(kind: str, geom: dict[str, Any], size: tuple[int, int], where: str) -> None:
    """A shape wholly outside the image is an error; one reaching past an edge is kept as is."""
    width, height = size
    if kind == "mask":
        if (geom["width"], geom["height"]) != (width, height):
            raise ImportFormatError(f"{where}: mask is {geom['width']}x{geom['height']}, the image is {width}x{height}")
        return
    if kind == "point":
        if not (0 <= geom["x"] <= width and 0 <= geom["y"] <= height):
            raise ImportFormatError(
                f"{where}: point ({geom['x']:g}, {geom['y']:g}) lies outside the {width}x{height} image"
            )
        return
    if kind == "box" and not geom["angle"]:
        x, y, w, h = geom["x"], geom["y"], geom["w"], geom["h"]
    else:
        x, y, w, h = geometry.bounds(kind, geom)
    if x > width or y > height or x + w < 0 or y + h < 0:
        raise ImportFormatError(f"{where}: {kind} lies outside the {width}x{height} image")
