"""Personal data is sealed in the center database: a byte grep of the SQLite files and of ``pg_dump`` finds no
test person's name, 身份证号 or phone; the back office still finds the person through blind indexes; the
key-encryption key rotates (old rows stay readable, the re-wrap job moves every data key)."""

from __future__ import annotations

import copy
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import make_url, select

from casework.identity import Agent
from district_center.db.engine import Database
from district_center.db.models import CaseRecord, DataKey
from district_center.devtools.pg import pg_bindir
from district_center.devtools.server import RunningCenter
from district_center.devtools.station_client import StationIdentity
from district_center.services.cases.feed import route_case
from district_center.services.vault import Keyring, Vault, open_vault
from district_center.services.vault.kek import LocalKek, load_or_create_kek
from district_center.services.vault.legacy import seal_legacy_rows
from district_center.settings import Settings

from .backoffice_helpers import login, unique
from .conftest import make_case, push

NAME, ID_NUMBER, PHONE = "欧阳测试人", "110105194912310021", "13912345678"
AGENT_NAME, AGENT_ID = "司马代办人", "11010519491231002X"
ADDRESS, COMMENT = "西安市碑林区测试专用地址七十七号", "测试专用评价内容"
SECRETS = [NAME, ID_NUMBER, PHONE, AGENT_NAME, ADDRESS, COMMENT]


def _person_case(station: StationIdentity) -> dict[str, Any]:
    doc = make_case(station)
    doc["applicant"].update(name=NAME, id_number=ID_NUMBER, phone=PHONE, address=ADDRESS)
    doc["agent"] = Agent(AGENT_NAME, "111", AGENT_ID, "13800000000", "亲属").to_dict()
    doc["pickup"]["address"] = ADDRESS
    return doc


def _dump(center: RunningCenter, backend: str) -> bytes:
    """Every byte the database holds: the SQLite file and its WAL, or a full ``pg_dump``."""
    if backend == "sqlite":
        path = Path(str(make_url(center.settings.database_url).database))
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    url = make_url(center.settings.database_url)
    out = subprocess.run(
        [
            str(pg_bindir() / "pg_dump"),
            "-h",
            str(url.host),
            "-p",
            str(url.port),
            "-U",
            str(url.username),
            str(url.database),
        ],
        check=True,
        capture_output=True,
    )
    return out.stdout


def test_a_byte_grep_of_the_database_finds_no_personal_data(
    center: RunningCenter,
    backend: str,
    new_station: Callable[..., StationIdentity],
    client: Callable[[StationIdentity], httpx.Client],
) -> None:
    origin, other = new_station("甲站"), new_station("乙站", jurisdiction="碑林区")
    doc = _person_case(origin)
    assert push(client(origin), doc)[0]["status"] == "accepted"
    rated = copy.deepcopy(doc)
    rated["version"] = 2
    rated["rating"] = {"level": "不满意", "at": rated["updated_at"], "reasons": [], "comment": COMMENT}
    assert push(client(origin), rated)[0]["status"] == "accepted"
    with center.db.session() as s:  # a routed_in event carries the case document to the other station
        route_case(s, doc["id"], other.station_id, actor="user:1")
    routed = [
        e
        for e in client(other).get("/api/v1/feed?after=0&limit=100").json()["events"]
        if e["type"] == "routed_in"
    ]
    assert routed and routed[-1]["payload"]["case"]["applicant"]["name"] == NAME  # opened for the station
    assert client(origin).get(f"/api/v1/cases/{doc['id']}").json()["case"]["rating"]["comment"] == COMMENT
    dump = _dump(center, backend)
    assert len(dump) > 10_000
    found = [s for s in SECRETS if s.encode("utf-8") in dump]
    assert found == [], f"plaintext personal data in the {backend} database: {found}"


def test_the_back_office_finds_a_person_by_blind_index(
    center: RunningCenter,
    new_station: Callable[..., StationIdentity],
    client: Callable[[StationIdentity], httpx.Client],
) -> None:
    st = new_station("丙站")
    doc = _person_case(st)
    doc["applicant"]["name"] = NAME + "二"
    assert push(client(st), doc)[0]["status"] == "accepted"
    supervisor = login(center, unique("sup"), ["supervisor"])
    for query in (
        {"applicant_id_number": ID_NUMBER.lower().replace("1", "１", 1)},  # full-width digit, still found
        {"applicant_phone": "+86 139 1234 5678"},
        {"applicant_name": f" {NAME}二 "},
        {"applicant_name": NAME + "二", "applicant_phone": PHONE},
    ):
        rows = supervisor.get("/api/v1/backoffice/cases", params=query).json()["cases"]
        assert doc["id"] in [r["id"] for r in rows], query
    for query in ({"applicant_name": NAME[:2]}, {"applicant_phone": "13912345670"}):
        rows = supervisor.get("/api/v1/backoffice/cases", params=query).json()["cases"]
        assert doc["id"] not in [r["id"] for r in rows], query


