"""``POST /api/v1/notices`` on SQLite and PostgreSQL: a station's 一次性告知 and 不予受理 records are stored
once per (station, notice), the newest version kept (a notice later resumed as a case), replays answer the
same, malformed entries and entries naming another station are refused alone, and the applicant and a
refusal's own words are sealed."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import select

from casework.notices import report_of
from district_center.db.models import NoticeRecord
from district_center.devtools.server import RunningCenter
from district_center.devtools.station_client import StationIdentity
from district_center.services.cases.backoffice import Reviewer
from district_center.services.supervision.notices import notice_rows

from .conftest import ITEM
from .notice_helpers import APPLICANT, notice_case, number, post

Station = Callable[..., StationIdentity]
Client = Callable[[StationIdentity], httpx.Client]
SUPERVISOR = Reviewer("user:sup", ("supervisor",), None)


def test_notices_are_stored_once_and_the_newest_version_wins(
    center: RunningCenter, new_station: Station, client: Client
) -> None:
    st = new_station("告知站")
    http = client(st)
    notice = notice_case(st, ITEM, seq=1, missing=("居民身份证", "户口簿"))
    refusal = notice_case(st, ITEM, seq=2, refusal="申请人张三不符合条件")
    first = [report_of(notice).to_dict(), report_of(refusal).to_dict()]
    resp = post(http, first)
    assert resp.status_code == 200, resp.text
    held = {(h["id"], h["version"]) for h in resp.json()["held"]}
    assert held == {(notice.id, notice.version), (refusal.id, refusal.version)}
    assert post(http, first).json() == resp.json(), "a replay stores nothing twice and answers the same"
    v1 = notice.version
    notice.mark_resumed(number(st, notice.created_at.date(), 3), at=notice.updated_at)
    resp = post(http, [report_of(notice).to_dict()])
    assert resp.json()["held"] == [{"id": notice.id, "version": v1 + 1}]
    stale = report_of(notice).to_dict() | {"version": v1, "resumed_as": ""}
    assert post(http, [stale]).json()["held"] == [{"id": notice.id, "version": v1 + 1}], "older loses"
    with center.db.read_session() as s:
        rows = {r["number"]: r for r in notice_rows(s, SUPERVISOR) if r["station_id"] == st.station_id}
        raw = [
            (r.sealed + repr(r.reasons).encode(), r.applicant_id_bidx)
            for r in s.scalars(select(NoticeRecord).where(NoticeRecord.station_id == st.station_id))
        ]
    assert rows["GZ" + notice.number]["reasons"] == ["居民身份证", "户口簿"]
    assert rows["GZ" + notice.number]["resumed_as"] == notice.resumed_as
    assert rows["BY" + refusal.number]["reasons"] == ["申请人张三不符合条件"], "opened from the seal"
    assert len(raw) == 2
    for blob, bidx in raw:
        for secret in (APPLICANT.name, APPLICANT.id_number, APPLICANT.phone, "张三"):
            assert secret.encode() not in blob, "personal data is sealed"
        assert bidx and APPLICANT.id_number not in bidx


def test_malformed_and_foreign_entries_are_refused_alone(
    center: RunningCenter, new_station: Station, client: Client
) -> None:
    st, other = new_station("甲"), new_station("乙")
    good = report_of(notice_case(st, ITEM, seq=1)).to_dict()
    bad_kind = report_of(notice_case(st, ITEM, seq=2)).to_dict() | {"kind": "accepted"}
    bad_number = report_of(notice_case(st, ITEM, seq=3)).to_dict()
    bad_number["number"] = "SL" + bad_number["case_number"]
    no_reason = report_of(notice_case(st, ITEM, seq=4)).to_dict() | {"reasons": []}
    theirs = report_of(notice_case(other, ITEM, seq=5)).to_dict()  # another station's numbers and id
    resp = post(client(st), [good, bad_kind, bad_number, no_reason, theirs, {"no": "id"}])
    assert resp.status_code == 200, resp.text
    assert [h["id"] for h in resp.json()["held"]] == [good["id"]]
    assert sorted(resp.json()["rejected"]) == sorted(
        [bad_kind["id"], bad_number["id"], no_reason["id"], theirs["id"]]
    )
    assert post(client(st), []).json() == {"held": [], "rejected": []}
    unsigned = httpx.post(center.url + "/api/v1/notices", json={"notices": [good]})
    assert unsigned.status_code == 401


def test_the_same_record_pushed_at_once_is_stored_once_and_answered_to_every_push(
    center: RunningCenter, new_station: Station, client: Client
) -> None:
    """A station retrying while its first push still runs (or two center instances taking both): every
    push gets its answer, none a 500, and the record is stored once."""
    st = new_station("重发站")
    barrier = threading.Barrier(6)
    sent: list[str] = []
    for rnd in range(3):  # three races, each over three new records
        reports = [report_of(notice_case(st, ITEM, seq=rnd * 3 + k)).to_dict() for k in range(1, 4)]
        sent += [r["id"] for r in reports]

        def push(_i: int, reports: list[dict[str, object]] = reports) -> httpx.Response:
            http = client(st)
            barrier.wait()
            return post(http, reports)

        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(push, range(6)))
        assert [a.status_code for a in answers] == [200] * 6, [a.text[:200] for a in answers]
        for a in answers:
            assert [h["id"] for h in a.json()["held"]] == [r["id"] for r in reports], "in the order sent"
    with center.db.read_session() as s:
        ids = s.scalars(select(NoticeRecord.notice_id).where(NoticeRecord.station_id == st.station_id)).all()
    assert sorted(ids) == sorted(sent)
