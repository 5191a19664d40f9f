"""Migrations build the schema from an empty database on both backends, and match the models."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from district_center.db.engine import Database, alembic_config, current_revision, upgrade
from district_center.db.models import Base


@pytest.fixture(params=["sqlite", "postgres"])
def empty_db(request, tmp_path):
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_server").create_database("mig")
    else:
        url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    db = Database(url)
    yield db
    db.dispose()


def test_upgrade_from_empty_matches_models(empty_db):
    assert current_revision(empty_db.engine) is None
    empty_db.upgrade()
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert current_revision(empty_db.engine) == head
    with empty_db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []
    tables = set(sa.inspect(empty_db.engine).get_table_names())
    assert {"catalog_versions", "holiday_calendars", "users", "audit_log", "cases", "feed_events"} <= tables
    empty_db.upgrade()  # idempotent


def test_concurrent_upgrades_are_serialised(postgres_server, tmp_path):
    # Several center instances starting at once against one PostgreSQL (separate processes). Not run on
    # SQLite: there one process owns the embedded database.
    pg_db = Database(postgres_server.create_database("mig"))
    env = {**os.environ, "CENTER_DATABASE_URL": pg_db.url}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "district_center.cli", "db", "upgrade", "--data-dir", str(tmp_path)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(3)
    ]
    for p in procs:
        _out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    assert current_revision(pg_db.engine) is not None
    pg_db.dispose()


def test_downgrade_to_base_and_up_again(empty_db):
    from alembic import command

    empty_db.upgrade()
    command.downgrade(alembic_config(empty_db.engine), "base")
    assert set(sa.inspect(empty_db.engine).get_table_names()) <= {"alembic_version"}
    empty_db.upgrade()


def test_sqlite_pragmas(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'p.sqlite3'}")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 60000
    db.dispose()


def test_follow_ups_closed_before_0011_count_as_rectified(empty_db):
    """0011 adds 整改 to follow-ups: one closed with "回访及整改情况" counts as rectified on its closing time;
    an open one has nothing recorded."""
    upgrade(empty_db.engine, "0009")
    at = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
    meta = sa.MetaData()
    meta.reflect(empty_db.engine, only=["stations", "followups"])
    stations, followups = meta.tables["stations"], meta.tables["followups"]
    row = {"station_id": "s1", "department": "市民政局", "item_code": "X", "rating": "不满意", "rated_at": at}
    with empty_db.engine.begin() as conn:
        conn.execute(
            stations.insert().values(
                id="s1",
                station_no=1,
                name="站",
                jurisdiction="",
                status="active",
                created_at=at,
                feed_seq=0,
                feed_acked=0,
            )
        )
        conn.execute(
            followups.insert(),
            [
                {
                    **row,
                    "id": 1,
                    "case_id": "c1",
                    "due_date": "2026-11-25",
                    "status": "closed",
                    "opened_at": at,
                    "closed_at": at + dt.timedelta(days=1),
                    "closed_by": "user:3",
                    "resolution": "已回访并整改",
                },
                {
                    **row,
                    "id": 2,
                    "case_id": "c2",
                    "due_date": "2026-11-25",
                    "status": "open",
                    "opened_at": at,
                    "closed_at": None,
                    "closed_by": None,
                    "resolution": "",
                },
            ],
        )
    empty_db.upgrade()
    with empty_db.engine.connect() as conn:
        got = conn.execute(
            sa.text(
                "SELECT id, rectified_by, rectification, rectified_at IS NOT NULL FROM followups ORDER BY id"
            )
        ).all()
    assert [tuple(r) for r in got] == [(1, "user:3", "已回访并整改", True), (2, None, None, False)]
