"""`s2ide check-db PROJECT [--recover DEST]`: integrity check of a local project's database,
and a rescue of what a damaged one still holds into a new folder (DESIGN.md §4)."""

from __future__ import annotations

import argparse
from pathlib import Path

from s2ide.cli._common import add_json_arg, print_json
from s2ide.core.errors import NotAProjectError
from s2ide.core.project import DB_NAME
from s2ide.core.store.integrity import check, recover
from s2ide.core.store.storage_errors import last_backup


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check-db",
        help="integrity check of a local project's database; --recover rescues what is readable",
        description="Runs SQLite's integrity_check on PROJECT/project.db without changing it. With --recover, "
        "copies everything readable into DEST/project.db (a new folder), with the sqlite3 command line's "
        ".recover when installed, else row by row; the damaged file is left as it is.",
    )
    p.add_argument("project", type=Path, help="the project folder (or its project.db)")
    p.add_argument("--recover", metavar="DEST", type=Path, help="a new folder to write the rescued database into")
    add_json_arg(p)
    p.set_defaults(run=cmd_check_db)


def cmd_check_db(args: argparse.Namespace) -> int:
    db_path: Path = args.project if args.project.name == DB_NAME else args.project / DB_NAME
    if not db_path.is_file():
        raise NotAProjectError(f"{args.project}: no {DB_NAME} here")
    problems = check(db_path)
    ok = problems == ["ok"]
    backup = last_backup(db_path)
    out: dict[str, object] = {
        "database": str(db_path),
        "ok": ok,
        "problems": [] if ok else problems,
        "last_backup": str(backup) if backup else None,
    }
    if args.recover is not None:
        rescued = recover(db_path, args.recover)
        out["recovered"] = {
            "dest": str(rescued.dest),
            "method": rescued.method,
            "rows": rescued.tables,
            "unreadable_rows": rescued.lost,
            "integrity": rescued.integrity,
        }
    if args.json:
        print_json(out)
    else:
        print(f"{db_path}: {'ok' if ok else 'DAMAGED'}")
        for line in [] if ok else problems[:20]:
            print(f"  {line}")
        if not ok:
            print(f"  last backup: {backup or 'none'}")
        if args.recover is not None:
            print(f"recovered into {rescued.dest} ({rescued.method}): {sum(rescued.tables.values())} rows")
            for name, count in sorted(rescued.tables.items()):
                lost = rescued.lost.get(name)
                print(f"  {name}: {count}" + (f" ({lost} unreadable)" if lost else ""))
            print(f"  integrity of the copy: {', '.join(rescued.integrity[:3])}")
    return 0 if ok else 1
