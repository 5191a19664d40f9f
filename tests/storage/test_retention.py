"""Retention: closed + center-confirmed cases lose personal data and scans after N days; tombstones remain."""

from __future__ import annotations

import datetime as dt

from storage.retention import is_tombstone, mark_center_confirmed, purge_expired
from storage.verify import verify_store

from .helpers import jpeg, new_store, open_admin

NOW = dt.datetime(2026, 11, 22, tzinfo=dt.UTC)


def case(status: str, closed_at: str, scans: list[str]) -> dict[str, object]:
    return {
        "id": "x",
        "number": "N-1",
        "item_code": "1161" * 8 + "0",
        "bundle_code": None,
        "status": status,
        "applicant": {"name": "李四", "id_number": "610102199003071234"},
        "materials": [{"code": "m1", "attachments": scans}],
        "history": [
            {"from": "draft", "to": "accepted", "at": "2026-09-01T01:00:00Z"},
            {"from": "accepted", "to": status, "at": closed_at},
        ],
        "created_at": "2026-09-01T00:00:00Z",
        "updated_at": closed_at,
    }


def test_purge_rules_tombstone_and_blobs(tmp_path):
    s = new_store(tmp_path / "st")
    shared = s.blobs.put_bytes(jpeg(5000)).sha256
    own = {k: s.blobs.put_bytes(jpeg(5000)).sha256 for k in ("old", "recent", "unconfirmed", "open")}
    with s.transaction(actor="worker:w01") as tx:
        tx.put("cases", "old", case("closed", "2026-09-10T00:00:00Z", [own["old"], shared]))
        tx.put("cases", "recent", case("closed", "2026-11-10T00:00:00Z", [own["recent"]]))
        tx.put("cases", "unconfirmed", case("closed", "2026-09-10T00:00:00Z", [own["unconfirmed"], shared]))
        tx.put("cases", "open", case("accepted", "2026-09-10T00:00:00Z", [own["open"]]))
        for k in ("old", "recent", "open"):
            mark_center_confirmed(tx, k, "2026-09-15T00:00:00Z")
    s.close()
    s = open_admin(tmp_path / "st")  # a later run: these scans are no longer "in flight"
    report = purge_expired(s, now=NOW)
    assert report.purged_cases == ["old"]
    t = s.get("cases", "old")
    assert t is not None and is_tombstone(t)
    assert t["number"] == "N-1" and t["status"] == "closed" and t["accepted_at"] == "2026-09-01T01:00:00Z"
    assert t["final_at"] == "2026-09-10T00:00:00Z" and "applicant" not in t and "materials" not in t
    assert not s.blobs.has(own["old"])
    assert s.blobs.has(shared)  # still referenced by "unconfirmed"
    assert all(s.blobs.has(own[k]) for k in ("recent", "unconfirmed", "open"))
    assert purge_expired(s, now=NOW).purged_cases == []  # idempotent
    assert purge_expired(s, now=NOW + dt.timedelta(days=30)).purged_cases == ["recent"]
    assert any(e["action"] == "retention.purge" and e["case"] == "old" for e in s.audit_entries())
    assert verify_store(s).ok
    s.close()


def test_days_are_configurable(tmp_path):
    s = new_store(tmp_path / "st")
    with s.transaction() as tx:
        tx.put("cases", "a", case("withdrawn", "2026-11-01T00:00:00Z", []))
        mark_center_confirmed(tx, "a", "2026-11-02T00:00:00Z")
    assert purge_expired(s, now=NOW, days=30).purged_cases == []
    assert purge_expired(s, now=NOW, days=7).purged_cases == ["a"]
    s.close()


def test_scan_reused_by_a_new_case_in_flight_is_kept(tmp_path):
    s = new_store(tmp_path / "st")
    data = jpeg(5000)
    sha = s.blobs.put_bytes(data).sha256
    with s.transaction() as tx:
        tx.put("cases", "old", case("closed", "2026-09-10T00:00:00Z", [sha]))
        mark_center_confirmed(tx, "old", "2026-09-15T00:00:00Z")
    s.close()
    s = open_admin(tmp_path / "st")
    assert s.blobs.put_bytes(data).sha256 == sha  # the same scan again, for a case not yet saved
    assert purge_expired(s, now=NOW).purged_cases == ["old"]
    assert s.blobs.has(sha)
    s.close()
