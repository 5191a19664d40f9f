"""Enrollment: one-time codes (wrong, reused, expired refused), keys handed out, CLI code + QR."""

from __future__ import annotations

import datetime as dt
import io
import re
from contextlib import redirect_stdout

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import update

from casework import clock
from district_center.cli import main
from district_center.db.models import EnrollmentCode
from district_center.devtools.server import running_center
from district_center.services.stations.registry import (
    code_hash,
    create_station,
    new_enrollment_code,
    normalize_code,
)
from district_center.settings import Settings
from sync.protocol import EnrollRequest, EnrollResponse, canonical_json, public_key_b64


def _enroll(url: str, code: str, key: Ed25519PrivateKey | None = None) -> httpx.Response:
    key = key or Ed25519PrivateKey.generate()
    body = EnrollRequest(code, public_key_b64(key), "测试站", "1.0").to_dict()
    return httpx.post(url + "/api/v1/enroll", content=canonical_json(body))


def _problem(resp: httpx.Response, status: int, code: str) -> None:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body = resp.json()
    assert body["code"] == code and body["status"] == status
    assert re.search(r"[\u4e00-\u9fff]", body["detail"]), "detail must be Chinese text for the worker"


def test_code_is_human_typeable_and_long_enough():
    code = new_enrollment_code()
    assert re.fullmatch(r"([0-9A-HJKMNP-TV-Z]{4}-){4}[0-9A-HJKMNP-TV-Z]{4}", code)
    assert 20 * 5 >= 80  # 20 symbols of a 32-letter alphabet = 100 bits
    assert normalize_code(code.lower().replace("-", " ")) == code.replace("-", "")
    assert code_hash("o1l-i") == code_hash("0111")


def test_enroll_hands_out_identity_and_district_keys(center, district_keys):
    with center.db.session() as s:
        new = create_station(s, "雁塔区某某社区便民服务站")
    resp = _enroll(center.url, new.code)
    assert resp.status_code == 200, resp.text
    info = EnrollResponse.from_dict(resp.json())
    assert (info.station_id, info.station_no) == (new.station_id, new.station_no)
    assert info.catalog_signing_key == district_keys.signing_public_b64
    assert info.recovery_public_key == district_keys.recovery_public_b64
    assert info.district_code == "610113"


def test_wrong_reused_and_expired_codes_are_refused(center):
    _problem(_enroll(center.url, new_enrollment_code()), 403, "bad_enrollment_code")
    with center.db.session() as s:
        used = create_station(s, "站一").code
        expired = create_station(s, "站二")
    assert _enroll(center.url, used).status_code == 200
    _problem(_enroll(center.url, used), 403, "enrollment_code_used")
    with center.db.session() as s:
        s.execute(
            update(EnrollmentCode)
            .where(EnrollmentCode.station_id == expired.station_id)
            .values(expires_at=clock.now() - dt.timedelta(seconds=1))
        )
    _problem(_enroll(center.url, expired.code), 403, "enrollment_code_expired")


def test_concurrent_use_of_one_code_enrolls_once(center):
    import concurrent.futures

    with center.db.session() as s:
        code = create_station(s, "并发站").code
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        statuses = sorted(r.status_code for r in pool.map(lambda _: _enroll(center.url, code), range(4)))
    assert statuses == [200, 403, 403, 403]


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"code": "x"}',
        canonical_json({"code": "x", "public_key": "AAAA", "station_name": "n", "app_version": "1"}),
    ],
)
def test_malformed_enrollment_is_a_problem(center, body):
    resp = httpx.post(center.url + "/api/v1/enroll", content=body)
    _problem(resp, 400, "bad_message")


def test_enrollment_refused_until_keys_exist(tmp_path):
    with running_center(Settings(data_dir=tmp_path)) as running:
        with running.db.session() as s:
            code = create_station(s, "无密钥站").code
        _problem(_enroll(running.url, code), 503, "keys_not_initialised")


def test_cli_station_add_prints_code_and_qr_that_enrolls(center, district_keys, monkeypatch):
    data = center.settings.data_dir
    monkeypatch.setenv("CENTER_DATABASE_URL", center.settings.database_url)
    monkeypatch.setenv("CENTER_PUBLIC_URL", center.url)
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["station", "add", "曲江新区某某社区便民服务站", "--data-dir", str(data)]) == 0
    text = out.getvalue()
    code = re.search(r"一次性注册码：(\S+)", text).group(1)
    assert "▄" in text or "█" in text  # the QR code was drawn
    import segno

    assert segno.make(f"bmzz-enroll:{center.url}#{code}", error="m").terminal  # same payload encodable
    assert _enroll(center.url, code).status_code == 200
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["station", "list", "--data-dir", str(data)]) == 0
    assert "曲江新区某某社区便民服务站" in out.getvalue() and "正常" in out.getvalue()
