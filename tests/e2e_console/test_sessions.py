"""Console sessions without a browser: idle and absolute expiry on the users service's tokens; CSRF."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from district_center.console.sessions import (
    ABSOLUTE_HOURS,
    IDLE_MINUTES,
    csrf_ok,
    csrf_token,
    session_user,
)
from district_center.db.engine import Database
from district_center.services.users.accounts import create_user, login

T0 = dt.datetime(2026, 11, 22, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'c.sqlite3'}", pool_size=1)
    database.upgrade()
    with database.session() as s:
        create_user(s, "rev", "correct-horse-battery", ["reviewer"], department="市民政局")
    yield database
    database.dispose()


def _login(db: Database) -> str:
    with db.session() as s:
        token, _ = login(s, "rev", "correct-horse-battery", minutes=IDLE_MINUTES, now=T0)
    return token


def _at(db: Database, token: str, when: dt.datetime) -> object:
    with db.session() as s:
        return session_user(s, token, when)


def test_idle_session_expires(db: Database) -> None:
    token = _login(db)
    assert _at(db, token, T0 + dt.timedelta(minutes=IDLE_MINUTES - 1)) is not None
    # that use slid the idle deadline: still valid IDLE_MINUTES - 1 minutes later, not after a real idle gap
    assert _at(db, token, T0 + dt.timedelta(minutes=2 * IDLE_MINUTES - 3)) is not None
    assert _at(db, token, T0 + dt.timedelta(minutes=4 * IDLE_MINUTES)) is None


def test_active_session_still_ends_at_the_absolute_limit(db: Database) -> None:
    token = _login(db)
    when = T0
    while when < T0 + dt.timedelta(hours=ABSOLUTE_HOURS) - dt.timedelta(minutes=10):
        assert _at(db, token, when) is not None, when
        when += dt.timedelta(minutes=IDLE_MINUTES - 5)
    assert _at(db, token, T0 + dt.timedelta(hours=ABSOLUTE_HOURS, minutes=1)) is None


def test_csrf_token_is_bound_to_the_session_and_key() -> None:
    key, other_key = b"k" * 32, b"o" * 32
    token = csrf_token(key, "session-a")
    assert csrf_ok(key, "session-a", token)
    assert not csrf_ok(key, "session-b", token)
    assert not csrf_ok(other_key, "session-a", token)
    assert not csrf_ok(key, "session-a", None)
    assert not csrf_ok(key, "session-a", "")
