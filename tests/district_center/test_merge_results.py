"""Ingest merges a station's push into the center's copy; 代收 clock; stored due dates; result downloads."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from casework.cases import Case, CaseStatus, PickupMethod, Rating, RatingLevel, Side
from casework.catalog import Catalog
from casework.identity import Applicant, ApplicantKind
from district_center.db.models import CaseRecord
from district_center.devtools.server import RunningCenter
from district_center.devtools.station_client import StationIdentity
from district_center.keys import DistrictKeys
from district_center.services.cases import backoffice
from district_center.services.supervision.deadlines import deadline_report
from sync.apply import apply_event
from sync.protocol import FeedEvent

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

CITY_A = items_by_department()["市发改委"][0]  # jurisdiction 西安市


@pytest.fixture(autouse=True)
def published(center: RunningCenter, district_keys: DistrictKeys) -> None:
    ensure_sample_published(center, district_keys)


def _ok(resp: httpx.Response) -> dict[str, Any]:
    assert resp.status_code == 200, resp.text
    out: dict[str, Any] = resp.json()
    return out


def _stored(center: RunningCenter, case_id: str) -> CaseRecord:
    with center.db.read_session() as s:
        row = s.get(CaseRecord, case_id)
        assert row is not None
        s.expunge(row)
        return row


def _apply_feed(http: httpx.Client, case: Case) -> Case:
    """What the station does with its feed: apply every status event of ``case`` to its local copy."""
    doc: dict[str, Any] = case.to_dict()
    for e in feed(http):
        if e["case_id"] == case.id:
            new, _ = apply_event(doc, FeedEvent(e["seq"], e["type"], e["case_id"], e["at"], e["payload"]))
            doc = new or doc
    return Case.from_dict({k: v for k, v in doc.items() if not k.startswith("_")})


def test_station_push_before_feed_does_not_roll_back_center_status(
    center: RunningCenter,
    new_station: Callable[..., StationIdentity],
    client: Callable[[StationIdentity], httpx.Client],
) -> None:
    st = new_station("新城区韩森寨街道便民服务站", jurisdiction="新城区")
    http = client(st)
    case = case_doc(st, CITY_A["code"], jurisdiction="新城区")
    push(http, case.to_dict())
    reviewer = login(center, unique("fgw"), ["reviewer"], department="市发改委")
    base = f"/api/v1/backoffice/cases/{case.id}"
    assert _ok(reviewer.post(base + "/accept", json={}))["status"] == "in_review"

    # the station has not applied the feed yet: it rates the case (still "queued" locally) and pushes
    case.rate(Rating(RatingLevel.SATISFIED, AT + dt.timedelta(hours=1)))
    receipt = push(http, case.to_dict())[0]
    assert receipt["status"] == "accepted" and receipt["version"] == case.version
    row = _stored(center, case.id)
    assert row.status == "in_review" and row.version == case.version
    merged = Case.from_dict(row.document)
    assert merged.status is CaseStatus.IN_REVIEW and merged.rating is not None
    assert [t.to_status for t in merged.history if t.side is Side.CENTER] == [
        CaseStatus.DELIVERED,
        CaseStatus.IN_REVIEW,
    ]
    assert push(http, case.to_dict())[0] == receipt  # replay: same receipt

    # 补齐补正 at the center, then the station (after its feed) records the supplement at its window
    missing = [{"code": "M9", "name": "户口簿复印件", "reason": "未提供"}]
    asked = _ok(reviewer.post(base + "/supplement", json={"missing": missing}))
    assert asked["status"] == "supplement_requested"
    local = _apply_feed(http, case)
    assert local.status is CaseStatus.SUPPLEMENT_REQUESTED
    supplied_at = AT + dt.timedelta(days=1)
    # a push that claims the supplement back in review with nothing handed in does not move the center
    hostile = Case.from_dict(local.to_dict())
    hostile.transition(
        CaseStatus.IN_REVIEW, actor="w-02", at=supplied_at, side=Side.STATION, check_rules=False
    )
    assert push(http, hostile.to_dict())[0]["status"] == "accepted"
    held = Case.from_dict(_stored(center, case.id).document)
    assert held.status is CaseStatus.SUPPLEMENT_REQUESTED and held.supplements[0].supplied_at is None
    local.version = hostile.version
    local.supply("M9", by="w-02", at=supplied_at, note="申请人当场出示户口簿原件，已复印留存")
    local.transition(CaseStatus.IN_REVIEW, actor="w-02", at=supplied_at, side=Side.STATION)
    assert push(http, local.to_dict())[0]["status"] == "accepted"
    row = _stored(center, case.id)
    merged = Case.from_dict(row.document)
    assert row.status == "in_review" and merged.supplements[0].supplied_at == supplied_at
    keys = [(t.to_status, t.at, t.actor, t.side) for t in merged.history]
    assert len(keys) == len(set(keys))  # entries the station copied from the feed are not doubled
    assert (CaseStatus.IN_REVIEW, supplied_at, "w-02", Side.STATION) in keys

    # decided at the center; a station withdrawal pushed before the feed arrives is refused with the reason
    _ok(reviewer.post(base + "/decision", json={"approve": True}))
    local.transition(
        CaseStatus.WITHDRAWN,
        actor="w-02",
        at=supplied_at + dt.timedelta(hours=2),
        reason="申请人撤回",
        side=Side.STATION,
    )
    refused = push(http, local.to_dict())[0]
    assert (refused["status"], refused["code"]) == ("rejected", "status_overruled")
    row = _stored(center, case.id)
    assert row.status == "approved"
    assert CaseStatus.WITHDRAWN not in [t.to_status for t in Case.from_dict(row.document).history]


def test_station_hand_over_moves_center_forward(
    center: RunningCenter,
    new_station: Callable[..., StationIdentity],
    client: Callable[[StationIdentity], httpx.Client],
) -> None:
    st = new_station("新城区自强路街道便民服务站", jurisdiction="新城区")
    http = client(st)
    case = case_doc(st, CITY_A["code"], jurisdiction="新城区")
    push(http, case.to_dict())
    reviewer = login(center, unique("fgw"), ["reviewer"], department="市发改委")
    base = f"/api/v1/backoffice/cases/{case.id}"
    _ok(reviewer.post(base + "/accept", json={}))
    _ok(reviewer.post(base + "/decision", json={"approve": True}))
    _ok(reviewer.post(base + "/result-ready"))
    local = _apply_feed(http, case)
    handed = local.updated_at + dt.timedelta(hours=1)
    local.transition(CaseStatus.HANDED_OVER, actor="w-03", at=handed, side=Side.STATION)
    local.transition(CaseStatus.CLOSED, actor="w-03", at=handed, side=Side.STATION)
    assert push(http, local.to_dict())[0]["status"] == "accepted"
    assert _stored(center, case.id).status == "closed"


def _collected_case(station: StationIdentity, item_code: str, jurisdiction: str) -> Case:
    """代收: collected for another jurisdiction, no promised date (the clock has not started)."""
    applicant = Applicant(ApplicantKind.PERSON, "赵六", "111", "11010519491231002X", "13800138000")
    case = Case.new(
        number=f"261120-{station.station_no:03d}-77001",
        station_id=station.station_id,
        catalog_version=1,
        applicant=applicant,
        at=AT,
        item_code=item_code,
        jurisdiction=jurisdiction,
    )
    case.transition(CaseStatus.COLLECTED, actor="w-01", at=AT)
    case.transition(CaseStatus.QUEUED, actor="w-01", at=AT)
    return case


def test_collected_case_clock_starts_when_the_department_accepts_it(
    center: RunningCenter,
    new_station: Callable[..., StationIdentity],
    client: Callable[[StationIdentity], httpx.Client],
) -> None:
    origin = new_station("阎良区北屯街道便民服务站", jurisdiction="阎良区")
    http = client(origin)
    case = _collected_case(origin, CITY_A["code"], "西安市")
    push(http, case.to_dict())
    assert _stored(center, case.id).promised_date is None
    received = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)  # a Monday, China time 10:00
    with center.db.session() as s:
        backoffice.accept_for_review(
            s, backoffice.Reviewer("user:0", ("reviewer",), "市发改委"), case.id, at=received
        )
    with center.db.read_session() as s:
        item = Catalog.from_dict(sample_catalog()).item(CITY_A["code"])
        expected = backoffice.work_calendar(s).deadline_for(dt.date(2026, 11, 23), item.promised_limit)
    row = _stored(center, case.id)
    assert row.promised_date == expected.date.isoformat() and row.due_date == row.promised_date
    event = next(
        e for e in feed(http) if e["case_id"] == case.id and e["payload"].get("status") == "in_review"
    )
    assert event["payload"]["promised_date"] == expected.date.isoformat()
    assert event["payload"]["promised_date_provisional"] is expected.provisional

    # the station, not yet having applied the event, pushes its copy (no promised date): the center's stays
    case.rate(Rating(RatingLevel.VERY_SATISFIED, received))
    push(http, case.to_dict())
    assert _stored(center, case.id).promised_date == expected.date.isoformat()
    local = _apply_feed(http, case)
    assert local.status is CaseStatus.IN_REVIEW


def test_list_sorts_and_filters_on_stored_due_date_and_parses_one_page(
    center: RunningCenter,
    new_station: Callable[..., StationIdentity],
    client: Callable[[StationIdentity], httpx.Client],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    st = new_station("新城区解放门街道便民服务站", jurisdiction="新城区")
    http = client(st)
    paused = case_doc(st, CITY_A["code"], jurisdiction="新城区", promised=dt.date(2021, 3, 1))
    plain = case_doc(st, CITY_A["code"], jurisdiction="新城区", promised=dt.date(2021, 3, 3))
    push(http, paused.to_dict(), plain.to_dict())
    reviewer = backoffice.Reviewer("user:0", ("reviewer",), "市发改委")
    with center.db.session() as s:
        backoffice.accept_for_review(s, reviewer, paused.id, at=dt.datetime(2021, 2, 22, 2, tzinfo=dt.UTC))
        missing = [backoffice.MissingMaterial("M9", "户口簿", "未提供")]
        backoffice.request_supplement(
            s, reviewer, paused.id, missing, at=dt.datetime(2021, 2, 22, 3, tzinfo=dt.UTC)
        )
        backoffice.mark_supplied(
            s,
            reviewer,
            paused.id,
            received="户口簿已到窗口补交",
            at=dt.datetime(2021, 2, 26, 3, tzinfo=dt.UTC),
        )
    row = _stored(center, paused.id)
    assert row.promised_date == "2021-03-01" and row.due_date == "2021-03-05"  # 4 working days paused
    assert _stored(center, plain.id).due_date == "2021-03-03"

    parsed: list[str] = []
    real = backoffice.case_summary

    def counting(record: CaseRecord, *args: Any) -> dict[str, Any]:
        parsed.append(record.id)
        return real(record, *args)

    monkeypatch.setattr(backoffice, "case_summary", counting)
    supervisor = backoffice.Reviewer("user:0", ("supervisor",), None)
    today = dt.date(2021, 3, 10)
    with center.db.read_session() as s:
        first = backoffice.list_cases(s, supervisor, status=["in_review", "queued"], limit=1, today=today)
        assert len(parsed) == 1
        both = [
            r["id"]
            for r in backoffice.list_cases(s, supervisor, due_before="2021-03-05", today=today)
            if r["id"] in (paused.id, plain.id)
        ]
        early = [r["id"] for r in backoffice.list_cases(s, supervisor, due_before="2021-03-04", today=today)]
        report = deadline_report(s, supervisor, today=today)
    assert first[0]["overdue"]
    assert both == [plain.id, paused.id]  # plain is due first: the paused one's due day moved back
    assert paused.id not in early and plain.id in early
    assert {paused.id, plain.id} <= {c["id"] for c in report["cases"] if c["overdue"]}


def _upload_result(reviewer: httpx.Client, base: str, data: bytes) -> str:
    up = _ok(reviewer.post(base + "/results", files={"file": ("决定书.pdf", data, "application/pdf")}))
    return str(up["sha256"])


def test_station_downloads_result_documents_listed_in_feed(
    center: RunningCenter,
    new_station: Callable[..., StationIdentity],
    client: Callable[[StationIdentity], httpx.Client],
) -> None:
    origin = new_station("阎良区新华路街道便民服务站", jurisdiction="阎良区")
    city = new_station("西安市政务服务中心西厅通办窗口", jurisdiction="西安市")
    stranger = new_station("新城区中山门街道便民服务站", jurisdiction="新城区")
    at_origin, at_city = client(origin), client(city)
    for pickup in (PickupMethod.JURISDICTION_WINDOW, PickupMethod.STATION_WINDOW):
        case = case_doc(origin, CITY_A["code"], jurisdiction="西安市", collected=True, pickup=pickup)
        push(at_origin, case.to_dict())
        reviewer = login(center, unique("fgw"), ["reviewer"], department="市发改委")
        base = f"/api/v1/backoffice/cases/{case.id}"
        _ok(reviewer.post(base + "/accept", json={}))
        pdf = f"%PDF-1.4 准予许可决定书 {pickup.value}".encode()
        sha = _upload_result(reviewer, base, pdf)
        unused = _upload_result(reviewer, base, b"%PDF-1.4 draft, not the result")
        _ok(
            reviewer.post(
                base + "/decision", json={"approve": True, "result": {"name": "许可证", "documents": [sha]}}
            )
        )
        _ok(reviewer.post(base + "/result-ready"))

        listed = {"sha256": sha, "name": "决定书.pdf", "size": len(pdf), "mime": "application/pdf"}
        events = [e for e in feed(at_origin) if e["case_id"] == case.id]
        for kind in ("decided", "result_ready"):
            assert next(e for e in events if e["type"] == kind)["payload"]["result_documents"] == [listed]
        url = f"/api/v1/cases/{case.id}/results/{sha}"
        got = at_origin.get(url)
        assert got.status_code == 200 and got.content == pdf
        assert got.headers["content-type"].startswith("application/pdf")
        city_may = pickup is PickupMethod.JURISDICTION_WINDOW
        assert at_city.get(url).status_code == (200 if city_may else 404)
        assert client(stranger).get(url).status_code == 404
        assert at_origin.get(f"/api/v1/cases/{case.id}/results/{unused}").status_code == 404
        assert at_origin.get(f"/api/v1/cases/{case.id}/results/{'a' * 64}").status_code == 404
        assert httpx.get(center.url + url).status_code == 401
    digest = hashlib.sha256(b"x").hexdigest()
    assert at_origin.get(f"/api/v1/cases/no-such-case/results/{digest}").status_code == 404


def _queued(number: str) -> Case:
    """A case of station st-1 accepted and queued at ``AT`` (the center's copy before it is delivered)."""
    applicant = Applicant(ApplicantKind.PERSON, "钱七", "111", "11010519491231002X", "13800138000")
    case = Case.new(
        number=number,
        station_id="st-1",
        catalog_version=1,
        applicant=applicant,
        at=AT,
        item_code=CITY_A["code"],
    )
    case.transition(CaseStatus.ACCEPTED, actor="w-01", at=AT)
    case.transition(CaseStatus.QUEUED, actor="w-01", at=AT)
    return case


def test_merge_matches_the_station_copy_of_a_supplement_request_applied_later() -> None:
    from casework.cases import MissingMaterial, SupplementRequest
    from district_center.services.cases.merge import merge_station_push

    center_copy = _queued("261120-001-00009")
    station_copy = Case.from_dict(center_copy.to_dict())
    asked_at = AT + dt.timedelta(hours=1)
    center_copy.transition(CaseStatus.DELIVERED, actor="user:1", at=asked_at, side=Side.CENTER)
    center_copy.transition(CaseStatus.IN_REVIEW, actor="user:1", at=asked_at, side=Side.CENTER)
    missing = (MissingMaterial("M9", "户口簿", "未提供"),)
    center_copy.request_supplement(SupplementRequest(missing, asked_at, "user:1"), actor="user:1")
    # the station applies the same events a day later (its own times), then takes the supplement
    later = asked_at + dt.timedelta(days=1)
    for step in (CaseStatus.DELIVERED, CaseStatus.IN_REVIEW):
        station_copy.transition(step, actor="user:1", at=later, side=Side.CENTER)
    station_copy.request_supplement(SupplementRequest(missing, later, "user:1"), actor="user:1")
    supplied = later + dt.timedelta(hours=2)
    station_copy.supply("M9", by="w-01", at=supplied, attachments=("9" * 64,))
    station_copy.transition(CaseStatus.IN_REVIEW, actor="w-01", at=supplied, side=Side.STATION)

    merged, ignored = merge_station_push(center_copy, station_copy)
    assert not ignored and merged.status is CaseStatus.IN_REVIEW
    assert [(s.requested_at, s.supplied_at) for s in merged.supplements] == [(asked_at, supplied)]
    assert [(x.code, x.attachments) for x in merged.supplements[0].supplied_items] == [("M9", ("9" * 64,))]
    assert [(t.to_status, t.side) for t in merged.history] == [
        (CaseStatus.ACCEPTED, Side.STATION),
        (CaseStatus.QUEUED, Side.STATION),
        (CaseStatus.DELIVERED, Side.CENTER),
        (CaseStatus.IN_REVIEW, Side.CENTER),
        (CaseStatus.SUPPLEMENT_REQUESTED, Side.CENTER),
        (CaseStatus.IN_REVIEW, Side.STATION),
    ]
    assert merged.version == station_copy.version


def test_a_withdrawal_the_station_recorded_before_its_receipt_arrived_is_taken() -> None:
    """The center records ``queued → delivered`` on ingest; a station that withdrew the case while its copy
    was still ``queued`` (the receipt had not arrived) moves the center's ``delivered`` copy to withdrawn,
    and its own ``queued → delivered`` (written when the receipt came) is the same step, not ignored."""
    from district_center.services.cases.merge import merge_station_push

    sent = _queued("261120-001-00010")
    center_copy = Case.from_dict(sent.to_dict())
    center_copy.transition(
        CaseStatus.DELIVERED, actor="district-center", at=AT + dt.timedelta(minutes=1), side=Side.CENTER
    )

    withdrawn = Case.from_dict(sent.to_dict())
    withdrawn.transition(
        CaseStatus.WITHDRAWN,
        actor="w-01",
        at=AT + dt.timedelta(minutes=2),
        reason="申请人撤回",
        side=Side.STATION,
    )
    merged, ignored = merge_station_push(center_copy, withdrawn)
    assert not ignored and merged.status is CaseStatus.WITHDRAWN
    assert [(t.from_status, t.to_status, t.side) for t in merged.history][-2:] == [
        (CaseStatus.QUEUED, CaseStatus.DELIVERED, Side.CENTER),
        (CaseStatus.DELIVERED, CaseStatus.WITHDRAWN, Side.STATION),
    ]

    rated = Case.from_dict(sent.to_dict())
    rated.transition(CaseStatus.DELIVERED, actor="sync", at=AT + dt.timedelta(minutes=3), side=Side.STATION)
    merged, ignored = merge_station_push(center_copy, rated)
    assert not ignored and merged.status is CaseStatus.DELIVERED
    assert [t.to_status for t in merged.history].count(CaseStatus.DELIVERED) == 1


def test_a_withdrawal_after_the_decision_is_refused_with_the_centers_status(
    center: RunningCenter,
    new_station: Callable[..., StationIdentity],
    client: Callable[[StationIdentity], httpx.Client],
) -> None:
    """The station withdraws (or rates and withdraws) after the department decided: the merge would ignore
    the withdrawal, so the receipt is rejected (code ``status_overruled``) naming the center's status, nothing
    of that version is stored, and a replay gets the same answer. A push that keeps the center's status is
    accepted as before."""
    st = new_station("新城区西一路街道便民服务站", jurisdiction="新城区")
    http = client(st)
    case = case_doc(st, CITY_A["code"], jurisdiction="新城区")
    push(http, case.to_dict())
    reviewer = login(center, unique("fgw"), ["reviewer"], department="市发改委")
    base = f"/api/v1/backoffice/cases/{case.id}"
    _ok(reviewer.post(base + "/accept", json={}))
    _ok(reviewer.post(base + "/decision", json={"approve": True}))
    before = _stored(center, case.id)

    local = Case.from_dict(case.to_dict())
    local.transition(CaseStatus.DELIVERED, actor="sync", at=AT + dt.timedelta(minutes=5), side=Side.STATION)
    local.rate(Rating(RatingLevel.SATISFIED, AT + dt.timedelta(hours=1)))
    local.transition(
        CaseStatus.WITHDRAWN,
        actor="w-01",
        at=AT + dt.timedelta(hours=2),
        reason="申请人撤回",
        side=Side.STATION,
    )
    receipt = push(http, local.to_dict())[0]
    assert (receipt["status"], receipt["version"], receipt["code"]) == (
        "rejected",
        local.version,
        "status_overruled",
    )
    assert receipt["reason"] == "区中心已对该件作出决定（准予办理），不能再撤回；请刷新后按结果办理。"
    after = _stored(center, case.id)
    assert (after.status, after.version, after.digest, after.document) == (
        "approved",
        before.version,
        before.digest,
        before.document,
    )
    assert after.document.get("rating") is None
    assert push(http, local.to_dict())[0] == receipt  # a replay of (id, version): the same answer

    # after applying the decision, the station's rating arrives with its next version and is accepted
    rated = _apply_feed(http, case)
    rated.rate(Rating(RatingLevel.SATISFIED, AT + dt.timedelta(hours=1)))
    rated.version = local.version + 1
    accepted = push(http, rated.to_dict())[0]
    assert accepted["status"] == "accepted" and accepted["code"] is None
    merged = _stored(center, case.id)
    assert merged.status == "approved" and merged.document["rating"] is not None


def test_only_an_overruled_final_move_is_refused() -> None:
    from district_center.services.cases.ingest import overruled_reason

    applicant = Applicant(ApplicantKind.PERSON, "钱七", "111", "11010519491231002X", "13800138000")
    c = Case.new(
        number="261120-001-00011",
        station_id="st-1",
        catalog_version=1,
        applicant=applicant,
        at=AT,
        item_code=CITY_A["code"],
    )
    for step, side in (
        (CaseStatus.ACCEPTED, Side.STATION),
        (CaseStatus.QUEUED, Side.STATION),
        (CaseStatus.DELIVERED, Side.CENTER),
        (CaseStatus.IN_REVIEW, Side.CENTER),
    ):
        c.transition(step, actor="x", at=AT, side=side)
    assert overruled_reason(c, CaseStatus.IN_REVIEW) is None  # not a final move: ignored, still accepted
    assert overruled_reason(c, CaseStatus.WITHDRAWN) == (
        "区中心该件当前为“审查中”，不能再撤回；请刷新后按区中心的状态办理。"
    )
    c.transition(CaseStatus.REJECTED, actor="x", at=AT, reason="不符合条件", side=Side.CENTER)
    for step in (CaseStatus.RESULT_READY, CaseStatus.HANDED_OVER, CaseStatus.CLOSED):
        c.transition(step, actor="x", at=AT, side=Side.CENTER)
    assert overruled_reason(c, CaseStatus.HANDED_OVER) == (
        "区中心已对该件作出决定（已办结·不予办理），不能再登记送达；请刷新后按结果办理。"
    )


def test_a_stored_rating_is_never_overwritten_by_a_later_push() -> None:
    """好差评 is one rating per case (一事一评): a station push with another rating keeps the stored one."""
    from district_center.services.cases.merge import merge_station_push

    center_copy = _queued("261120-001-00011")
    first = Rating(RatingLevel.VERY_DISSATISFIED, AT + dt.timedelta(hours=1), (), "等了很久")
    center_copy.rate(first)
    hostile = Case.from_dict(center_copy.to_dict())
    hostile.rating = Rating(RatingLevel.VERY_SATISFIED, AT + dt.timedelta(hours=2))
    hostile.version += 1
    merged, _ = merge_station_push(center_copy, hostile)
    assert merged.rating == first
    unrated = Case.from_dict({**center_copy.to_dict(), "rating": None})
    late = Case.from_dict(hostile.to_dict())
    merged, _ = merge_station_push(unrated, late)
    assert merged.rating == late.rating  # the first rating the center sees is stored


def test_a_waiver_stays_while_the_station_copy_still_shows_the_material_owed() -> None:
    from casework.cases import MaterialRecord, Satisfaction
    from district_center.services.cases.merge import merge_station_push

    station_copy = _queued("261120-001-00012")
    owed = MaterialRecord("M-HH", "户口簿", Satisfaction.DEFERRED, due_date=dt.date(2026, 12, 1))
    station_copy.set_material(owed, at=AT)
    center_copy = Case.from_dict(station_copy.to_dict())
    center_copy.waive_deferred("M-HH", by="user:1", reason="数据共享已核验", at=AT + dt.timedelta(hours=1))
    station_copy.rate(Rating(RatingLevel.SATISFIED, AT + dt.timedelta(hours=2)))
    merged, _ = merge_station_push(center_copy, station_copy)
    kept = merged.material("M-HH")
    assert kept is not None and (kept.waived_by, kept.waiver_reason) == ("user:1", "数据共享已核验")
    # the material handed in at the station later wins over the waiver: it is no longer owed either way
    station_copy.receive_deferred(
        "M-HH", attachments=("7" * 64,), verified_by="w-01", at=AT + dt.timedelta(hours=3)
    )
    merged, _ = merge_station_push(center_copy, station_copy)
    got = merged.material("M-HH")
    assert got is not None and got.satisfaction is Satisfaction.ORIGINAL_VERIFIED and got.waived_at is None
