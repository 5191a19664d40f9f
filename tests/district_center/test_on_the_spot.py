"""当场办结 and 业务属地 at the center (SQLite and PostgreSQL): a station may push a case it decided at the
window only for an item the catalog flags, with the printed result as its upload; the 业务属地 a case names
must be one its item offers, and routing follows it."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from casework import messages
from casework.cases import Case, CaseResult, CaseStatus, Side
from casework.identity import Applicant, ApplicantKind
from casework.on_the_spot import SPOT_REASON
from district_center.db.models import CaseRecord
from district_center.devtools.server import RunningCenter
from district_center.devtools.station_client import StationIdentity
from district_center.keys import DistrictKeys
from district_center.services.catalog.current import latest_catalog_version
from sync.protocol import HEADER_TOTAL_SIZE

from .backoffice_helpers import AT, backoffice_catalog, ensure_sample_published, feed, login, unique
from .conftest import publish_catalog, push

Station = Callable[..., StationIdentity]
Client = Callable[[StationIdentity], httpx.Client]

SPOT_ITEM = "11610114766834358F201020114000000"  # 城乡居民养老保险参保登记: flagged 当场办结 (证明)
PLAIN_ITEM = "11610114766834358F201020112000000"  # 就业失业登记: same department, not flagged
RESIDENCE = "11610114145325255L201060110000000"  # 居住证申领: 业务属地 阎良区, or 临潼区 / 高陵区
DEPARTMENT = "西安市阎良区人力资源和社会保障局"
_numbers = iter(range(1, 10**5))


@pytest.fixture(autouse=True)
def published(center: RunningCenter, district_keys: DistrictKeys) -> None:
    ensure_sample_published(center, district_keys)


def upload(http: httpx.Client, data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()
    resp = http.put(
        f"/api/v1/attachments/{sha}?offset=0",
        content=data,
        headers={HEADER_TOTAL_SIZE: str(len(data)), "content-type": "application/octet-stream"},
    )
    assert resp.status_code == 200 and resp.json()["complete"], resp.text
    return sha


def accepted(station: StationIdentity, item_code: str, jurisdiction: str = "阎良区") -> Case:
    applicant = Applicant(ApplicantKind.PERSON, "王五", "111", "11010519491231002X", "13800138000")
    case = Case.new(
        number=f"261120-{station.station_no:03d}-{next(_numbers):05d}",
        station_id=station.station_id,
        catalog_version=1,
        applicant=applicant,
        at=AT,
        item_code=item_code,
        jurisdiction=jurisdiction,
    )
    case.transition(CaseStatus.ACCEPTED, actor="worker:02", at=AT)
    return case


def decided_at_window(case: Case, result_sha: str, *, minutes: int = 5) -> Case:
    """What the station's 当场办结 records (``casework.on_the_spot``), without the catalog check: a hostile
    station could write the same document for any item."""
    at = AT + dt.timedelta(minutes=minutes)
    case.transition(
        CaseStatus.APPROVED, actor="worker:02", at=at, reason=SPOT_REASON, side=Side.STATION, on_the_spot=True
    )
    result = CaseResult("参保登记证明", case.number, documents=(result_sha,), issued_by="测试站")
    case.set_result(result, at=at)
    case.transition(CaseStatus.RESULT_READY, actor="worker:02", at=at, side=Side.STATION)
    return case


@dataclasses.dataclass
class Row:
    status: str
    department: str | None
    jurisdiction: str | None
    result: Any


def _row(center: RunningCenter, case_id: str) -> Row | None:
    """The stored case's columns (and its result, from the document), or None when nothing was stored."""
    with center.db.read_session() as s:
        r = s.get(CaseRecord, case_id)
        if r is None:
            return None
        return Row(r.status, r.department, r.jurisdiction, Case.from_dict(r.document).result)


def _refused(receipt: dict[str, Any], code: str) -> None:
    assert (receipt["status"], receipt["code"]) == ("rejected", code), receipt
    assert receipt["reason"] and receipt["reason"] != code


