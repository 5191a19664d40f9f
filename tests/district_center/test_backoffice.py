"""Back office against a real center (SQLite and PostgreSQL): departments, the case flow, 通办, 好差评."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

import httpx
import pytest

from casework.cases import Case, CaseStatus, MaterialRecord, PickupMethod, Rating, RatingLevel, Satisfaction
from casework.identity import Applicant, ApplicantKind
from district_center.db.models import CaseRecord
from district_center.devtools.server import RunningCenter
from district_center.devtools.station_client import StationIdentity
from district_center.keys import DistrictKeys

from .backoffice_helpers import (
    AT,
    case_doc,
    ensure_sample_published,
    feed,
    items_by_department,
    login,
    unique,
)
from .conftest import push, sample_catalog

DEPARTMENTS = items_by_department()
CITY_A = DEPARTMENTS["市发改委"][0]  # jurisdiction 西安市
CITY_B = DEPARTMENTS["市民政局"][0]


@pytest.fixture(autouse=True)
def published(center: RunningCenter, district_keys: DistrictKeys) -> None:
    ensure_sample_published(center, district_keys)


def _ok(resp: httpx.Response) -> dict:
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_reviewer_sees_and_acts_only_on_own_department(
    center: RunningCenter,
    new_station: Callable[..., StationIdentity],
    client: Callable[[StationIdentity], httpx.Client],
) -> None:
    st = new_station("新城区西一路街道便民服务站", jurisdiction="新城区")
    http = client(st)
    case_a = case_doc(st, CITY_A["code"], jurisdiction="新城区")
    case_b = case_doc(st, CITY_B["code"], jurisdiction="新城区")
    assert [r["status"] for r in push(http, case_a.to_dict(), case_b.to_dict())] == ["accepted", "accepted"]

    reviewer_a = login(center, unique("fgw"), ["reviewer"], department="市发改委")
    supervisor = login(center, unique("jc"), ["supervisor"])
    listed = {c["id"] for c in _ok(reviewer_a.get("/api/v1/backoffice/cases"))["cases"]}
    assert case_a.id in listed and case_b.id not in listed
    assert reviewer_a.get(f"/api/v1/backoffice/cases/{case_b.id}").status_code == 403
    refused = reviewer_a.post(f"/api/v1/backoffice/cases/{case_b.id}/accept", json={})
    assert refused.status_code == 403 and refused.json()["code"] == "other_department"
    assert reviewer_a.get("/api/v1/backoffice/cases?department=市民政局").status_code == 403
    assert _ok(supervisor.get(f"/api/v1/backoffice/cases/{case_b.id}"))["department"] == "市民政局"
    assert supervisor.post(f"/api/v1/backoffice/cases/{case_a.id}/accept", json={}).status_code == 403
    assert reviewer_a.get("/api/v1/backoffice/followups").status_code == 403
    assert httpx.get(center.url + "/api/v1/backoffice/cases").status_code == 401


def test_supplement_supply_approve_result_feed_in_order(
    center: RunningCenter,
    new_station: Callable[..., StationIdentity],
    client: Callable[[StationIdentity], httpx.Client],
) -> None:
    st = new_station("新城区长乐中路街道便民服务站", jurisdiction="新城区")
    http = client(st)
    case = case_doc(st, CITY_A["code"], jurisdiction="新城区")
    push(http, case.to_dict())
    reviewer = login(center, unique("fgw"), ["reviewer"], department="市发改委")
    base = f"/api/v1/backoffice/cases/{case.id}"

    assert _ok(reviewer.post(base + "/accept", json={}))["status"] == "in_review"
    missing = [
        {"code": "M9", "name": "户口簿复印件", "reason": "未提供", "how_to_supply": "到服务站补交"},
        {"code": "M10", "name": "委托书", "reason": "缺少签字"},
    ]
    early = reviewer.post(base + "/decision", json={"approve": False})
    assert early.status_code == 400 and early.json()["code"] == "reason_required"
    asked = _ok(reviewer.post(base + "/supplement", json={"missing": missing}))
    assert asked["status"] == "supplement_requested"
    assert reviewer.post(base + "/supplement", json={"missing": missing}).status_code == 409
    # nothing handed in yet: the supplement cannot go back to review, and the words say what is missing
    empty = reviewer.post(base + "/supplied", json={})
    assert empty.status_code == 409 and "户口簿复印件" in empty.text and "委托书" in empty.text
    received = "申请人到区中心窗口补交户口簿复印件和签字的委托书，已核验原件"
    assert _ok(reviewer.post(base + "/supplied", json={"received": received}))["status"] == "in_review"
    with center.db.read_session() as s:
        row = s.get(CaseRecord, case.id)
        assert row is not None
        stored = Case.from_dict(row.document)
    request = stored.supplements[0]
    assert request.supplied_at is not None and request.unsupplied() == []
    assert [(x.code, x.note) for x in request.supplied_items] == [("M9", received), ("M10", received)]
    pdf = b"%PDF-1.4 result document"
    uploaded = _ok(reviewer.post(base + "/results", files={"file": ("批复.pdf", pdf, "application/pdf")}))
    decision = {
        "approve": True,
        "result": {"name": "价格争议调解书", "number": "XA-2026-001", "documents": [uploaded["sha256"]]},
    }
    assert _ok(reviewer.post(base + "/decision", json=decision))["status"] == "approved"
    assert _ok(reviewer.post(base + "/result-ready"))["status"] == "result_ready"
    download = reviewer.get(f"{base}/files/{uploaded['sha256']}")
    assert download.status_code == 200 and download.content == pdf

    events = [e for e in feed(http) if e["case_id"] == case.id]
    assert [(e["type"], e["payload"]["status"]) for e in events] == [
        ("status_changed", "in_review"),  # delivered on ingest: the station records it from the receipt
        ("supplement_requested", "supplement_requested"),
        ("status_changed", "in_review"),
        ("decided", "approved"),
        ("result_ready", "result_ready"),
    ]
    assert [m["name"] for m in events[1]["payload"]["missing"]] == ["户口簿复印件", "委托书"]
    assert events[3]["payload"]["result"]["documents"] == [uploaded["sha256"]]
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs)
    detail = _ok(reviewer.get(base))
    assert detail["case"]["result"]["number"] == "XA-2026-001"
    assert detail["case"]["supplements"][0]["supplied_at"] is not None
    assert [d["filename"] for d in detail["result_documents"]] == ["批复.pdf"]


def test_tongban_case_is_routed_and_result_goes_to_chosen_station(
    center: RunningCenter,
    new_station: Callable[..., StationIdentity],
    client: Callable[[StationIdentity], httpx.Client],
) -> None:
    origin = new_station("阎良区振兴街道便民服务站", jurisdiction="阎良区")
    city = new_station("西安市政务服务中心东厅通办窗口", jurisdiction="西安市")
    other = new_station("阎良区新兴街道便民服务站", jurisdiction="阎良区")
    case = case_doc(
        origin, CITY_A["code"], jurisdiction="西安市", collected=True, pickup=PickupMethod.JURISDICTION_WINDOW
    )
    push(client(origin), case.to_dict())
    reviewer = login(center, unique("fgw"), ["reviewer"], department="市发改委")
    base = f"/api/v1/backoffice/cases/{case.id}"
    accepted = _ok(reviewer.post(base + "/accept", json={}))
    assert accepted["routed_to"] == city.station_id
    _ok(reviewer.post(base + "/decision", json={"approve": False, "reason": "不符合受理条件"}))
    _ok(reviewer.post(base + "/result-ready"))

    at_city = [e for e in feed(client(city)) if e["case_id"] == case.id]
    at_origin = [e for e in feed(client(origin)) if e["case_id"] == case.id]
    assert at_city[0]["type"] == "routed_in" and at_city[0]["payload"]["case"]["id"] == case.id
    assert "routed_out" in [e["type"] for e in at_origin]
    assert [e["type"] for e in at_city[1:]] == ["status_changed", "decided", "result_ready"]
    for events in (at_city, at_origin):
        ready = next(e for e in events if e["type"] == "result_ready")
        assert ready["payload"]["pickup_station_no"] == city.station_no
    assert [e for e in feed(client(other)) if e["case_id"] == case.id] == []


def test_bad_rating_opens_followup_with_working_day_deadline(
    center: RunningCenter,
    new_station: Callable[..., StationIdentity],
    client: Callable[[StationIdentity], httpx.Client],
) -> None:
    st = new_station("新城区太华路街道便民服务站", jurisdiction="新城区")
    http = client(st)
    bad = case_doc(st, CITY_A["code"], jurisdiction="新城区", promised=dt.date(2026, 9, 1))
    good = case_doc(st, CITY_B["code"], jurisdiction="新城区")
    push(http, bad.to_dict(), good.to_dict())
    rated_at = dt.datetime(2026, 9, 30, 2, 0, tzinfo=dt.UTC)  # 国庆前一天: Oct 1–7 off, Oct 10 (Sat) works
    bad.rate(Rating(RatingLevel.DISSATISFIED, rated_at, ("办理时间长",), "等了很久"))
    good.rate(Rating(RatingLevel.SATISFIED, rated_at))
    assert [r["status"] for r in push(http, bad.to_dict(), good.to_dict())] == ["accepted", "accepted"]
    push(http, bad.to_dict())  # replay: no second follow-up

    supervisor = login(center, unique("jc"), ["supervisor"])
    open_ = [
        f
        for f in _ok(supervisor.get("/api/v1/backoffice/followups"))["followups"]
        if f["case_id"] in (bad.id, good.id)
    ]
    assert len(open_) == 1
    followup = open_[0]
    assert followup["case_id"] == bad.id and followup["rating"] == "不满意"
    assert followup["due_date"] == "2026-10-10"  # 3 working days (the district setting) from 9-30
    events = [e for e in feed(http) if e["type"] == "followup_opened"]
    assert [(e["case_id"], e["payload"]["due"]) for e in events] == [(bad.id, "2026-10-10")]

    stats = _ok(supervisor.get("/api/v1/backoffice/supervision/ratings?group=item"))["rows"]
    row = {r["group"]: r for r in stats}[CITY_A["code"]]
    assert row["levels"]["不满意"] >= 1 and row["bad_rate"] > 0
    by_month = _ok(supervisor.get("/api/v1/backoffice/supervision/ratings?group=month"))["rows"]
    months = {r["group"] for r in by_month}
    assert "2026-09" in months

    deadlines = _ok(supervisor.get("/api/v1/backoffice/supervision/deadlines"))
    overdue_ids = [c["id"] for c in deadlines["cases"] if c["overdue"]]
    assert bad.id in overdue_ids and deadlines["by_department"]["市发改委"]["overdue"] >= 1
    listed = _ok(supervisor.get("/api/v1/backoffice/cases"))["cases"]
    flags = [c["overdue"] for c in listed]
    assert flags == sorted(flags, reverse=True)  # overdue first

    assert (
        supervisor.post(
            f"/api/v1/backoffice/followups/{followup['id']}/close", json={"resolution": ""}
        ).status_code
        == 400
    )
    closed = _ok(
        supervisor.post(
            f"/api/v1/backoffice/followups/{followup['id']}/close",
            json={"resolution": "已电话回访，优化了预约流程"},
        )
    )
    assert closed["status"] == "closed"
    remaining = _ok(supervisor.get("/api/v1/backoffice/followups"))["followups"]
    assert followup["id"] not in [f["id"] for f in remaining]


def test_bundle_sub_cases_by_department_and_attachment_download(
    center: RunningCenter,
    new_station: Callable[..., StationIdentity],
    client: Callable[[StationIdentity], httpx.Client],
) -> None:
    bundle = next(b for b in sample_catalog()["bundles"] if b["code"] == "YJS-CS")
    health, police = bundle["item_codes"][0], bundle["item_codes"][1]
    st = new_station("阎良区凤凰路街道便民服务站", jurisdiction="阎良区")
    http = client(st)
    scan = "居民身份证扫描件".encode() * 50
    digest = hashlib.sha256(scan).hexdigest()
    put = http.put(
        f"/api/v1/attachments/{digest}?offset=0", content=scan, headers={"X-Total-Size": str(len(scan))}
    )
    assert put.status_code == 200 and put.json()["complete"], put.text

    case = Case.new(
        number=f"261120-{st.station_no:03d}-90001",
        station_id=st.station_id,
        catalog_version=1,
        applicant=Applicant(ApplicantKind.PERSON, "王五", "111", "11010519491231002X", "13800138000"),
        at=AT,
        bundle_code="YJS-CS",
        bundle_item_codes=tuple(bundle["item_codes"]),
        jurisdiction="阎良区",
    )
    case.set_material(
        MaterialRecord("M-SFZ", "居民身份证", Satisfaction.ORIGINAL_VERIFIED, (digest,), verified_by="w-01"),
        at=AT,
    )
    for sub in case.sub_cases:  # the one form's values, as the station splits them per item
        sub.form_values = {"newborn_name": "王小明", "newborn_sex": "男"}
    case.sub_case(police).form_values["birth_certificate_no"] = "Q610000123"
    case.sub_case(police).form_values["mother"] = {"name": "李芳", "id_number": "11010519491231002X"}
    case.transition(CaseStatus.ACCEPTED, actor="w-01", at=AT)
    case.transition(CaseStatus.QUEUED, actor="w-01", at=AT)
    assert push(http, case.to_dict())[0]["status"] == "accepted"

    health_reviewer = login(center, unique("wjj"), ["reviewer"], department="西安市阎良区卫生健康局")
    police_reviewer = login(center, unique("ga"), ["reviewer"], department="西安市公安局阎良分局")
    other = login(center, unique("mz"), ["reviewer"], department="西安市阎良区民政局")
    base = f"/api/v1/backoffice/cases/{case.id}"
    assert other.get(base).status_code == 403
    assert case.id in {c["id"] for c in _ok(health_reviewer.get("/api/v1/backoffice/cases"))["cases"]}
    assert health_reviewer.post(base + "/accept", json={}).status_code == 400  # which sub-case?
    wrong = health_reviewer.post(base + "/accept", json={"item_code": police})
    assert wrong.status_code == 403
    assert _ok(health_reviewer.post(base + "/accept", json={"item_code": health}))["status"] == "in_review"
    assert _ok(police_reviewer.post(base + "/accept", json={"item_code": police}))["status"] == "in_review"
    detail = _ok(police_reviewer.get(base))
    assert detail["my_items"] == [police]
    subs = {s["item_code"]: s["status"] for s in detail["case"]["sub_cases"]}
    assert subs == {police: "in_review"}  # the other departments' sub-cases are not shown
    (form,) = detail["forms"]  # the newborn's facts, as the police item asked for them
    assert form["item_code"] == police and form["item_name"] == "新生儿户口登记(出生登记)"
    assert [tuple(r) for r in form["rows"]] == [
        ("新生儿姓名", "王小明"),
        ("新生儿性别", "男"),
        ("出生医学证明编号", "Q610000123"),
        ("母亲", "李芳 1101**********002X"),
    ]
    health_items = {health, bundle["item_codes"][3]}  # 出生医学证明 and 预防接种证: both 卫健
    assert {f["item_code"] for f in _ok(health_reviewer.get(base))["forms"]} == health_items
    download = police_reviewer.get(f"{base}/files/{digest}")
    assert download.status_code == 200 and download.content == scan
    assert police_reviewer.get(f"{base}/files/{'0' * 64}").status_code == 404


def test_a_queued_case_is_delivered_on_ingest_and_waits_in_the_reviewers_queue(
    center: RunningCenter,
    new_station: Callable[..., StationIdentity],
    client: Callable[[StationIdentity], httpx.Client],
) -> None:
    """The receipt is the delivery: the center records ``queued → delivered`` (its side) as the station does
    when the receipt arrives; the receipt's digest stays that of the document sent, so a replay is the same
    receipt and changes nothing. A 一件事's sub-cases follow."""
    from sqlalchemy import select

    from district_center.db.models import CaseRecord
    from sync.protocol import case_digest

    bundle = next(b for b in sample_catalog()["bundles"] if b["code"] == "YJS-CS")
    st = new_station("阎良区北屯街道便民服务站", jurisdiction="阎良区")
    http = client(st)
    single = case_doc(st, CITY_A["code"], jurisdiction="阎良区")
    pair = Case.new(
        number=f"261120-{st.station_no:03d}-90002",
        station_id=st.station_id,
        catalog_version=1,
        applicant=Applicant(ApplicantKind.PERSON, "王五", "111", "11010519491231002X", "13800138000"),
        at=AT,
        bundle_code="YJS-CS",
        bundle_item_codes=tuple(bundle["item_codes"]),
        jurisdiction="阎良区",
    )
    pair.transition(CaseStatus.ACCEPTED, actor="w-01", at=AT)
    pair.transition(CaseStatus.QUEUED, actor="w-01", at=AT)
    sent = [single.to_dict(), pair.to_dict()]
    assert [d["status"] for d in sent] == ["queued", "queued"]
    receipts = push(http, *sent)
    assert [r["status"] for r in receipts] == ["accepted", "accepted"]
    assert [r["digest"] for r in receipts] == [case_digest(d) for d in sent]

    def rows() -> list[tuple[str, int, str, str, dict, object, int]]:
        with center.db.read_session() as s:
            return [
                (r.status, r.version, r.digest, r.document["status"], r.document, r.updated_at, r.seq)
                for r in s.scalars(
                    select(CaseRecord)
                    .where(CaseRecord.id.in_([d["id"] for d in sent]))
                    .order_by(CaseRecord.number)
                )
            ]

    before = rows()
    for (status, version, digest, doc_status, doc, _, _), original in zip(before, sent, strict=True):
        assert (status, doc_status) == ("delivered", "delivered")
        assert version == doc["version"] == original["version"]
        assert digest == case_digest(doc) != case_digest(original)
        stored = Case.from_dict(doc)
        last = stored.history[-1]
        assert (last.from_status, last.to_status, last.side.value, last.actor) == (
            CaseStatus.QUEUED,
            CaseStatus.DELIVERED,
            "center",
            "district-center",
        )
    bundle_doc = Case.from_dict(before[1][4])
    assert [sub.status for sub in bundle_doc.sub_cases] == [CaseStatus.DELIVERED] * len(bundle["item_codes"])
    assert push(http, *sent) == receipts and rows() == before  # a replay: same receipts, nothing changes

    reviewer = login(center, unique("fgw"), ["reviewer"], department="市发改委")
    waiting = _ok(reviewer.get("/api/v1/backoffice/cases"))["cases"]
    assert {c["id"]: c["status"] for c in waiting}.get(single.id) == "delivered"
    assert (
        _ok(reviewer.post(f"/api/v1/backoffice/cases/{single.id}/accept", json={}))["status"] == "in_review"
    )
    events = [
        (e["type"], e["payload"].get("from"), e["payload"]["status"])
        for e in feed(http)
        if e["case_id"] == single.id
    ]
    assert events == [("status_changed", "delivered", "in_review")]
