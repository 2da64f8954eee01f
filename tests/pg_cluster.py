"""A throwaway PostgreSQL cluster for the team-project tests.

initdb into a temporary folder, start the server on a free port on 127.0.0.1 with password
(scram-sha-256) sign-in, stop it and delete the folder at the end. The server refuses to run as
root, so under root (CI containers) the folder belongs to the `postgres` OS user and every server
command runs through `runuser -u postgres --`.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

ADMIN = "s2ide_admin"
ADMIN_PASSWORD = "admin-" + uuid.uuid4().hex[:12]


def find_bin() -> Path | None:
    """S2IDE_PG_BIN, else the newest /usr/lib/postgresql/*/bin, else pg_ctl on PATH."""
    candidates = [os.environ.get("S2IDE_PG_BIN", "")]
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(str(Path(on_path).parent))
    for folder in candidates:
        if folder and (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    return None


MISSING = (
    "PostgreSQL server binaries not found (no initdb/pg_ctl in S2IDE_PG_BIN, /usr/lib/postgresql/*/bin or PATH): "
    "install postgresql (14 or newer) to run the team-project tests"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Cluster:
    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="s2ide-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0 if hasattr(os, "geteuid") else False

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed: {done.stdout.strip()[-400:]}")

    def start(self, durable: bool = False) -> None:
        """durable: fsync on, as a real server (benchmarks); tests skip it for speed."""
        pwfile = self.root / "pw"
        pwfile.write_text(ADMIN_PASSWORD + "\n")
        if self.as_root:
            shutil.chown(self.root, "postgres")
            shutil.chown(pwfile, "postgres")
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", ADMIN, f"--pwfile={pwfile}",
            "-A", "scram-sha-256", "--no-sync", "-E", "UTF8", "--locale=C",
        )  # fmt: skip
        pwfile.unlink()
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        if not durable:
            options += " -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start"
        )

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str, user: str = ADMIN) -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def admin(self):  # -> psycopg.Connection
        import psycopg

        return psycopg.connect(self.url("postgres"), password=ADMIN_PASSWORD, autocommit=True)

    def new_database(self) -> str:
        name = "t_" + uuid.uuid4().hex[:10]
        with self.admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def new_login(self, name: str, password: str, *, createrole: bool = False) -> None:
        with self.admin() as conn:
            extra = " CREATEROLE" if createrole else ""
            conn.execute(f"CREATE ROLE \"{name}\" LOGIN{extra} PASSWORD '{password}'")


def bench_cluster(script: str) -> Cluster:
    """A started cluster with a real server's durable settings (fsync on), signed in as its admin
    through PGPASSWORD, for the benchmarks; exits with one line when no server binary exists."""
    import os
    import sys

    bin_dir = find_bin()
    if bin_dir is None:
        sys.exit(f"{script}: PostgreSQL server binaries not found")
    cluster = Cluster(bin_dir)
    cluster.start(durable=True)
    os.environ["PGPASSWORD"] = ADMIN_PASSWORD
    return cluster