def test_a_flagged_item_decided_at_the_window_arrives_done_with_its_printed_result(
    center: RunningCenter, new_station: Station, client: Client
) -> None:
    st = new_station("阎良区凤凰路街道便民服务站", jurisdiction="阎良区")
    http = client(st)
    pdf = b"%PDF-1.7 certificate " + st.station_id.encode()
    case = decided_at_window(accepted(st, SPOT_ITEM), upload(http, pdf))
    first = push(http, case.to_dict())[0]
    assert first["status"] == "accepted", first
    row = _row(center, case.id)
    assert row is not None and (row.status, row.department) == ("result_ready", DEPARTMENT)
    # 送达 at the window: the next version takes the station's hand-over
    case.handover = {"collector": "王五", "method": "handover.self", "by": "worker:02"}
    handed = AT + dt.timedelta(minutes=6)
    case.transition(CaseStatus.HANDED_OVER, actor="worker:02", at=handed, reason="本人", side=Side.STATION)
    assert push(http, case.to_dict())[0]["status"] == "accepted"
    row = _row(center, case.id)
    assert row is not None and row.status == "handed_over"

    # the department sees it done at the station, with the station's result file
    reviewer = login(center, unique("rsj"), ["reviewer"], department=DEPARTMENT)
    detail = reviewer.get(f"/api/v1/backoffice/cases/{case.id}").json()
    assert detail["on_the_spot"] is True and detail["status"] == "handed_over"
    spot = detail["station_result"]
    assert spot["reason"] == SPOT_REASON and spot["documents"] == [hashlib.sha256(pdf).hexdigest()]
    got = reviewer.get(f"/api/v1/backoffice/cases/{case.id}/files/{spot['documents'][0]}")
    assert got.status_code == 200 and got.content == pdf, got.status_code
    listed = reviewer.get("/api/v1/backoffice/cases?limit=200").json()["cases"]
    assert next(r for r in listed if r["id"] == case.id)["on_the_spot"] is True


def test_a_station_cannot_push_a_decision_for_an_item_the_catalog_does_not_flag(
    center: RunningCenter, new_station: Station, client: Client
) -> None:
    st = new_station("阎良区新华路街道便民服务站", jurisdiction="阎良区")
    http = client(st)
    sha = upload(http, b"%PDF-1.7 forged " + st.station_id.encode())
    forged = decided_at_window(accepted(st, PLAIN_ITEM), sha)
    receipt = push(http, forged.to_dict())[0]
    _refused(receipt, "center.ingest.on_the_spot_not_allowed")
    assert "就业失业登记" in receipt["reason"]
    assert _row(center, forged.id) is None  # nothing of it stored
    # nor a decision it writes as the center's: the center never reviewed this case
    claimed = accepted(st, PLAIN_ITEM)
    claimed.transition(CaseStatus.QUEUED, actor="worker:02", at=AT)
    claimed.transition(CaseStatus.DELIVERED, actor="district-center", at=AT, side=Side.CENTER)
    claimed.transition(CaseStatus.IN_REVIEW, actor="user:x", at=AT, side=Side.CENTER)
    claimed.transition(CaseStatus.APPROVED, actor="user:x", at=AT, side=Side.CENTER)
    _refused(push(http, claimed.to_dict())[0], "center.ingest.decided_elsewhere")
    assert _row(center, claimed.id) is None


def test_a_case_sent_for_review_cannot_then_be_decided_at_the_window(
    center: RunningCenter, new_station: Station, client: Client
) -> None:
    st = new_station("阎良区向阳街道便民服务站", jurisdiction="阎良区")
    http = client(st)
    case = accepted(st, SPOT_ITEM)
    case.transition(CaseStatus.QUEUED, actor="worker:02", at=AT)
    assert push(http, case.to_dict())[0]["status"] == "accepted"  # the center records it delivered
    later = Case.from_dict(copy.deepcopy(case.to_dict()))
    # the station's copy rewritten as if it had decided before sending (it cannot: queued → approved)
    later.status = CaseStatus.ACCEPTED
    later.history = [t for t in later.history if t.to_status is CaseStatus.ACCEPTED]
    decided_at_window(later, upload(http, b"%PDF-1.7 late " + st.station_id.encode()))
    later.version = case.version + 5
    _refused(push(http, later.to_dict())[0], "center.ingest.on_the_spot_after_delivery")
    row = _row(center, case.id)
    assert row is not None and row.status == "delivered"


