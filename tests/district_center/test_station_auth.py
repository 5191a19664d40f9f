"""Every station request is signed: bad signature, digest, skew, replayed nonce, unknown and revoked
stations are refused with problem+json; a station sees only its own (or routed) cases."""

from __future__ import annotations

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from casework import clock, messages
from district_center.services.cases.feed import route_case
from district_center.services.stations.registry import revoke_station
from sync.protocol import HEADER_CONTENT_SHA256, HEADER_SIGNATURE, HEADER_STATION_ID, sign_request

from .conftest import make_case, push
from .test_enrollment import _problem

FEED = "/api/v1/feed?after=0&limit=10"


def _get(center, station, path=FEED, *, key=None, now=None, nonce=None, station_id=None, mutate=None):
    headers = sign_request(
        key or station.key,
        station_id or station.station_id,
        "GET",
        path,
        b"",
        now=clock.timestamp() if now is None else now,
        nonce=nonce,
    )
    if mutate:
        mutate(headers)
    return httpx.get(center.url + path, headers=headers)


def test_signed_request_passes(center, new_station):
    st = new_station()
    assert _get(center, st).status_code == 200


def test_unsigned_request_refused(center):
    _problem(httpx.get(center.url + FEED), 401, "missing_signature")


def test_wrong_key_refused(center, new_station):
    _problem(_get(center, new_station(), key=Ed25519PrivateKey.generate()), 401, "bad_signature")


def test_signature_over_another_path_refused(center, new_station):
    st = new_station()
    headers = sign_request(st.key, st.station_id, "GET", "/api/v1/feed?after=5", b"", now=clock.timestamp())
    _problem(httpx.get(center.url + FEED, headers=headers), 401, "bad_signature")


def test_tampered_body_refused(center, new_station):
    st = new_station()
    body = b'{"cursor": 0}'
    headers = sign_request(st.key, st.station_id, "POST", "/api/v1/feed/ack", body, now=clock.timestamp())
    _problem(
        httpx.post(center.url + "/api/v1/feed/ack", content=b'{"cursor": 1}', headers=headers),
        401,
        "bad_digest",
    )
    headers[HEADER_CONTENT_SHA256] = "0" * 64
    _problem(httpx.post(center.url + "/api/v1/feed/ack", content=body, headers=headers), 401, "bad_digest")


@pytest.mark.parametrize("offset", [-310, 310, -3600])  # a margin: the timestamp is whole seconds
def test_clock_skew_refused(center, new_station, offset):
    _problem(_get(center, new_station(), now=clock.timestamp() + offset), 401, "clock_skew")


@pytest.mark.parametrize("offset", [-290, 290])
def test_skew_inside_window_accepted(center, new_station, offset):
    assert _get(center, new_station(), now=clock.timestamp() + offset).status_code == 200


def test_replayed_request_refused(center, new_station):
    st = new_station()
    headers = sign_request(st.key, st.station_id, "GET", FEED, b"", now=clock.timestamp())
    assert httpx.get(center.url + FEED, headers=headers).status_code == 200
    _problem(httpx.get(center.url + FEED, headers=headers), 401, "nonce_reused")


def test_same_nonce_from_two_stations_is_not_a_replay(center, new_station):
    a, b = new_station(), new_station()
    nonce = "ab" * 16
    assert _get(center, a, nonce=nonce).status_code == 200
    assert _get(center, b, nonce=nonce).status_code == 200


def test_unknown_station_refused(center, new_station):
    st = new_station()
    _problem(_get(center, st, station_id="00000000-0000-0000-0000-000000000000"), 401, "unknown_station")


def test_garbled_headers_refused(center, new_station):
    st = new_station()
    _problem(_get(center, st, mutate=lambda h: h.update({HEADER_SIGNATURE: "***"})), 400, "bad_message")
    _problem(
        _get(center, st, mutate=lambda h: h.update({HEADER_STATION_ID: "x" * 500})), 401, "unknown_station"
    )


def test_revoked_station_is_cut_off_at_once(center, new_station, client):
    st = new_station()
    http = client(st)
    assert http.get(FEED).status_code == 200
    with center.db.session() as s:
        revoke_station(s, st.station_id)
    _problem(http.get(FEED), 403, "station_revoked")
    _problem(http.post("/api/v1/cases/batch", content=b'{"cases": []}'), 403, "station_revoked")


def test_station_cannot_read_or_overwrite_another_stations_case(center, new_station, client):
    a, b, c = new_station(), new_station(), new_station()
    doc = make_case(a)
    assert push(client(a), doc)[0]["status"] == "accepted"
    assert client(a).get(f"/api/v1/cases/{doc['id']}").status_code == 200
    _problem(client(b).get(f"/api/v1/cases/{doc['id']}"), 404, "case_not_found")
    stolen = dict(doc, version=2, number="forged")
    receipt = push(client(b), stolen)[0]
    assert receipt["status"] == "rejected"
    assert receipt["reason"] == messages.text("center.ingest.other_station", {}, "zh_CN")
    replay = push(client(b), doc)[0]  # even a replay of a's exact (id, version) reveals nothing
    assert replay["status"] == "rejected"
    # 通办: once routed to c, c may read and update it; b still may not.
    with center.db.session() as s:
        route_case(s, doc["id"], c.station_id, actor="user:test")
    got = client(c).get(f"/api/v1/cases/{doc['id']}")
    assert got.status_code == 200 and got.json()["routed"] is True
    assert push(client(c), dict(doc, version=3))[0]["status"] == "accepted"
    _problem(client(b).get(f"/api/v1/cases/{doc['id']}"), 404, "case_not_found")


def test_replay_refused_across_two_center_instances_sharing_a_database(center, new_station):
    """Nonces live in the database: a request replayed to another instance of the center is refused too."""
    from district_center.devtools.server import running_center

    st = new_station()
    headers = sign_request(st.key, st.station_id, "GET", FEED, b"", now=clock.timestamp())
    with running_center(center.settings) as second:
        assert httpx.get(center.url + FEED, headers=headers).status_code == 200
        _problem(httpx.get(second.url + FEED, headers=headers), 401, "nonce_reused")
        with second.db.session() as s:  # a revocation through one instance cuts the station off at both
            revoke_station(s, st.station_id)
        _problem(_get(center, st), 403, "station_revoked")
