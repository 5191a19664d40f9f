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


def register_summarizers(store) -> None:
    """The station's case summaries."""
    from casework.case_summary import VERSION, summarise_case
    from storage import Summarizer

    store.register_summarizer(Summarizer("cases", VERSION, summarise_case))


def _station_case(i: int, status: str, closed_at: str) -> dict[str, object]:
    doc = case(status, closed_at, [])
    return doc | {
        "id": f"k{i}",
        "number": f"N-{i}",
        "applicant": {"name": f"居民{i}", "id_number": "61010219900307123X"},
    }


MIX = [
    ("closed", "2026-09-10T00:00:00Z"),
    ("closed", "2026-11-10T00:00:00Z"),
    ("accepted", ""),
    ("withdrawn", "2026-08-01T00:00:00Z"),
    ("refused", "2026-08-01T00:00:00Z"),
]


def test_summaries_find_the_same_due_cases_as_reading_every_case(tmp_path):
    """With the station's case summaries registered, retention decrypts only the cases it purges."""
    results = {}
    for mode in ("streamed", "summaries"):
        s = new_store(tmp_path / mode)
        if mode == "summaries":
            register_summarizers(s)
        with s.transaction() as tx:
            for i, (status, at) in enumerate(MIX):
                tx.put("cases", f"k{i}", _station_case(i, status, at or "2026-09-01T00:00:00Z"))
                if status != "refused":
                    mark_center_confirmed(tx, f"k{i}", "2026-09-15T00:00:00Z")
        s.close()
        s = open_admin(tmp_path / mode)
        if mode == "summaries":
            register_summarizers(s)
            reads: list[str] = []
            real = s.docs.get

            def counting(coll: str, key: str, real=real, reads=reads):  # type: ignore[no-untyped-def]
                reads.append(f"{coll}/{key}")
                return real(coll, key)

            s.docs.get = counting  # type: ignore[method-assign]
        results[mode] = purge_expired(s, now=NOW).purged_cases
        if mode == "summaries":  # only what is purged, and the confirmations of cases final long enough
            assert {r for r in reads if r.startswith("cases/")} == {"cases/k0", "cases/k3"}
            assert {r for r in reads if r.startswith("center_confirmations/")} <= {
                "center_confirmations/k0",
                "center_confirmations/k3",
                "center_confirmations/k1",
            }
        assert verify_store(s).ok
        s.close()
    assert sorted(results["streamed"]) == sorted(results["summaries"]) == ["k0", "k3"]


def test_tombstones_past_the_horizon_are_dropped_and_kept_in_the_audit_log(tmp_path):
    for summarized in (False, True):
        d = tmp_path / f"s{summarized}"
        s = new_store(d)
        if summarized:
            register_summarizers(s)
        with s.transaction() as tx:
            for i in range(3):
                tx.put("cases", f"k{i}", _station_case(i, "closed", "2022-09-10T00:00:00Z"))
                mark_center_confirmed(tx, f"k{i}", "2022-09-15T00:00:00Z")
        first = purge_expired(s, now=dt.datetime(2022, 11, 1, tzinfo=dt.UTC))  # tombstones, purged 2022-11
        assert sorted(first.purged_cases) == ["k0", "k1", "k2"] and first.dropped_tombstones == []
        # three years later: gone, with their confirmations; the audit log says what they were
        later = purge_expired(s, now=dt.datetime(2025, 11, 2, tzinfo=dt.UTC))
        assert sorted(later.dropped_tombstones) == ["k0", "k1", "k2"]
        assert s.count("cases") == 0 and s.count("center_confirmations") == 0
        kept = [e for e in s.audit_entries() if e["action"] == "retention.tombstones_dropped"]
        assert [t["number"] for t in kept[0]["detail"]["tombstones"]] == ["N-0", "N-1", "N-2"]
        assert all("applicant" not in t and "name" not in t for t in kept[0]["detail"]["tombstones"])
        assert s.docs.head.generation >= 3, "compacted after the drop: the tombstones are off the disk"
        assert verify_store(s).ok
        s.close()


def test_a_shorter_horizon_can_be_configured(tmp_path):
    from storage import StoreOptions

    s = new_store(tmp_path / "st", options=StoreOptions(reserve_bytes=0, warning_bytes=0, tombstone_days=10))
    with s.transaction() as tx:
        tx.put("cases", "k0", _station_case(0, "closed", "2026-09-10T00:00:00Z"))
        mark_center_confirmed(tx, "k0", "2026-09-15T00:00:00Z")
    assert purge_expired(s, now=NOW).purged_cases == ["k0"]
    assert purge_expired(s, now=NOW + dt.timedelta(days=11)).dropped_tombstones == ["k0"]
    s.close()