def test_a_station_cannot_push_a_result_for_another_stations_case(
    center: RunningCenter, new_station: Station, client: Client
) -> None:
    a = new_station("阎良区振兴街道便民服务站", jurisdiction="阎良区")
    b = new_station("阎良区北屯街道便民服务站", jurisdiction="阎良区")
    case = accepted(a, SPOT_ITEM)
    case.transition(CaseStatus.QUEUED, actor="worker:02", at=AT)
    assert push(client(a), case.to_dict())[0]["status"] == "accepted"
    # B decides A's case on the spot and attaches its own upload as the result
    stolen = Case.from_dict(copy.deepcopy(case.to_dict()))
    stolen.status, stolen.history = CaseStatus.ACCEPTED, stolen.history[:1]
    decided_at_window(stolen, upload(client(b), b"%PDF-1.7 by b"))
    stolen.version = case.version + 3
    receipt = push(client(b), stolen.to_dict())[0]
    assert receipt["status"] == "rejected"
    assert receipt["reason"] == messages.text("center.ingest.other_station", {}, "zh_CN")
    row = _row(center, case.id)
    assert row is not None and row.status == "delivered" and row.result is None


def test_the_jurisdiction_must_be_one_the_item_offers_and_routing_follows_it(
    center: RunningCenter, new_station: Station, client: Client
) -> None:
    origin = new_station("阎良区凤凰路街道第二便民服务站", jurisdiction="阎良区")
    lintong = new_station("临潼区骊山街道便民服务站", jurisdiction="临潼区")
    gaoling = new_station("高陵区鹿苑街道便民服务站", jurisdiction="高陵区")
    http = client(origin)

    elsewhere = accepted(origin, RESIDENCE, jurisdiction="雁塔区")
    elsewhere.transition(CaseStatus.QUEUED, actor="worker:02", at=AT)
    receipt = push(http, elsewhere.to_dict())[0]
    _refused(receipt, "center.ingest.jurisdiction_not_offered")
    assert "雁塔区" in receipt["reason"] and "临潼区" in receipt["reason"], receipt["reason"]
    assert _row(center, elsewhere.id) is None

    chosen = accepted(origin, RESIDENCE, jurisdiction="临潼区")
    chosen.transition(CaseStatus.QUEUED, actor="worker:02", at=AT)
    assert push(http, chosen.to_dict())[0]["status"] == "accepted"
    row = _row(center, chosen.id)
    assert row is not None and row.jurisdiction == "临潼区" and row.department == "西安市公安局阎良分局"
    reviewer = login(center, unique("gaj"), ["reviewer"], department="西安市公安局阎良分局")
    took = reviewer.post(f"/api/v1/backoffice/cases/{chosen.id}/accept", json={})
    assert took.status_code == 200, took.text
    assert took.json()["routed_to"] == lintong.station_id  # the chosen 业务属地's station, not 高陵区's
    routed = [e for e in feed(client(lintong)) if e["case_id"] == chosen.id]
    assert routed and routed[0]["type"] == "routed_in"
    assert [e for e in feed(client(gaoling)) if e["case_id"] == chosen.id] == []

    # the item's own 业务属地 (or none named) stays at home
    home = accepted(origin, RESIDENCE, jurisdiction="阎良区")
    home.transition(CaseStatus.QUEUED, actor="worker:02", at=AT)
    assert push(http, home.to_dict())[0]["status"] == "accepted"
    home_row = _row(center, home.id)
    assert home_row is not None and home_row.jurisdiction == "阎良区"


def test_a_decision_the_stations_catalog_allowed_stands_after_a_newer_version_drops_the_flag(
    center: RunningCenter, new_station: Station, client: Client, district_keys: DistrictKeys
) -> None:
    """A station offline across a publication decided under the version it held (``catalog_version``):
    the 证明 it printed is recorded; a case that claims the newer version, which drops the flag, is not.
    (Last in the module: it publishes a newer version on the module's center.)"""
    newer = copy.deepcopy(backoffice_catalog())
    with center.db.read_session() as s:
        version = (latest_catalog_version(s) or 1) + 1
    newer["version"] = version
    for it in newer["items"]:
        if it["code"] == SPOT_ITEM:
            it["on_the_spot"] = None
    publish_catalog(center, district_keys, newer, version=version)
    st = new_station("阎良区北屯街道便民服务站", jurisdiction="阎良区")
    http = client(st)
    offline = decided_at_window(accepted(st, SPOT_ITEM), upload(http, b"%PDF-1.7 offline " + b"1"))
    assert offline.catalog_version < version
    assert push(http, offline.to_dict())[0]["status"] == "accepted"
    row = _row(center, offline.id)
    assert row is not None and row.status == "result_ready"
    current = accepted(st, SPOT_ITEM)
    current.catalog_version = version
    _refused(
        push(http, decided_at_window(current, upload(http, b"%PDF-1.7 current " + b"2")).to_dict())[0],
        "center.ingest.on_the_spot_not_allowed",
    )
    assert _row(center, current.id) is None
