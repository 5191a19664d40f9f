"""A second enrolled station, speaking the signed protocol by hand, tries every station endpoint against the
first station's data: to read it, block it, overwrite it or impersonate the first station. Each attempt is
refused, and the first station's own work goes on untouched.

Endpoints: ``GET/PUT /attachments/{sha}``, ``POST /cases/batch``, ``GET /cases/{id}``,
``GET /cases/{id}/results/{sha}``, ``GET /feed``, ``POST /feed/ack``, ``POST /notices``, ``POST /enroll``,
and the signature itself (another station's id, a replayed request).
"""

from __future__ import annotations

import copy
import hashlib
import os
from collections.abc import Callable
from typing import Any

import httpx

from casework import clock, messages
from casework.notices import report_of
from district_center.devtools.server import RunningCenter
from district_center.devtools.station_client import StationIdentity
from district_center.services.cases.backoffice import Reviewer
from district_center.services.cases.feed import append_event
from district_center.services.supervision.notices import notice_rows
from sync.protocol import HEADER_TOTAL_SIZE, canonical_json, sign_request

from .backoffice_helpers import case_doc, items_by_department, login, unique
from .conftest import ITEM, make_case, push
from .notice_helpers import notice_case
from .notice_helpers import number as notice_number
from .notice_helpers import post as notice_post
from .test_enrollment import _problem

Station = Callable[..., StationIdentity]
Client = Callable[[StationIdentity], httpx.Client]


def _put(http: httpx.Client, sha: str, offset: int, chunk: bytes, total: int) -> httpx.Response:
    return http.put(
        f"/api/v1/attachments/{sha}?offset={offset}",
        content=chunk,
        headers={HEADER_TOTAL_SIZE: str(total), "content-type": "application/octet-stream"},
    )


