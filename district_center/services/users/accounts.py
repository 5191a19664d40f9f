"""Back-office accounts: Argon2id password hashes, lockout, bearer tokens, roles.

Roles: ``catalog_admin`` (publishes the 事项清单 and holiday calendar), ``reviewer`` (后台审批 for one
``department`` — one of the 实施主体 of the published catalog, :func:`district_departments`), ``supervisor``
(电子监察), ``station_admin`` (enrolls and revokes stations), ``user_admin`` (creates these accounts in the
console).

Password hashes are PHC strings ``$argon2id$v=19$m=…,t=…,p=…$salt$hash`` (``cryptography``'s Argon2id);
where the OpenSSL build lacks Argon2 they fall back to ``$scrypt$n=…,r=…,p=…$salt$hash``. Tokens are 256
random bits handed to the client once; only their sha256 is stored. Five wrong passwords lock an account for
15 minutes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from casework import clock
from casework.errors import DomainError
from district_center.db.models import AuthToken, User
from district_center.services.audit import audit
from district_center.services.catalog.current import current_catalog

ROLES = ("catalog_admin", "reviewer", "supervisor", "station_admin", "user_admin")
MAX_FAILED = 5
LOCK_MINUTES = 15
_ARGON = {"m": 19456, "t": 2, "p": 1}  # OWASP minimum for Argon2id (19 MiB, 2 passes)
_SCRYPT = {"n": 2**15, "r": 8, "p": 1}


class AuthError(DomainError):
    """Login refused (``center.users.login_failed`` / ``center.users.locked``); never says which part was
    wrong."""

    code = "center.users.login_failed"


class AccountError(DomainError, ValueError):
    """An account that cannot be created as asked (``center.users.*``); still a ``ValueError``."""

    code = "center.users.refused"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def _argon2(password: bytes, salt: bytes, m: int, t: int, p: int) -> bytes:
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

    return Argon2id(salt=salt, length=32, iterations=t, lanes=p, memory_cost=m).derive(password)


def _scrypt(password: bytes, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password, salt=salt, n=n, r=r, p=p, dklen=32, maxmem=2**27)


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    pw = password.encode("utf-8")
    try:
        digest = _argon2(pw, salt, **_ARGON)
        params = ",".join(f"{k}={v}" for k, v in _ARGON.items())
        return f"$argon2id$v=19${params}${_b64(salt)}${_b64(digest)}"
    except Exception:  # cryptography built without Argon2 (UnsupportedAlgorithm or ImportError)
        digest = _scrypt(pw, salt, **_SCRYPT)
        params = ",".join(f"{k}={v}" for k, v in _SCRYPT.items())
        return f"$scrypt${params}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str) -> bool:
    parts = encoded.split("$")
    try:
        if parts[1] == "argon2id":
            params = dict(kv.split("=") for kv in parts[3].split(","))
            salt, expected = _unb64(parts[4]), _unb64(parts[5])
            got = _argon2(password.encode(), salt, int(params["m"]), int(params["t"]), int(params["p"]))
        elif parts[1] == "scrypt":
            params = dict(kv.split("=") for kv in parts[2].split(","))
            salt, expected = _unb64(parts[3]), _unb64(parts[4])
            got = _scrypt(password.encode(), salt, int(params["n"]), int(params["r"]), int(params["p"]))
        else:
            return False
    except (IndexError, KeyError, ValueError):
        return False
    return hmac.compare_digest(got, expected)


def check_password_strength(password: str) -> None:
    if len(password) < 10:
        raise AccountError("center.users.password_too_short", min_len=10)


def district_departments(session: Session) -> list[str]:
    """The 实施主体 (departments) of the published catalog's items, sorted: what a reviewer may work for.
    Empty before the first publication."""
    catalog = current_catalog(session)
    return sorted({i.department for i in catalog.items if i.department}) if catalog is not None else []


def create_user(
    session: Session,
    username: str,
    password: str,
    roles: list[str],
    *,
    department: str | None = None,
    display_name: str = "",
    actor: str = "cli",
    departments: Collection[str] | None = None,
) -> User:
    """A new account. A reviewer's ``department`` must be one of ``departments`` when they are given (the
    console and the CLI give :func:`district_departments`, so a typo cannot make a reviewer who sees no
    case)."""
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        if not unknown:
            raise AccountError("center.users.no_roles", roles=", ".join(ROLES))
        raise AccountError("center.users.unknown_roles", unknown=", ".join(unknown), roles=", ".join(ROLES))
    if "reviewer" in roles and not department:
        raise AccountError("center.users.department_required")
    if "reviewer" in roles and departments is not None and department not in departments:
        if not departments:
            raise AccountError("center.users.no_departments")
        raise AccountError("center.users.unknown_department", department=department)
    check_password_strength(password)
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise AccountError("center.users.username_taken", username=username)
    user = User(
        username=username,
        password_hash=hash_password(password),
        display_name=display_name,
        roles=sorted(set(roles)),
        department=department,
        disabled=False,
        failed_attempts=0,
    )
    session.add(user)
    session.flush()
    audit(session, actor, "user.create", f"user:{user.id}", roles=user.roles)
    return user


def login(
    session: Session, username: str, password: str, *, minutes: int, now: datetime | None = None
) -> tuple[str, datetime]:
    """A new bearer token and its expiry, or ``AuthError``."""
    now = now or clock.now()
    refused = AuthError("center.users.login_failed")
    user = session.scalar(select(User).where(User.username == username).with_for_update())
    if user is None or user.disabled:
        hash_password(password)  # same work either way: no timing oracle for unknown names
        raise refused
    if user.locked_until is not None and user.locked_until > now:
        raise AuthError("center.users.locked", until=f"{user.locked_until:%H:%M}")
    if not verify_password(password, user.password_hash):
        user.failed_attempts += 1
        if user.failed_attempts >= MAX_FAILED:
            user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
            user.failed_attempts = 0
            audit(session, f"user:{user.id}", "user.locked", f"user:{user.id}")
        raise refused
    user.failed_attempts = 0
    user.locked_until = None
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(minutes=minutes)
    session.execute(delete(AuthToken).where(AuthToken.expires_at < now))
    session.add(AuthToken(token_hash=token_hash(token), user_id=user.id, created_at=now, expires_at=expires))
    audit(session, f"user:{user.id}", "user.login", f"user:{user.id}")
    return token, expires


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_for_token(session: Session, token: str, now: datetime | None = None) -> User | None:
    now = now or clock.now()
    row = session.get(AuthToken, token_hash(token))
    if row is None or row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    return None if user is None or user.disabled else user


def logout(session: Session, token: str) -> None:
    session.execute(delete(AuthToken).where(AuthToken.token_hash == token_hash(token)))
