"""Engine, sessions and migrations for the center's database.

``Database(url)`` wraps one engine. SQLite (the embedded default) runs in WAL mode with ``busy_timeout`` and
foreign keys on, and write transactions start with ``BEGIN IMMEDIATE`` so that writers queue on the database
lock instead of failing when a read transaction upgrades (SQLite serialises writers; this makes the queueing
explicit). ``read_session()`` uses a plain deferred ``BEGIN`` so readers never wait for writers. PostgreSQL
(psycopg 3) runs READ COMMITTED; code that needs ordering takes row locks (``SELECT … FOR UPDATE``).

Migrations: :func:`upgrade` runs ``alembic upgrade head`` from the migrations shipped in this package; on
PostgreSQL under an advisory lock so several center instances may start at once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
PG_MIGRATION_LOCK = 0x62_6D_7A_7A  # "bmzz": advisory lock id held while migrating


def _sqlite_engine(url: str, pool_size: int) -> Engine:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size * 2,
        pool_timeout=60,
        connect_args={"timeout": 60, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module; we emit BEGIN ourselves below.
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        readonly = conn.get_execution_options().get("center_readonly", False)
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    return engine


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url, pool_size)
    return create_engine(
        url, pool_size=pool_size, max_overflow=pool_size * 2, pool_pre_ping=True, pool_timeout=60
    )


class Database:
    """One engine plus session factories. Use ``with db.session() as s:`` (commits on success)."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self.is_postgres = self.engine.dialect.name == "postgresql"
        self.read_engine = self.engine.execution_options(center_readonly=True)
        """Same pool; on SQLite its transactions start with a deferred BEGIN (readers never queue)."""
        self.info: dict[str, Any] = {}
        """Copied into every session's ``Session.info``; ``open_center`` puts the vault here (``"vault"``)."""
        self._writer = sessionmaker(self.engine, expire_on_commit=False, info=self.info)
        self._reader = sessionmaker(self.read_engine, expire_on_commit=False, info=self.info)
        self._write_lock = threading.RLock() if self.is_sqlite else None

    @contextmanager
    def _write_turn(self) -> Iterator[None]:
        """On SQLite, queue this process's writers on a lock before ``BEGIN IMMEDIATE``.

        SQLite's own busy handler waits by sleeping in growing steps (up to 100 ms each), which turns a
        short queue of writers into long tail latencies; a lock hands the database over as soon as it is
        free. Writers in other processes (CLI commands) still meet ``busy_timeout``."""
        if self._write_lock is None:
            yield
            return
        with self._write_lock:
            yield

    @contextmanager
    def session(self, *, durable: bool = True) -> Iterator[Session]:
        """A write transaction, committed when the block ends without an exception.

        ``durable=False`` (PostgreSQL): the commit does not wait for its WAL flush (``SET LOCAL
        synchronous_commit = off``), for writes a crash may lose harmlessly — an upload's progress (the
        station asks and resends), a feed acknowledgement (the station re-reads). WAL is flushed in order,
        so a later durable commit that depends on such a write (the batch that names a scan) makes it
        durable too. On SQLite it changes nothing."""
        with self._write_turn(), self._writer() as s, s.begin():
            if not durable and self.is_postgres:
                s.execute(text("SET LOCAL synchronous_commit = off"))
            yield s

    @contextmanager
    def write_connection(self) -> Iterator[Connection]:
        """A Core connection in a write transaction (committed at the end), for hot paths."""
        with self._write_turn(), self.engine.begin() as conn:
            yield conn

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A read transaction (never blocks on SQLite writers); anything written is rolled back."""
        with self._reader() as s:
            try:
                yield s
            finally:
                s.rollback()

    @property
    def vault(self) -> Any:
        """The vault that seals personal data (``district_center.services.vault.Vault``), or None."""
        return self.info.get("vault")

    @vault.setter
    def vault(self, vault: Any) -> None:
        self.info["vault"] = vault

    def upgrade(self) -> None:
        upgrade(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """``alembic upgrade head`` on this engine (idempotent; serialised across instances on PostgreSQL)."""
    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        rev: str | None = MigrationContext.configure(conn).get_current_revision()
        return rev
