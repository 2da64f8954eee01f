"""Refuse a mistyped command instead of opening the app on a project that does not exist.

`s2ide WORD` opens WORD as a project (`s2ide gui WORD`) when WORD is a folder or file, a path
(it has a separator) or a database URL; any other bare word that is not a command is a typo.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from pathlib import Path


def unknown_command(word: str, commands: Iterable[str]) -> str | None:
    """The refusal for `word`, or None when it may name a project to open."""
    if "://" in word or os.sep in word or "/" in word or word in (".", "..") or Path(word).exists():
        return None
    known = sorted(commands)
    close = difflib.get_close_matches(word, known, n=3, cutoff=0.6)
    hint = f" (did you mean: {', '.join(close)}?)" if close else f" (commands: {', '.join(known)})"
    return f"unknown command {word!r}{hint}"
