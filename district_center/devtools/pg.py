"""A private, throw-away PostgreSQL cluster on 127.0.0.1 (benchmarks, tools, and the tests'
``postgres_server`` fixture in ``tests/conftest.py``).

    with private_postgres() as pg:
        url = pg.create_database("bench")      # SQLAlchemy URL of a fresh, empty database

PostgreSQL refuses to run as root, so as root the cluster runs as Debian's ``postgres`` system user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from district_center.devtools.server import free_port


def pg_bindir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise RuntimeError("PostgreSQL is not installed: run `bash scripts/test`, which installs it")


@dataclass(frozen=True)
class PrivatePostgres:
    host: str
    port: int
    user: str

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{database}"

    def create_database(self, prefix: str = "t") -> str:
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(
            host=self.host, port=self.port, user=self.user, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@contextmanager
def private_postgres(max_connections: int = 300, *, fsync: bool = True) -> Iterator[PrivatePostgres]:
    """A throw-away PostgreSQL cluster on 127.0.0.1 (stopped and deleted on exit); ``fsync=False`` for
    benchmarks that measure queries rather than commits."""
    bindir = pg_bindir()
    base = Path(tempfile.mkdtemp(prefix="pgbench-"))
    os.chmod(base, 0o755)
    data, sock, log = base / "data", base / "sock", base / "pg.log"
    sock.mkdir()
    prefix: list[str] = []
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        for p in (base, sock):
            os.chown(p, pw.pw_uid, pw.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    subprocess.run(
        [
            *prefix,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ],
        check=True,
        capture_output=True,
    )
    opts = f"-h 127.0.0.1 -p {port} -k {sock} -c max_connections={max_connections}" + ("" if fsync else " -F")
    subprocess.run(
        [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(log), "-w", "start"],
        check=True,
        capture_output=True,
    )
    try:
        yield PrivatePostgres("127.0.0.1", port, "postgres")
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)
