"""Notice and refusal records as a station sends them (``casework.notices.report_of``), for center tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from casework import casenumber
from casework.cases import Case, CaseStatus
from casework.identity import Applicant, ApplicantKind
from district_center.devtools.station_client import StationIdentity
from sync.protocol import canonical_json

from .conftest import NOW, make_case

PATH = "/api/v1/notices"
DAY = NOW.date()
APPLICANT = Applicant(ApplicantKind.PERSON, "李四", "111", "11010519491231002X", "13900139000")


def number(station: StationIdentity, day: dt.date, seq: int) -> str:
    return casenumber.generate(station.station_no, day, seq)


def notice_case(
    station: StationIdentity,
    item: str,
    *,
    seq: int,
    day: dt.date = DAY,
    missing: tuple[str, ...] = ("居民身份证",),
    refusal: str = "",
    resumed_as: str = "",
) -> Case:
    at = dt.datetime.combine(day, dt.time(2, 0), dt.UTC)
    case = Case.new(
        number=number(station, day, seq),
        station_id=station.station_id,
        catalog_version=1,
        applicant=APPLICANT,
        at=at,
        item_code=item,
    )
    if refusal:
        case.transition(CaseStatus.REFUSED, actor="w-01", at=at, reason=refusal)
    else:
        case.transition(CaseStatus.NOTICE_ISSUED, actor="w-01", at=at, reason="；".join(missing))
    if resumed_as:
        case.mark_resumed(resumed_as, at=at + dt.timedelta(days=1))
    return case


def accepted_case(
    station: StationIdentity, item: str, *, seq: int, day: dt.date = DAY, prior: str = ""
) -> dict[str, Any]:
    doc = make_case(station, item_code=item, at=dt.datetime.combine(day, dt.time(3, 0), dt.UTC))
    doc["number"] = number(station, day, seq)
    if prior:
        doc["prior_notice"] = prior
    return doc


def post(http: httpx.Client, reports: list[dict[str, Any]]) -> httpx.Response:
    return http.post(
        PATH, content=canonical_json({"notices": reports}), headers={"content-type": "application/json"}
    )