def _upload(http: httpx.Client, data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()
    resp = _put(http, sha, 0, data, len(data))
    assert resp.status_code == 200 and resp.json()["complete"], resp.text
    return sha


# --------------------------------------------------------------------------- attachments


def test_a_wrong_size_from_one_station_does_not_block_another(
    center: RunningCenter, new_station: Station, client: Client
) -> None:
    """F1: A opens an upload of B's scan's digest with a wrong total; B's honest upload still completes,
    and B's case referencing it is accepted."""
    a, b = new_station("甲站"), new_station("乙站")
    scan = os.urandom(40_000)
    sha = hashlib.sha256(scan).hexdigest()
    assert _put(client(a), sha, 0, b"x" * 10, 999).status_code == 200  # A's bogus session, 999 bytes
    first = _put(client(b), sha, 0, scan[:20_000], len(scan))
    assert first.status_code == 200 and first.json()["received"] == 20_000
    done = _put(client(b), sha, 20_000, scan[20_000:], len(scan))
    assert done.status_code == 200 and done.json()["complete"] is True
    assert push(client(b), make_case(b, attachments=(sha,)))[0]["status"] == "accepted"
    # A's own session is still A's: 10 bytes of 999, never complete, nothing shared with it
    assert client(a).get(f"/api/v1/attachments/{sha}").json() == {
        "sha256": sha,
        "size": 999,
        "received": 10,
        "complete": False,
    }


def test_bad_bytes_from_one_station_do_not_poison_another(
    center: RunningCenter, new_station: Station, client: Client
) -> None:
    a, b = new_station("甲站"), new_station("乙站")
    scan = os.urandom(30_000)
    sha = hashlib.sha256(scan).hexdigest()
    forged = os.urandom(30_000)
    assert _put(client(a), sha, 0, forged[:15_000], len(scan)).status_code == 200
    assert _put(client(b), sha, 0, scan[:15_000], len(scan)).json()["received"] == 15_000
    _problem(_put(client(a), sha, 15_000, forged[15_000:], len(scan)), 422, "hash_mismatch")
    assert _put(client(b), sha, 15_000, scan[15_000:], len(scan)).json()["complete"] is True
    assert b"".join(center.center.blobs.read(sha)) == scan


def test_attachment_status_answers_only_for_the_asking_station(
    center: RunningCenter, new_station: Station, client: Client
) -> None:
    """No probing: whether a digest was ever filed anywhere stays hidden from a station that neither
    uploaded it nor holds a case naming it — the same 404 as for a digest nobody has."""
    a, b = new_station("甲站"), new_station("乙站")
    done = _upload(client(a), os.urandom(5000))
    partial_data = os.urandom(5000)
    partial = hashlib.sha256(partial_data).hexdigest()
    _put(client(a), partial, 0, partial_data[:100], len(partial_data))
    assert push(client(a), make_case(a, attachments=(done,)))[0]["status"] == "accepted"
    nobody = hashlib.sha256(b"never uploaded").hexdigest()
    for sha in (done, partial, nobody):
        _problem(client(b).get(f"/api/v1/attachments/{sha}"), 404, "attachment_unknown")
    assert client(a).get(f"/api/v1/attachments/{done}").json()["complete"] is True
    assert client(a).get(f"/api/v1/attachments/{partial}").json()["received"] == 100


def test_a_put_does_not_reveal_or_reuse_another_stations_blob(
    center: RunningCenter, new_station: Station, client: Client
) -> None:
    """A PUT of a chunk of a digest another station completed starts the caller's own session (it must
    send the whole file), instead of answering "complete" as it did when uploads were global."""
    a, b = new_station("甲站"), new_station("乙站")
    scan = os.urandom(8000)
    sha = _upload(client(a), scan)
    probe = _put(client(b), sha, 0, scan[:10], len(scan))
    assert probe.status_code == 200 and probe.json() == {
        "sha256": sha,
        "size": len(scan),
        "received": 10,
        "complete": False,
    }


def test_a_case_cannot_claim_a_scan_the_station_never_uploaded(
    center: RunningCenter, new_station: Station, client: Client
) -> None:
    a, b = new_station("甲站"), new_station("乙站")
    sha = _upload(client(a), os.urandom(3000))
    receipt = push(client(b), make_case(b, attachments=(sha,)))[0]
    assert receipt["status"] == "rejected"
    assert receipt["reason"] == messages.text("center.ingest.attachments_missing", {"count": 1}, "zh_CN")


# --------------------------------------------------------------------------- cases


def test_a_station_cannot_file_a_case_in_another_stations_name(
    center: RunningCenter, new_station: Station, client: Client
) -> None:
    """F2: the station id inside the document and the station number inside the 办件编号 must be the
    signer's."""
    a, b = new_station("甲站"), new_station("乙站")
    as_a = make_case(b)
    as_a["station_id"] = a.station_id
    receipt = push(client(b), as_a)[0]
    assert (receipt["status"], receipt["code"]) == ("rejected", "center.ingest.station_mismatch")
    numbered_as_a = make_case(b)
    numbered_as_a["number"] = f"261120-{a.station_no:03d}-00001"
    receipt = push(client(b), numbered_as_a)[0]
    assert (receipt["status"], receipt["code"]) == ("rejected", "center.ingest.number_mismatch")
    assert f"{b.station_no:03d}" in receipt["reason"]
    shapeless = make_case(b)
    shapeless["number"] = "甲站-00001"
    assert push(client(b), shapeless)[0]["code"] == "center.ingest.bad_number"
    # nothing of those was stored; the honest case goes through in the same batch
    honest = make_case(b)
    receipts = push(client(b), as_a, honest)
    assert [r["status"] for r in receipts] == ["rejected", "accepted"]  # receipts in the batch's order
    _problem(client(b).get(f"/api/v1/cases/{as_a['id']}"), 404, "case_not_found")


def test_a_station_cannot_overwrite_read_or_replay_another_stations_case(
    center: RunningCenter, new_station: Station, client: Client
) -> None:
    a, b = new_station("甲站"), new_station("乙站")
    doc = make_case(a)
    assert push(client(a), doc)[0]["status"] == "accepted"
    _problem(client(b).get(f"/api/v1/cases/{doc['id']}"), 404, "case_not_found")
    stolen = copy.deepcopy(doc)
    stolen["version"] = 2
    stolen["applicant"]["name"] = "冒名"
    for attempt in (stolen, doc):  # a newer version, and a replay of A's exact (id, version)
        receipt = push(client(b), attempt)[0]
        assert receipt["status"] == "rejected"
        assert receipt["reason"] == messages.text("center.ingest.other_station", {}, "zh_CN")
        assert receipt.get("seq") is None and receipt.get("digest") is None  # A's receipt is not leaked
    assert client(a).get(f"/api/v1/cases/{doc['id']}").json()["case"]["applicant"]["name"] == "张三"


def test_a_station_cannot_report_notices_in_another_stations_name_or_overwrite_its_notices(
    center: RunningCenter, new_station: Station, client: Client
) -> None:
    """F2 for ``POST /notices``: the station id, the station number inside the notice's 办件编号 and inside
    the number of a case accepted after it must be the signer's; a notice id another station holds is that
    station's record, never touched by the one that copies it."""
    a, b = new_station("甲站"), new_station("乙站")
    theirs = notice_case(a, ITEM, seq=1)
    assert notice_post(client(a), [report_of(theirs).to_dict()]).json()["rejected"] == []
    in_as_name = report_of(notice_case(b, ITEM, seq=2)).to_dict() | {"station_id": a.station_id}
    numbered_as_a = report_of(notice_case(a, ITEM, seq=3)).to_dict() | {"station_id": b.station_id}
    claims_as_case = report_of(
        notice_case(b, ITEM, seq=4, resumed_as=notice_number(a, theirs.created_at.date(), 9))
    ).to_dict()
    copied = report_of(theirs).to_dict() | {"version": theirs.version + 5, "reasons": ["冒名"]}
    resp = notice_post(client(b), [in_as_name, numbered_as_a, claims_as_case, copied])
    assert resp.status_code == 200, resp.text
    assert sorted(resp.json()["rejected"]) == sorted(
        [in_as_name["id"], numbered_as_a["id"], claims_as_case["id"], copied["id"]]
    )
    assert resp.json()["held"] == []
    with center.db.read_session() as s:
        rows = [
            r
            for r in notice_rows(s, Reviewer("user:s", ("supervisor",), None))
            if r["number"] == "GZ" + theirs.number
        ]
    assert [(r["station_id"], r["reasons"]) for r in rows] == [(a.station_id, ["居民身份证"])], (
        "A's own, untouched"
    )


def test_a_station_cannot_move_its_own_held_case_to_another_station_or_number(
    center: RunningCenter, new_station: Station, client: Client
) -> None:
    a = new_station("甲站")
    doc = make_case(a)
    assert push(client(a), doc)[0]["status"] == "accepted"
    for key, value, code in (
        ("number", f"261120-{a.station_no:03d}-00002", "center.ingest.number_changed"),
        ("jurisdiction", "新城区", "center.ingest.jurisdiction_changed"),
    ):
        moved = dict(copy.deepcopy(doc), version=2, **{key: value})
        receipt = push(client(a), moved)[0]
        assert (receipt["status"], receipt["code"]) == ("rejected", code), receipt


def test_a_station_cannot_download_another_stations_result(
    center: RunningCenter, new_station: Station, client: Client, district_keys: Any
) -> None:
    from .backoffice_helpers import ensure_sample_published

    ensure_sample_published(center, district_keys)
    a, b = new_station("甲站", jurisdiction="西安市"), new_station("乙站")
    item = items_by_department()["市发改委"][0]
    case = case_doc(a, item["code"], jurisdiction="西安市")
    assert push(client(a), case.to_dict())[0]["status"] == "accepted"
    reviewer = login(center, unique("fgw"), ["reviewer"], department="市发改委")
    base = f"/api/v1/backoffice/cases/{case.id}"
    assert reviewer.post(base + "/accept", json={}).status_code == 200
    pdf = b"%PDF-1.4 result"
    up = reviewer.post(base + "/results", files={"file": ("决定书.pdf", pdf, "application/pdf")})
    sha = up.json()["sha256"]
    decision = {"approve": True, "result": {"name": "许可证", "documents": [sha]}}
    assert reviewer.post(base + "/decision", json=decision).status_code == 200
    url = f"/api/v1/cases/{case.id}/results/{sha}"
    assert client(a).get(url).content == pdf
    _problem(client(b).get(url), 404, "result_not_found")
    # nor through the attachment path: a result file is not an upload of B's
    _problem(client(b).get(f"/api/v1/attachments/{sha}"), 404, "attachment_unknown")


# --------------------------------------------------------------------------- feed


def test_a_station_reads_and_acknowledges_only_its_own_feed(
    center: RunningCenter, new_station: Station, client: Client
) -> None:
    a, b = new_station("甲站"), new_station("乙站")
    with center.db.session() as s:
        for k in range(3):
            append_event(s, a.station_id, "status_changed", None, {"k": k, "secret": "甲站的事件"})
    events = client(b).get("/api/v1/feed?after=0&limit=100").json()["events"]
    assert all("甲站的事件" not in str(e) for e in events)
    _problem(client(b).post("/api/v1/feed/ack", content=canonical_json({"cursor": 3})), 409, "bad_cursor")
    assert len(client(a).get("/api/v1/feed?after=0&limit=100").json()["events"]) == 3


# --------------------------------------------------------------------------- identity


def test_a_station_cannot_sign_as_another_or_replay_its_requests(
    center: RunningCenter, new_station: Station
) -> None:
    a, b = new_station("甲站"), new_station("乙站")
    path = "/api/v1/feed?after=0&limit=10"
    as_a = sign_request(b.key, a.station_id, "GET", path, b"", now=clock.timestamp())  # B's key, A's id
    _problem(httpx.get(center.url + path, headers=as_a), 401, "bad_signature")
    captured = sign_request(a.key, a.station_id, "GET", path, b"", now=clock.timestamp())
    assert httpx.get(center.url + path, headers=captured).status_code == 200
    _problem(httpx.get(center.url + path, headers=captured), 401, "nonce_reused")  # replayed by B
    body = canonical_json({"cases": [{"id": "x", "version": 1, "case": {}}]})
    batch = sign_request(a.key, a.station_id, "POST", "/api/v1/cases/batch", body, now=clock.timestamp())
    headers = {**batch, "content-type": "application/json"}
    assert httpx.post(center.url + "/api/v1/cases/batch", content=body, headers=headers).status_code == 200
    _problem(
        httpx.post(center.url + "/api/v1/cases/batch", content=body, headers=headers), 401, "nonce_reused"
    )


def test_an_enrolled_station_cannot_enroll_again_or_take_anothers_code(
    center: RunningCenter, new_station: Station
) -> None:
    from district_center.services.stations.registry import create_station
    from sync.protocol import public_key_b64

    a = new_station("甲站")
    with center.db.session() as s:
        code = create_station(s, "丙站").code
    first = {"code": code, "public_key": public_key_b64(a.key), "station_name": "丙站", "app_version": "t"}
    assert httpx.post(center.url + "/api/v1/enroll", json=first).status_code == 200
    again = httpx.post(center.url + "/api/v1/enroll", json=first)
    _problem(again, 403, "enrollment_code_used")
