"""参评率 and 整改率 per station and per department, per month, against a seeded dataset counted by hand.

Two stations, two departments, two months (October and November 2026, China time). Every case goes through
the real back office and is handed over (送达) at the station window; ratings and 整改 are recorded through
the API. The expected figures below are counted by hand from the table in the test.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import httpx
import pytest

from casework import clock
from casework.cases import Rating, RatingLevel
from district_center.db.models import Station
from district_center.devtools.server import RunningCenter
from district_center.devtools.station_client import StationIdentity
from district_center.keys import DistrictKeys

from .backoffice_helpers import case_doc, ensure_sample_published, items_by_department, login, unique
from .conftest import push
from .rectification_helpers import china_day, handed_over, ok

DEPARTMENTS = items_by_department()
D1, D2 = "市发改委", "市民政局"
ITEM = {D1: DEPARTMENTS[D1][0]["code"], D2: DEPARTMENTS[D2][0]["code"]}
OCT, NOV = dt.date(2026, 10, 15), dt.date(2026, 11, 16)

# (month day, station, department, handed over?, rating or None, 整改 recorded?)
DATASET = [
    (OCT, "S1", D1, True, RatingLevel.SATISFIED, False),
    (OCT, "S1", D1, True, RatingLevel.DISSATISFIED, True),
    (OCT, "S1", D2, True, None, False),
    (OCT, "S2", D1, True, RatingLevel.BASICALLY_SATISFIED, False),
    (OCT, "S2", D2, True, RatingLevel.VERY_SATISFIED, False),
    (NOV, "S1", D2, True, RatingLevel.VERY_DISSATISFIED, True),
    (NOV, "S1", D2, True, None, False),
    (NOV, "S2", D1, True, RatingLevel.SATISFIED, False),
    (NOV, "S2", D2, True, RatingLevel.DISSATISFIED, True),
    (NOV, "S2", D2, True, None, False),
    (NOV, "S1", D1, False, RatingLevel.DISSATISFIED, False),  # rated while waiting: a 差评, never handed over
]

# (group, month): (delivered, rated, 参评率, 差评, 已整改, 整改率) — counted by hand from DATASET
BY_STATION = {
    ("S1", "2026-10"): (3, 2, 0.6667, 1, 1, 1.0),
    ("S2", "2026-10"): (2, 2, 1.0, 1, 0, 0.0),
    ("S1", "2026-11"): (2, 1, 0.5, 2, 1, 0.5),
    ("S2", "2026-11"): (3, 2, 0.6667, 1, 1, 1.0),
}
BY_DEPARTMENT = {
    (D1, "2026-10"): (3, 3, 1.0, 2, 1, 0.5),
    (D2, "2026-10"): (2, 1, 0.5, 0, 0, None),
    (D1, "2026-11"): (1, 1, 1.0, 1, 0, 0.0),
    (D2, "2026-11"): (4, 2, 0.5, 2, 2, 1.0),
}


@pytest.fixture(autouse=True)
def published(center: RunningCenter, district_keys: DistrictKeys) -> None:
    ensure_sample_published(center, district_keys)


def _figures(row: dict) -> tuple:
    return (
        row["delivered"],
        row["rated"],
        row["participation_rate"],
        row["poor"],
        row["rectified"],
        row["rectification_rate"],
    )


def test_participation_and_rectification_rates_match_hand_counts(
    center: RunningCenter,
    new_station: Callable[..., StationIdentity],
    client: Callable[[StationIdentity], httpx.Client],
) -> None:
    stations = {
        "S1": new_station("新城区西一路街道便民服务站", jurisdiction="新城区"),
        "S2": new_station("新城区长乐中路街道便民服务站", jurisdiction="新城区"),
    }
    https = {k: client(v) for k, v in stations.items()}
    to_rectify: list[str] = []
    for day in (OCT, NOV):
        with china_day(day):
            reviewers = {d: login(center, unique("rv"), ["reviewer"], department=d) for d in (D1, D2)}
            for when, st, dept, handed, level, rectify in DATASET:
                if when != day:
                    continue
                http, station = https[st], stations[st]
                if handed:
                    case = handed_over(http, station, reviewers[dept], ITEM[dept])
                else:
                    case = case_doc(station, ITEM[dept], jurisdiction="新城区", at=clock.now())
                if level is not None:
                    case.rate(Rating(level, clock.now() + dt.timedelta(minutes=5)))
                push(http, case.to_dict())
                if rectify:
                    to_rectify.append(case.id)
            supervisor = login(center, unique("jc"), ["supervisor"])
            open_ = ok(supervisor.get("/api/v1/backoffice/followups"))["followups"]
            for f in open_:
                if f["case_id"] in to_rectify and f["rectified_at"] is None:
                    owner = reviewers[f["department"]]
                    done = ok(
                        owner.post(
                            f"/api/v1/backoffice/followups/{f['id']}/rectify",
                            json={"rectification": "窗口已整改：增加导办人员"},
                        )
                    )
                    assert done["rectified_by"] and done["status"] == "open"  # still awaiting the revisit

    supervisor = login(center, unique("jc"), ["supervisor"])
    names = {f"{v.station_no} {_name(center, v)}": k for k, v in stations.items()}
    by_station = ok(supervisor.get("/api/v1/backoffice/supervision/coverage?by=station"))["rows"]
    got = {(names[r["label"]], r["month"]): _figures(r) for r in by_station if r["label"] in names}
    assert got == BY_STATION
    by_department = ok(supervisor.get("/api/v1/backoffice/supervision/coverage?by=department"))["rows"]
    got = {(r["group"], r["month"]): _figures(r) for r in by_department}
    assert got == BY_DEPARTMENT  # this module's center holds only this dataset
    assert supervisor.get("/api/v1/backoffice/supervision/coverage?by=item").status_code in (400, 422)
    reviewer = login(center, unique("rv"), ["reviewer"], department=D1)
    assert reviewer.get("/api/v1/backoffice/supervision/coverage?by=station").status_code == 403


def _name(center: RunningCenter, station: StationIdentity) -> str:
    with center.db.read_session() as s:
        row = s.get(Station, station.station_id)
        assert row is not None
        return row.name