def test_kek_rotation_keeps_old_rows_readable_and_the_rewrap_job_moves_every_key(
    center: RunningCenter,
    tmp_path: Path,
    new_station: Callable[..., StationIdentity],
    client: Callable[[StationIdentity], httpx.Client],
) -> None:
    st = new_station("丁站")
    before = _person_case(st)
    assert push(client(st), before)[0]["status"] == "accepted"
    old_kek = center.center.db.vault.keyring.kek
    new_kek = load_or_create_kek(tmp_path / "new-kek.key")
    db = Database(center.settings.database_url, pool_size=2)
    try:
        # an instance started with the new KEK and the old one listed as previous (step 1 of rotation)
        db.vault = Vault(Keyring(db, new_kek, previous=[old_kek])).prepare()
        with db.read_session() as s:
            assert s.get(CaseRecord, before["id"]).document["applicant"]["name"] == NAME
        moved = db.vault.keyring.rewrap()  # the re-wrap job
        assert moved >= 2 and db.vault.keyring.wrapped_by() == {new_kek.key_id: moved}
        assert db.vault.keyring.rewrap() == 0  # idempotent
        # step 2: the old KEK retired — a process with only the new one opens old and new rows
        only_new = Database(center.settings.database_url, pool_size=2)
        only_new.vault = Vault(Keyring(only_new, new_kek)).prepare()
        with only_new.read_session() as s:
            assert s.get(CaseRecord, before["id"]).document["applicant"]["id_number"] == ID_NUMBER
            assert s.scalars(select(DataKey.kek_id)).all() == [new_kek.key_id] * moved
        only_new.dispose()
        # and a process still holding only the old KEK refuses clearly instead of reading garbage
        stale = Database(center.settings.database_url, pool_size=2)
        stale.vault = Vault(Keyring(stale, old_kek))
        from district_center.services.vault import KekError

        with pytest.raises(KekError) as refused, stale.read_session() as s:
            _ = s.get(CaseRecord, before["id"]).document
        assert refused.value.code == "center.kek.unknown"
        stale.dispose()
    finally:
        # put the running center's KEK back in charge for the other tests of the module
        Vault(Keyring(db, old_kek, previous=[new_kek])).keyring.rewrap()
        db.dispose()


def test_a_data_key_rotation_seals_new_rows_with_the_new_generation(
    center: RunningCenter,
    new_station: Callable[..., StationIdentity],
    client: Callable[[StationIdentity], httpx.Client],
) -> None:
    st = new_station("戊站")
    old = _person_case(st)
    assert push(client(st), old)[0]["status"] == "accepted"
    vault = center.center.db.vault
    old_key = vault.keyring.active("pii")[0]
    new_key = vault.keyring.rotate("pii")
    fresh = _person_case(st)
    assert push(client(st), fresh)[0]["status"] == "accepted"
    with center.db.read_session() as s:
        rows = {
            r.id: r for r in s.scalars(select(CaseRecord).where(CaseRecord.id.in_([old["id"], fresh["id"]])))
        }
        assert vault.key_id_of(rows[old["id"]].sealed) == old_key != new_key
        assert vault.key_id_of(rows[fresh["id"]].sealed) == new_key
        assert {r.document["applicant"]["name"] for r in rows.values()} == {NAME}


def test_kek_sources_and_plaintext_rows_from_before_sealing(tmp_path: Path) -> None:
    """The KEK file is created 0600 on first start; ``CENTER_KEK`` (base64) and a KMS hook take precedence;
    a bad one is refused with a code. Rows written in plaintext before migration 0007 are sealed at start."""
    import base64
    import os
    import stat

    from district_center.services.vault import KekError, current_kek

    settings = Settings(data_dir=tmp_path / "c").resolved()
    kek = current_kek(settings)
    path = tmp_path / "c" / "center-kek.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and isinstance(kek, LocalKek)
    assert current_kek(settings).key_id == kek.key_id  # same file, same key
    secret = os.urandom(32)
    from_env = current_kek(
        Settings(data_dir=tmp_path / "c", kek=base64.b64encode(secret).decode()).resolved()
    )
    assert from_env.key_id == LocalKek(secret).key_id != kek.key_id
    with pytest.raises(KekError) as bad:
        current_kek(Settings(data_dir=tmp_path / "c", kek="not base64!").resolved())
    assert bad.value.code == "center.kek.bad_format"
    hooked = current_kek(Settings(data_dir=tmp_path / "c", kms_hook=f"{__name__}:_kms").resolved())
    assert hooked.key_id == "kms-test"

    db = Database(settings.database_url, pool_size=2)
    db.upgrade()
    db.vault = open_vault(settings, db)
    doc = {"id": "legacy-1", "applicant": {"name": NAME, "id_number": ID_NUMBER, "phone": PHONE}}
    from casework import clock
    from district_center.db.models import Station

    with db.session() as s:
        s.add(Station(id="s1", station_no=1, name="旧站", created_at=clock.now()))
        s.flush()
        s.add(
            CaseRecord(
                id="legacy-1",
                version=1,
                station_id="s1",
                number="n",
                status="delivered",
                plain_document=doc,
                digest="d",
                seq=1,
                received_at=clock.now(),
                updated_at=clock.now(),
            )
        )
    assert seal_legacy_rows(db) == 1 and seal_legacy_rows(db) == 0
    with db.read_session() as s:
        row = s.get(CaseRecord, "legacy-1")
        assert row.plain_document is None and row.document == doc
        assert row.applicant_id_bidx == db.vault.blind("id_number", ID_NUMBER)
    db.dispose()
    raw = Path(str(make_url(settings.database_url).database)).read_bytes()
    assert ID_NUMBER.encode() not in raw and NAME.encode() not in raw  # vacuumed: no free-page leftovers


class _Kms:
    """A KMS stand-in for the hook test: wraps with a local key but through the hook interface."""

    key_id = "kms-test"

    def __init__(self) -> None:
        self._inner = LocalKek(b"k" * 32)

    def wrap(self, key: bytes, context: bytes) -> bytes:
        return self._inner.wrap(key, context)

    def unwrap(self, blob: bytes, context: bytes) -> bytes:
        return self._inner.unwrap(blob, context)


def _kms() -> _Kms:
    return _Kms()
