"""差评 → 整改 (the department) → 回访评价 (the station window or the center's call), and the 帮办代办
register, against a real center (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
from collections.abc import Callable

import httpx
import pytest
from openpyxl import load_workbook

from casework import clock
from casework.blobref import BlobRef
from casework.cases import Rating, RatingLevel
from casework.identity import Agent
from district_center.console.pages_register import HEADER, register_workbook
from district_center.db.models import FollowUp, RatingRecord
from district_center.devtools.server import RunningCenter
from district_center.devtools.station_client import StationIdentity
from district_center.keys import DistrictKeys
from district_center.services.cases.backoffice import open_comment
from sync.protocol import HEADER_TOTAL_SIZE

from .backoffice_helpers import case_doc, ensure_sample_published, items_by_department, login, unique
from .conftest import push
from .rectification_helpers import handed_over, ok

DEPARTMENTS = items_by_department()
D1, D2 = "市发改委", "市民政局"
ITEM_D1, ITEM_D2 = DEPARTMENTS[D1][0]["code"], DEPARTMENTS[D2][0]["code"]
Station = Callable[..., StationIdentity]
Client = Callable[[StationIdentity], httpx.Client]


@pytest.fixture(autouse=True)
def published(center: RunningCenter, district_keys: DistrictKeys) -> None:
    ensure_sample_published(center, district_keys)


def _followup(center: RunningCenter, case_id: str) -> FollowUp:
    with center.db.read_session() as s:
        f = s.query(FollowUp).filter(FollowUp.case_id == case_id).one()
        s.expunge(f)
        return f


def test_poor_rating_rectified_by_its_department_then_revisited_at_the_window(
    center: RunningCenter, new_station: Station, client: Client
) -> None:
    st = new_station("新城区韩森寨街道便民服务站", jurisdiction="新城区")
    http = client(st)
    own = login(center, unique("fgw"), ["reviewer"], department=D1)
    other = login(center, unique("mz"), ["reviewer"], department=D2)
    supervisor = login(center, unique("jc"), ["supervisor"])
    case = handed_over(http, st, own, ITEM_D1)
    case.rate(Rating(RatingLevel.DISSATISFIED, clock.now() + dt.timedelta(minutes=2), ("办理时间长",)))
    push(http, case.to_dict())
    f = _followup(center, case.id)
    assert (f.status, f.rating, f.rectified_at) == ("open", "不满意", None)

    url = f"/api/v1/backoffice/followups/{f.id}"
    refused = other.post(url + "/rectify", json={"rectification": "不是本部门的"})
    assert refused.status_code == 403 and "责任部门" in refused.json()["detail"]
    assert own.post(url + "/rectify", json={"rectification": "   "}).status_code == 400
    done = ok(own.post(url + "/rectify", json={"rectification": "已压缩审查环节，当日转办"}))
    assert done["rectification"] == "已压缩审查环节，当日转办" and done["status"] == "open"
    assert own.post(url + "/rectify", json={"rectification": "再改一次"}).status_code == 409

    # the resident comes back to the window: the station records the second rating, once
    case.rate_revisit(Rating(RatingLevel.SATISFIED, clock.now() + dt.timedelta(minutes=3), (), "整改后满意"))
    assert push(http, case.to_dict())[0]["status"] == "accepted"
    f = _followup(center, case.id)
    assert (f.status, f.second_level, f.second_channel) == ("closed", "满意", "station")
    assert f.second_comment and "整改后满意".encode() not in f.second_comment, "the comment is sealed"
    with center.db.read_session() as s:
        assert open_comment(s.get(FollowUp, f.id)) == "整改后满意"
    assert f.resolution == "已压缩审查环节，当日转办"
    with center.db.read_session() as s:
        first = s.get(RatingRecord, case.id)
        assert first is not None and first.level == "不满意"  # the first rating never changes
    listed = ok(supervisor.get("/api/v1/backoffice/followups?status=closed"))["followups"]
    assert [x["second_level"] for x in listed if x["case_id"] == case.id] == ["满意"]
    assert supervisor.post(url + "/revisit", json={"level": "非常满意"}).status_code == 409


def test_the_centers_call_records_the_second_rating_and_rectification_closes_it(
    center: RunningCenter, new_station: Station, client: Client
) -> None:
    st = new_station("新城区解放门街道便民服务站", jurisdiction="新城区")
    http = client(st)
    own = login(center, unique("mz"), ["reviewer"], department=D2)
    supervisor = login(center, unique("jc"), ["supervisor"])
    case = handed_over(http, st, own, ITEM_D2)
    case.rate(Rating(RatingLevel.BASICALLY_SATISFIED, clock.now() + dt.timedelta(minutes=2)))
    push(http, case.to_dict())
    f = _followup(center, case.id)
    url = f"/api/v1/backoffice/followups/{f.id}"
    assert own.post(url + "/revisit", json={"level": "满意"}).status_code == 403  # the call is the center's
    bad = supervisor.post(url + "/revisit", json={"level": "还行"})
    assert bad.status_code == 400 and "不是有效的评价等级" in bad.json()["detail"]
    called = ok(supervisor.post(url + "/revisit", json={"level": "满意", "comment": "电话回访，已解释流程"}))
    assert (called["second_level"], called["second_channel"], called["status"]) == ("满意", "call", "open")
    # the station's later revisit does not replace the call's
    case.rate_revisit(Rating(RatingLevel.VERY_DISSATISFIED, clock.now() + dt.timedelta(minutes=3)))
    push(http, case.to_dict())
    assert _followup(center, case.id).second_level == "满意"
    ok(own.post(url + "/rectify", json={"rectification": "窗口一次性告知清单已更新"}))
    assert _followup(center, case.id).status == "closed"


def test_assisted_filings_are_registered_scoped_by_department_and_exported(
    center: RunningCenter, new_station: Station, client: Client
) -> None:
    st = new_station("新城区中山门街道便民服务站", jurisdiction="新城区")
    http = client(st)
    letter = os.urandom(2000)
    sha = hashlib.sha256(letter).hexdigest()
    put = http.put(
        f"/api/v1/attachments/{sha}?offset=0",
        content=letter,
        headers={HEADER_TOTAL_SIZE: str(len(letter)), "content-type": "application/octet-stream"},
    )
    assert put.status_code == 200, put.text
    proxy = case_doc(st, ITEM_D1, jurisdiction="新城区")
    proxy.agent = Agent(
        "周八",
        "111",
        "610102199001011231",
        "13900139000",
        authority="power_of_attorney",
        authority_scan=BlobRef(sha, len(letter), "image/png"),
    )
    helped = case_doc(st, ITEM_D2, jurisdiction="新城区")
    helped.agent = Agent(
        "王芳", "111", "", "", is_station_worker=True, worker_id="w-07", authority="in_person"
    )
    alone = case_doc(st, ITEM_D2, jurisdiction="新城区")
    receipts = push(http, proxy.to_dict(), helped.to_dict(), alone.to_dict())
    assert [r["status"] for r in receipts] == ["accepted"] * 3, receipts
    push(http, proxy.to_dict())  # a resend registers nothing twice

    supervisor = login(center, unique("jc"), ["supervisor"])
    rows = ok(supervisor.get(f"/api/v1/backoffice/register?station_id={st.station_id}"))["rows"]
    assert {r["number"] for r in rows} == {proxy.number, helped.number}
    by_number = {r["number"]: r for r in rows}
    assert by_number[proxy.number]["helper_kind"] == "agent"
    assert by_number[proxy.number]["authority"] == "power_of_attorney"
    assert by_number[proxy.number]["authority_sha256"] == sha
    assert by_number[proxy.number]["helper_id"] == "6101**********1231"  # masked; sealed at rest
    assert by_number[helped.number]["worker_id"] == "w-07"
    assert by_number[helped.number]["authority"] == "in_person"
    workers = ok(supervisor.get(f"/api/v1/backoffice/register?station_id={st.station_id}&kind=worker"))
    assert [r["number"] for r in workers["rows"]] == [helped.number]
    assert supervisor.get("/api/v1/backoffice/register?month=12-2026").status_code == 400

    dept = login(center, unique("fgw"), ["reviewer"], department=D1)
    mine = ok(dept.get(f"/api/v1/backoffice/register?station_id={st.station_id}"))["rows"]
    assert [r["number"] for r in mine] == [proxy.number]  # a reviewer sees their department's only

    data = register_workbook(rows, {})
    ws = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in ws[1]] == HEADER
    assert {ws.cell(r, 1).value for r in range(2, ws.max_row + 1)} == {proxy.number, helped.number}


def test_register_export_keeps_station_text_as_text() -> None:
    """Formula injection: a name a station typed as ``=HYPERLINK(…)`` stays text in the export."""
    row = {
        "number": "261120-001-00001",
        "filed_at": "2026-11-20T02:00:00Z",
        "station": "1 测试站",
        "item_code": "X",
        "department": "市发改委",
        "helper_kind": "agent",
        "helper_name": '=HYPERLINK("http://evil.example","点我")',
        "helper_id": "6101**********1231",
        "relation": "+1",
        "worker_id": "",
        "authority": "kinship",
        "authority_sha256": None,
        "applicant_name": "@SUM(A1)",
    }
    ws = load_workbook(io.BytesIO(register_workbook([row], {}))).active
    for col in (7, 9, 13):
        cell = ws.cell(2, col)
        assert cell.data_type == "s" and cell.quotePrefix, (col, cell.value)
    assert ws.cell(2, 7).value == row["helper_name"]
