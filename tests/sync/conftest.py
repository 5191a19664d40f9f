"""Fixtures: a real district center on loopback (SQLite) and an enrolled station."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sync.harness import CenterHandle, Station, new_station, start_center


@pytest.fixture
def center(tmp_path: Path) -> Iterator[CenterHandle]:
    handle = start_center(tmp_path / "center")
    yield handle
    handle.stop()


@pytest.fixture
def station(center: CenterHandle, tmp_path: Path) -> Iterator[Station]:
    st = new_station(center, tmp_path / "station")
    yield st
    st.close()
