"""The small part of YAML a YOLO `data.yaml` uses, read and written without PyYAML.

Reads `key: value` lines, and under `names:` either an inline list `[a, b]`, a block list
(`- a`) or a block mapping (`0: a`). Values may be plain, 'single' or "double" quoted.
Anything else is an ImportFormatError naming the line, never a guess.
"""

from __future__ import annotations

import json
from typing import Any

from s2ide.core.errors import ImportFormatError


def _scalar(text: str, where: str) -> str:
    text = text.strip()
    if text.startswith('"'):
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise ImportFormatError(f"{where}: bad double-quoted string {text[:40]!r}") from exc
        if not isinstance(value, str):
            raise ImportFormatError(f"{where}: bad double-quoted string {text[:40]!r}")
        return value
    if text.startswith("'"):
        if len(text) < 2 or not text.endswith("'"):
            raise ImportFormatError(f"{where}: unterminated single-quoted string {text[:40]!r}")
        return text[1:-1].replace("''", "'")
    if " #" in text:
        text = text.split(" #", 1)[0].rstrip()
    return text


def _inline_list(text: str, where: str) -> list[str]:
    body = text.strip()
    if not body.endswith("]"):
        raise ImportFormatError(f"{where}: unterminated inline list")
    body = body[1:-1]
    items: list[str] = []
    current = ""
    quote = ""
    for char in body:
        if quote:
            current += char
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
            current += char
        elif char == ",":
            items.append(_scalar(current, where))
            current = ""
        else:
            current += char
    if quote:
        raise ImportFormatError(f"{where}: unterminated string in inline list")
    if current.strip():
        items.append(_scalar(current, where))
    return items


def parse(text: str, source: str) -> dict[str, Any]:
    """Top-level keys to strings; `names` to a list or {int: str} dict."""
    out: dict[str, Any] = {}
    block_key: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        where = f"{source}:{number}"
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if "\t" in raw[: len(raw) - len(raw.lstrip())]:
            raise ImportFormatError(f"{where}: tabs are not allowed for indentation in YAML")
        indented = raw[0] in " -"
        line = raw.strip()
        if indented and block_key is not None:
            target = out[block_key]
            if line.startswith("-"):
                if isinstance(target, dict) and target:
                    raise ImportFormatError(f"{where}: a list item inside a mapping")
                if not isinstance(target, list):
                    target = out[block_key] = []
                target.append(_scalar(line[1:], where))
                continue
            key, sep, value = line.partition(":")
            if not sep:
                raise ImportFormatError(f"{where}: expected 'key: value' or '- item'")
            if isinstance(target, list) and target:
                raise ImportFormatError(f"{where}: a mapping entry inside a list")
            if not isinstance(target, dict):
                target = out[block_key] = {}
            try:
                index = int(_scalar(key, where))
            except ValueError as exc:
                raise ImportFormatError(f"{where}: class index {key.strip()!r} is not an integer") from exc
            target[index] = _scalar(value, where)
            continue
        if indented:
            raise ImportFormatError(f"{where}: unexpected indentation")
        key, sep, value = line.partition(":")
        if not sep or not key.strip():
            raise ImportFormatError(f"{where}: expected 'key: value'")
        key = key.strip()
        value = value.strip()
        block_key = None
        if not value or value.startswith("#"):
            out[key] = []
            block_key = key
        elif value.startswith("["):
            out[key] = _inline_list(value, where)
        elif value.startswith("{"):
            raise ImportFormatError(f"{where}: inline mappings are not supported; write one 'index: name' per line")
        else:
            out[key] = _scalar(value, where)
    return out


def dump_names(names: list[str]) -> str:
    """`names:` as a block mapping with every name double-quoted (JSON strings are valid YAML)."""
    lines = ["names:"]
    lines += [f"  {index}: {json.dumps(name)}" for index, name in enumerate(names)]
    return "\n".join(lines) + "\n"
