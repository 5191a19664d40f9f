"""Back-office authorization: a department's reviewer acts only on that department's cases, whatever other
roles they hold, and sees of a 一件事 case only its own sub-items, the materials they need and their files."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Callable

import httpx
import pytest

from casework.blobref import BlobRef
from casework.cases import Case, CaseStatus, MaterialRecord, Satisfaction, Side
from casework.copies import VerifiedCopy
from casework.identity import Applicant, ApplicantKind
from district_center.devtools.server import RunningCenter
from district_center.devtools.station_client import StationIdentity
from district_center.keys import DistrictKeys
from district_center.services.cases import backoffice
from district_center.services.supervision.deadlines import deadline_report

from .backoffice_helpers import AT, case_doc, ensure_sample_published, items_by_department, login, unique
from .conftest import push, sample_catalog

DEPARTMENTS = items_by_department()
CITY_A = DEPARTMENTS["市发改委"][0]
CITY_B = DEPARTMENTS["市民政局"][0]


@pytest.fixture(autouse=True)
def published(center: RunningCenter, district_keys: DistrictKeys) -> None:
    ensure_sample_published(center, district_keys)


def _upload(http: httpx.Client, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    put = http.put(
        f"/api/v1/attachments/{digest}?offset=0", content=data, headers={"X-Total-Size": str(len(data))}
    )
    assert put.status_code == 200 and put.json()["complete"], put.text
    return digest


def test_supervisor_who_is_also_a_reviewer_acts_only_on_own_department(
    center: RunningCenter,
    new_station: Callable[..., StationIdentity],
    client: Callable[[StationIdentity], httpx.Client],
) -> None:
    st = new_station("新城区自强路街道便民服务站", jurisdiction="新城区")
    other_city = new_station("西安市政务服务中心西厅通办窗口", jurisdiction="西安市")
    case_a = case_doc(st, CITY_A["code"], jurisdiction="新城区")
    case_b = case_doc(st, CITY_B["code"], jurisdiction="新城区")
    push(client(st), case_a.to_dict(), case_b.to_dict())
    both = login(center, unique("fgw-jc"), ["reviewer", "supervisor"], department="市发改委")
    other = f"/api/v1/backoffice/cases/{case_b.id}"

    assert both.get(other).status_code == 200  # supervisors read every case
    for path, kwargs in [
        ("/accept", {"json": {}}),
        ("/route", {"json": {"station_no": other_city.station_no}}),
        ("/results", {"files": {"file": ("x.pdf", b"%PDF-1.4", "application/pdf")}}),
        ("/decision", {"json": {"approve": False, "reason": "不符合条件"}}),
        ("/result-ready", {}),
    ]:
        refused = both.post(other + path, **kwargs)
        assert refused.status_code == 403, (path, refused.text)
        assert refused.json()["code"] == "other_department"
    assert both.get(other).json()["status"] == "delivered"  # refused: still waiting for 受理
    assert both.post(f"/api/v1/backoffice/cases/{case_a.id}/accept", json={}).status_code == 200


def test_reviewer_of_another_department_cannot_route(
    center: RunningCenter,
    new_station: Callable[..., StationIdentity],
    client: Callable[[StationIdentity], httpx.Client],
) -> None:
    st = new_station("新城区中山门街道便民服务站", jurisdiction="新城区")
    target = new_station("新城区韩森寨街道便民服务站", jurisdiction="新城区")
    case = case_doc(st, CITY_B["code"], jurisdiction="新城区")
    push(client(st), case.to_dict())
    reviewer_a = login(center, unique("fgw"), ["reviewer"], department="市发改委")
    refused = reviewer_a.post(
        f"/api/v1/backoffice/cases/{case.id}/route", json={"station_no": target.station_no}
    )
    assert refused.status_code == 403


def test_bundle_reviewer_sees_only_own_sub_items_materials_and_files(
    center: RunningCenter,
    new_station: Callable[..., StationIdentity],
    client: Callable[[StationIdentity], httpx.Client],
) -> None:
    bundle = next(b for b in sample_catalog()["bundles"] if b["code"] == "YJS-CS")
    health, police = bundle["item_codes"][0], bundle["item_codes"][1]
    st = new_station("阎良区新华路街道便民服务站", jurisdiction="阎良区")
    http = client(st)
    id_card = _upload(http, f"身份证-{uuid.uuid4()}".encode() * 40)  # M-SFZ: every item needs it
    birth_form = _upload(http, f"签发登记表-{uuid.uuid4()}".encode() * 40)  # M-CSSQ: only 出生医学证明
    marked = f"核验件-{uuid.uuid4()}".encode() * 40  # the station's marked copy of the 签发登记表
    marked_sha = _upload(http, marked)
    copy = VerifiedCopy(BlobRef(marked_sha, len(marked), "image/jpeg"), BlobRef(birth_form, 1, "image/jpeg"))

    case = Case.new(
        number=f"261120-{st.station_no:03d}-91001",
        station_id=st.station_id,
        catalog_version=1,
        applicant=Applicant(ApplicantKind.PERSON, "赵六", "111", "11010519491231002X", "13800138000"),
        at=AT,
        bundle_code="YJS-CS",
        bundle_item_codes=tuple(bundle["item_codes"]),
        jurisdiction="阎良区",
    )
    case.set_material(
        MaterialRecord("M-SFZ", "居民身份证", Satisfaction.ORIGINAL_VERIFIED, (id_card,), verified_by="w-01"),
        at=AT,
    )
    case.set_material(
        MaterialRecord(
            "M-CSSQ",
            "出生医学证明首次签发登记表",
            Satisfaction.ORIGINAL_VERIFIED,
            (birth_form,),
            verified_by="w-01",
            copies=(copy,),
        ),
        at=AT,
    )
    case.transition(CaseStatus.ACCEPTED, actor="w-01", at=AT)
    case.transition(CaseStatus.QUEUED, actor="w-01", at=AT)
    assert push(http, case.to_dict())[0]["status"] == "accepted"

    health_reviewer = login(center, unique("wjj"), ["reviewer"], department="西安市阎良区卫生健康局")
    police_reviewer = login(center, unique("ga"), ["reviewer"], department="西安市公安局阎良分局")
    supervisor = login(center, unique("jc"), ["supervisor"])
    base = f"/api/v1/backoffice/cases/{case.id}"
    assert health_reviewer.post(base + "/accept", json={"item_code": health}).status_code == 200
    assert police_reviewer.post(base + "/accept", json={"item_code": police}).status_code == 200
    missing = [{"code": "M-CSSQ", "name": "出生医学证明首次签发登记表", "reason": "未签字"}]
    assert (
        health_reviewer.post(base + "/supplement", json={"missing": missing, "item_code": health}).status_code
        == 200
    )
    result_pdf = f"%PDF-1.4 出生医学证明 {uuid.uuid4()}".encode()
    uploaded = health_reviewer.post(
        base + "/results", files={"file": ("出生医学证明.pdf", result_pdf, "application/pdf")}
    )
    assert uploaded.status_code == 200, uploaded.text
    result_sha = uploaded.json()["sha256"]

    seen = police_reviewer.get(base).json()
    assert [sc["item_code"] for sc in seen["case"]["sub_cases"]] == [police]
    assert seen["case"]["supplements"] == []
    assert [m["code"] for m in seen["case"]["materials"]] == ["M-SFZ"]
    assert [m["code"] for m in seen["materials"]] == ["M-SFZ"]
    assert seen["result_documents"] == []
    assert police_reviewer.get(f"{base}/files/{id_card}").status_code == 200
    assert police_reviewer.get(f"{base}/files/{birth_form}").status_code == 404
    assert police_reviewer.get(f"{base}/files/{marked_sha}").status_code == 404  # nor its marked copy
    assert police_reviewer.get(f"{base}/files/{result_sha}").status_code == 404
    decision = {"approve": True, "item_code": police, "result": {"name": "户口簿", "documents": [result_sha]}}
    borrowed = police_reviewer.post(base + "/decision", json=decision)
    assert borrowed.status_code == 400 and borrowed.json()["code"] == "unknown_document"

    mine = health_reviewer.get(base).json()
    assert {m["code"] for m in mine["materials"]} == {"M-SFZ", "M-CSSQ"}
    form = next(m for m in mine["materials"] if m["code"] == "M-CSSQ")
    assert form["views"] == [{"sha256": marked_sha, "marked": True, "original": birth_form}]
    got = health_reviewer.get(f"{base}/files/{marked_sha}")
    assert got.status_code == 200 and got.content == marked
    assert got.headers["content-type"] == "image/jpeg"
    assert [d["sha256"] for d in mine["result_documents"]] == [result_sha]
    assert health_reviewer.get(f"{base}/files/{result_sha}").content == result_pdf
    everything = supervisor.get(base).json()
    assert len(everything["case"]["sub_cases"]) == 4 and len(everything["case"]["supplements"]) == 1
    assert supervisor.get(f"{base}/files/{birth_form}").status_code == 200


def test_deadline_report_sees_every_running_overdue_case(
    center: RunningCenter,
    new_station: Callable[..., StationIdentity],
    client: Callable[[StationIdentity], httpx.Client],
) -> None:
    st = new_station("新城区胡家庙街道便民服务站", jurisdiction="新城区")
    early = dt.date(2020, 3, 2)  # before anything else in this module's center: first in promised order
    done = case_doc(st, CITY_A["code"], jurisdiction="新城区", promised=early)
    done.transition(CaseStatus.WITHDRAWN, actor="w-01", at=AT, reason="申请人撤回", side=Side.STATION)
    late = [case_doc(st, CITY_A["code"], jurisdiction="新城区", promised=early) for _ in range(2)]
    push(client(st), done.to_dict(), *(c.to_dict() for c in late))
    with center.db.read_session() as s:
        report = deadline_report(
            s, backoffice.Reviewer("user:0", ("supervisor",), None), today=dt.date(2026, 11, 20)
        )
    overdue = {c["id"] for c in report["cases"] if c["overdue"]}
    assert {c.id for c in late} <= overdue and done.id not in overdue


def test_case_past_its_due_day_over_a_weekend_is_overdue(
    center: RunningCenter,
    new_station: Callable[..., StationIdentity],
    client: Callable[[StationIdentity], httpx.Client],
) -> None:
    st = new_station("新城区西一路街道第二便民服务站", jurisdiction="新城区")
    friday = dt.date(2026, 11, 27)
    case = case_doc(st, CITY_A["code"], jurisdiction="新城区", promised=friday)
    push(client(st), case.to_dict())
    supervisor = backoffice.Reviewer("user:0", ("supervisor",), None)
    with center.db.read_session() as s:
        report = deadline_report(s, supervisor, today=friday + dt.timedelta(days=1))
        row = backoffice.case_detail(s, supervisor, case.id, today=friday + dt.timedelta(days=1))
    assert row["deadline"]["state"] == "已超期" and row["overdue"]
    assert case.id in {c["id"] for c in report["cases"] if c["overdue"]}
