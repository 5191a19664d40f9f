"""Supervision's notice figures against a seeded dataset, on SQLite and PostgreSQL: two stations, two items,
accepted cases (one of them accepted after a notice), notices and refusals, in two months, pushed over the
signed protocol. Every count and every 一次告知率 below was worked out by hand from the table in the test.

一次告知率 (per period) = notices ÷ (notices + cases accepted without a prior notice); refusals are counted
on their own (``casework.notices.notice_share``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import httpx
import pytest

from casework.notices import report_of
from district_center.devtools.server import RunningCenter
from district_center.devtools.station_client import StationIdentity
from district_center.services.cases.backoffice import BackofficeError, Reviewer
from district_center.services.supervision.notices import notice_figures

from .conftest import ITEM, push
from .notice_helpers import accepted_case, notice_case, number, post

X, Y = ITEM, "11610100100933345H070010002000000"  # 价格争议调解, 市级储备粮承储资格认定
NOV, DEC = dt.date(2026, 11, 20), dt.date(2026, 12, 2)
SUPERVISOR = Reviewer("user:sup", ("supervisor",), None)


def test_counts_and_notice_share_match_the_hand_computed_values(
    center: RunningCenter,
    new_station: Callable[..., StationIdentity],
    client: Callable[[StationIdentity], httpx.Client],
) -> None:
    a, b = new_station("甲站"), new_station("乙站")
    # station A, November: notices n1 (X: 身份证), n2 (X: 身份证, 户口簿), n3 (Y: 户口簿), refusal r1 (Y);
    # cases a1 (X), a2 (Y), and a3 (X) accepted after n1 — the resident's second visit, not a first one
    a3 = number(a, NOV, 13)
    notices_a = [
        notice_case(a, X, seq=1, missing=("居民身份证",), resumed_as=a3),
        notice_case(a, X, seq=2, missing=("居民身份证", "户口簿")),
        notice_case(a, Y, seq=3, missing=("户口簿",)),
        notice_case(a, Y, seq=4, refusal="不属于受理范围"),
    ]
    cases_a = [
        accepted_case(a, X, seq=11),
        accepted_case(a, Y, seq=12),
        accepted_case(a, X, seq=13, prior="GZ" + notices_a[0].number),
    ]
    # station B, November: notice n4 (Y: 户口簿), refusals r2, r3 (X); cases b1, b2 (X), b3, b4 (Y);
    # December: notice n5 (X: 居民身份证), case b5 (Y)
    notices_b = [
        notice_case(b, Y, seq=1, missing=("户口簿",)),
        notice_case(b, X, seq=2, refusal="不属于受理范围"),
        notice_case(b, X, seq=3, refusal="材料虚假"),
        notice_case(b, X, seq=1, day=DEC, missing=("居民身份证",)),
    ]
    cases_b = [
        accepted_case(b, X, seq=11),
        accepted_case(b, X, seq=12),
        accepted_case(b, Y, seq=13),
        accepted_case(b, Y, seq=14),
        accepted_case(b, Y, seq=11, day=DEC),
    ]
    for station, notices, cases in ((a, notices_a, cases_a), (b, notices_b, cases_b)):
        http = client(station)
        assert all(r["status"] == "accepted" for r in push(http, *cases)), "the cases are held"
        resp = post(http, [report_of(n).to_dict() for n in notices])
        assert resp.status_code == 200 and not resp.json()["rejected"], resp.text

    with center.db.read_session() as s:
        nov = notice_figures(s, SUPERVISOR, month="2026-11")
        every = notice_figures(s, SUPERVISOR)
        with pytest.raises(BackofficeError):
            notice_figures(s, Reviewer("user:r", ("reviewer",), "某局"))

    def counts(bucket: dict[str, object]) -> tuple[object, ...]:
        return bucket["notices"], bucket["refusals"], bucket["first_accepted"], bucket["share"]

    # November by station — A: 3 notices, 1 refusal, first visits accepted a1, a2 → 3 / (3 + 2) = 0.6
    #                       B: 1 notice, 2 refusals, first visits accepted b1–b4 → 1 / (1 + 4) = 0.2
    assert counts(nov["by_station"][a.station_id]) == (3, 1, 2, 0.6)
    assert counts(nov["by_station"][b.station_id]) == (1, 2, 4, 0.2)
    # November by item — X: n1, n2; r2, r3; a1, b1, b2 → 2 / 5;  Y: n3, n4; r1; a2, b3, b4 → 2 / 5
    assert counts(nov["by_item"][X]) == (2, 2, 3, 0.4)
    assert counts(nov["by_item"][Y]) == (2, 1, 3, 0.4)
    assert counts(nov["total"]) == (4, 3, 6, 0.4)
    # November by reason: 户口簿 n2, n3, n4; 居民身份证 n1, n2; 不属于受理范围 r1, r2; 材料虚假 r3
    assert [(r["kind"], r["reason"], r["count"]) for r in nov["by_reason"]] == [
        ("notice", "户口簿", 3),
        ("notice", "居民身份证", 2),
        ("refusal", "不属于受理范围", 2),
        ("refusal", "材料虚假", 1),
    ]
    # every month: November as above; December B: n5 and b5 → 1 / 2; overall 5 / (5 + 7)
    assert counts(every["by_month"]["2026-11"]) == (4, 3, 6, 0.4)
    assert counts(every["by_month"]["2026-12"]) == (1, 0, 1, 0.5)
    assert counts(every["total"]) == (5, 3, 7, pytest.approx(5 / 12))
    assert counts(every["by_station"][b.station_id]) == (2, 2, 5, pytest.approx(2 / 7))
