"""Case ingest is idempotent by (id, version), rejects bad cases one by one, and survives concurrent
resends."""

from __future__ import annotations

import concurrent.futures
import copy
import json

from sqlalchemy import func, select

from casework import messages
from district_center.db.models import CaseReceiptRecord, CaseRecord
from sync.protocol import CaseBatchResult, canonical_json

from .conftest import ITEM, batch, make_case, publish_catalog, push, sample_catalog
from .test_enrollment import _problem


def _count(center, model, case_id):
    column = CaseRecord.id if model is CaseRecord else CaseReceiptRecord.case_id
    with center.db.read_session() as s:
        return s.scalar(select(func.count()).select_from(model).where(column == case_id))


def test_each_case_sent_three_times_is_one_case_with_one_receipt(center, new_station, client):
    st = new_station()
    http = client(st)
    doc = make_case(st)
    receipts = [push(http, doc)[0] for _ in range(3)]
    assert receipts[0]["status"] == "accepted" and receipts[0]["seq"] > 0
    assert receipts[0]["digest"] and receipts[1] == receipts[0] == receipts[2]
    assert _count(center, CaseRecord, doc["id"]) == 1
    assert _count(center, CaseReceiptRecord, doc["id"]) == 1


def test_replayed_batch_changes_nothing_and_returns_same_receipts(center, new_station, client):
    st = new_station()
    http = client(st)
    docs = [make_case(st) for _ in range(20)]
    first = push(http, *docs)
    with center.db.read_session() as s:
        before = [
            (r.id, r.version, r.seq, r.digest, r.updated_at)
            for r in s.scalars(
                select(CaseRecord).where(CaseRecord.station_id == st.station_id).order_by(CaseRecord.id)
            )
        ]
    assert push(http, *docs) == first
    assert push(http, *reversed(docs)) == list(reversed(first))
    with center.db.read_session() as s:
        after = [
            (r.id, r.version, r.seq, r.digest, r.updated_at)
            for r in s.scalars(
                select(CaseRecord).where(CaseRecord.station_id == st.station_id).order_by(CaseRecord.id)
            )
        ]
    assert before == after and len(after) == 20


def test_higher_version_updates_lower_is_stale_or_old_receipt(center, new_station, client):
    st = new_station()
    http = client(st)
    v1 = make_case(st)
    r1 = push(http, v1)[0]
    v3 = copy.deepcopy(v1)
    v3["version"] = 3
    v3["applicant"]["address"] = "西安市雁塔区某某路 9 号"
    r3 = push(http, v3)[0]
    assert r3["status"] == "accepted" and r3["seq"] > r1["seq"]
    assert push(http, v1)[0] == r1  # an older version already accepted: its stored receipt
    v2 = dict(copy.deepcopy(v1), version=2)
    stale = push(http, v2)[0]
    assert stale["status"] == "rejected"
    assert stale["reason"] == messages.text("center.ingest.newer_version_held", {"version": 3}, "zh_CN")
    with center.db.read_session() as s:
        row = s.get(CaseRecord, v1["id"])
        assert (row.version, row.number, row.status, row.station_id) == (
            3,
            v1["number"],
            "accepted",
            st.station_id,
        )
        assert row.document["applicant"]["address"] == "西安市雁塔区某某路 9 号"
        assert row.promised_date is None and row.jurisdiction == "西安市"


def test_one_bad_case_in_a_batch_of_100_is_rejected_alone(center, new_station, client):
    st = new_station()
    docs = [make_case(st) for _ in range(100)]
    bad = copy.deepcopy(docs[37])
    del bad["applicant"]
    docs[37] = bad
    entries = [{"id": d["id"], "version": d["version"], "case": d} for d in docs]
    entries[61] = {"id": docs[61]["id"], "version": "one", "case": docs[61]}  # malformed entry
    resp = client(st).post("/api/v1/cases/batch", content=canonical_json({"cases": entries}))
    assert resp.status_code == 200
    receipts = CaseBatchResult.from_dict(resp.json()).receipts
    assert len(receipts) == 100
    assert [i for i, r in enumerate(receipts) if not r.accepted] == [37, 61]
    assert receipts[37].reason and "applicant" in receipts[37].reason
    assert receipts[61].reason and "version" in receipts[61].reason
    assert [r.id for r in receipts] == [d["id"] for d in docs]
    assert len({r.seq for r in receipts if r.accepted}) == 98


