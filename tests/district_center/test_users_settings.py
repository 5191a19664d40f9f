"""Back-office accounts and tokens; settings layering; the JSON log format."""

from __future__ import annotations

import json
import logging
from typing import Annotated

import httpx
import pytest
from fastapi import Depends

from casework import messages
from casework.errors import DomainError
from district_center.api.deps import CurrentUser, require_user
from district_center.db.models import User
from district_center.logs import JsonFormatter
from district_center.services.users.accounts import create_user, hash_password, verify_password
from district_center.settings import Settings, SettingsError, load_settings

from .test_enrollment import _problem


def test_password_hash_is_argon2id_and_verifies():
    encoded = hash_password("正确的密码 horse battery")
    assert encoded.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert verify_password("正确的密码 horse battery", encoded)
    assert not verify_password("wrong", encoded)
    assert not verify_password("x", "$md5$nope")


def test_create_user_checks_roles_department_and_password(center):
    with center.db.session() as s:
        with pytest.raises(ValueError) as unknown:
            create_user(s, "a", "long enough pw", ["root"])
        assert isinstance(unknown.value, DomainError) and unknown.value.code == "center.users.unknown_roles"
        with pytest.raises(ValueError) as no_department:
            create_user(s, "a", "long enough pw", ["reviewer"])
        assert isinstance(no_department.value, DomainError)
        assert no_department.value.code == "center.users.department_required"
        with pytest.raises(ValueError) as short:
            create_user(s, "a", "short", ["supervisor"])
        assert isinstance(short.value, DomainError) and short.value.params == {"min_len": 10}


def test_token_login_roles_lockout_and_logout(center):
    with center.db.session() as s:
        create_user(s, "reviewer1", "审批员的长密码123", ["reviewer"], department="区民政局")
    url = center.url + "/api/v1/auth"
    resp = httpx.post(url + "/token", json={"username": "reviewer1", "password": "审批员的长密码123"})
    assert resp.status_code == 200, resp.text
    token = resp.json()["access_token"]
    me = httpx.get(url + "/me", headers={"authorization": f"Bearer {token}"})
    assert me.json() == {"username": "reviewer1", "roles": ["reviewer"], "department": "区民政局"}
    _problem(httpx.get(url + "/me"), 401, "login_required")
    _problem(httpx.get(url + "/me", headers={"authorization": "Bearer nope"}), 401, "login_expired")
    assert httpx.post(url + "/logout", headers={"authorization": f"Bearer {token}"}).status_code == 204
    _problem(httpx.get(url + "/me", headers={"authorization": f"Bearer {token}"}), 401, "login_expired")
    for _ in range(5):
        _problem(
            httpx.post(url + "/token", json={"username": "reviewer1", "password": "bad"}), 401, "login_failed"
        )
    locked = httpx.post(url + "/token", json={"username": "reviewer1", "password": "审批员的长密码123"})
    _problem(locked, 401, "login_failed")
    with center.db.read_session() as s:
        until = s.query(User).filter_by(username="reviewer1").one().locked_until
    assert locked.json()["detail"] == messages.text(
        "center.users.locked", {"until": f"{until:%H:%M}"}, "zh_CN"
    )
    with center.db.read_session() as s:
        assert s.query(User).filter_by(username="reviewer1").one().locked_until is not None
    _problem(httpx.post(url + "/token", content=b"{}"), 400, "bad_request")


def test_require_user_enforces_roles(center):
    app = center.app

    @app.get("/test-only/supervise")
    def supervise(user: Annotated[CurrentUser, Depends(require_user("supervisor"))]) -> dict[str, str]:
        return {"user": user.username}

    with center.db.session() as s:
        create_user(s, "sup1", "督查员的长密码123", ["supervisor"])
        create_user(s, "cat1", "目录管理员的长密码123", ["catalog_admin"])
    tc = httpx.Client(base_url=center.url)
    tokens = {
        u: tc.post("/api/v1/auth/token", json={"username": u, "password": p}).json()["access_token"]
        for u, p in [("sup1", "督查员的长密码123"), ("cat1", "目录管理员的长密码123")]
    }
    assert tc.get("/test-only/supervise", headers={"authorization": f"Bearer {tokens['sup1']}"}).json() == {
        "user": "sup1"
    }
    denied = tc.get("/test-only/supervise", headers={"authorization": f"Bearer {tokens['cat1']}"})
    assert denied.status_code == 403 and denied.json()["code"] == "forbidden"


def test_settings_layering(tmp_path):
    cfg = tmp_path / "center.toml"
    cfg.write_text(
        '[center]\nport = 9000\nskew_seconds = 120\ndistrict_name = "雁塔区"\nother = 1\n', "utf-8"
    )
    env = {"CENTER_PORT": "9100", "CENTER_AUTO_MIGRATE": "false", "CENTER_DATA_DIR": str(tmp_path / "d")}
    s = load_settings(cfg, env=env, host="0.0.0.0")
    assert (s.port, s.skew_seconds, s.district_name, s.auto_migrate, s.host) == (
        9100,
        120,
        "雁塔区",
        False,
        "0.0.0.0",
    )
    assert s.database_url == f"sqlite:///{tmp_path / 'd' / 'center.sqlite3'}"
    assert s.blob_dir == tmp_path / "d" / "blobs" and s.extra == {"other": 1}
    (tmp_path / "c.json").write_text('{"max_attachment_bytes": 1024}', "utf-8")
    assert load_settings(tmp_path / "c.json", env={}).max_attachment_bytes == 1024
    with pytest.raises(SettingsError, match="port"):
        load_settings(env={"CENTER_PORT": "eighty"})
    assert Settings().resolved().max_attachment_bytes == 50 * 1024 * 1024


def test_json_log_lines_carry_fields_not_bodies():
    record = logging.makeLogRecord(
        {
            "msg": "request",
            "levelname": "INFO",
            "name": "district_center.http",
            "route": "/api/v1/cases/{case_id}",
            "status": 200,
            "station": "s-1",
        }
    )
    line = json.loads(JsonFormatter().format(record))
    assert line["msg"] == "request" and line["route"] == "/api/v1/cases/{case_id}" and line["status"] == 200


def test_a_reviewer_works_for_a_department_of_the_catalog_and_a_typo_is_refused(center):
    from district_center.services.users.accounts import district_departments

    with center.db.session() as s:
        with pytest.raises(ValueError) as nothing_published:
            create_user(s, "r0", "long enough pw", ["reviewer"], department="市民政局", departments=[])
        assert getattr(nothing_published.value, "code", "") == "center.users.no_departments"
        known = district_departments(s) or ["市民政局", "市人社局"]
        with pytest.raises(ValueError) as typo:
            create_user(
                s, "r1", "long enough pw", ["reviewer"], department=known[0] + "局", departments=known
            )
        assert getattr(typo.value, "code", "") == "center.users.unknown_department"
        assert messages.text(typo.value.code, typo.value.params, "en").startswith(f"“{known[0]}局”")  # type: ignore[attr-defined]
        made = create_user(s, "r2", "long enough pw", ["reviewer"], department=known[0], departments=known)
        assert made.department == known[0]
        s.rollback()
