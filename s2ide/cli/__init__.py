"""The `s2ide` command: a thin face over `s2ide.core` and `s2ide.ml` (DESIGN.md §4).

Each command group lives in its own module with `register(subparsers)`. Errors print one line
to stderr and exit 1; usage errors exit 2 (argparse). Qt is imported only by `gui`.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from s2ide import __version__
from s2ide.cli import (
    db_cmds,
    escalation_cmds,
    format_cmds,
    ml_cmds,
    project_cmds,
    quality_cmds,
    shape_cmds,
    similar_cmds,
    team_cmds,
    worker_cmds,
)
from s2ide.cli.command_guess import unknown_command
from s2ide.core.errors import Cancelled, S2Error

COMMAND_MODULES = [
    project_cmds,
    ml_cmds,
    escalation_cmds,
    format_cmds,
    shape_cmds,
    quality_cmds,
    similar_cmds,
    db_cmds,
    team_cmds,
    worker_cmds,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="s2ide", description="s2ide, the Software 2.0 IDE: label, escalate, retrain, inspect."
    )
    parser.add_argument("--version", action="version", version=f"s2ide {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def _commands(parser: argparse.ArgumentParser) -> set[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    # `s2ide` and `s2ide PROJECT` open the app, as `s2ide gui [PROJECT]` does.
    if not args_list or (args_list[0] not in _commands(parser) and not args_list[0].startswith("-")):
        # ...unless the word is no folder or project either: a mistyped command never opens the app.
        refusal = unknown_command(args_list[0], _commands(parser)) if args_list else None
        if refusal is not None:
            print(f"s2ide: error: {refusal}", file=sys.stderr)
            return 2
        args_list = ["gui", *args_list]
    args = parser.parse_args(args_list)
    try:
        return int(args.run(args) or 0)
    except Cancelled:
        print("s2ide: cancelled", file=sys.stderr)
        return 1
    except S2Error as exc:
        print(f"s2ide: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `s2ide samples P | head`: the reader left, nothing to report
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("s2ide: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # never a traceback for a person; say what broke
        explained = storage_error(exc, getattr(args, "project", None))
        if explained is not None:
            print(f"s2ide: error: {explained}", file=sys.stderr)
            return 1
        print(f"s2ide: error: unexpected {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def storage_error(exc: BaseException, project: object) -> str | None:
    """Disk full, read-only, damaged database: the specific message, or None."""
    if project is None or not isinstance(exc, (sqlite3.Error, OSError)):
        return None
    from s2ide.core.project import DB_NAME
    from s2ide.core.store.storage_errors import translate

    folder = Path(str(project))
    db_path = folder if folder.name == DB_NAME else folder / DB_NAME
    explained = translate(exc, db_path)
    return None if explained is None else str(explained)