def test_an_id_no_database_can_hold_is_rejected_alone_not_a_server_error(center, new_station, client):
    """PostgreSQL text refuses NUL and lone surrogates: such an id is a malformed entry, the rest commit."""
    st = new_station()
    good = make_case(st)
    entries = [
        {"id": "\u0000", "version": 1, "case": {}},
        {"id": "g\ud893X", "version": 2, "case": {}},
        {"id": good["id"], "version": good["version"], "case": good},
    ]
    body = json.dumps({"cases": entries}, ensure_ascii=True).encode()  # the escapes go on the wire as such
    resp = client(st).post("/api/v1/cases/batch", content=body, headers={"content-type": "application/json"})
    assert resp.status_code == 200, resp.text
    receipts = CaseBatchResult.from_dict(resp.json()).receipts
    assert [r.accepted for r in receipts] == [False, False, True]
    assert [r.id for r in receipts[:2]] == ["", ""] and all(r.reason for r in receipts[:2])
    assert _count(center, CaseRecord, good["id"]) == 1


def test_semantic_checks_reject_with_chinese_reasons(center, new_station, client):
    st = new_station()
    http = client(st)
    mismatched = make_case(st)
    mismatched["version"] = 4
    entry = {"id": mismatched["id"], "version": 5, "case": mismatched}
    resp = http.post("/api/v1/cases/batch", content=canonical_json({"cases": [entry]}))
    assert resp.json()["receipts"][0]["reason"] == messages.text(
        "center.ingest.version_mismatch", {}, "zh_CN"
    )
    no_item = make_case(st)
    no_item["item_code"] = None
    malformed = messages.text("center.ingest.malformed", {"problem": ""}, "zh_CN")
    assert push(http, no_item)[0]["reason"].startswith(malformed)
    missing_scan = make_case(st, attachments=("ab" * 32,))
    missing = messages.text("center.ingest.attachments_missing", {"count": 1}, "zh_CN")
    assert push(http, missing_scan)[0]["reason"] == missing


def test_batch_envelope_errors_are_problems(center, new_station, client):
    http = client(new_station())
    _problem(http.post("/api/v1/cases/batch", content=b"{"), 400, "bad_message")
    _problem(http.post("/api/v1/cases/batch", content=b'{"cases": 3}'), 400, "bad_message")
    too_many = canonical_json({"cases": [{}] * 501})
    _problem(http.post("/api/v1/cases/batch", content=too_many), 413, "too_large")


def test_concurrent_duplicate_sends_from_two_connections_make_one_case(center, new_station, client):
    st = new_station()
    docs = [make_case(st) for _ in range(30)]
    body = batch(*docs)
    clients = [client(st), client(st)]

    def send(i: int):
        resp = clients[i % 2].post("/api/v1/cases/batch", content=body)
        assert resp.status_code == 200, resp.text
        return resp.json()["receipts"]

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        results = list(pool.map(send, range(6)))
    assert all(r == results[0] for r in results)
    assert all(r["status"] == "accepted" for r in results[0])
    with center.db.read_session() as s:
        ids = [d["id"] for d in docs]
        assert s.scalar(select(func.count()).select_from(CaseRecord).where(CaseRecord.id.in_(ids))) == 30
        assert (
            s.scalar(
                select(func.count()).select_from(CaseReceiptRecord).where(CaseReceiptRecord.case_id.in_(ids))
            )
            == 30
        )


def test_published_catalog_refuses_unknown_and_cancelled_items(center, new_station, client, district_keys):
    catalog = sample_catalog()
    cancelled = next(i for i in catalog["items"] if i["code"] != ITEM and i["status"] == "active")
    cancelled["status"] = "cancelled"
    cancelled["effective_to"] = "2026-11-01"
    late = make_case(new_station())  # accepted 2026-11-20, before publication; sent afterwards
    publish_catalog(center, district_keys, catalog, version=1)
    st = new_station()
    http = client(st)
    assert push(http, make_case(st))[0]["status"] == "accepted"
    unknown = push(http, make_case(st, item_code="9" * 33))[0]
    assert unknown["status"] == "rejected"
    assert unknown["reason"] == messages.text("center.ingest.unknown_item", {"item_code": "9" * 33}, "zh_CN")
    gone = push(http, make_case(st, item_code=cancelled["code"]))[0]
    assert gone["status"] == "rejected" and "2026-11-01 起取消" in gone["reason"]
    import datetime as dt

    before_cancel = make_case(st, item_code=cancelled["code"], at=dt.datetime(2026, 10, 30, tzinfo=dt.UTC))
    assert push(http, before_cancel)[0]["status"] == "accepted"  # accepted while the item was in force
    with center.db.read_session() as s:
        row = s.get(CaseRecord, before_cancel["id"])
        assert row.department == cancelled["department"]
    assert late["id"]  # (sent by another station; nothing else to check)
    # the catalog is served byte for byte to stations
    got = http.get("/api/v1/catalog")
    assert got.status_code == 200 and json.loads(got.content)["kind"] == "catalog"
    assert http.get("/api/v1/catalog?since=1").status_code == 204
