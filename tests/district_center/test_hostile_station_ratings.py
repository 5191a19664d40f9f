"""A station speaking the protocol by hand tries the fields it now writes for 回访评价 and 帮办代办登记: to
rewrite a second rating, date it before the first, invent a follow-up, or smuggle odd values into the
register. The center keeps what it stored, ignores what it may not take, and stores only checked values."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import httpx
import pytest

from casework import clock
from casework.blobref import BlobRef
from casework.cases import Rating, RatingLevel
from casework.identity import Agent
from district_center.db.models import AssistedFiling, AuditLog, FollowUp
from district_center.devtools.server import RunningCenter
from district_center.devtools.station_client import StationIdentity
from district_center.keys import DistrictKeys

from .backoffice_helpers import case_doc, ensure_sample_published, items_by_department, login, unique
from .conftest import push
from .rectification_helpers import handed_over

ITEM = items_by_department()["市发改委"][0]["code"]
Station = Callable[..., StationIdentity]
Client = Callable[[StationIdentity], httpx.Client]


@pytest.fixture(autouse=True)
def published(center: RunningCenter, district_keys: DistrictKeys) -> None:
    ensure_sample_published(center, district_keys)


def _followup(center: RunningCenter, case_id: str) -> FollowUp | None:
    with center.db.read_session() as s:
        f = s.query(FollowUp).filter(FollowUp.case_id == case_id).one_or_none()
        if f is not None:
            s.expunge(f)
        return f


def test_a_station_cannot_rewrite_a_second_rating_or_date_it_before_the_first(
    center: RunningCenter, new_station: Station, client: Client
) -> None:
    st = new_station("新城区胡家庙街道便民服务站", jurisdiction="新城区")
    http = client(st)
    reviewer = login(center, unique("fgw"), ["reviewer"], department="市发改委")
    case = handed_over(http, st, reviewer, ITEM)
    rated_at = clock.now() + dt.timedelta(minutes=30)
    case.rate(Rating(RatingLevel.VERY_DISSATISFIED, rated_at))
    push(http, case.to_dict())

    # a second rating dated before the first, written by hand (rate_revisit refuses it)
    early = case.to_dict()
    early["version"] += 1
    early["revisit_rating"] = Rating(RatingLevel.VERY_SATISFIED, rated_at - dt.timedelta(minutes=5)).to_dict()
    assert push(http, early)[0]["status"] == "accepted"
    f = _followup(center, case.id)
    assert f is not None and f.second_level is None

    honest = dict(early, version=early["version"] + 1)
    honest["revisit_rating"] = Rating(RatingLevel.SATISFIED, rated_at + dt.timedelta(minutes=5)).to_dict()
    push(http, honest)
    rewritten = dict(honest, version=honest["version"] + 1)
    rewritten["revisit_rating"] = Rating(
        RatingLevel.VERY_SATISFIED, rated_at + dt.timedelta(minutes=9)
    ).to_dict()
    rewritten["rating"] = Rating(RatingLevel.VERY_SATISFIED, rated_at).to_dict()  # and the first rating too
    assert push(http, rewritten)[0]["status"] == "accepted"
    f = _followup(center, case.id)
    assert f is not None and (f.rating, f.second_level, f.second_channel) == ("非常不满意", "满意", "station")
    with center.db.read_session() as s:
        ignored = s.query(AuditLog).filter(AuditLog.action == "followup.revisit_ignored").all()
        reasons = [a.details["reason"] for a in ignored if a.target == f"case:{case.id}"]
        assert reasons == [
            "before_rating"
        ]  # the rewrite never reaches the follow-up: the merge keeps the first


def test_a_second_rating_without_a_poor_first_opens_nothing(
    center: RunningCenter, new_station: Station, client: Client
) -> None:
    st = new_station("新城区长乐西路街道便民服务站", jurisdiction="新城区")
    http = client(st)
    case = case_doc(st, ITEM, jurisdiction="新城区", at=clock.now())
    case.rate(Rating(RatingLevel.SATISFIED, clock.now()))
    doc = case.to_dict()
    doc["revisit_rating"] = Rating(RatingLevel.VERY_SATISFIED, clock.now()).to_dict()
    assert push(http, doc)[0]["status"] == "accepted"
    assert _followup(center, case.id) is None


def test_register_fields_from_a_station_are_checked_not_trusted(
    center: RunningCenter, new_station: Station, client: Client
) -> None:
    st = new_station("新城区西一路街道便民服务站", jurisdiction="新城区")
    http = client(st)
    odd = case_doc(st, ITEM, jurisdiction="新城区")
    odd.agent = Agent(
        '=HYPERLINK("http://evil.example")',
        "111",
        "610102199001011231",
        "13900139000",
        relation="子女",
        authority="x" * 5000,  # not an authority: kept as unstated, never stored as sent
    )
    worker = case_doc(st, ITEM, jurisdiction="新城区")
    worker.agent = Agent("王芳", "111", "", "", is_station_worker=True, worker_id="w" * 500)
    smuggled = case_doc(st, ITEM, jurisdiction="新城区")
    never_uploaded = BlobRef("ab" * 32, 10, "image/png")  # a 委托书 scan the station never uploaded
    smuggled.agent = dataclasses.replace(worker.agent, authority_scan=never_uploaded)
    receipts = push(http, odd.to_dict(), worker.to_dict(), smuggled.to_dict())
    assert [r["status"] for r in receipts[:2]] == ["accepted", "accepted"], receipts
    assert receipts[2]["status"] == "rejected"  # the center never takes a scan the station did not upload
    with center.db.read_session() as s:
        a = s.get(AssistedFiling, odd.id)
        w = s.get(AssistedFiling, worker.id)
        assert a is not None and (a.authority, a.authority_sha256, a.helper_kind) == (
            "unstated",
            None,
            "agent",
        )
        assert w is not None and w.worker_id == "w" * 64 and w.authority == "in_person"
        assert s.get(AssistedFiling, smuggled.id) is None
