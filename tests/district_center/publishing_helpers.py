"""Shared set-up for the publishing and back-office tests: databases on both backends, district keys."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from district_center.db.engine import Database
from district_center.keys import DistrictKeys, KdfParams, generate_keys, write_key_file, write_public_file

FAST_KDF = KdfParams(iterations=1, lanes=1, memory_cost=8 * 1024)
PASSPHRASE = "district passphrase for tests"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'center.sqlite3'}"
    server = request.getfixturevalue("postgres_server")
    return str(server.create_database("pub"))


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url, pool_size=2)
    database.upgrade()
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def district(tmp_path: Path) -> tuple[DistrictKeys, Path, Path]:
    """(keys, data_dir, key_file): keys written like ``keys init`` does."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    keys = generate_keys()
    key_file = data_dir / "district-keys.key.json"
    write_key_file(key_file, keys, PASSPHRASE, FAST_KDF)
    write_public_file(data_dir, keys)
    return keys, data_dir, key_file
