"""sync.protocol: canonical encoding, request signatures, message parsing and signed envelopes."""

from __future__ import annotations

import contextlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from sync import protocol as p

KEY = Ed25519PrivateKey.generate()
OTHER = Ed25519PrivateKey.generate()
NOW = 1_800_000_000


def test_canonical_json_sorted_compact_utf8():
    assert p.canonical_json({"b": 1, "a": "办件"}) == '{"a":"办件","b":1}'.encode()


def test_canonical_json_refuses_floats_anywhere():
    with pytest.raises(p.ProtocolError) as e:
        p.canonical_json({"a": [1, {"b": 1.5}]})
    assert e.value.wire_code == "bad_message"


def test_signature_input_layout():
    got = p.signature_input("post", "/api/v1/feed?after=3", 17, "ab" * 16, "00" * 32)
    assert got == f"STATION-SIG-V1\nPOST\n/api/v1/feed?after=3\n17\n{'ab' * 16}\n{'00' * 32}".encode()


def test_sign_and_verify_roundtrip():
    body = b'{"cases":[]}'
    h = p.sign_request(KEY, "st-1", "POST", "/api/v1/cases/batch", body, now=NOW)
    got = p.verify_request(KEY.public_key(), "POST", "/api/v1/cases/batch", h, body, now=NOW + 10)
    assert (got.station_id, got.timestamp, got.nonce) == ("st-1", NOW, h[p.HEADER_NONCE])


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda h, b: (h, b + b" "), "bad_digest"),
        (lambda h, b: ({**h, p.HEADER_TIMESTAMP: str(NOW + 1)}, b), "bad_signature"),
        (lambda h, b: ({**h, p.HEADER_NONCE: "0" * 32}, b), "bad_signature"),
        (lambda h, b: ({**h, p.HEADER_SIGNATURE: "!!"}, b), "bad_message"),
        (lambda h, b: ({k: v for k, v in h.items() if k != p.HEADER_NONCE}, b), "missing_signature"),
    ],
)
def test_verify_refuses_tampering(mutate, code):
    body = b"{}"
    h, b = mutate(p.sign_request(KEY, "st-1", "GET", "/api/v1/feed", body, now=NOW), body)
    with pytest.raises(p.ProtocolError) as e:
        p.verify_request(KEY.public_key(), "GET", "/api/v1/feed", h, b, now=NOW)
    assert e.value.wire_code == code


def test_verify_refuses_other_key_other_path_and_skew():
    h = p.sign_request(KEY, "st-1", "GET", "/api/v1/feed?after=1", b"", now=NOW)
    for key, path, now, code in [
        (OTHER.public_key(), "/api/v1/feed?after=1", NOW, "bad_signature"),
        (KEY.public_key(), "/api/v1/feed?after=2", NOW, "bad_signature"),
        (KEY.public_key(), "/api/v1/feed?after=1", NOW + 301, "clock_skew"),
        (KEY.public_key(), "/api/v1/feed?after=1", NOW - 301, "clock_skew"),
    ]:
        with pytest.raises(p.ProtocolError) as e:
            p.verify_request(key, "GET", path, h, b"", now=now)
        assert e.value.wire_code == code
        assert e.value.detail  # Chinese text for the worker


def test_headers_are_case_insensitive():
    h = {k.lower(): v for k, v in p.sign_request(KEY, "s", "GET", "/x", b"", now=NOW).items()}
    assert p.verify_request(KEY.public_key(), "GET", "/x", h, b"", now=NOW).station_id == "s"


