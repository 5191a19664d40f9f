"""Catalog pull: deltas and snapshots from the real center, and attacks that must all be refused while the
station keeps working on its current catalog."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx

from casework import clock
from casework.catalog import Catalog
from district_center.keys import generate_keys
from sync.protocol import canonical_json, sign_envelope
from tests.sync.harness import CenterHandle, Station, station_for

CATALOG_PATH = "/api/v1/catalog"


class Tamper(httpx.BaseTransport):
    """Passes everything to the real center, except that ``/api/v1/catalog`` answers ``forge()``."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.forge: Callable[[], bytes] | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == CATALOG_PATH and self.forge is not None:
            return httpx.Response(200, content=self.forge(), headers={"content-type": "application/json"})
        return self.inner.handle_request(request)


def _v2(center: CenterHandle) -> tuple[Catalog, str, str]:
    """Publish version 2: one item renamed, one item cancelled (left out of the import)."""
    doc = center.catalog.to_dict()
    in_bundles = {code for b in doc["bundles"] for code in b.get("item_codes", [])}
    acceptable = [it for it in doc["items"] if it.get("station_acceptable") and it["code"] not in in_bundles]
    changed, cancelled = acceptable[1]["code"], acceptable[2]["code"]
    acceptable[1]["name"] += "（新版）"
    doc["items"] = [it for it in doc["items"] if it["code"] != cancelled]
    center.publish(Catalog.from_dict(doc))
    return Catalog.from_dict(doc), changed, cancelled


def _envelope(
    center: CenterHandle,
    *,
    version: int,
    keys: Any = None,
    expires: timedelta = timedelta(days=30),
    payload: dict[str, Any] | None = None,
) -> dict[str, Any]:
    keys = keys or center.keys
    now = clock.now()
    doc = center.catalog.to_dict() | {"version": version}
    env = sign_envelope(
        keys.signing,
        kind="catalog",
        version=version,
        payload=payload or {"catalog": doc},
        issued_at=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        expires_at=(now + expires).strftime("%Y-%m-%dT%H:%M:%SZ"),
        key_id=keys.key_id,
    )
    return env.to_dict()


def test_delta_applies_and_drafts_are_flagged(center: CenterHandle, station: Station) -> None:
    station.service.run_once(raise_errors=True)
    assert station.sync_store.catalog_version() == 1
    case = station.accept()
    _, changed, cancelled = _v2(center)
    with station.store.transaction() as tx:
        tx.put("drafts", "d1", {"item_code": changed, "applicant": "…"})
        tx.put("drafts", "d2", {"item_code": cancelled})
        tx.put("drafts", "d3", {"item_code": station.item_code})
    report = station.service.run_once(raise_errors=True)
    assert report is not None and report.catalog_updated and report.warnings == []
    stored = station.store.get("catalog", "current")
    assert stored is not None and stored["version"] == 2
    assert stored["envelope"]["kind"] == "catalog_delta"  # since=1 got the pre-signed delta
    local = Catalog.from_dict(stored["catalog"])
    assert not local.item(cancelled).accepts_new_cases and local.item(changed).name.endswith("（新版）")
    flags = {k: (station.store.get("drafts", k) or {}).get("catalog_flag") for k in ("d1", "d2", "d3")}
    assert flags["d1"] and not flags["d1"]["cancelled"] and "修改" in flags["d1"]["message"]
    assert flags["d2"] and flags["d2"]["cancelled"] and "取消" in flags["d2"]["message"]
    assert flags["d3"] is None
    assert station.case(case.id)["catalog_version"] == 1  # a case keeps the version it was accepted under
    again = station.service.run_once(raise_errors=True)
    assert again is not None and not again.catalog_updated  # 204: already the newest


def test_attacks_are_refused_and_the_station_keeps_working(center: CenterHandle, tmp_path: Any) -> None:
    from sync.enrollment import enroll_station
    from tests.sync.harness import create_station_store

    tamper = Tamper()
    store = create_station_store(tmp_path / "st")
    enroll_station(store, center.url, center.new_code(), station_name="测试站")
    station = station_for(center, store, tmp_path / "st", transport=tamper)
    try:
        station.service.run_once(raise_errors=True)
        _v2(center)
        station.service.run_once(raise_errors=True)
        assert station.sync_store.catalog_version() == 2
        v1_envelope = json.loads(_stored_catalog(center, 1))

        forged = _envelope(center, version=3)
        forged["payload"]["catalog"]["district_name"] = "伪造区"  # signature no longer covers this
        attacks: dict[str, tuple[bytes, str]] = {
            "forged signature": (canonical_json(forged), "签名无效"),
            "replayed older catalog": (canonical_json(v1_envelope), "旧"),
            "another district's key": (
                canonical_json(_envelope(center, version=3, keys=generate_keys())),
                "区中心密钥",
            ),
            "expired": (canonical_json(_envelope(center, version=3, expires=timedelta(days=-1))), "过期"),
            "truncated download": (canonical_json(_envelope(center, version=3))[:-200], "不完整"),
            "wrong kind": (canonical_json({**_envelope(center, version=3), "kind": "calendar"}), "格式"),
        }
        for name, (body, words) in attacks.items():
            tamper.forge = lambda body=body: body  # type: ignore[misc]
            case = station.accept()
            report = station.service.run_once(raise_errors=True)
            assert report is not None, name
            assert station.sync_store.catalog_version() == 2, name
            assert any(words in w for w in report.warnings), (name, report.warnings)
            assert report.cases_delivered == 1 and case.id in center.cases(), f"{name}: push still works"
            assert station.service.board.current.last_error, name  # the worker sees why
        tamper.forge = None
        report = station.service.run_once(raise_errors=True)
        assert report is not None and report.warnings == []
        assert station.service.board.current.last_error is None
    finally:
        station.close()


def _stored_catalog(center: CenterHandle, version: int) -> bytes:
    from district_center.services.catalog.current import catalog_document

    with center.center.db.read_session() as s:
        doc = catalog_document(s, version)
    assert doc is not None
    return doc


def test_holiday_calendar_comes_down_once(center: CenterHandle, station: Station) -> None:
    import datetime as dt

    from casework.workdays import HolidayTable
    from district_center.services.catalog.calendar import publish_tables

    station.service.run_once(raise_errors=True)
    assert station.sync_store.calendar_version() == 0  # nothing published yet: not an error
    table = HolidayTable(
        2027,
        frozenset({dt.date(2027, 1, 1), dt.date(2027, 2, 8)}),
        frozenset({dt.date(2027, 2, 20)}),
        "测试通知",
    )
    publish_tables(center.center.db, center.keys, [table], actor="test")
    report = station.service.run_once(raise_errors=True)
    assert report is not None and report.calendar_version == 1 and report.warnings == []
    stored = station.store.get("calendar", "2027")
    assert stored is not None and HolidayTable.from_dict(stored) == table
    again = station.service.run_once(raise_errors=True)
    assert again is not None and again.calendar_version == 1


def test_a_locally_installed_sample_catalog_is_replaced_by_the_districts(
    center: CenterHandle, station: Station
) -> None:
    sample = center.catalog.to_dict() | {"district_name": "本地样例"}
    with station.store.transaction() as tx:  # what `station-app demo` stores: same shape, no envelope
        tx.put("catalog", "current", {"version": 1, "catalog": sample, "source": "local"})
    report = station.service.run_once(raise_errors=True)
    assert report is not None and report.catalog_updated
    stored = station.store.get("catalog", "current")
    assert stored is not None and stored["envelope"]["kind"] == "catalog"
    assert stored["catalog"]["district_name"] == center.catalog.district_name
