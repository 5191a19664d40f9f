"""A calendar publication at the center recomputes open cases (SQLite and PostgreSQL); ingest brings a case
sent under an older calendar to the newest and checks items in force on the China day the station accepted
it; a station push never rolls the center's newer dates back."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from casework.cases import Case
from casework.timelimit import TimeLimit
from casework.workdays import WorkCalendar
from district_center.db.models import AuditLog, CaseRecord, FeedEventRecord
from district_center.services.cases import feed as feed_service
from district_center.services.catalog.calendar import district_calendar, publish_tables
from tests.casework.calendar_samples import TEST_2027, moved_2026

from .conftest import ITEM, make_case, publish_catalog, push, sample_catalog

MON = dt.datetime(2026, 12, 21, 2, 0, tzinfo=dt.UTC)  # 10:00 Beijing, Monday 2026-12-21
V1 = WorkCalendar({2026: moved_2026()}, 1)


def dated(station: Any, *, days: int = 15, calendar: WorkCalendar = V1, version: int = 1) -> dict[str, Any]:
    """A case accepted on Monday 2026-12-21 whose promised date the station computed under ``calendar``."""
    case = Case.from_dict(make_case(station, at=MON, queued=True))
    deadline = calendar.add_working_days(dt.date(2026, 12, 21), days)
    case.set_promised_date(deadline.date, deadline.provisional, at=MON)
    case.set_deadline_basis(
        start=dt.date(2026, 12, 21), limit=TimeLimit(days), calendar_version=calendar.version, at=MON
    )
    doc = case.to_dict()
    doc["version"] = version
    return doc


def stored(center: Any, case_id: str) -> tuple[str | None, str | None, int]:
    with center.db.read_session() as s:
        row = s.get(CaseRecord, case_id)
        assert row is not None
        return row.promised_date, row.due_date, int(row.document.get("calendar_version", 0))


def test_publishing_recomputes_open_cases_and_tells_their_stations(
    center, new_station, client, district_keys
):
    st = new_station()
    http = client(st)
    open_doc, decided_doc, short_doc = dated(st), dated(st), dated(st, days=3)
    assert [r["status"] for r in push(http, open_doc, decided_doc, short_doc)] == ["accepted"] * 3
    assert stored(center, open_doc["id"]) == ("2027-01-11", "2027-01-11", 1)
    with center.db.session() as s:
        for to in ("in_review", "approved"):
            feed_service.transition_case(s, decided_doc["id"], to, actor="user:r", reason="准予办理")

    publish_tables(center.db, district_keys, [moved_2026()], actor="user:admin")  # version 1: same tables
    assert stored(center, open_doc["id"]) == ("2027-01-11", "2027-01-11", 1)
    publish_tables(center.db, district_keys, [TEST_2027], actor="user:admin")  # version 2: 2027 published
    with center.db.read_session() as s:
        assert district_calendar(s).version == 2
    assert stored(center, open_doc["id"]) == ("2027-01-09", "2027-01-09", 2)
    assert stored(center, short_doc["id"]) == ("2026-12-24", "2026-12-24", 2)  # checked, nothing moved
    assert stored(center, decided_doc["id"])[:2] == ("2027-01-11", "2027-01-11")  # decided: history
    with center.db.read_session() as s:
        events = s.scalars(
            select(FeedEventRecord).where(
                FeedEventRecord.type == "deadline_changed", FeedEventRecord.station_id == st.station_id
            )
        ).all()
        assert [(e.case_id, e.payload["promised_date"], e.payload["calendar_version"]) for e in events] == [
            (open_doc["id"], "2027-01-09", 2)
        ]
        assert events[0].payload["promised_limit"] == {"amount": 15, "unit": "工作日"}
        assert events[0].payload["due_date"] == "2027-01-09" and events[0].payload["status"] == "delivered"
        last_seq = events[-1].seq
        audited = s.scalars(select(AuditLog).where(AuditLog.action == "case.deadline_recomputed")).all()
        assert f"case:{open_doc['id']}" in {a.target for a in audited}
        publish = s.scalars(select(AuditLog).where(AuditLog.action == "calendar.publish")).all()
        assert [a.details["cases_moved"] for a in publish][-2:] == [0, 1]

    # the station pushes its copy before it has the new calendar: the center keeps the newer dates
    resent = dated(st, version=2)
    resent["id"] = open_doc["id"]
    assert push(http, resent)[0]["status"] == "accepted"
    assert stored(center, open_doc["id"]) == ("2027-01-09", "2027-01-09", 2)

    # a case the station accepted under the built-in table arrives after the publication: brought to it
    late = dated(st, calendar=WorkCalendar(), version=1)
    assert push(http, late)[0]["status"] == "accepted"
    assert stored(center, late["id"]) == ("2027-01-09", "2027-01-09", 2)

    publish_tables(center.db, district_keys, [TEST_2027], actor="user:admin")  # version 3, same content
    with center.db.read_session() as s:
        count = s.scalar(
            select(FeedEventRecord.seq)
            .where(FeedEventRecord.type == "deadline_changed")
            .order_by(FeedEventRecord.seq.desc())
        )
    assert stored(center, open_doc["id"]) == ("2027-01-09", "2027-01-09", 3)
    assert count == last_seq, "nothing moved: no new event"


def test_ingest_checks_items_in_force_on_the_china_day_of_acceptance(
    center, new_station, client, district_keys
):
    catalog = sample_catalog()
    item = next(i for i in catalog["items"] if i["code"] == ITEM)
    item["status"], item["effective_to"] = "cancelled", "2026-11-21"  # cancelled from Saturday 11-21 on
    later = next(i for i in catalog["items"] if i["status"] == "active" and i["code"] != ITEM)
    later["effective_from"] = "2026-11-25"  # takes effect on Wednesday 11-25
    publish_catalog(center, district_keys, catalog, version=50)
    st = new_station()
    http = client(st)

    def sent(code: str, at: dt.datetime) -> dict[str, Any]:
        return push(http, make_case(st, item_code=code, at=at))[0]

    # 23:59 on 11-20 in Beijing is the last day before the cancellation; 00:30 on 11-21 is too late,
    # although the UTC date (11-20) would still let it through
    assert sent(ITEM, dt.datetime(2026, 11, 20, 15, 59, tzinfo=dt.UTC))["status"] == "accepted"
    late = sent(ITEM, dt.datetime(2026, 11, 20, 16, 30, tzinfo=dt.UTC))
    assert late["status"] == "rejected" and "2026-11-21 起取消" in late["reason"]
    early = sent(later["code"], dt.datetime(2026, 11, 24, 16, 30, tzinfo=dt.UTC))  # 00:30 on 11-25
    assert early["status"] == "accepted"
    too_early = sent(later["code"], dt.datetime(2026, 11, 24, 15, 30, tzinfo=dt.UTC))  # 23:30 on 11-24
    assert too_early["status"] == "rejected" and "2026-11-25 起施行" in too_early["reason"]