def test_messages_roundtrip():
    msgs = [
        p.EnrollRequest("ABCD-EFGH", p.public_key_b64(KEY), "雁塔区某某社区便民服务站", "0.1.0"),
        p.EnrollResponse(
            "sid",
            3,
            "610113",
            "雁塔区",
            p.public_key_b64(OTHER),
            p.b64encode(b"x" * 32),
            "2026-01-01T00:00:00Z",
        ),
        p.CaseBatch([p.BatchCase("id1", 2, {"k": "v"})]),
        p.CaseBatchResult(
            [
                p.CaseReceipt("id1", 2, p.ReceiptStatus.ACCEPTED, 7, None, "ab"),
                p.CaseReceipt("id2", 1, p.ReceiptStatus.REJECTED, None, "事项已取消"),
            ]
        ),
        p.AttachmentStatus("a" * 64, 10, 5, False),
        p.FeedPage([p.FeedEvent(1, "decided", "c1", "2026-01-01T00:00:00Z", {"x": 1})], 1),
        p.FeedAck(9),
        p.Problem(401, "bad_signature", "签名无效", "签名无效", extra={"held": 3}),
    ]
    for m in msgs:
        assert type(m).from_dict(m.to_dict()) == m


@pytest.mark.parametrize(
    ("cls", "data"),
    [
        (p.EnrollRequest, {"code": "x", "public_key": "AAAA", "station_name": "n", "app_version": "1"}),
        (p.EnrollRequest, []),
        (p.BatchCase, {"id": "a", "version": 0, "case": {}}),
        (p.BatchCase, {"id": "a", "version": True, "case": {}}),
        (p.BatchCase, {"id": "a", "version": 1, "case": "x"}),
        (p.CaseBatch, {"cases": [{}] * (p.MAX_BATCH_CASES + 1)}),
        (p.AttachmentStatus, {"sha256": "A" * 64, "size": 1, "received": 0, "complete": False}),
        (
            p.FeedPage,
            {
                "events": [
                    {"seq": 2, "type": "t", "case_id": None, "at": "t", "payload": {}},
                    {"seq": 1, "type": "t", "case_id": None, "at": "t", "payload": {}},
                ],
                "next": 2,
            },
        ),
        (p.CaseReceipt, {"id": "a", "version": 1, "status": "maybe"}),
    ],
)
def test_bad_messages_raise_protocol_error(cls, data):
    with pytest.raises(p.ProtocolError):
        cls.from_dict(data)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(), c, max_size=3),
        max_leaves=10,
    )
)
def test_parsers_never_raise_anything_but_protocol_error(data):
    for cls in (
        p.EnrollRequest,
        p.BatchCase,
        p.CaseBatch,
        p.CaseBatchResult,
        p.AttachmentStatus,
        p.FeedPage,
        p.FeedAck,
        p.Problem,
        p.SignedEnvelope,
        p.EnrollResponse,
    ):
        with contextlib.suppress(p.ProtocolError):
            cls.from_dict(data)


def _envelope(**kw):
    args = {
        "kind": "catalog",
        "version": 5,
        "payload": {"items": []},
        "issued_at": "2026-01-01T00:00:00Z",
        "expires_at": "2027-01-01T00:00:00Z",
        "key_id": "k1",
    }
    args.update(kw)
    return p.sign_envelope(KEY, **args).to_dict()


def test_envelope_verify_and_refusals():
    now = "2026-06-01T00:00:00Z"
    env = p.verify_envelope(
        _envelope(), KEY.public_key(), kind="catalog", now_iso=now, key_id="k1", min_version=4
    )
    assert env.version == 5
    tampered = _envelope()
    tampered["payload"] = {"items": [1]}
    cases = [
        (_envelope(), OTHER.public_key(), {}, "bad_document"),
        (tampered, KEY.public_key(), {}, "bad_document"),
        (_envelope(kind="calendar"), KEY.public_key(), {}, "bad_document"),
        (_envelope(), KEY.public_key(), {"key_id": "k2"}, "bad_document"),
        (_envelope(expires_at="2026-05-01T00:00:00Z"), KEY.public_key(), {}, "expired_document"),
        (_envelope(), KEY.public_key(), {"min_version": 5}, "stale_document"),
    ]
    for data, key, extra, code in cases:
        with pytest.raises(p.ProtocolError) as e:
            p.verify_envelope(data, key, kind="catalog", now_iso=now, **extra)
        assert e.value.wire_code == code
